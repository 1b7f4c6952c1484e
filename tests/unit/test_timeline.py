"""Timeline assembly: finals, emotion and terms, slots, choices, the rep's reply, notes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from desktop.report.timeline import ReviewNote, Timeline
from inference.events import (
    Event,
    ObjectionEvent,
    Source,
    SuggestionEvent,
    SuggestionPath,
    TranscriptEvent,
)
from tests.unit.test_report_scripted import objection_ids, scripted_events


def _final(
    t: float,
    uid: str,
    text: str,
    *,
    speaker: str = "customer",
    start: float = 0.0,
    lang: str = "en",
    final: bool = True,
) -> TranscriptEvent:
    return TranscriptEvent(t, speaker, uid, start, t, text, final, lang)  # type: ignore[arg-type]


def _path(text: str, *, complete: bool = True) -> SuggestionPath:
    return SuggestionPath("s", text, 0.5, (Source(file="p.md", heading="h"),), complete)


def _suggestion(
    t: float, uid: str, stage: str, *texts_complete: tuple[str, bool]
) -> SuggestionEvent:
    paths = tuple(_path(text, complete=c) for text, c in texts_complete)
    return SuggestionEvent(t, uid, stage, paths, 0.1)  # type: ignore[arg-type]


def test_finals_are_concatenated_per_utterance_and_tentatives_ignored() -> None:
    events: list[Event] = [
        _final(1.0, "u1", "we have", final=False),
        _final(1.5, "u1", "We have forty"),
        _final(2.0, "u1", "agents,"),
        _final(2.1, "u2", "好的", speaker="rep", start=2.05, lang="zh"),
        _final(2.6, "u1", "mostly remote", final=False),
        _final(3.0, "u1", "mostly remote."),
        _final(3.2, "u2", "，明白。", speaker="rep", start=2.05, lang="zh"),
        _final(4.0, "u3", "never finalised", final=False, start=3.5),
    ]
    tl = Timeline.from_events(events)
    assert [u.utterance_id for u in tl.utterances] == ["u1", "u2"]
    u1, u2 = tl.utterances
    assert u1.text == "We have forty agents, mostly remote."
    assert (u1.start, u1.end, u1.speaker) == (0.0, 3.0, "customer")
    assert u2.text == "好的，明白。" and u2.lang == "zh" and u2.speaker == "rep"
    assert tl.duration == 4.0


def test_refined_paths_replace_instant_per_slot() -> None:
    events: list[Event] = [
        _final(1.0, "c1", "Too expensive."),
        ObjectionEvent(1.0, "c1", 0.0, 1.0, "price", 0.9),
        _suggestion(1.05, "c1", "instant", ("i0", True), ("i1", True), ("i2", True)),
        _suggestion(1.5, "c1", "refined", ("r0", True), ("i1", False), ("i2", False)),
        _suggestion(2.0, "c1", "refined", ("r0", True), ("i1", False), ("r2", True)),
    ]
    (o,) = Timeline.from_events(events).objections
    assert [s.instant.text for s in o.slots if s.instant] == ["i0", "i1", "i2"]
    assert [(s.refined.text, s.refined.complete) for s in o.slots if s.refined] == [
        ("r0", True),
        ("i1", False),
        ("r2", True),
    ]
    assert [s.shown.text for s in o.slots if s.shown] == ["r0", "i1", "r2"]
    assert o.instant_latency_s == pytest.approx(0.1) and o.refined_latency_s == pytest.approx(0.1)
    assert o.customer_text == "Too expensive." and o.has_paths


def test_a_finished_refined_path_is_not_undone_by_a_later_unfinished_one() -> None:
    events: list[Event] = [
        ObjectionEvent(1.0, "c1", 0.0, 1.0, "price", 0.9),
        _suggestion(1.5, "c1", "refined", ("r0", True), ("i1", False), ("i2", False)),
        _suggestion(2.0, "c1", "refined", ("i0", False), ("r1", True), ("i2", False)),
    ]
    (o,) = Timeline.from_events(events).objections
    assert [s.refined.text for s in o.slots if s.refined] == ["r0", "r1", "i2"]
    # No instant event came: the slot still shows what it has.
    assert o.slots[2].shown is not None and o.slots[2].shown.text == "i2"


def test_scripted_call_objections_choices_and_rep_replies() -> None:
    for lang in ("en", "zh"):
        events = scripted_events(lang)
        first, second = objection_ids(lang)
        record = SimpleNamespace(objection_utterance_id=first, path=2)
        tl = Timeline.from_events(events, choices=[(first, 0), record])
        assert [o.utterance_id for o in tl.objections] == [first, second]
        o1, o2 = tl.objections
        assert o1.chosen_path == 2 and o2.chosen_path is None  # the latest choice wins
        assert all(o.has_paths for o in tl.objections)
        assert all(s.refined and s.refined.complete for o in tl.objections for s in o.slots)
        # The rep's reply is the next rep utterance after the objection.
        after = [u for u in tl.utterances if u.start > o1.end]
        assert o1.rep_reply == next(u for u in after if u.speaker == "rep")
        assert [g.rule for g in o1.guards] == ["discount-cap"] and o2.guards == ()
        assert len(tl.guards) == 1
        assert {p.valence for p in tl.emotion} == {"neutral", "negative", "positive"} - (
            {"positive"} if lang == "zh" else set()
        )
        assert all(p.arousal is not None for p in tl.emotion)
        assert [p.t for p in tl.terms] == sorted(p.t for p in tl.terms)
        assert tl.lang == lang
        assert [r.roles for r in tl.roles]


def test_negative_emotion_gives_a_negative_valence_score() -> None:
    tl = Timeline.from_events(scripted_events("en"))
    scores = {p.valence: p.valence_score for p in tl.emotion}
    assert scores["negative"] < 0 < scores["positive"] and scores["neutral"] == 0


def test_no_rep_reply_when_the_rep_said_nothing_after() -> None:
    events: list[Event] = [
        _final(1.0, "r1", "Hello.", speaker="rep"),
        _final(3.0, "c1", "Too expensive.", start=2.0),
        ObjectionEvent(3.0, "c1", 2.0, 3.0, "price", 0.9),
    ]
    (o,) = Timeline.from_events(events).objections
    assert o.rep_reply is None


def test_review_notes_from_dataclasses_mappings_and_objects() -> None:
    events = scripted_events("en")
    first, second = objection_ids("en")
    notes = [
        ReviewNote(first, rating=4, text="Solid.", preferred_path=1, why="It asks first."),
        {"objection_id": second, "rating": 2, "text": "Too generic.", "preferred_path": None},
        SimpleNamespace(
            objection_utterance_id=first,
            rating=None,
            text="Second look.",
            preferred_path=0,
            why="",
            author="coach",
        ),
    ]
    tl = Timeline.from_events(events, review_notes=notes)
    o1, o2 = tl.objections
    assert [(n.rating, n.preferred_path, n.author) for n in o1.notes] == [
        (4, 1, ""),
        (None, 0, "coach"),
    ]
    assert o2.notes[0].text == "Too generic." and o2.notes[0].rating == 2


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"choices": {"c1": 3}}, "0 to 2"),
        ({"review_notes": [{"rating": 3}]}, "names no objection"),
        ({"review_notes": [{"objection_id": "c1", "rating": 6}]}, "1 to 5"),
    ],
)
def test_out_of_range_choices_and_notes_are_refused(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Timeline.from_events(scripted_events("en"), **kwargs)


def test_empty_session_gives_an_empty_timeline() -> None:
    tl = Timeline.from_events([])
    assert tl.utterances == () and tl.objections == () and tl.duration == 0.0 and tl.lang == "en"


def test_a_tentative_objection_is_no_objection_turn_until_confirmed() -> None:
    events: list[Event] = [
        _final(1.0, "c1", "We'd maybe look at cost.", start=0.0),
        ObjectionEvent(1.1, "c1", 0.0, 1.0, "price", 0.4, tentative=True),
        _final(3.0, "c2", "We bake bread.", start=2.0),
    ]
    assert Timeline.from_events(events).objections == ()
    confirmed = ObjectionEvent(5.1, "c3", 0.0, 5.0, "price", 0.7)
    events += [_final(5.0, "c3", "Yes, the cost.", start=4.0), confirmed]
    (o,) = Timeline.from_events(events).objections
    assert (o.utterance_id, o.category, o.confidence) == ("c3", "price", 0.7)


def test_review_names_only_objections_that_raised_suggestions() -> None:
    from desktop.store.review import objection_ids

    events: list[Event] = [
        ObjectionEvent(1.0, "c1", 0.0, 1.0, "price", 0.4, tentative=True),
        ObjectionEvent(2.0, "c2", 0.0, 2.0, "price", 0.7),
    ]
    assert objection_ids(events) == ["c2"]
