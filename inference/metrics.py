"""The figures every benchmark reports, defined once: percentiles and turn-final latency.

Before this module each bench computed p95 its own way (numpy's interpolation, nearest rank
rounded, nearest rank truncated) and `bench asr` and `bench e2e` measured turn-final latency
differently, so figures that the docs compare did not measure the same thing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from inference.events import Event, Speaker, TranscriptEvent

TURN_SLACK_S = 0.5  # a final counts for a turn when its span overlaps the turn widened by this


def percentile(values: Iterable[float], q: float) -> float | None:
    """The `q`-th percentile (0-100) by linear interpolation between the closest ranks.

    This is numpy's default (Hyndman and Fan's type 7), so p50 is the usual median.

    Returns:
        None for no values.

    Raises:
        ValueError: `q` outside 0-100.
    """
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"a percentile is between 0 and 100, got {q}")
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def distribution(values: Sequence[float], *, ndigits: int = 3) -> dict[str, Any]:
    """`{"p50", "p95", "n"}` of `values`, rounded; the percentiles are None for no values."""

    def rounded(q: float) -> float | None:
        value = percentile(values, q)
        return None if value is None else round(value, ndigits)

    return {"p50": rounded(50), "p95": rounded(95), "n": len(values)}


@dataclass(frozen=True, slots=True)
class TurnSpan:
    """One turn of a scripted or rendered call: who spoke, from when to when (seconds)."""

    speaker: str
    start: float
    end: float

    @classmethod
    def from_dict(cls, turn: Mapping[str, Any]) -> TurnSpan:
        return cls(str(turn.get("speaker", "")), float(turn["start"]), float(turn["end"]))


def turn_final_latencies(
    turns: Iterable[TurnSpan],
    events: Iterable[Event],
    *,
    speaker: Speaker = "customer",
    slack_s: float = TURN_SLACK_S,
) -> list[float | None]:
    """Turn-final latency of each turn of `speaker`, in turn order.

    The turn-final latency of a turn is the session time `t` of the last final transcript event
    of that speaker whose span overlaps the turn (widened by `slack_s` on both sides), minus the
    turn's end: how long after the speaker stopped the turn's last words were committed. Each
    utterance has one final event (its second pass), so this is the time to the final text of
    the turn's last utterance; stable partials do not count.

    Returns:
        one value per turn of `speaker`; None for a turn no final overlaps (missed).
    """
    finals = [
        e for e in events if isinstance(e, TranscriptEvent) and e.final and e.speaker == speaker
    ]
    out: list[float | None] = []
    for turn in turns:
        if turn.speaker != speaker:
            continue
        ts = [e.t for e in finals if e.start < turn.end + slack_s and e.end > turn.start - slack_s]
        out.append(max(ts) - turn.end if ts else None)
    return out
