"""Live capture of both sides of a call: the rep's microphone and the customer's system audio.

Each side is one sounddevice input stream whose callback only copies into a bounded queue.
`frames()` stamps the blocks with session-clock time, removes the customer's echo from the
microphone, records when asked, watches the devices and yields frames and health notes. A
device that disappears yields `device_lost`; capture resumes (`device_restored`) when it comes
back, and the session goes on meanwhile with the other party.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from audio.devices import InputDevice, pulse_source_exists, pulse_sources, resolve
from audio.echo import EchoSuppressor
from audio.errors import AudioDeviceError
from audio.health import HealthConfig, HealthMonitor
from audio.pace import Pace
from audio.recorder import RecordingWriter, StereoRecorder, WavRecordingWriter
from audio.source import SAMPLE_RATE, AudioFrame, Party, SourceNote

log = logging.getLogger(__name__)
_PULSE_ENV_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class LiveConfig:
    """Attributes:
    block_s: seconds per captured block.
    queue_blocks: bound of the capture queue (oldest dropped and counted when full).
    lost_after_s: no callback for this long counts as a lost device.
    poll_s: how often devices are checked, and a lost one is retried.
    echo_suppression: remove the customer's voice from the microphone.
    native_rate: open a Pulse source at its own sample rate and resample here (soxr HQ);
        False asks the sound server for 16 kHz (its resampler; `parley bench capture`'s
        baseline).
    health: level/clipping/no-customer-audio settings.
    """

    block_s: float = 0.1
    queue_blocks: int = 200
    lost_after_s: float = 2.0
    poll_s: float = 1.0
    echo_suppression: bool = True
    native_rate: bool = True
    health: HealthConfig = field(default_factory=HealthConfig)


class _Capture:
    """One party's input stream. The callback copies, nothing else."""

    def __init__(self, party: Party, device: InputDevice, out: queue.Queue, config: LiveConfig):
        self.party = party
        self.device = device
        self._out = out
        self._config = config
        self._stream: Any = None
        self._resampler: Any = None
        self.rate = SAMPLE_RATE
        self.last_callback = 0.0
        self.dropped = 0
        self.open_count = 0

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        self.last_callback = now = time.monotonic()
        block = indata[:, 0].copy() if indata.ndim == 2 else indata.copy()
        item = (self.party, self.open_count, block, now)
        try:
            self._out.put_nowait(item)
        except queue.Full:
            try:
                self._out.get_nowait()
                self.dropped += 1
            except queue.Empty:
                pass
            self._out.put_nowait(item)

    def open(self) -> None:
        import sounddevice as sd

        kwargs: dict[str, Any] = {"channels": 1, "dtype": "float32", "callback": self._callback}
        try:
            if self.device.backend == "pulse":
                # Asked for 16 kHz, the sound server converts with its own resampler, and
                # PulseAudio's default one (speex-float-1) takes 8 dB off 7 kHz and garbles
                # the band above 5 kHz. Capture at the source's own rate and convert here,
                # with soxr, as a recording is; 16 kHz where the source will not open so.
                if self._config.native_rate and self.open_count:  # back at another rate?
                    fresh = [d for d in pulse_sources() or [] if d.name == self.device.name]
                    self.device = fresh[0] if fresh else self.device
                own = self.device.rate if self._config.native_rate else 0
                rates = [own] if 8000 <= own <= 192000 and own != SAMPLE_RATE else []
                # The ALSA pulse plugin reads PULSE_SOURCE when the stream opens.
                with _PULSE_ENV_LOCK:
                    old = os.environ.get("PULSE_SOURCE")
                    os.environ["PULSE_SOURCE"] = self.device.name
                    try:
                        for rate in [*rates, SAMPLE_RATE]:
                            try:
                                stream = sd.InputStream(
                                    device="pulse",
                                    samplerate=rate,
                                    blocksize=int(self._config.block_s * rate),
                                    **kwargs,
                                )
                                break
                            except sd.PortAudioError as e:
                                if rate == SAMPLE_RATE:
                                    raise
                                name = self.device.name
                                log.warning("%s will not open at %d Hz (%s)", name, rate, e)
                    finally:
                        if old is None:
                            os.environ.pop("PULSE_SOURCE", None)
                        else:
                            os.environ["PULSE_SOURCE"] = old
                self.rate = rate
            else:
                rate = SAMPLE_RATE
                try:
                    sd.check_input_settings(device=self.device.index, samplerate=rate, channels=1)
                except sd.PortAudioError:
                    info = sd.query_devices(self.device.index)
                    rate = int(info["default_samplerate"])
                stream = sd.InputStream(
                    device=self.device.index,
                    samplerate=rate,
                    blocksize=int(self._config.block_s * rate),
                    **kwargs,
                )
                self.rate = rate
            if self.rate != SAMPLE_RATE:
                import soxr

                self._resampler = soxr.ResampleStream(
                    self.rate, SAMPLE_RATE, 1, dtype="float32", quality="HQ"
                )
            else:
                self._resampler = None
            self.open_count += 1
            self.last_callback = time.monotonic()
            stream.start()
            self._stream = stream
        except (sd.PortAudioError, OSError) as e:
            raise AudioDeviceError(
                f"cannot open {self.device.name!r} for the {self.party} ({e}); check that it is "
                "plugged in and not used exclusively by another program, or pick another with "
                "`parley devices`"
            ) from e

    def to_16k(self, block: np.ndarray) -> np.ndarray:
        if self._resampler is None:
            return block
        return self._resampler.resample_chunk(block)

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception:  # a vanished device may fail to close; it is gone anyway
                log.debug("closing %s failed", self.device.name, exc_info=True)

    @property
    def is_open(self) -> bool:
        return self._stream is not None

    def present(self) -> bool:
        """Whether the device still exists (Pulse sources are checked by name)."""
        if self.device.backend == "pulse":
            return pulse_source_exists(self.device.name)
        return time.monotonic() - self.last_callback < self._config.lost_after_s


