"""Input devices and loopback (system-audio) sources, as `parley devices` lists them.

Two worlds meet here: PortAudio's devices (through sounddevice; on Windows WASAPI loopback,
on macOS a loopback driver such as BlackHole) and, on Linux, PulseAudio/PipeWire sources,
which PortAudio only sees as one ALSA device named "pulse". A Pulse source is opened through
that device with `PULSE_SOURCE` naming it, so any source name `pactl` lists (for example
`call_out.monitor`) is a valid DEVICE.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

from audio.errors import AudioDeviceError

LOOPBACK_HINTS = ("monitor", "loopback", "blackhole", "soundflower", "stereo mix", "what u hear")


@dataclass(frozen=True, slots=True)
class InputDevice:
    """One capture device.

    Attributes:
        name: what to pass as `--mic` / `--loopback`.
        backend: "pulse" (a PulseAudio/PipeWire source) or "portaudio".
        is_loopback: it carries system audio (the customer side of a call).
        index: PortAudio device index (portaudio backend only).
        channels: input channels.
        description: a human label.
        is_default: the system's default input.
        rate: the source's own sample rate in Hz as the sound server reports it (Pulse
            sources; 0 where unknown).
    """

    name: str
    backend: str
    is_loopback: bool
    index: int | None = None
    channels: int = 1
    description: str = ""
    is_default: bool = False
    rate: int = 0


def _pactl(*args: str) -> str | None:
    if shutil.which("pactl") is None:
        return None
    try:
        done = subprocess.run(
            ["pactl", *args], capture_output=True, text=True, timeout=3, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def pulse_sources() -> list[InputDevice] | None:
    """PulseAudio/PipeWire sources, or None when no Pulse server answers."""
    listing = _pactl("list", "short", "sources")
    if listing is None:
        return None
    info = _pactl("info") or ""
    default = ""
    for line in info.splitlines():
        if line.startswith("Default Source:"):
            default = line.split(":", 1)[1].strip()
    devices = []
    for line in listing.splitlines():
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        name = parts[1]
        spec = parts[3] if len(parts) > 3 else ""
        channels = 2 if "2ch" in spec else 1
        rate = re.search(r"(\d+)Hz", spec)
        devices.append(
            InputDevice(
                name=name,
                backend="pulse",
                is_loopback=name.endswith(".monitor"),
                channels=channels,
                description=spec,
                is_default=name == default,
                rate=int(rate.group(1)) if rate else 0,
            )
        )
    return devices


def pulse_source_exists(name: str) -> bool:
    """Whether the Pulse server currently has a source of that name."""
    sources = pulse_sources()
    return sources is not None and any(d.name == name for d in sources)


def _portaudio_devices() -> list[InputDevice]:
    try:
        import sounddevice as sd
    except OSError as e:  # PortAudio library missing
        raise AudioDeviceError(
            "PortAudio is not installed, so no audio device can be opened; install it "
            "(Debian/Ubuntu: apt-get install libportaudio2)"
        ) from e
    try:
        default_in = sd.default.device[0]
        hostapis = sd.query_hostapis()
        devices = []
        for index, info in enumerate(sd.query_devices()):
            if int(info["max_input_channels"]) <= 0:
                continue
            api = hostapis[int(info["hostapi"])]["name"]
            name = str(info["name"])
            lowered = name.lower()
            devices.append(
                InputDevice(
                    name=name,
                    backend="portaudio",
                    is_loopback=any(h in lowered for h in LOOPBACK_HINTS),
                    index=index,
                    channels=int(info["max_input_channels"]),
                    description=str(api),
                    is_default=index == default_in,
                )
            )
        return devices
    except sd.PortAudioError as e:
        raise AudioDeviceError(f"could not list audio devices ({e})") from e


def list_devices() -> list[InputDevice]:
    """Every input device and loopback source this machine offers now."""
    devices = list(pulse_sources() or [])
    devices.extend(_portaudio_devices())
    return devices


def resolve(name: str | None, *, loopback: bool) -> InputDevice:
    """The device a `--mic`/`--loopback` argument names (None = the default of that kind).

    Raises:
        AudioDeviceError: no such device, with the names that exist.
    """
    pulse = pulse_sources()
    if pulse:
        if name is None:
            candidates = [d for d in pulse if d.is_loopback == loopback]
            preferred = [d for d in candidates if d.is_default] or candidates
            if preferred:
                return preferred[0]
        else:
            for d in pulse:
                if d.name == name:
                    return d
    portaudio = _portaudio_devices()
    if name is None:
        if loopback:
            for d in portaudio:
                if d.is_loopback:
                    return d
            raise AudioDeviceError(loopback_help())
        for d in portaudio:
            if d.is_default:
                return d
        if portaudio:
            return portaudio[0]
        raise AudioDeviceError("no microphone found; plug one in or pick one with --mic")
    for d in portaudio:
        if d.name == name or (name.isdigit() and d.index == int(name)):
            return d
    known = [d.name for d in (pulse or [])] + [d.name for d in portaudio]
    raise AudioDeviceError(
        f"no audio device named {name!r}; `parley devices` lists these: {', '.join(known) or 'none'}"
    )


def loopback_help() -> str:
    """What the user must do on this OS to capture the customer's voice."""
    if sys.platform == "darwin":
        return (
            "no loopback device found: macOS needs a loopback driver to capture system audio; "
            "install BlackHole (2ch), route the call app's output to a Multi-Output Device that "
            "includes it, then pick it with --loopback"
        )
    if sys.platform == "win32":
        return (
            "no loopback device found: pick the WASAPI loopback of your output device with "
            "--loopback (see `parley devices`)"
        )
    if os.environ.get("PULSE_SERVER") or shutil.which("pactl"):
        return (
            "no system-audio monitor found: start PulseAudio or PipeWire, or pick a source "
            "ending in .monitor with --loopback (see `parley devices`)"
        )
    return "no system-audio source found: Linux needs PulseAudio or PipeWire (pactl) for it"
