"""Scripted sessions (English and Chinese) for the timeline, export and report tests.

The calls are invented for these tests: a rep sells a generic help-desk product. Each call has
tentative and split final transcript events, emotion (with arousal), terms, roles, objections,
instant suggestions, refined suggestions streamed slot by slot, and guard events, in the order
and with the clock the events contract gives them.
"""

from __future__ import annotations

from dataclasses import dataclass

from inference.events import (
    EmotionEvent,
    Event,
    GuardEvent,
    ObjectionEvent,
    RolesEvent,
    Source,
    Speaker,
    StatusEvent,
    SuggestionEvent,
    SuggestionPath,
    TermsEvent,
    TranscriptEvent,
    Valence,
    from_dict,
    to_dict,
)


@dataclass(frozen=True)
class Turn:
    speaker: Speaker
    start: float
    end: float
    pieces: tuple[str, ...]
    valence: Valence = "neutral"
    label: str = "calm"
    objection: str | None = None
    terms: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()


EN_TURNS = (
    Turn(
        "rep", 0.0, 4.0, ("Hi, thanks for taking the time today.", "Shall we look at your queue?")
    ),
    Turn(
        "customer",
        4.6,
        9.8,
        ("Sure. We run about forty agents", "on a shared inbox right now."),
        terms=("shared inbox",),
    ),
    Turn("rep", 10.2, 14.0, ("For forty agents the annual plan comes to about twenty thousand.",)),
    Turn(
        "customer",
        14.5,
        20.2,
        ("Honestly that is far more than we budgeted", "for this year."),
        valence="negative",
        label="frustrated",
        objection="price",
        terms=("annual plan",),
    ),
    Turn("rep", 20.9, 25.0, ("I understand. What would the cost of slow replies be for you?",)),
    Turn(
        "customer",
        25.5,
        31.0,
        (
            "Our CFO signs off anything above ten thousand,",
            "call her at +1 415 555 0132 or mail cfo@example.com, card 4111 1111 1111 1111.",
        ),
        objection="authority",
        roles=("cfo",),
        terms=("sign-off",),
    ),
    Turn("rep", 31.6, 35.0, ("Happy to prepare a one-page summary for her.",)),
    Turn(
        "customer",
        35.4,
        39.0,
        ("That would help, thank you.",),
        valence="positive",
        label="relieved",
    ),
)

ZH_TURNS = (
    Turn("rep", 0.0, 4.5, ("您好，", "感谢您抽出时间，今天想聊聊工单系统。")),
    Turn(
        "customer",
        5.0,
        10.0,
        ("我们现在有三十个坐席，", "都在用共享邮箱处理工单。"),
        terms=("工单", "坐席"),
    ),
    Turn("rep", 10.5, 15.0, ("三十个坐席按年付，一年大约九万元。",)),
    Turn(
        "customer",
        15.6,
        21.0,
        ("这个价格太高了，", "超出了我们今年的预算。"),
        valence="negative",
        label="frustrated",
        objection="price",
        terms=("年付",),
    ),
    Turn("rep", 21.5, 26.0, ("理解，我们可以先算一下响应变慢的成本。",)),
    Turn(
        "customer",
        26.4,
        33.0,
        ("数据安全我们法务一定会问，", "联系人电话13812345678，身份证110101199003071233。"),
        objection="security",
        roles=("legal",),
        terms=("数据安全",),
    ),
    Turn("rep", 33.5, 37.0, ("数据存放在本地机房，可以出具安全报告。",)),
)

STRATEGIES = ("reframe value", "ask a question", "offer a pilot")


def _paths(
    uid: str, category: str, stage: str, lang: str, done: int = 3
) -> tuple[SuggestionPath, ...]:
    paths = []
    for i, strategy in enumerate(STRATEGIES):
        complete = stage == "instant" or i < done
        if lang == "zh":
            text = f"{'精炼' if stage == 'refined' and complete else '即时'}建议{i + 1}：围绕{category}回应客户。"
        else:
            text = f"{'Refined' if stage == 'refined' and complete else 'Instant'} path {i + 1} for {category}."
        sources: tuple[Source, ...] = (Source(file="playbook.md", heading=f"{category} {i + 1}"),)
        if i == 1:
            sources += (Source(utterance_id=uid),)
        paths.append(SuggestionPath(strategy, text, 0.5 + 0.1 * i, sources, complete))
    return tuple(paths)


def scripted_events(lang: str = "en") -> list[Event]:
    """A whole session's events in emission order; utterance ids are `{lang}-u{n}`."""
    turns = EN_TURNS if lang == "en" else ZH_TURNS
    events: list[Event] = [StatusEvent(0.0, "asr", "ready")]
    for n, turn in enumerate(turns):
        uid = f"{lang}-u{n}"
        span = (turn.end - turn.start) / len(turn.pieces)
        for k, piece in enumerate(turn.pieces):
            t = turn.start + span * (k + 1)
            events.append(
                TranscriptEvent(t - 0.1, turn.speaker, uid, turn.start, t, piece[:5], False, lang)
            )
            events.append(TranscriptEvent(t, turn.speaker, uid, turn.start, t, piece, True, lang))
        if turn.speaker != "customer":
            continue
        t = turn.end
        arousal = 0.8 if turn.valence == "negative" else 0.3
        events.append(
            EmotionEvent(t, uid, turn.start, turn.end, turn.valence, turn.label, 0.8, arousal)
        )
        events.append(TermsEvent(t, uid, turn.terms, 2.5 * len(turn.terms)))
        if turn.roles:
            events.append(RolesEvent(t, uid, turn.roles))
        if turn.objection:
            cat = turn.objection
            events.append(ObjectionEvent(t, uid, turn.start, turn.end, cat, 0.86))
            inst = _paths(uid, cat, "instant", lang)
            events.append(SuggestionEvent(t + 0.05, uid, "instant", inst, 0.05))  # type: ignore[arg-type]
            for done in (1, 2, 3):
                refined = _paths(uid, cat, "refined", lang, done)
                events.append(SuggestionEvent(t + 0.4 * done, uid, "refined", refined, 0.4 * done))  # type: ignore[arg-type]
                if done == 2 and cat == "price":
                    events.append(GuardEvent(t + 0.8, uid, 1, "discount-cap", "rewritten"))
    # Through the JSON contract, as a store or an events file would give them back.
    return [from_dict(to_dict(e)) for e in events]
    return events


def objection_ids(lang: str = "en") -> list[str]:
    turns = EN_TURNS if lang == "en" else ZH_TURNS
    return [f"{lang}-u{n}" for n, t in enumerate(turns) if t.objection]


def test_scripted_events_survive_the_json_contract() -> None:
    for lang in ("en", "zh"):
        events = scripted_events(lang)
        assert [from_dict(to_dict(e)) for e in events] == events
        assert [e.t for e in events] == sorted(e.t for e in events)
        suggestions = [e for e in events if isinstance(e, SuggestionEvent)]
        assert suggestions and all(len(s.paths) == 3 for s in suggestions)
