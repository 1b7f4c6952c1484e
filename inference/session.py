"""The session core's text sources: a timed transcript and an events file.

Audio reaches a session through an `AudioSource` (`audio/`: a recording or live devices) and
`run_audio`. Two inputs need no speech recognition: a timed transcript (each turn a final
utterance at `t = end`) and an events file (`parley replay --events`: each event again at its
`t`). They are the two sources here, driven the same way: by the session's `Pace` (carried by
the source), and, when paced, by a `Pacer` handed in from where sleeping on the wall clock is
allowed (`audio.pace.WallPacer`, built by `desktop/`). `inference/` itself never reads the
wall clock; between turns of a paced transcript it only waits on `stop`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from audio.pace import Pace
from inference.clock import SessionClock
from inference.errors import ParleyError
from inference.events import ClosedUtterance, Event, Speaker, TranscriptEvent, from_dict
from inference.text import guess_lang
from inference.timed_transcript import TimedTurn, load_timed_transcript

if TYPE_CHECKING:
    from inference.pipeline import Hub

TICK_S = 0.05  # a paced timed transcript moves the clock this often between turns


class Pacer(Protocol):
    """Holds a paced input to the wall clock (`audio.pace.WallPacer`)."""

    def delay(self, played_s: float) -> float:
        """Waits while paused, then the wall seconds until input second `played_s` is due."""
        ...

    def remaining(self, played_s: float) -> float:
        """Wall seconds until `played_s` is due, without waiting for a pause to end."""
        ...

    def position(self) -> float:
        """Input seconds played by now."""
        ...


class EventFileError(ParleyError):
    """The events file is missing or not an events JSONL file."""


class TimedTranscriptSource:
    """The turns of a timed transcript, each a final utterance of its party at `t = end`.

    Args:
        path: the transcript (`inference.timed_transcript`).
        pace: paced (turns at their times, scaled by the speed) or unpaced (each turn as soon
            as the previous one was handed over).
        start_at: turns that end before this many seconds are skipped (a seek).

    Raises:
        TranscriptFileError: the file is not a timed transcript.
    """

    def __init__(self, path: Path, *, pace: Pace, start_at: float = 0.0) -> None:
        self.pace = pace
        self.turns, self.lang = load_timed_transcript(path)
        self.start_at = start_at

    def play(
        self,
        hub: Hub,
        *,
        clock: SessionClock,
        stop: threading.Event,
        pacer: Pacer | None = None,
    ) -> None:
        """Hand every turn to `hub` (its final event, then its closed utterance); blocks until
        the last turn or `stop`. A paced source needs `pacer`; the clock then also runs between
        turns, so that what happens meanwhile (a refined suggestion) carries its own time."""
        if self.pace.kind == "paced" and pacer is None:
            raise ValueError("a paced transcript needs a pacer")
        counters = {"rep": 0, "customer": 0}
        for turn in self.turns:
            if turn.end < self.start_at:
                continue
            if self.pace.kind == "paced" and pacer is not None:
                if not self._wait_for(turn, clock=clock, stop=stop, pacer=pacer):
                    return
            elif stop.is_set():
                return
            clock.advance_to(turn.end)
            counters[turn.speaker] += 1
            self._hand_over(turn, counters[turn.speaker], hub, clock)

    def _wait_for(
        self, turn: TimedTurn, *, clock: SessionClock, stop: threading.Event, pacer: Pacer
    ) -> bool:
        """Wait until `turn` is due, moving the clock meanwhile; False when stopped."""
        played = turn.end - self.start_at
        delay = pacer.delay(played)
        while delay > 0:
            if stop.wait(min(delay, TICK_S)):
                return False
            clock.advance_to(min(turn.end, self.start_at + pacer.position()))
            delay = pacer.remaining(played)
        return True

    def _hand_over(self, turn: TimedTurn, number: int, hub: Hub, clock: SessionClock) -> None:
        speaker: Speaker = "customer" if turn.speaker == "customer" else "rep"
        uid = f"{'c' if speaker == 'customer' else 'r'}{number}"
        lang = self.lang or guess_lang(turn.text)
        hub.emit(
            TranscriptEvent(
                t=clock.now(),
                speaker=speaker,
                utterance_id=uid,
                start=turn.start,
                end=turn.end,
                text=turn.text,
                final=True,
                lang=lang,
            )
        )
        hub.on_utterance(
            ClosedUtterance(
                speaker=speaker,
                utterance_id=uid,
                start=turn.start,
                end=turn.end,
                text=turn.text,
                lang=lang,
            )
        )


class EventFileSource:
    """The events of an events file (`parley replay --events`), each again at its `t`.

    Args:
        path: the JSONL file.
        pace: paced (events at their `t`, scaled by the speed) or unpaced.
        start_at: events before this many seconds are skipped (a seek).

    Raises:
        EventFileError: the file cannot be read or a line is not a Parley event.
    """

    def __init__(self, path: Path, *, pace: Pace, start_at: float = 0.0) -> None:
        self.pace = pace
        self.start_at = start_at
        self.events = self._read(path)

    @staticmethod
    def _read(path: Path) -> list[Event]:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise EventFileError(f"Cannot read {path}: {e.strerror}. Choose another file.") from e
        events: list[Event] = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                events.append(from_dict(json.loads(line)))
            except (ValueError, KeyError, TypeError) as e:
                raise EventFileError(
                    f"{path.name} line {number} is not a Parley event ({e}). "
                    "Choose an events file written by `parley replay --events`."
                ) from e
        return events

    def play(
        self,
        emit: Callable[[Event], object],
        *,
        stop: threading.Event,
        pacer: Pacer | None = None,
    ) -> None:
        """Hand every event to `emit`; blocks until the last one or `stop`. A paced source
        needs `pacer`."""
        if self.pace.kind == "paced" and pacer is None:
            raise ValueError("a paced events file needs a pacer")
        for event in self.events:
            if event.t < self.start_at:
                continue
            if self.pace.kind == "paced" and pacer is not None:
                delay = pacer.delay(event.t - self.start_at)
                if delay > 0 and stop.wait(delay):
                    return
            if stop.is_set():
                return
            emit(event)
