"""Where speech starts and stops in the samples themselves, not on a grid.

The VAD decides in 512-sample chunks counted from the party's first frame, and frames arrive in
blocks of the source's size, so a window cut at the VAD's chunk or at the last frame that came
sits wherever the stream happened to start: a live capture and a replay of the same call cut
the same sentence a few milliseconds apart, and Whisper hears some phrases otherwise for that
alone. These helpers find the edge of the sound itself (a 10 ms energy envelope crossing a
threshold, at sample precision), so that a window placed from it starts and ends at the same
point of the speech however the stream was framed.
"""

from __future__ import annotations

import numpy as np

ENV_N = 160  # envelope window: 10 ms at 16 kHz
QUIET_N = 800  # a stretch this long (50 ms) under the threshold ends a sound
ONSET_QUIET_N = 2400  # before an utterance, 150 ms (the VAD's pause): not a stop inside a word
FLOOR = 10 ** (-50 / 20)  # envelope threshold in digital silence: -50 dBFS


def envelope(x: np.ndarray) -> np.ndarray:
    """RMS of every `ENV_N`-sample window: element i covers x[i : i + ENV_N]."""
    if len(x) < ENV_N:
        return np.zeros(0)
    c = np.concatenate([[0.0], np.cumsum(np.square(x, dtype=np.float64))])
    return np.sqrt(np.maximum(c[ENV_N:] - c[:-ENV_N], 0.0) / ENV_N)


def threshold(before: np.ndarray) -> float:
    """The loudness that counts as sound, from audio heard before an utterance: four times
    its quieter part (its background), never under -50 dBFS."""
    env = envelope(before)
    if not len(env):
        return FLOOR
    return max(FLOOR, 4.0 * float(np.percentile(env, 20)))


def _quiet_runs(quiet: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], quiet.astype(np.int8), [0]])))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def onset(x: np.ndarray, thr: float) -> int | None:
    """Index in `x` where its last sound began: the end of the last quiet stretch (at least
    `ONSET_QUIET_N`) that sound follows. None when no such stretch is in `x`."""
    env = envelope(x)
    quiet = _quiet_runs(env <= thr)
    runs = [(a, b) for a, b in quiet if b - a >= ONSET_QUIET_N and b < len(env)]
    if not runs:
        return None
    return runs[-1][1] + ENV_N - 1  # the sample whose entry made the envelope loud


def offset(x: np.ndarray, thr: float) -> int | None:
    """Index in `x` just past its last sound, when quiet (at least `QUIET_N`) follows it to
    the end of `x`. None when `x` ends in sound, or holds none."""
    env = envelope(x)
    runs = _quiet_runs(env <= thr)
    if not runs:
        return None
    a, b = runs[-1]
    if b != len(env) or a == 0 or b - a < QUIET_N:
        return None
    return a  # env[a - 1] was the last loud window: its first sample was the last sound
