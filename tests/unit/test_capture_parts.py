"""Echo suppression, health notes and the stereo recorder, on generated signals."""

from __future__ import annotations

import wave

import numpy as np

from audio.echo import EchoSuppressor
from audio.health import HealthConfig, HealthMonitor, dbfs
from audio.recorder import StereoRecorder, WavRecordingWriter

SR = 16_000


def _noise(seconds: float, seed: int, level: float = 0.1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(seconds * SR)) * level).astype(np.float32)


def test_echo_of_customer_is_removed_from_mic():
    customer = _noise(1.0, seed=1)
    echo = EchoSuppressor()
    echo.add_reference(customer)
    delay = int(0.12 * SR)
    block = 0.4 * customer[len(customer) - delay - 1600 : len(customer) - delay]
    cleaned, was_echo = echo.process(block.astype(np.float32))
    assert was_echo
    assert dbfs(cleaned) < dbfs(block) - 20


def test_rep_speech_is_kept():
    echo = EchoSuppressor()
    echo.add_reference(_noise(1.0, seed=1))
    rep = _noise(0.1, seed=2)
    cleaned, was_echo = echo.process(rep)
    assert not was_echo
    assert np.array_equal(cleaned, rep)


def test_double_talk_keeps_the_rep():
    customer = _noise(1.0, seed=1)
    echo = EchoSuppressor()
    echo.add_reference(customer)
    rep = _noise(0.1, seed=3, level=0.2)
    mixed = rep + 0.2 * customer[-1600:]
    cleaned, _ = echo.process(mixed.astype(np.float32))
    # Whatever is removed, the rep's voice stays (correlates with the original).
    assert np.corrcoef(cleaned, rep)[0, 1] > 0.9


def test_levels_clipping_and_no_customer_alarm():
    monitor = HealthMonitor(HealthConfig(no_customer_after_s=3.0))
    notes = []
    t = 0.0
    for _ in range(60):  # 6 s: rep talks, the customer side is silent
        notes += monitor.observe("customer", t, np.zeros(1600, dtype=np.float32))
        notes += monitor.observe("rep", t, _noise(0.1, seed=int(t * 10)))
        t += 0.1
    states = [n.state for n in notes]
    assert states.count("no_customer_audio") == 1
    levels = [n for n in notes if n.state == "level" and n.party == "rep"]
    assert levels and all(-40 < float(n.detail.split()[1]) < -10 for n in levels)
    clipped = np.ones(1600, dtype=np.float32)
    assert any(n.state == "clipping" for n in monitor.observe("rep", t, clipped))


def test_no_alarm_while_customer_speaks():
    monitor = HealthMonitor(HealthConfig(no_customer_after_s=3.0))
    notes = []
    for i in range(60):
        notes += monitor.observe("customer", i / 10, _noise(0.1, seed=i))
        notes += monitor.observe("rep", i / 10, _noise(0.1, seed=100 + i))
    assert "no_customer_audio" not in [n.state for n in notes]


def test_recorder_aligns_parties_into_stereo(tmp_path):
    path = tmp_path / "rec.wav"
    rec = StereoRecorder(WavRecordingWriter(path))
    rep = np.full(1600, 0.5, dtype=np.float32)
    customer = np.full(1600, -0.25, dtype=np.float32)
    rec.add("rep", 0.0, rep)
    rec.add("customer", 0.5, customer)  # the customer's device started half a second late
    rec.add("rep", 0.1, rep)
    rec.close()
    with wave.open(str(path)) as w:
        assert w.getnchannels() == 2 and w.getframerate() == SR
        data = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, 2)
    assert len(data) == int(0.6 * SR)
    assert data[0, 0] > 16000 and data[0, 1] == 0
    assert data[int(0.55 * SR), 1] < -8000
