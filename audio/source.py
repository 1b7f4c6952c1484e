"""What every audio source delivers: 16 kHz mono float32 frames per party, stamped in
session-clock seconds, plus health notes (device lost/restored) as they happen."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

if TYPE_CHECKING:
    from audio.pace import Pace

SAMPLE_RATE = 16_000
Party = Literal["rep", "customer"]


@dataclass(frozen=True, slots=True)
class AudioFrame:
    """Consecutive samples of one party.

    Attributes:
        party: "rep" (microphone, left channel) or "customer" (loopback, right channel).
        start: session-clock seconds of the first sample.
        samples: float32 mono samples at 16 kHz, in [-1, 1].
        captured_at: `time.monotonic()` when the device delivered the block (live only), so
            the capture path's added latency can be measured.
    """

    party: Party
    start: float
    samples: np.ndarray = field(repr=False)
    captured_at: float | None = None

    @property
    def end(self) -> float:
        return self.start + len(self.samples) / SAMPLE_RATE


@dataclass(frozen=True, slots=True)
class SourceNote:
    """Something the source noticed about its devices (state per the events contract)."""

    t: float
    party: Party
    state: str  # device_lost | device_restored | ...
    detail: str = ""


class AudioSource(Protocol):
    """A file or live devices. `frames()` blocks as the audio arrives (or is paced) and ends
    at the end of the recording, at the requested duration, or after `stop()`.

    `pace` says whether frames come with the wall clock (live, a paced replay) or wait for
    their consumer (an unpaced replay)."""

    parties: tuple[Party, ...]
    pace: Pace

    def frames(self) -> Iterator[AudioFrame | SourceNote]: ...

    def stop(self) -> None: ...
