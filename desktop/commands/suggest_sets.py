"""From a replayed scripted call's events to its final suggestion sets and figures.

Kept apart from the command so that the counting can be tested on hand-made event lists. A
scripted call's turns are matched to the pipeline's customer utterances by their start and end
(a timed transcript replays each turn with exactly those times), so a label never reaches the
pipeline yet every event can be traced back to its turn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from desktop.commands.suggest_metrics import dist, near_duplicate, set_checks
from inference.events import (
    EmotionEvent,
    Event,
    GuardEvent,
    ObjectionEvent,
    RolesEvent,
    SuggestionEvent,
    SuggestionPath,
    TranscriptEvent,
)
from inference.text import han_count

WORDS_PER_S = 2.6
GAP_S = 0.6
CHECKER_PREFIX = "check:"
_WORD = re.compile(r"[A-Za-z0-9']+")


@dataclass(frozen=True, slots=True)
class CallRun:
    """One replayed call: its identity, its (timed) turns and what the session emitted."""

    call_id: str
    lang: str
    playbook: str | None
    turns: list[dict[str, Any]]
    events: list[Event]
    walls: list[float]


def timed_turns(turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The turns with `start`/`end`; turns without them get a duration from their length.

    A call whose turns all carry times is returned as it is. Otherwise each turn lasts its word
    count / 2.6 words per second (a CJK character counts as half a word), at least 1 s, with
    0.6 s between turns: the pace of the rendered English calls.
    """
    if turns and all("start" in t and "end" in t for t in turns):
        return [dict(t) for t in turns]
    out: list[dict[str, Any]] = []
    t = 0.0
    for turn in turns:
        text = str(turn.get("text", ""))
        words = len(_WORD.findall(text)) + han_count(text) / 2
        duration = max(1.0, round(words / WORDS_PER_S, 2))
        out.append({**turn, "start": round(t, 2), "end": round(t + duration, 2)})
        t += duration + GAP_S
    return out


def path_dict(path: SuggestionPath) -> dict[str, Any]:
    """A path as the sets file keeps it; a `label` is kept when the engine gives one."""
    out: dict[str, Any] = {"strategy": path.strategy}
    label = getattr(path, "label", None)
    if label:
        out["label"] = label
    out.update(
        text=path.text,
        confidence=round(float(path.confidence), 3),
        sources=[s.to_dict() for s in path.sources],
    )
    return out


def _customer_uids(run: CallRun) -> dict[int, str]:
    """Turn index -> utterance id of the customer's final transcript with the turn's times."""
    finals = [
        e
        for e in run.events
        if isinstance(e, TranscriptEvent) and e.final and e.speaker == "customer"
    ]
    out: dict[int, str] = {}
    for i, turn in enumerate(run.turns):
        if turn.get("speaker") != "customer":
            continue
        start, end = float(turn["start"]), float(turn["end"])
        exact = [e for e in finals if abs(e.start - start) < 1e-3 and abs(e.end - end) < 1e-3]
        near = exact or [e for e in finals if e.start < end - 0.1 and e.end > start + 0.1]
        if near:
            out[i] = near[-1].utterance_id
    return out


def _last(events: list[Event], kind: type, uid: str) -> Any:
    """The last event of `kind` about utterance `uid` (a later read replaces an earlier one)."""
    found = [e for e in events if isinstance(e, kind) and getattr(e, "utterance_id", None) == uid]
    return found[-1] if found else None


def _detected(events: list[Event], uid: str) -> dict[str, Any]:
    objection = _last(events, ObjectionEvent, uid)
    emotion = _last(events, EmotionEvent, uid)
    roles = _last(events, RolesEvent, uid)
    return {
        "category": objection.category if objection else None,
        "confidence": round(objection.confidence, 3) if objection else None,
        "valence": emotion.valence if emotion else None,
        "emotion": emotion.label if emotion else None,
        "roles": list(roles.roles) if roles else [],
    }


def _latencies(shown: list[SuggestionEvent], end: float) -> dict[str, float | None]:
    instant = next((e for e in shown if e.stage == "instant"), None)
    refined = [e for e in shown if e.stage == "refined"]
    complete = next((e for e in refined if all(p.complete for p in e.paths)), None)
    return {
        "instant_s": round(instant.t - end, 3) if instant else None,
        "first_refined_s": round(refined[0].t - end, 3) if refined else None,
        "all_refined_s": round(complete.t - end, 3) if complete else None,
    }


def _compute_s(run: CallRun, uid: str) -> float | None:
    """Wall seconds from the objection event to the last suggestion event for it."""
    walls = [
        (w, e)
        for w, e in zip(run.walls, run.events, strict=False)
        if (isinstance(e, ObjectionEvent) and e.utterance_id == uid)
        or (isinstance(e, SuggestionEvent) and e.objection_utterance_id == uid)
    ]
    first = next((w for w, e in walls if isinstance(e, ObjectionEvent)), None)
    last = [w for w, e in walls if isinstance(e, SuggestionEvent)]
    return round(last[-1] - first, 3) if first is not None and last else None


