"""`parley bench capture`: latency the capture path adds (device block -> frame handed on).

It starts a private PulseAudio server with null sinks (or uses the devices given), plays speech
into the customer side and the mic side, and measures, per block, the time from the device
callback to the moment the frame leaves the live source (echo suppression, health notes and
recording included). The baseline in the same run is a bare sounddevice stream whose callback
timestamps are read back from a queue, the least any capture path can cost.

It also measures what reaches the ASR of the customer's top band: the customer side plays
two tones (1 and 7 kHz, at 48 kHz like a call app's output) and each path's 16 kHz audio is
read for the 7 kHz tone against the 1 kHz one (`high_band_db`; 0 dB keeps the band whole).
The baseline asks the sound server for 16 kHz and gets its resampler's conversion; Parley
opens the source at its own rate and converts with soxr (`LiveConfig.native_rate`).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import subprocess
import tempfile
import threading
import time
import wave
from pathlib import Path

import numpy as np

from inference.metrics import distribution

TONE_HZ = (1000.0, 7000.0)  # a voice band tone and one in the sibilants' band


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("capture", help="added latency of live capture (JSON)")
    p.add_argument("--seconds", type=float, default=8.0, help="capture time per measurement")
    p.add_argument("--record", action="store_true", help="also record to a stereo file")
    p.set_defaults(func=run)


def _percentiles(values: list[float]) -> dict[str, float]:
    """p50 and p95 in milliseconds (`inference.metrics`: linear interpolation); NaN for none."""
    dist = distribution([v * 1000 for v in values])
    nan = float("nan")
    return {
        "p50_ms": nan if dist["p50"] is None else dist["p50"],
        "p95_ms": nan if dist["p95"] is None else dist["p95"],
        "n": dist["n"],
    }


def _speech(path: Path, seconds: float) -> None:
    text = "this is a measurement of the capture path " * max(1, int(seconds / 2.5))
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True, capture_output=True)


def _tones(path: Path, seconds: float, rate: int = 48000) -> None:
    """Both `TONE_HZ` tones at -14 dBFS each, as 16-bit mono at `rate`."""
    t = np.arange(int(seconds * rate)) / rate
    sig = sum(0.2 * np.sin(2 * np.pi * hz * t) for hz in TONE_HZ)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.asarray(sig) * 32767).astype("<i2").tobytes())


def high_band_db(samples: np.ndarray, rate: int = 16000) -> float | None:
    """The 7 kHz tone against the 1 kHz one in 16 kHz audio, in dB (None: too short or silent).
    The first quarter second (a stream's start) is left out."""
    x = np.asarray(samples, dtype=np.float64)[rate // 4 :]
    if len(x) < rate // 2:
        return None
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    freqs = np.fft.rfftfreq(len(x), 1 / rate)
    low, high = (float(spec[np.abs(freqs - hz) <= 20].max()) for hz in TONE_HZ)
    if low <= 1e-9:
        return None
    return round(20 * float(np.log10(max(high, 1e-12) / low)), 2)


def _baseline(seconds: float, kept: list[np.ndarray]) -> list[float]:
    import sounddevice as sd

    q: queue.Queue[float] = queue.Queue()

    def callback(indata, frames, time_info, status) -> None:
        kept.append(indata[:, 0].copy())
        q.put(time.monotonic())

    os.environ["PULSE_SOURCE"] = "call_out.monitor"
    latencies: list[float] = []
    with sd.InputStream(
        device="pulse", samplerate=16000, channels=1, blocksize=1600, callback=callback
    ):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                stamp = q.get(timeout=0.2)
            except queue.Empty:
                continue
            latencies.append(time.monotonic() - stamp)
    os.environ.pop("PULSE_SOURCE", None)
    return latencies


def _parley_path(seconds: float, record: Path | None, kept: list[np.ndarray]) -> list[float]:
    from audio.live_source import LiveSource
    from audio.source import AudioFrame

    source = LiveSource(
        mic="virtual_mic", loopback="call_out.monitor", duration=seconds, record=record
    )
    latencies: list[float] = []
    handed: queue.Queue = queue.Queue(maxsize=256)

    def consumer() -> None:  # stands in for the ASR worker's side of the bounded queue
        while True:
            item = handed.get()
            if item is None:
                return
            latencies.append(time.monotonic() - item)

    worker = threading.Thread(target=consumer, daemon=True)
    worker.start()
    for item in source.frames():
        if isinstance(item, AudioFrame) and item.captured_at is not None:
            handed.put(item.captured_at)
            if item.party == "customer":
                kept.append(item.samples)
    handed.put(None)
    worker.join()
    return latencies


def run(args: argparse.Namespace) -> int:
    from audio.pulse_sandbox import pulse_server

    with pulse_server() as env, tempfile.TemporaryDirectory() as tmp:
        os.environ.update({k: env[k] for k in ("PULSE_SERVER", "XDG_RUNTIME_DIR")})
        import sounddevice as sd

        sd._terminate()  # PortAudio enumerates devices once; see the new server
        sd._initialize()
        speech, tones = Path(tmp) / "speech.wav", Path(tmp) / "tones.wav"
        _speech(speech, args.seconds)
        _tones(tones, args.seconds + 2)

        def play() -> list[subprocess.Popen]:
            return [
                subprocess.Popen(["paplay", "-d", sink, str(f)], env=env)
                for sink, f in (("call_out", tones), ("mic_feed", speech))
            ]

        heard: dict[str, list[np.ndarray]] = {"baseline": [], "parley": []}
        players = play()
        baseline = _baseline(args.seconds, heard["baseline"])
        for p in players:
            p.kill()
        players = play()
        record = Path(tmp) / "rec.wav" if args.record else None
        parley = _parley_path(args.seconds, record, heard["parley"])
        for p in players:
            p.kill()
    base, ours = _percentiles(baseline), _percentiles(parley)
    band = {k: high_band_db(np.concatenate(v)) if v else None for k, v in heard.items()}
    result = {
        "bench": "capture",
        "seconds": args.seconds,
        "record": bool(args.record),
        "baseline_callback_to_reader": base,
        "parley_callback_to_asr_queue": ours,
        "added_p50_ms": round(ours["p50_ms"] - base["p50_ms"], 3),
        "high_band_db": {"baseline_server_16k": band["baseline"], "parley": band["parley"]},
    }
    print(json.dumps(result, indent=2))
    return 0
