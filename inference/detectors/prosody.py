"""Arousal from the audio of an utterance, against the speaker's own running baseline.

Three features per utterance: loudness (RMS of voiced frames, dB), pitch (median f0 of voiced
frames by normalised autocorrelation, in semitones) and speaking rate (syllables per second of
speech). Each is turned into a z-score against the running mean and spread of the same speaker's
earlier utterances; their weighted sum maps to arousal in [0, 1] (0.5 = as usual for this
speaker). The first utterance only sets the baseline. numpy only; a 10 s span costs a few ms.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from inference.text import HAN, han_count

_FRAME = 640  # 40 ms at 16 kHz
_HOP = 320  # 20 ms
_FMIN, _FMAX = 70.0, 400.0
_VOWELS = re.compile(r"[aeiouy]+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ProsodyFeatures:
    """What one span of speech sounds like.

    Attributes:
        energy_db: RMS level of the voiced frames, dBFS.
        pitch_st: median pitch of voiced frames in semitones above 100 Hz (None if unvoiced).
        rate: syllables per second of speech (None without text or speech).
        voiced_s: seconds of frames above the noise floor.
    """

    energy_db: float
    pitch_st: float | None
    rate: float | None
    voiced_s: float


def syllables(text: str) -> int:
    """Rough syllable count: one per CJK character, one per vowel group in Latin words."""
    return han_count(text) + len(_VOWELS.findall(HAN.sub(" ", text)))


def measure(
    samples: np.ndarray, text: str = "", *, sample_rate: int = 16000, max_s: float = 20.0
) -> ProsodyFeatures | None:
    """Prosody of a mono float span, or None when it is too short or silent.

    Args:
        samples: mono samples in [-1, 1] (any float or int16 array).
        text: the words spoken in the span, for the speaking rate.
        sample_rate: samples per second; spans at other rates are analysed with scaled lags.
        max_s: longest stretch analysed (the middle of a longer span is used).
    """
    x = np.asarray(samples)
    if x.ndim > 1:
        x = x.mean(axis=1)
    was_int = x.dtype.kind in "iu"
    x = x.astype(np.float32)
    if was_int or (x.size and float(np.max(np.abs(x))) > 1.5):
        x = x / 32768.0
    limit = int(max_s * sample_rate)
    if x.size > limit:
        start = (x.size - limit) // 2
        x = x[start : start + limit]
    scale = sample_rate / 16000.0
    frame, hop = int(_FRAME * scale), int(_HOP * scale)
    if x.size < frame * 3:
        return None
    n = 1 + (x.size - frame) // hop
    idx = np.arange(frame)[None, :] + hop * np.arange(n)[:, None]
    frames = x[idx]
    frames = frames - frames.mean(axis=1, keepdims=True)
    rms = np.sqrt(np.mean(frames**2, axis=1) + 1e-12)
    db = 20.0 * np.log10(rms + 1e-9)
    floor = max(float(np.percentile(db, 20)) + 6.0, -55.0)
    voiced = db > floor
    if int(voiced.sum()) < 3:
        return None
    energy_db = float(20.0 * math.log10(float(np.sqrt(np.mean(rms[voiced] ** 2))) + 1e-9))
    pitch = _pitch_st(frames[voiced] * np.hanning(frame)[None, :].astype(np.float32), sample_rate)
    voiced_s = float(voiced.sum()) * hop / sample_rate
    syl = syllables(text)
    rate = syl / voiced_s if syl and voiced_s > 0.2 else None
    return ProsodyFeatures(round(energy_db, 2), pitch, rate, round(voiced_s, 3))


def _pitch_st(frames: np.ndarray, sample_rate: int) -> float | None:
    nfft = 1 << math.ceil(math.log2(frames.shape[1] * 2))
    spec = np.fft.rfft(frames, n=nfft, axis=1)
    ac = np.fft.irfft(np.abs(spec) ** 2, n=nfft, axis=1)[:, : frames.shape[1]]
    ac0 = ac[:, :1] + 1e-12
    ac = ac / ac0
    lo, hi = int(sample_rate / _FMAX), int(sample_rate / _FMIN)
    hi = min(hi, ac.shape[1] - 2)
    if hi <= lo:
        return None
    seg = ac[:, lo:hi]
    lag = np.argmax(seg, axis=1) + lo
    peak = seg[np.arange(seg.shape[0]), lag - lo]
    ok = peak > 0.45
    if int(ok.sum()) < 2:
        return None
    f0 = sample_rate / lag[ok].astype(np.float64)
    return round(float(12.0 * np.log2(np.median(f0) / 100.0)), 3)


class _Running:
    """Running mean and spread (Welford) with a floor on the spread."""

    __slots__ = ("_m2", "floor", "mean", "n")

    def __init__(self, floor: float) -> None:
        self.n = 0
        self.mean = 0.0
        self._m2 = 0.0
        self.floor = floor

    def z(self, x: float) -> float | None:
        if self.n == 0:
            return None
        sd = math.sqrt(self._m2 / self.n) if self.n > 1 else 0.0
        return (x - self.mean) / max(sd, self.floor)

    def add(self, x: float) -> None:
        self.n += 1
        d = x - self.mean
        self.mean += d / self.n
        self._m2 += d * (x - self.mean)


class ArousalTracker:
    """Arousal of each utterance of one speaker against that speaker's running baseline.

    Args:
        weights: weight of loudness, pitch and rate in the combined z-score.
    """

    def __init__(self, weights: tuple[float, float, float] = (0.45, 0.35, 0.2)) -> None:
        self._w = weights
        self._energy = _Running(floor=3.0)  # dB
        self._pitch = _Running(floor=1.5)  # semitones
        self._rate = _Running(floor=0.6)  # syllables/s

    def update(self, features: ProsodyFeatures | None) -> float | None:
        """Arousal in [0, 1] for this utterance (0.5 on the first), then learn from it.

        Returns None when there is no usable audio.
        """
        if features is None:
            return None
        parts: list[tuple[float, float]] = []
        for w, run, value in (
            (self._w[0], self._energy, features.energy_db),
            (self._w[1], self._pitch, features.pitch_st),
            (self._w[2], self._rate, features.rate),
        ):
            if value is None:
                continue
            z = run.z(value)
            if z is not None:
                parts.append((w, max(-4.0, min(4.0, z))))
            run.add(value)
        if not parts:
            return 0.5
        total = sum(w for w, _ in parts)
        combined = sum(w * z for w, z in parts) / total
        return round(0.5 + 0.5 * math.tanh(combined / 1.5), 3)