def _repeats(
    final: list[dict[str, Any]],
    run: CallRun,
    index: int,
    uids: dict[int, str],
    shown_by: dict[str, list[SuggestionEvent]],
) -> int:
    """Final paths that near-copy a rep turn before this one or a path of an earlier set."""
    earlier = [str(t.get("text", "")) for t in run.turns[:index] if t.get("speaker") == "rep"]
    for j, uid in uids.items():
        if j < index and shown_by.get(uid):
            earlier += [p.text for p in shown_by[uid][-1].paths]
    return sum(any(near_duplicate(p["text"], e) for e in earlier if e) for p in final)


def _unchanged(shown: list[SuggestionEvent]) -> int:
    """Paths of a refined final set that are still, word for word, their slot's instant path."""
    instant = next((e for e in shown if e.stage == "instant"), None)
    if not shown or shown[-1].stage != "refined" or instant is None:
        return 0
    return sum(a.text == b.text for a, b in zip(instant.paths, shown[-1].paths, strict=False))


def analyse_call(run: CallRun) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The call's figures and its sets rows (one per customer turn labelled with an objection)."""
    uids = _customer_uids(run)
    shown_by: dict[str, list[SuggestionEvent]] = {}
    for e in run.events:
        if isinstance(e, SuggestionEvent):
            shown_by.setdefault(e.objection_utterance_id, []).append(e)
    guards = [e for e in run.events if isinstance(e, GuardEvent)]
    rows: list[dict[str, Any]] = []
    false_alarms: list[int] = []
    turn_rows: list[dict[str, Any]] = []
    for i, turn in enumerate(run.turns):
        if turn.get("speaker") != "customer":
            continue
        uid = uids.get(i)
        shown = shown_by.get(uid, []) if uid else []
        if not turn.get("objection"):
            if shown:
                false_alarms.append(i)
            continue
        final = [path_dict(p) for p in shown[-1].paths] if shown else []
        rejected = [g for g in guards if uid and g.objection_utterance_id == uid]
        rows.append(
            {
                "call": run.call_id,
                "turn": i,
                "lang": run.lang,
                "playbook": run.playbook,
                "label": turn.get("objection"),
                "conversation": [
                    {"speaker": t.get("speaker"), "text": t.get("text", "")}
                    for t in run.turns[: i + 1]
                ],
                "detected": _detected(run.events, uid) if uid else _detected([], ""),
                "served": bool(shown),
                "paths": final,
            }
        )
        turn_rows.append(
            {
                "turn": i,
                "label": turn.get("objection"),
                "served": bool(shown),
                "category": rows[-1]["detected"]["category"],
                **_latencies(shown, float(turn["end"])),
                "compute_s": _compute_s(run, uid) if uid else None,
                "checker_rejected": sum(g.rule.startswith(CHECKER_PREFIX) for g in rejected),
                "guard_rules": sorted({g.rule for g in rejected}),
                **(set_checks(final, run.lang) if final else {}),
                "repeats_earlier": _repeats(final, run, i, uids, shown_by),
                "refined_unchanged": _unchanged(shown),
            }
        )
    checker_all = sum(g.rule.startswith(CHECKER_PREFIX) for g in guards)
    report = {
        "call": run.call_id,
        "lang": run.lang,
        "playbook": run.playbook,
        "false_alarm_turns": false_alarms,
        "checker_rejected_all": checker_all,
        "turns": turn_rows,
    }
    return report, rows


def summarise_calls(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """Figures over the per-call reports of `analyse_call`."""
    rows = [r for rep in reports for r in rep["turns"]]
    served = [r for r in rows if r["served"]]

    def total(key: str) -> int:
        return sum(int(r.get(key, 0)) for r in served)

    return {
        "objection_turns": len(rows),
        "turns_served": len(served),
        "false_alarms": sum(len(rep["false_alarm_turns"]) for rep in reports),
        "duplicate_sets": total("duplicate_set"),
        "question_paths_not_asking": total("question_not_asking"),
        "checker_rejected_paths": total("checker_rejected"),
        "same_fact_sets": total("same_fact_set"),
        "same_fact_pairs": total("same_fact_pairs"),
        "wrong_language_paths": total("wrong_language"),
        "paths_repeating_earlier": total("repeats_earlier"),
        "refined_paths_unchanged": total("refined_unchanged"),
        "latency_s": {
            key: dist(r[f"{key}_s"] for r in served if r.get(f"{key}_s") is not None)
            for key in ("instant", "first_refined", "all_refined")
        },
        "compute_s": dist(r["compute_s"] for r in served if r.get("compute_s") is not None),
    }
