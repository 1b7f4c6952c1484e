"""Pausing a paced replay: one control shared by the session and its source."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class PlaybackControl:
    """Pause and resume from any thread; the paced reader blocks while paused.

    Args:
        clock: monotonic seconds (tests pass their own).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        self._paused = False
        self._released = False
        self.paused_total = 0.0  # seconds spent paused so far

    @property
    def paused(self) -> bool:
        with self._cond:
            return self._paused

    def pause(self) -> None:
        with self._cond:
            self._paused = True

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._cond.notify_all()

    def release(self) -> None:
        """Let every waiter go for good (the session is stopping)."""
        with self._cond:
            self._released = True
            self._paused = False
            self._cond.notify_all()

    def wait_while_paused(self) -> float:
        """Block while paused; returns how long this call waited."""
        with self._cond:
            if not self._paused or self._released:
                return 0.0
            began = self._clock()
            while self._paused and not self._released:
                self._cond.wait()
            waited = self._clock() - began
            self.paused_total += waited
            return waited
