"""How fast a session's input arrives (`Pace`), and the wall-clock pacer of a paced replay.

Whether a session runs "as fast as possible" used to be re-derived from `speed is None` in four
places (the file source's `realtime`, the ASR config's `streaming`, the hub's `synchronous` and
the warm-up gate). `Pace` is that decision, made once; each consumer asks it the one question
it has. It lives in `audio/` because the sources carry it and `audio/` may not import
`inference/`; `inference/` reads it but never the wall clock. `WallPacer` is the only code that
holds a replay to the wall clock; it is handed to whatever drives the input.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from audio.playback import PlaybackControl

PaceKind = Literal["live", "paced", "unpaced"]


@dataclass(frozen=True, slots=True)
class Pace:
    """Live capture, a replay paced at `speed` times real time, or a replay as fast as it is
    consumed.

    Attributes:
        kind: "live", "paced" or "unpaced".
        speed: input seconds per wall second of a paced replay (1.0 for live; unused unpaced).
    """

    kind: PaceKind
    speed: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in ("live", "paced", "unpaced"):
            raise ValueError(f"a pace is live, paced or unpaced, not {self.kind!r}")
        if not self.speed > 0:
            raise ValueError(f"speed must be positive, not {self.speed}")
        if self.kind == "live" and self.speed != 1.0:
            raise ValueError("live capture runs at speed 1")

    @classmethod
    def live(cls) -> Pace:
        return cls("live")

    @classmethod
    def paced(cls, speed: float) -> Pace:
        return cls("paced", speed)

    @classmethod
    def unpaced(cls) -> Pace:
        return cls("unpaced")

    @classmethod
    def from_speed(cls, speed: float | None) -> Pace:
        """A replay's pace from `--speed`: a number is paced, None as fast as possible."""
        return cls.unpaced() if speed is None else cls.paced(speed)

    @property
    def replay_speed(self) -> float | None:
        """The replay speed as the command line writes it: None when unpaced."""
        return None if self.kind == "unpaced" else self.speed

    @property
    def realtime(self) -> bool:
        """Input arrives with the wall clock whether or not it is consumed: a consumer that
        falls behind drops the oldest frames and coarsens its work. Unpaced input waits."""
        return self.kind != "unpaced"

    @property
    def streaming(self) -> bool:
        """Decode utterances while they are spoken (tentative text, early commits); unpaced
        input is decoded once per utterance, in batches, since nobody watches it happen."""
        return self.realtime

    @property
    def synchronous(self) -> bool:
        """Each utterance's analysis and suggestions finish before the next is handed over, so
        an unpaced replay gets refined paths for every objection."""
        return self.kind == "unpaced"

    @property
    def pausable(self) -> bool:
        """Only a paced replay can be held (live audio keeps coming; unpaced has no clock)."""
        return self.kind == "paced"

    @property
    def warms_up(self) -> bool:
        """A paced replay starts once the LLM has read the session's fixed prompt, as it has
        when a rep opens Parley before a call; live capture starts at once."""
        return self.kind == "paced"


class WallPacer:
    """Holds a paced input to the wall clock: the input position `played_s` (seconds from the
    start of the replay) is due `played_s / speed` wall seconds after `begin()`, plus the time
    spent paused.

    Args:
        speed: input seconds per wall second.
        control: pause and resume, shared with the session (None: cannot pause).
        clock: monotonic seconds (tests pass their own).
    """

    def __init__(
        self,
        speed: float,
        *,
        control: PlaybackControl | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be positive, not {speed}")
        self.speed = speed
        self._control = control
        self._clock = clock
        self._t0 = clock()

    def begin(self) -> None:
        """The replay starts now."""
        self._t0 = self._clock()

    def delay(self, played_s: float) -> float:
        """Waits while paused, then returns the wall seconds until `played_s` is due (<= 0:
        already due)."""
        if self._control is not None:
            self._control.wait_while_paused()
        return self.remaining(played_s)

    def remaining(self, played_s: float) -> float:
        """Wall seconds until `played_s` is due, without waiting for a pause to end."""
        return self._t0 + self._paused() + played_s / self.speed - self._clock()

    def position(self) -> float:
        """Input seconds played by now (paused time not counted)."""
        return (self._clock() - self._t0 - self._paused()) * self.speed

    def _paused(self) -> float:
        return self._control.paused_total if self._control is not None else 0.0
