"""The edges of sound in the samples: where a second-pass window starts and ends."""

from __future__ import annotations

import numpy as np

from inference.asr import edges
from tests.unit.asr_fakes import silence, tone

SR = 16000


def test_onset_and_offset_are_where_the_sound_is_to_the_sample() -> None:
    x = np.concatenate([silence(0.5), tone(1.0), silence(0.3)])
    thr = edges.threshold(x[: SR // 2])
    assert thr == edges.FLOOR  # digital silence before: the -50 dBFS floor
    at, end = edges.onset(x, thr), edges.offset(x, thr)
    assert at is not None and end is not None
    assert abs(at - SR // 2) <= 16 and abs(end - 3 * SR // 2) <= 16  # within a millisecond


def test_the_same_sound_has_the_same_edges_wherever_the_slice_begins() -> None:
    x = np.concatenate([silence(0.6), tone(0.8), silence(0.4)])
    thr = edges.FLOOR
    for cut in (0, 37, 511, 1600):
        assert edges.onset(x[cut:], thr) == edges.onset(x, thr) - cut
        assert edges.offset(x[cut:], thr) == edges.offset(x, thr) - cut


def test_a_short_stop_inside_speech_is_not_an_onset() -> None:
    # 300 ms of quiet, a syllable, a 60 ms stop, more speech: the utterance began at the
    # syllable, not after the stop.
    x = np.concatenate([silence(0.3), tone(0.2), silence(0.06), tone(0.5)])
    at = edges.onset(x, edges.FLOOR)
    assert at is not None and abs(at - round(0.3 * SR)) <= 16


def test_no_edge_in_sound_that_goes_on_or_under_a_loud_background() -> None:
    assert edges.offset(np.concatenate([silence(0.3), tone(0.5)]), edges.FLOOR) is None
    noise = np.random.default_rng(1).normal(0, 0.05, SR).astype(np.float32)
    thr = edges.threshold(noise[: SR // 2])
    assert thr > edges.FLOOR  # the background raises the threshold
    assert edges.onset(noise, thr) is None and edges.offset(noise, thr) is None


def test_sound_over_a_quiet_background_is_found_above_it() -> None:
    rng = np.random.default_rng(2)
    bed = rng.normal(0, 0.002, SR * 2).astype(np.float32)  # about -54 dBFS of hiss
    x = bed.copy()
    x[SR // 2 : SR] += tone(0.5)
    thr = edges.threshold(x[: SR // 2])
    at, end = edges.onset(x, thr), edges.offset(x, thr)
    assert at is not None and abs(at - SR // 2) <= 32
    assert end is not None and abs(end - SR) <= 32
