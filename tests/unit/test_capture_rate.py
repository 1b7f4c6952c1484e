"""Which rate a Pulse source is opened at, and what reaches the ASR (the stream is a stand-in:
the test is about the choice around it; `tests/integration/test_capture_band.py` opens real
ones)."""

from __future__ import annotations

import queue
from typing import ClassVar

import numpy as np
import pytest
import sounddevice as sd

import audio.live_source as live_source
from audio.devices import InputDevice
from audio.live_source import LiveConfig, _Capture

MONITOR = InputDevice(name="call_out.monitor", backend="pulse", is_loopback=True, rate=48000)


class _Stream:
    opened: ClassVar[list[int]] = []
    refuse: ClassVar[set[int]] = set()

    def __init__(self, *, device, samplerate, blocksize, **kwargs) -> None:
        type(self).opened.append(samplerate)
        if samplerate in self.refuse:
            raise sd.PortAudioError("Invalid sample rate")
        assert blocksize == int(0.1 * samplerate)

    def start(self) -> None:
        pass


@pytest.fixture
def stream(monkeypatch):
    monkeypatch.setattr(sd, "InputStream", _Stream)
    monkeypatch.setattr(live_source, "pulse_sources", lambda: [MONITOR])
    _Stream.opened, _Stream.refuse = [], set()
    return _Stream


def _tone(rate: int, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def test_a_source_opens_at_its_own_rate_and_is_converted_to_16k(stream):
    cap = _Capture("customer", MONITOR, queue.Queue(), LiveConfig())
    cap.open()
    assert stream.opened == [48000] and cap.rate == 48000
    out = np.concatenate([cap.to_16k(b) for b in np.split(_tone(48000), 10)])
    assert 0 <= 16000 - len(out) < 800  # the filter holds back some 20 ms
    assert abs(float(np.sqrt(np.mean(out[2000:] ** 2))) - 0.3 / np.sqrt(2)) < 0.01


def test_a_source_that_refuses_its_rate_opens_at_16k(stream):
    stream.refuse = {48000}
    cap = _Capture("customer", MONITOR, queue.Queue(), LiveConfig())
    cap.open()
    assert stream.opened == [48000, 16000] and cap.rate == 16000
    block = _tone(16000, 0.1)
    assert cap.to_16k(block) is block


def test_native_rate_off_and_unknown_rates_ask_for_16k(stream):
    _Capture("customer", MONITOR, queue.Queue(), LiveConfig(native_rate=False)).open()
    unknown = InputDevice(name="virtual_mic", backend="pulse", is_loopback=False)
    _Capture("rep", unknown, queue.Queue(), LiveConfig()).open()
    assert stream.opened == [16000, 16000]


def test_a_source_that_comes_back_at_another_rate_opens_at_that_one(stream, monkeypatch):
    cap = _Capture("customer", MONITOR, queue.Queue(), LiveConfig())
    cap.open()
    # a headset that switched to its call profile: the same source, now at 16 kHz
    back = InputDevice(name=MONITOR.name, backend="pulse", is_loopback=True, rate=16000)
    monkeypatch.setattr(live_source, "pulse_sources", lambda: [back])
    cap.open()
    assert stream.opened == [48000, 16000] and cap.rate == 16000
    block = _tone(16000, 0.1)
    assert cap.to_16k(block) is block
