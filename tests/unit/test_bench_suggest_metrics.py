"""The counting of `parley bench suggest` on small hand-made sets and event lists."""

from __future__ import annotations

from desktop.commands.suggest_metrics import (
    dist,
    duplicate_pairs,
    near_duplicate,
    question_not_asking,
    same_fact_pairs,
    set_checks,
    summarise_sets,
)
from desktop.commands.suggest_sets import CallRun, analyse_call, summarise_calls, timed_turns
from inference.events import (
    EmotionEvent,
    GuardEvent,
    ObjectionEvent,
    RolesEvent,
    Source,
    SuggestionEvent,
    SuggestionPath,
    TranscriptEvent,
)


def _p(strategy: str, text: str, *sources: tuple[str, str], label: str | None = None) -> dict:
    path = {
        "strategy": strategy,
        "text": text,
        "sources": [{"file": f, "heading": h} for f, h in sources],
    }
    if label:
        path["label"] = label
    return path


def test_near_duplicate_prefix_copy_overlap_and_distinct() -> None:
    fact = "The sensors mount in under 10 minutes with a magnet."
    assert near_duplicate(fact, "For example: " + fact)
    assert near_duplicate("Pilot costs nothing for 60 days.", "pilot costs nothing, for 60 days")
    assert near_duplicate(
        "The pilot lends you 20 sensors for 60 days at no charge.",
        "The pilot lends you 20 sensors for 60 days, at no charge at all.",
    )
    assert not near_duplicate(
        "What would Marta need to see to approve it?",
        "The pilot lends you 20 sensors for 60 days at no charge.",
    )


def test_near_duplicate_chinese_by_bigrams() -> None:
    fact = "通过等保三级测评。"
    assert near_duplicate(fact, "值得一提：" + fact)
    # Two unrelated sentences share characters (我们, 的) but few bigrams.
    assert not near_duplicate("我们的数据存放在本省政务云上。", "您最担心的是老师培训的时间吗？")


def test_duplicate_pairs_counts_each_pair() -> None:
    a = _p("acknowledge_value", "Hardware is never discounted.")
    b = _p("offer_evidence", "Worth knowing: hardware is never discounted.")
    c = _p("ask_question", "What does a stop on the filler line cost you?")
    assert duplicate_pairs([a, b, c]) == 1
    assert duplicate_pairs([a, c]) == 0


def test_question_path_that_does_not_ask() -> None:
    assert question_not_asking(_p("ask_question", "Ridgeback Paper avoided 3 stops."))
    assert not question_not_asking(_p("ask_question", "What would Marta need to see?"))
    assert not question_not_asking(_p("ask_question", "老师们最担心哪一步？"))
    # the label decides before the strategy id; an answer move is not a question move
    assert question_not_asking(_p("m7", "数据放在本省。", label="追问顾虑"))
    assert not question_not_asking(_p("answer_question", "It is stored in Frankfurt."))
    assert not question_not_asking(_p("offer_evidence", "It is stored in Frankfurt."))


def test_same_fact_pairs_ignore_utterance_sources() -> None:
    a = _p("acknowledge_value", "x", ("sheet.md", "Pricing"))
    b = _p("offer_evidence", "y", ("sheet.md", "Pricing"), ("sheet.md", "Results"))
    c = _p("ask_question", "z?")
    c["sources"] = [{"utterance_id": "c3"}]
    d = _p("ask_question", "w?", ("sheet.md", "Competitors"))
    assert same_fact_pairs([a, b, c]) == 1
    assert same_fact_pairs([a, c, d]) == 0


def test_set_checks_wrong_language() -> None:
    paths = [
        _p("a", "理解，价格要合理。"),
        _p("b", "The pilot is free."),
        _p("c", "您在和谁比较？"),
    ]
    assert set_checks(paths, "zh")["wrong_language"] == 1
    assert (
        summarise_sets(
            [
                {"lang": "zh", "served": True, "paths": paths},
                {"lang": "zh", "served": False, "paths": []},
            ]
        )["wrong_language_paths"]
        == 1
    )


def test_dist_interpolates() -> None:
    assert dist([]) == {"n": 0, "p50": None, "p95": None}
    d = dist([float(x) for x in range(1, 21)])
    assert d["n"] == 20 and d["p50"] == 10.5 and d["p95"] == 19.05


def test_timed_turns_from_word_count() -> None:
    turns = timed_turns(
        [
            {
                "speaker": "rep",
                "text": "one two three four five six seven eight nine ten eleven twelve thirteen",
            },
            {"speaker": "customer", "text": "ok"},
        ]
    )
    assert turns[0]["start"] == 0.0 and turns[0]["end"] == 5.0
    assert turns[1]["start"] == 5.6 and turns[1]["end"] == 6.6
    timed = [{"speaker": "rep", "text": "x", "start": 1.0, "end": 2.0}]
    assert timed_turns(timed) == timed


