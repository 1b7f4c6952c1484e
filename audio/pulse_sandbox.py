"""A private PulseAudio server (tests, benchmarks): null sinks stand in for the call output and mic.

`call_out.monitor` is the system audio (the customer), `virtual_mic` the rep's microphone;
tests play into `call_out` and `mic_feed` with paplay.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def pactl(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(["pactl", *args], env=env, capture_output=True, text=True, check=True)
    return done.stdout


@contextmanager
def pulse_server() -> Iterator[dict[str, str]]:
    """Start a private PulseAudio daemon; yields the environment that reaches it."""
    for tool in ("pulseaudio", "pactl", "paplay"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is missing: run scripts/setup.sh (it installs pulseaudio)")
    runtime = Path(tempfile.mkdtemp(prefix="parley-pulse-"))
    env = dict(os.environ)
    env.update(
        XDG_RUNTIME_DIR=str(runtime),
        PULSE_SERVER=f"unix:{runtime}/native",
        HOME=str(runtime),
    )
    proc = subprocess.Popen(
        [
            "pulseaudio",
            "--daemonize=no",
            "-n",
            "--exit-idle-time=-1",
            "--disallow-exit",
            "--use-pid-file=no",
            "--disable-shm",
            f"--load=module-native-protocol-unix auth-anonymous=1 socket={runtime}/native",
            "--load=module-null-sink sink_name=call_out rate=48000 channels=2",
            "--load=module-null-sink sink_name=mic_feed rate=48000 channels=1",
            "--load=module-remap-source master=mic_feed.monitor source_name=virtual_mic",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            ready = subprocess.run(["pactl", "info"], env=env, capture_output=True)
            if ready.returncode == 0:
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("PulseAudio did not start")
            time.sleep(0.1)  # polling a daemon's start-up; there is no signal to wait on
        yield env
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(runtime, ignore_errors=True)


def unload_sink(name: str, env: dict[str, str]) -> None:
    for line in pactl("list", "short", "modules", env=env).splitlines():
        if f"sink_name={name}" in line:
            pactl("unload-module", line.split()[0], env=env)


def load_sink(name: str, channels: int, env: dict[str, str]) -> None:
    pactl(
        "load-module",
        "module-null-sink",
        f"sink_name={name}",
        "rate=48000",
        f"channels={channels}",
        env=env,
    )