class LiveSource:
    """Both parties from live devices, as an `AudioSource`.

    Args:
        mic: the rep's microphone (a name `parley devices` lists; None = default input).
        loopback: the customer's system-audio source (None = the default monitor).
        duration: stop after this many seconds (None = until `stop()`).
        record: record both parties to this stereo WAV file (None = off).
        writer: a custom recording writer (e.g. an encrypting one), instead of `record`.
        config: capture settings.
        monotonic: the time function (tests may pass their own).
    """

    parties: tuple[Party, ...] = ("rep", "customer")

    def __init__(
        self,
        *,
        mic: str | None = None,
        loopback: str | None = None,
        duration: float | None = None,
        record: Path | None = None,
        writer: RecordingWriter | None = None,
        config: LiveConfig | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config or LiveConfig()
        self._duration = duration
        self.pace = Pace.live()
        self._monotonic = monotonic
        self._stop = threading.Event()
        self._queue: queue.Queue = queue.Queue(maxsize=self._config.queue_blocks)
        mic_device = resolve(mic, loopback=False)
        loop_device = resolve(loopback, loopback=True)
        if mic_device.name == loop_device.name and mic_device.backend == loop_device.backend:
            raise AudioDeviceError(
                f"{mic_device.name!r} was picked for both the microphone and system audio; "
                "pick different devices with --mic and --loopback"
            )
        self._captures = {
            "rep": _Capture("rep", mic_device, self._queue, self._config),
            "customer": _Capture("customer", loop_device, self._queue, self._config),
        }
        if writer is None and record is not None:
            writer = WavRecordingWriter(record)
        self._recorder = StereoRecorder(writer) if writer is not None else None
        self._echo = EchoSuppressor() if self._config.echo_suppression else None
        self._health = HealthMonitor(self._config.health)

    @property
    def devices(self) -> dict[str, InputDevice]:
        return {party: c.device for party, c in self._captures.items()}

    @property
    def dropped_blocks(self) -> int:
        return sum(c.dropped for c in self._captures.values())

    def stop(self) -> None:
        self._stop.set()

    def frames(self) -> Iterator[AudioFrame | SourceNote]:
        t0 = self._monotonic()
        for capture in self._captures.values():
            capture.open()
        cursor: dict[str, float] = {"rep": 0.0, "customer": 0.0}
        opened_at: dict[str, tuple[int, float]] = {}
        lost: set[str] = set()
        next_poll = t0 + self._config.poll_s
        try:
            while not self._stop.is_set():
                now = self._monotonic()
                if self._duration is not None and now - t0 >= self._duration:
                    break
                if now >= next_poll:
                    next_poll = now + self._config.poll_s
                    yield from self._check_devices(now - t0, lost)
                try:
                    party, generation, block, captured_at = self._queue.get(timeout=0.05)
                except queue.Empty:
                    continue
                arrived = self._monotonic()
                capture = self._captures[party]
                if party in lost:
                    continue
                samples = capture.to_16k(block)
                if not len(samples):
                    continue
                # A (re)opened stream starts at the wall-clock position of its first block.
                if opened_at.get(party, (-1, 0.0))[0] != generation:
                    first = max(cursor[party], arrived - t0 - len(samples) / SAMPLE_RATE)
                    opened_at[party] = (generation, first)
                    cursor[party] = first
                start = cursor[party]
                cursor[party] = start + len(samples) / SAMPLE_RATE
                if party == "customer" and self._echo is not None:
                    self._echo.add_reference(samples)
                elif party == "rep" and self._echo is not None:
                    samples, _ = self._echo.process(samples)
                if self._recorder is not None:
                    self._recorder.add(party, start, samples)
                yield from self._health.observe(party, start, samples)
                yield AudioFrame(party=party, start=start, samples=samples, captured_at=captured_at)
        finally:
            for capture in self._captures.values():
                capture.close()
            if self._recorder is not None:
                self._recorder.close()

    def _check_devices(self, t: float, lost: set[str]) -> Iterator[SourceNote]:
        for party, capture in self._captures.items():
            if party not in lost and not capture.present():
                capture.close()
                lost.add(party)
                yield SourceNote(
                    t=t,
                    party=party,  # type: ignore[arg-type]
                    state="device_lost",
                    detail=f"{capture.device.name} disappeared; waiting for it to come back",
                )
            elif party in lost:
                try:
                    if capture.device.backend == "pulse" and not pulse_source_exists(
                        capture.device.name
                    ):
                        continue
                    capture.open()
                except AudioDeviceError:
                    continue
                lost.discard(party)
                yield SourceNote(
                    t=t,
                    party=party,  # type: ignore[arg-type]
                    state="device_restored",
                    detail=f"{capture.device.name} is back; capture resumed",
                )
