"""A recording as an audio source: decoded with PyAV, resampled with soxr, split per party.

Two channels are the rep (left) and the customer (right), as in a call recorded with one party
per side. One channel, or two channels that carry the same signal, are one party (`mono_party`).
Frames are paced at `speed` times real time by a `WallPacer` (an injectable clock and sleeper),
or delivered as fast as the consumer takes them (`speed=None`, an unpaced `Pace`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from audio.errors import AudioFileError
from audio.pace import Pace, WallPacer
from audio.playback import PlaybackControl
from audio.source import SAMPLE_RATE, AudioFrame, Party, SourceNote

_PROBE_S = 30.0  # audio looked at to tell a two-party recording from a mono one
_SAME_CORRELATION = 0.98
_SILENT_RMS = 1e-4
_FIX_HINT = "Check that it is a complete wav, flac, mp3, m4a or ogg recording (or convert it with ffmpeg or sox) and try again."


def channels_are_same(left: np.ndarray, right: np.ndarray) -> bool:
    """True when two channels carry one signal (a mono recording stored as stereo)."""
    if len(left) == 0:
        return True
    diff = float(np.sqrt(np.mean((left - right) ** 2)))
    scale = max(float(np.sqrt(np.mean(left**2))), float(np.sqrt(np.mean(right**2))))
    if scale < _SILENT_RMS:
        return diff < _SILENT_RMS
    if diff <= 0.05 * scale:
        return True
    lc, rc = left - left.mean(), right - right.mean()
    denom = float(np.sqrt(np.sum(lc**2) * np.sum(rc**2)))
    return denom > 0 and float(np.sum(lc * rc)) / denom >= _SAME_CORRELATION


class _Decoder:
    """Decodes a file into float32 chunks of shape (n, channels) at 16 kHz."""

    def __init__(self, path: Path, stream: BinaryIO | None = None) -> None:
        import av

        self._path = path
        try:
            self._container: Any = av.open(stream if stream is not None else str(path), mode="r")
        except (av.FFmpegError, OSError, ValueError) as e:
            raise AudioFileError(f"{path} could not be opened as audio ({e}). {_FIX_HINT}") from e
        streams = self._container.streams.audio
        if not streams:
            self._container.close()
            raise AudioFileError(f"{path} holds no audio stream. {_FIX_HINT}")
        self._stream = streams[0]
        self.channels = max(1, int(self._stream.channels or 1))
        self.rate = int(self._stream.rate or 0)
        if self.rate <= 0:
            self._container.close()
            raise AudioFileError(f"{path} has no valid sample rate. {_FIX_HINT}")
        self._resampler = av.AudioResampler(format="fltp")
        self._soxr: Any = None
        if self.rate != SAMPLE_RATE:
            import soxr

            self._soxr = soxr.ResampleStream(
                self.rate, SAMPLE_RATE, self.channels, dtype="float32", quality="HQ"
            )
        self._frames = self._container.decode(self._stream)
        self.decoded_s = 0.0

    def _convert(self, frames: list[Any]) -> np.ndarray:
        parts = [f.to_ndarray() for f in frames]
        parts = [p for p in parts if p.size]
        if not parts:
            return np.zeros((0, self.channels), dtype=np.float32)
        data = np.concatenate(parts, axis=1)
        if data.shape[0] != self.channels:  # layout changed mid-stream: keep what fits
            data = np.resize(data, (self.channels, data.shape[1]))
        return np.ascontiguousarray(data.T, dtype=np.float32)

    def chunks(self) -> Iterator[np.ndarray]:
        import av

        try:
            for frame in self._frames:
                data = self._convert(self._resampler.resample(frame))
                self.decoded_s += len(data) / self.rate
                if self._soxr is not None:
                    data = self._soxr.resample_chunk(data, last=False)
                if len(data):
                    yield np.clip(data, -1.0, 1.0)
            tail = self._convert(self._resampler.resample(None))
        except (av.FFmpegError, ValueError) as e:
            raise AudioFileError(
                f"{self._path} is truncated or corrupt after {self.decoded_s:.1f} s ({e}). {_FIX_HINT}"
            ) from e
        if self._soxr is not None:
            tail = self._soxr.resample_chunk(tail, last=True)
        if len(tail):
            yield np.clip(tail, -1.0, 1.0)

    def close(self) -> None:
        self._container.close()


class FileSource:
    """An audio file delivered as 16 kHz mono frames per party (implements `AudioSource`).

    Args:
        path: the recording (wav, flac, mp3, m4a, ogg, or anything FFmpeg reads).
        speed: 1.0 for real time, 2.0 for twice as fast, None for as fast as it is consumed
            (`Pace.from_speed`; the source's `pace` says which).
        mono_party: who speaks in a one-channel (or same-on-both-channels) recording.
        frame_s: length of each frame in seconds.
        clock: monotonic seconds used for pacing (default `time.monotonic`).
        sleeper: waits that many seconds (default `time.sleep`).
        start_at: seconds into the recording where the replay starts (a seek); frames keep
            the recording's own time stamps.
        control: pause/resume of a paced replay (the paused time is not counted as lag).
        stream: the audio itself, in memory (e.g. a recording decrypted from the session
            store, never written out in clear); `path` is then only its name in messages.

    Raises:
        AudioFileError: the file is missing, not audio, empty or unreadable.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        speed: float | None = 1.0,
        mono_party: Party = "customer",
        frame_s: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        sleeper: Callable[[float], None] = time.sleep,
        start_at: float = 0.0,
        control: PlaybackControl | None = None,
        stream: BinaryIO | None = None,
    ) -> None:
        self.path = Path(path)
        self._start_sample = max(0, round(start_at * SAMPLE_RATE))
        self._control = control
        if stream is None and not self.path.is_file():
            raise AudioFileError(f"{self.path} does not exist or is not a file. {_FIX_HINT}")
        self.pace = Pace.from_speed(speed)  # ValueError for a speed that is not positive
        if mono_party not in ("rep", "customer"):
            raise ValueError("mono_party must be 'rep' or 'customer'")
        self._frame_n = max(1, round(frame_s * SAMPLE_RATE))
        self._clock = clock
        self._sleeper = sleeper
        self._stop = threading.Event()
        self._decoder = _Decoder(self.path, stream)
        self._chunks = self._decoder.chunks()
        self._pending: list[np.ndarray] = []
        probed = self._probe()
        if probed == 0:
            self._decoder.close()
            raise AudioFileError(f"{self.path} contains no audio samples. {_FIX_HINT}")
        head = np.concatenate(self._pending, axis=0)
        self.two_party = self._decoder.channels >= 2 and not channels_are_same(
            head[:, 0], head[:, 1]
        )
        self.parties: tuple[Party, ...] = ("customer", "rep") if self.two_party else (mono_party,)
        self._mono_party: Party = mono_party

    def _probe(self) -> int:
        """Decode up to `_PROBE_S` seconds ahead; returns the samples decoded."""
        n = 0
        for chunk in self._chunks:
            self._pending.append(chunk)
            n += len(chunk)
            if n >= _PROBE_S * SAMPLE_RATE:
                break
        return n

    def _all_chunks(self) -> Iterator[np.ndarray]:
        while self._pending:
            yield self._pending.pop(0)
        yield from self._chunks

    def _split(self, block: np.ndarray) -> list[tuple[Party, np.ndarray]]:
        if self.two_party:
            return [("customer", block[:, 1].copy()), ("rep", block[:, 0].copy())]
        mono = block.mean(axis=1) if block.shape[1] > 1 else block[:, 0]
        return [(self._mono_party, np.ascontiguousarray(mono, dtype=np.float32))]

    def frames(self) -> Iterator[AudioFrame | SourceNote]:
        """Yield frames in time order, both parties of one interval back to back (customer
        first), until the end of the file or `stop()`.

        Raises:
            AudioFileError: decoding failed part way (a truncated or corrupt file).
        """
        pacer = (
            WallPacer(self.pace.speed, control=self._control, clock=self._clock)
            if self.pace.kind == "paced"
            else None
        )
        pos = 0  # samples delivered per party
        skip = self._start_sample  # a replay that starts part way skips what comes before
        buf = np.zeros((0, max(1, self._decoder.channels)), dtype=np.float32)
        try:
            for chunk in self._all_chunks():
                if skip:
                    dropped = min(skip, len(chunk))
                    chunk, skip, pos = chunk[dropped:], skip - dropped, pos + dropped
                    if not len(chunk):
                        continue
                buf = np.concatenate([buf, chunk], axis=0) if len(buf) else chunk
                while len(buf) >= self._frame_n:
                    if self._stop.is_set():
                        return
                    block, buf = buf[: self._frame_n], buf[self._frame_n :]
                    yield from self._deliver(block, pos, pacer)
                    pos += len(block)
            if len(buf) and not self._stop.is_set():
                yield from self._deliver(buf, pos, pacer)
        finally:
            self._decoder.close()

    def _deliver(
        self, block: np.ndarray, pos: int, pacer: WallPacer | None
    ) -> Iterator[AudioFrame]:
        if pacer is not None:
            wait = pacer.delay((pos - self._start_sample + len(block)) / SAMPLE_RATE)
            if wait > 0:
                self._sleeper(wait)
        start = pos / SAMPLE_RATE
        for party, samples in self._split(block):
            yield AudioFrame(party=party, start=start, samples=samples)

    def stop(self) -> None:
        """End `frames()` at the next frame boundary (callable from any thread)."""
        self._stop.set()
        if self._control is not None:
            self._control.release()


def read_channels(path: str | Path, *, mono_party: Party = "customer") -> dict[Party, np.ndarray]:
    """The whole recording per party, 16 kHz mono float32 (for benchmarks and tests)."""
    source = FileSource(path, speed=None, mono_party=mono_party)
    parts: dict[Party, list[np.ndarray]] = {p: [] for p in source.parties}
    for item in source.frames():
        if isinstance(item, AudioFrame):
            parts[item.party].append(item.samples)
    return {p: np.concatenate(v) if v else np.zeros(0, dtype=np.float32) for p, v in parts.items()}
