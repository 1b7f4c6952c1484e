"""What a live capture keeps of the top of the speech band, through a real PulseAudio server.

Asked for 16 kHz, PulseAudio converts with its own resampler (speex-float-1 by default), which
takes several dB off 7 kHz and garbles the band above 5 kHz; Parley opens a Pulse source at
its own rate and converts with soxr, as a recording is converted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

import audio.devices as devices
from audio.pulse_sandbox import pulse_server
from desktop.commands.bench_capture import TONE_HZ, high_band_db

ROOT = Path(__file__).resolve().parents[2]


def test_a_pulse_source_reports_its_own_rate(monkeypatch):
    with pulse_server() as env:
        for key in ("PULSE_SERVER", "XDG_RUNTIME_DIR"):
            monkeypatch.setenv(key, env[key])
        sources = {d.name: d for d in devices.pulse_sources() or []}
    assert sources["call_out.monitor"].rate == 48000
    assert sources["call_out.monitor"].is_loopback
    assert sources["virtual_mic"].rate == 48000


def test_the_customers_7khz_band_reaches_the_asr_whole():
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "bench", "capture", "--seconds", "4"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    band = json.loads(done.stdout)["high_band_db"]
    assert band["parley"] is not None and abs(band["parley"]) <= 1.5, band
    assert band["baseline_server_16k"] is not None  # reported beside it, whatever it is


def test_high_band_db_reads_the_tones():
    t = np.arange(3 * 16000) / 16000
    low, high = (np.sin(2 * np.pi * hz * t) for hz in TONE_HZ)
    assert high_band_db(0.2 * low + 0.2 * high) == 0.0
    assert abs(high_band_db(0.2 * low + 0.05 * high) + 12.04) < 0.1  # a quarter: -12 dB
    assert high_band_db(0.2 * low[:10000]) is None  # under half a second after the start
