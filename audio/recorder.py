"""Recording a call as one stereo file (rep left, customer right) that replay can open.

The recorder aligns both parties by their session-clock stamps and hands interleaved 16-bit
PCM to a `RecordingWriter`; the plain WAV writer is the default, and an encrypting writer can
be swapped in without touching capture.
"""

from __future__ import annotations

import wave
from pathlib import Path
from typing import Protocol

import numpy as np

from audio.errors import AudioError
from audio.source import SAMPLE_RATE, Party


class RecordingWriter(Protocol):
    """Receives interleaved stereo int16 PCM at 16 kHz."""

    def write(self, pcm: bytes) -> None: ...

    def close(self) -> None: ...


class WavRecordingWriter:
    """A plain 16 kHz stereo 16-bit WAV file."""

    def __init__(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._wav = wave.open(str(path), "wb")  # noqa: SIM115 (closed in close())
        except OSError as e:
            raise AudioError(f"cannot record to {path} ({e}); pick a writable place") from e
        self._wav.setnchannels(2)
        self._wav.setsampwidth(2)
        self._wav.setframerate(SAMPLE_RATE)

    def write(self, pcm: bytes) -> None:
        self._wav.writeframes(pcm)

    def close(self) -> None:
        self._wav.close()


class StereoRecorder:
    """Aligns the parties' frames by time and writes them as left/right channels.

    A party with no audio for a stretch (device lost) is written as silence there, so the two
    channels stay in step.
    """

    def __init__(self, writer: RecordingWriter) -> None:
        self._writer = writer
        self._pending: dict[str, list[np.ndarray]] = {"rep": [], "customer": []}
        self._written = 0  # samples per channel written so far
        self._ends: dict[str, int] = {"rep": 0, "customer": 0}

    def add(self, party: Party, start: float, samples: np.ndarray) -> None:
        first = round(start * SAMPLE_RATE)
        gap = first - self._ends[party]
        if gap > 0:
            self._pending[party].append(np.zeros(gap, dtype=np.float32))
        elif gap < 0:
            samples = samples[-gap:]
        self._pending[party].append(samples.astype(np.float32))
        self._ends[party] = max(self._ends[party], first + len(samples))
        self._flush(min(self._ends.values()))

    def _take(self, party: str, count: int) -> np.ndarray:
        data = np.concatenate(self._pending[party]) if self._pending[party] else np.zeros(0)
        out = np.zeros(count, dtype=np.float32)
        out[: min(count, len(data))] = data[:count]
        self._pending[party] = [data[count:]] if len(data) > count else []
        return out

    def _flush(self, until: int) -> None:
        count = until - self._written
        if count <= 0:
            return
        left, right = self._take("rep", count), self._take("customer", count)
        stereo = np.empty(2 * count, dtype=np.int16)
        stereo[0::2] = np.clip(left * 32767.0, -32768, 32767).astype(np.int16)
        stereo[1::2] = np.clip(right * 32767.0, -32768, 32767).astype(np.int16)
        self._writer.write(stereo.tobytes())
        self._written = until

    def close(self) -> None:
        self._flush(max(self._ends.values()))
        self._writer.close()
