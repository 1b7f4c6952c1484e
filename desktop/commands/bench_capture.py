"""`parley bench capture`: latency the capture path adds (device block -> frame handed on).

It starts a private PulseAudio server with null sinks (or uses the devices given), plays speech
into the customer side and the mic side, and measures, per block, the time from the device
callback to the moment the frame leaves the live source (echo suppression, health notes and
recording included). The baseline in the same run is a bare sounddevice stream whose callback
timestamps are read back from a queue, the least any capture path can cost.
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
from pathlib import Path

from inference.metrics import distribution


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


def _baseline(seconds: float) -> list[float]:
    import sounddevice as sd

    q: queue.Queue[float] = queue.Queue()

    def callback(indata, frames, time_info, status) -> None:
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


def _parley_path(seconds: float, record: Path | None) -> list[float]:
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
        speech = Path(tmp) / "speech.wav"
        _speech(speech, args.seconds)

        def play() -> list[subprocess.Popen]:
            return [
                subprocess.Popen(["paplay", "-d", sink, str(speech)], env=env)
                for sink in ("call_out", "mic_feed")
            ]

        players = play()
        baseline = _baseline(args.seconds)
        for p in players:
            p.kill()
        players = play()
        record = Path(tmp) / "rec.wav" if args.record else None
        parley = _parley_path(args.seconds, record)
        for p in players:
            p.kill()
    base, ours = _percentiles(baseline), _percentiles(parley)
    result = {
        "bench": "capture",
        "seconds": args.seconds,
        "record": bool(args.record),
        "baseline_callback_to_reader": base,
        "parley_callback_to_asr_queue": ours,
        "added_p50_ms": round(ours["p50_ms"] - base["p50_ms"], 3),
    }
    print(json.dumps(result, indent=2))
    return 0
