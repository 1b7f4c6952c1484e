"""LocalAgreement-2 commit policy with scripted hypotheses."""

from __future__ import annotations

from inference.asr.hypothesis_buffer import HypothesisBuffer
from tests.unit.asr_fakes import words


def test_commits_only_what_two_hypotheses_agree_on() -> None:
    hb = HypothesisBuffer()
    hb.insert(list(words("we have about")))
    assert hb.flush() == []
    assert [w.text for w in hb.tail()] == [" we", " have", " about"]
    hb.insert(list(words("we have about thirty agents")))
    assert [w.text.strip() for w in hb.flush()] == ["we", "have", "about"]
    assert [w.text.strip() for w in hb.tail()] == ["thirty", "agents"]


def test_disagreement_commits_nothing_and_case_or_punctuation_do_not_matter() -> None:
    hb = HypothesisBuffer()
    hb.insert(list(words("ask not what")))
    hb.flush()
    hb.insert(list(words("asked not what")))
    assert hb.flush() == []
    hb.insert(list(words("Asked, not what your")))
    assert [w.text.strip() for w in hb.flush()] == ["Asked,", "not", "what"]


def test_committed_words_are_never_committed_again() -> None:
    hb = HypothesisBuffer()
    for text in ("one two three", "one two three four", "one two three four five"):
        hb.insert(list(words(text)))
        hb.flush()
    hb.insert(list(words("one two three four five six")))
    all_committed = [w.text.strip() for w in hb.committed] + [
        w.text.strip() for w in hb.flush_all()
    ]
    assert all_committed == ["one", "two", "three", "four", "five", "six"]


def test_overlap_with_committed_tail_is_dropped_after_a_trim() -> None:
    hb = HypothesisBuffer()
    hb.insert(list(words("a b c")))
    hb.flush()
    hb.insert(list(words("a b c d")))
    hb.flush()  # commits a b c (ends at 0.85)
    hb.pop_committed(0.3)
    # The trimmed window starts later but re-hears "c" with a slightly earlier time.
    again = list(words("c d e", start=0.8))
    hb.insert(again)
    assert [w.text.strip() for w in hb.flush_all()] == ["d", "e"]


def test_flush_all_commits_the_latest_hypothesis_at_once() -> None:
    hb = HypothesisBuffer()
    hb.insert(list(words("send it over")))
    hb.flush()
    hb.insert(list(words("send it over and I will see")))
    assert [w.text.strip() for w in hb.flush_all()] == [
        "send",
        "it",
        "over",
        "and",
        "I",
        "will",
        "see",
    ]
    assert hb.tail() == []


def test_final_pieces_join_with_spaces_but_keep_split_words_whole() -> None:
    from inference.asr.text import join_pieces

    assert join_pieces("over 10", ",000 a year") == "over 10,000 a year"
    assert join_pieces("the customer", "'s data.") == "the customer's data."
    assert join_pieces("Sure, we", "have about") == "Sure, we have about"
    assert join_pieces("价格", "有点高") == "价格有点高"
    assert join_pieces("", " first ") == "first"


def test_a_number_agrees_with_its_spelling() -> None:
    hb = HypothesisBuffer()
    hb.insert(list(words("took three months and")))
    hb.flush()
    hb.insert(list(words("took 3 months, and we")))
    assert [w.text.strip() for w in hb.flush()] == ["took", "3", "months,", "and"]


def test_a_pause_commits_the_words_begun_before_it() -> None:
    hb = HypothesisBuffer()
    hb.insert(list(words("that sounds good but")))  # words start at 0.0, 0.3, 0.6, 0.9
    assert hb.flush() == []
    assert [w.text.strip() for w in hb.commit_before(0.8)] == ["that", "sounds", "good"]
    assert [w.text.strip() for w in hb.tail()] == ["but"]
    assert hb.commit_before(0.8) == []
    hb.insert(list(words("that sounds good but anything", start=0.0)))
    assert [w.text.strip() for w in hb.flush()] == ["but"]  # committed words are not repeated
