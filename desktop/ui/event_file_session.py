"""A session that plays back an events JSONL file (`parley replay --events OUT.jsonl`).

It lets the app show a recorded session again (review, demos, screenshots) without models:
each event goes to the sinks at its `t`, scaled by `speed` (None: as fast as possible). It runs
in its own thread; the GUI sees it through the bridge like any other session.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from pathlib import Path

from audio.pace import Pace, WallPacer
from audio.playback import PlaybackControl
from inference.events import Event
from inference.session import EventFileError, EventFileSource

__all__ = ["EventFileError", "EventFileSession"]


class EventFileSession:
    """Replays events from a JSONL file to sinks, paced by their `t`.

    Raises:
        EventFileError: the file cannot be read or a line is not a Parley event.
    """

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
        self._sinks = list(sinks)
        self._stop = threading.Event()
        self.control = PlaybackControl()
        self._thread: threading.Thread | None = None
        self._source = EventFileSource(path, pace=Pace.from_speed(speed), start_at=start_at)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="event-file-session", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.control.release()

    def pause(self) -> None:
        if self._source.pace.pausable:
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
        pace = self._source.pace
        pacer = WallPacer(pace.speed, control=self.control) if pace.kind == "paced" else None
        self._source.play(self._emit, stop=self._stop, pacer=pacer)

    def _emit(self, event: Event) -> None:
        for sink in self._sinks:
            sink(event)
