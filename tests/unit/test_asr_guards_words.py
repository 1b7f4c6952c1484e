"""Words of segments decoded without word timestamps."""

from __future__ import annotations

from itertools import pairwise

from inference.asr.guards import GuardConfig, guarded_words, segment_words
from inference.asr.types import Segment, Word


def seg(text: str, words: tuple[Word, ...] = ()) -> Segment:
    return Segment(1.0, 3.0, text, -0.2, 0.01, 1.2, words)


def test_text_is_split_at_spaces_and_the_span_shared_by_length() -> None:
    ws = segment_words(seg(" we have thirty agents"))
    assert [w.text for w in ws] == [" we", " have", " thirty", " agents"]
    assert ws[0].start == 1.0 and abs(ws[-1].end - 3.0) < 1e-9
    assert all(a.end == b.start for a, b in pairwise(ws))
    assert ws[2].end - ws[2].start > ws[0].end - ws[0].start  # longer word, longer span


def test_model_word_times_are_kept_and_empty_text_gives_no_words() -> None:
    own = (Word(1.0, 1.5, " hi"),)
    assert segment_words(seg(" hi", own)) == own
    assert segment_words(seg("  ")) == ()


def test_only_decodes_without_word_times_are_estimated() -> None:
    text_only = (seg(" thirty agents"),)
    assert guarded_words(text_only, GuardConfig()) == []  # the model aligned no words
    assert [w.text for w in guarded_words(text_only, GuardConfig(), estimate=True)] == [
        " thirty",
        " agents",
    ]