def _path(strategy: str, text: str, file: str = "p.md", heading: str = "H") -> SuggestionPath:
    return SuggestionPath(strategy, text, 0.9, (Source(file=file, heading=heading),))


def _events() -> list:
    def said(uid: str, speaker: str, start: float, end: float, text: str) -> TranscriptEvent:
        return TranscriptEvent(end, speaker, uid, start, end, text, True, "en")  # type: ignore[arg-type]

    instant = (
        _path("acknowledge_value", "Fair point, it adds up.", heading="Pricing"),
        _path("ask_question", "The pilot is free.", heading="Pricing"),
        _path("offer_evidence", "For example: the pilot is free.", heading="Pilot"),
    )
    refined = (
        instant[0],
        _path("ask_question", "What does one stop cost you?", heading="Results"),
        _path("offer_evidence", "The pilot lends 20 sensors for 60 days.", heading="Pilot"),
    )
    return [
        said("r1", "rep", 0.0, 2.0, "Hello."),
        said("c1", "customer", 2.6, 4.0, "Lovely weather."),
        ObjectionEvent(4.0, "c1", 2.6, 4.0, "need", 0.6),
        SuggestionEvent(4.1, "c1", "instant", instant, 0.1),
        said("c2", "customer", 4.6, 7.0, "That is too expensive."),
        ObjectionEvent(7.0, "c2", 4.6, 7.0, "price", 0.95),
        EmotionEvent(7.0, "c2", 4.6, 7.0, "negative", "concerned", 0.8),
        RolesEvent(7.0, "c2", ("cfo",)),
        SuggestionEvent(7.2, "c2", "instant", instant, 0.2),
        GuardEvent(8.0, "c2", 1, "check:asks", "blocked"),
        GuardEvent(8.1, "c2", 2, "max_discount", "rewritten"),
        SuggestionEvent(9.5, "c2", "refined", refined, 2.5),
        said("c3", "customer", 7.6, 9.0, "We use a rival."),
    ]


def _turns() -> list[dict]:
    return [
        {"speaker": "rep", "text": "Hello.", "start": 0.0, "end": 2.0},
        {
            "speaker": "customer",
            "text": "Lovely weather.",
            "start": 2.6,
            "end": 4.0,
            "objection": None,
        },
        {
            "speaker": "customer",
            "text": "That is too expensive.",
            "start": 4.6,
            "end": 7.0,
            "objection": "price",
        },
        {
            "speaker": "customer",
            "text": "We use a rival.",
            "start": 7.6,
            "end": 9.0,
            "objection": "competitor",
        },
    ]


def test_analyse_call_final_set_served_false_alarm_and_checker() -> None:
    events = _events()
    run = CallRun("c", "en", "pb", _turns(), events, [float(i) for i in range(len(events))])
    report, rows = analyse_call(run)
    assert report["false_alarm_turns"] == [1]
    assert [r["turn"] for r in rows] == [2, 3]
    price, rival = rows
    assert price["served"] and not rival["served"] and rival["paths"] == []
    # the final set is the last suggestion event's: the refined question asks
    assert price["paths"][1]["text"] == "What does one stop cost you?"
    assert price["detected"] == {
        "category": "price",
        "confidence": 0.95,
        "valence": "negative",
        "emotion": "concerned",
        "roles": ["cfo"],
    }
    assert [t["speaker"] for t in price["conversation"]] == ["rep", "customer", "customer"]
    turn = report["turns"][0]
    assert turn["checker_rejected"] == 1 and turn["guard_rules"] == ["check:asks", "max_discount"]
    assert turn["instant_s"] == 0.2 and turn["first_refined_s"] == 2.5
    assert turn["all_refined_s"] == 2.5 and turn["compute_s"] == 6.0
    assert turn["duplicate_set"] is False and turn["question_not_asking"] == 0
    # the acknowledge path kept its instant text, which the false alarm's set showed already
    assert turn["refined_unchanged"] == 1 and turn["repeats_earlier"] == 1
    summary = summarise_calls([report])
    assert summary["objection_turns"] == 2 and summary["turns_served"] == 1
    assert summary["false_alarms"] == 1 and summary["checker_rejected_paths"] == 1


def test_analyse_call_counts_the_instant_set_when_nothing_refined() -> None:
    events = [e for e in _events() if not (isinstance(e, SuggestionEvent) and e.stage == "refined")]
    run = CallRun("c", "en", None, _turns(), events, [0.0] * len(events))
    report, _ = analyse_call(run)
    turn = report["turns"][0]
    assert turn["duplicate_set"] and turn["question_not_asking"] == 1
    assert turn["same_fact_set"] and turn["first_refined_s"] is None
