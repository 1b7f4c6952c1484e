"""A session that plays back an events JSONL file (`parley replay --events OUT.jsonl`).

It lets the app show a recorded session again (review, demos, screenshots) without models:
each event goes to the sinks at its `t`, scaled by `speed` (None: as fast as possible). It runs
in its own thread; the GUI sees it through the bridge like any other session.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

from audio.pace import Pace, WallPacer
from audio.playback import PlaybackControl
from inference.events import Event, from_dict
from models.errors import ParleyError


class EventFileError(ParleyError):
    """The events file is missing or not an events JSONL file."""


class EventFileSession:
    """Replays events from a JSONL file to sinks, paced by their `t`."""

    def __init__(
        self,
        path: Path,
        *,
        sinks: list[Callable[[Event], None]],
        speed: float | None = 1.0,
        start_at: float = 0.0,
    ) -> None:
        self.session_id = f"events-{uuid.uuid4().hex[:8]}"
        self.choices: list[tuple[str, int]] = []
        self._path = path
        self._sinks = list(sinks)
        self._pace = Pace.from_speed(speed)
        self._stop = threading.Event()
        self._start_at = start_at
        self.control = PlaybackControl()
        self._thread: threading.Thread | None = None
        self._events = self._read(path)

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

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="event-file-session", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.control.release()

    def pause(self) -> None:
        if self._pace.pausable:
            self.control.pause()

    def resume(self) -> None:
        self.control.resume()

    @property
    def paused(self) -> bool:
        return self.control.paused

    def wait(self, timeout: float | None = None) -> bool:
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def record_choice(self, objection_utterance_id: str, path_index: int) -> None:
        self.choices.append((objection_utterance_id, path_index))

    def _run(self) -> None:
        pace = self._pace
        pacer = WallPacer(pace.speed, control=self.control) if pace.kind == "paced" else None
        for event in self._events:
            if event.t < self._start_at:
                continue
            if pacer is not None:
                delay = pacer.delay(event.t - self._start_at)
                if delay > 0 and self._stop.wait(delay):
                    return
            if self._stop.is_set():
                return
            for sink in self._sinks:
                sink(event)
