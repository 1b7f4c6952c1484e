"""What comes back from a decode with a forced prefix: the prefix's text and words removed."""

from __future__ import annotations

from inference.asr.types import Segment, Transcription, Word
from inference.asr.whisper_backend import _after_prefix, _strip_prefix


def _result(text: str, words: list[tuple[float, float, str]]) -> Transcription:
    seg = Segment(0.0, 6.0, text, -0.2, 0.01, 1.2, tuple(Word(a, b, t, 0.9) for a, b, t in words))
    return Transcription("en", 1.0, (seg,))


def test_the_prefix_text_and_its_words_are_dropped() -> None:
    result = _result(
        " Good morning. We need ten boxes.",
        [(0.1, 0.5, " Good"), (0.5, 1.0, " morning."), (3.0, 3.2, " We"), (3.2, 3.5, " need"),
         (3.5, 3.9, " ten"), (3.9, 4.4, " boxes.")],
    )  # fmt: skip
    out = _after_prefix(result, "Good  morning.")
    (seg,) = out.segments
    assert seg.text == " We need ten boxes."
    assert [w.text for w in seg.words] == [" We", " need", " ten", " boxes."]
    assert seg.start == 3.0
    assert seg.compression_ratio > 0


def test_a_word_that_straddles_the_prefix_end_keeps_only_its_new_part() -> None:
    result = _result(
        " it was 10,000", [(0.0, 0.3, " it"), (0.3, 0.6, " was"), (2.0, 2.6, " 10,000")]
    )
    (seg,) = _after_prefix(result, "it was 10").segments
    assert seg.text == ",000" and [w.text for w in seg.words] == [",000"]


def test_nothing_new_after_the_prefix_gives_no_segment() -> None:
    result = _result(" Good morning.", [(0.1, 0.5, " Good"), (0.5, 1.0, " morning.")])
    assert _after_prefix(result, "Good morning.").segments == ()


def test_a_decode_that_does_not_start_with_the_prefix_gives_nothing() -> None:
    result = _result(" Hello there.", [(0.1, 0.5, " Hello"), (0.5, 1.0, " there.")])
    assert _after_prefix(result, "Good morning.").segments == ()
    assert _strip_prefix(" 好的，我们", "好的") == "，我们"
    assert _strip_prefix("abc", "abd") is None
