"""The session clock: seconds of audio captured (live, paced replay) or consumed (max speed).

The pipeline never reads the wall clock; the audio source advances this clock as it delivers
frames, so live capture, paced replay and as-fast-as-possible replay share one code path.
"""

from __future__ import annotations

import threading
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the session time in seconds."""

    def now(self) -> float: ...


class SessionClock:
    """A monotonic session clock advanced by whoever owns the audio (or transcript) position."""

    def __init__(self, start: float = 0.0) -> None:
        self._t = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._t

    def advance_to(self, t: float) -> float:
        """Move the clock forward to `t` (never backward); returns the clock after the move."""
        with self._lock:
            if t > self._t:
                self._t = float(t)
            return self._t
