"""Sinks that need no Qt: the `--events` JSONL file and the console view."""

from __future__ import annotations

import sys
from typing import IO, TextIO

from inference.events import (
    EmotionEvent,
    ErrorEvent,
    Event,
    GuardEvent,
    ObjectionEvent,
    RolesEvent,
    StatusEvent,
    SuggestionEvent,
    TermsEvent,
    TranscriptEvent,
    to_json,
)


class JsonlSink:
    """Writes one JSON object a line and flushes each, so a reader can tail the file."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def __call__(self, event: Event) -> None:
        self._stream.write(to_json(event) + "\n")
        self._stream.flush()


class ConsoleSink:
    """A human view of the session: finals, signals, suggestions and problems, as they happen.

    Tentative tails and level meters are left out: a terminal cannot redraw them usefully.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr

    def _line(self, t: float, text: str) -> None:
        self._stream.write(f"[{t:7.2f}] {text}\n")
        self._stream.flush()

    def __call__(self, event: Event) -> None:
        match event:
            case TranscriptEvent(final=True, text=text) if text.strip():
                self._line(event.t, f"{event.speaker:>8}: {text.strip()}")
            case ObjectionEvent():
                kind = "possible objection" if event.tentative else "objection"
                self._line(event.t, f"  ! {kind}: {event.category} ({event.confidence:.2f})")
            case EmotionEvent():
                arousal = "" if event.arousal is None else f", arousal {event.arousal:.2f}"
                self._line(event.t, f"  ~ emotion: {event.valence}/{event.label}{arousal}")
            case TermsEvent(terms=terms) if terms:
                self._line(event.t, f"  # terms: {', '.join(terms)} (density {event.density:.1f})")
            case RolesEvent(roles=roles) if roles:
                self._line(event.t, f"  @ decision-makers: {', '.join(roles)}")
            case SuggestionEvent():
                done = sum(p.complete for p in event.paths)
                self._line(
                    event.t,
                    f"  > suggestion ({event.stage}, {done}/3 complete, {event.latency_s:.2f}s)",
                )
                for i, p in enumerate(event.paths, 1):
                    self._stream.write(
                        f"          {i}. [{p.strategy}, {p.confidence:.2f}] {p.text}\n"
                    )
            case GuardEvent():
                self._line(event.t, f"  x guard: path {event.path} {event.action} ({event.rule})")
            case StatusEvent(state=state) if state != "level":
                detail = f": {event.detail}" if event.detail else ""
                self._line(event.t, f"  . {event.component} {state}{detail}")
            case ErrorEvent():
                self._line(event.t, f"  ERROR {event.component}: {event.message}")
            case _:
                pass
