"""One definition of percentiles and of turn-final latency for every bench."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from inference.events import TranscriptEvent
from inference.metrics import TurnSpan, distribution, percentile, turn_final_latencies

ROOT = Path(__file__).resolve().parents[2]


def final(t: float, speaker: str, start: float, end: float, *, done: bool = True):
    return TranscriptEvent(t, speaker, "u", start, end, "words", done, "en")  # type: ignore[arg-type]


@pytest.mark.parametrize("q", [0, 5, 50, 90, 95, 99, 100])
@pytest.mark.parametrize("n", [1, 2, 7, 20, 101])
def test_percentile_interpolates_as_numpy_does(q: float, n: int) -> None:
    values = list(np.random.default_rng(n).exponential(1.0, size=n))
    assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


def test_percentile_of_nothing_is_none_and_q_is_checked() -> None:
    assert percentile([], 95) is None
    assert distribution([]) == {"p50": None, "p95": None, "n": 0}
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile([1.0], 950)


def test_distribution_rounds_and_p50_is_the_median() -> None:
    assert distribution([1.0, 2.0, 3.0, 10.0]) == {"p50": 2.5, "p95": 8.95, "n": 4}


def test_turn_final_latency_is_the_last_overlapping_final_minus_the_turn_end() -> None:
    turns = [
        TurnSpan("rep", 0.0, 2.0),
        TurnSpan("customer", 3.0, 6.0),
        TurnSpan("customer", 9.0, 10.0),
        TurnSpan("customer", 20.0, 22.0),  # never transcribed: missed
    ]
    events = [
        final(2.5, "rep", 0.0, 2.0),
        final(5.0, "customer", 3.1, 4.5),
        final(6.9, "customer", 4.5, 5.9),
        final(7.5, "customer", 5.9, 6.0, done=False),  # tentative: not counted
        final(11.2, "customer", 9.0, 10.0),
        final(30.0, "customer", 10.6, 12.0),  # beyond the 0.5 s slack of the second turn
    ]
    got = turn_final_latencies(turns, events)
    assert [None if x is None else round(x, 2) for x in got] == [0.9, 1.2, None]
    rep = turn_final_latencies(turns, events, speaker="rep")
    assert [round(x or 0, 2) for x in rep] == [0.5]


def test_turn_span_from_a_timeline_row() -> None:
    row = {"speaker": "customer", "start": "1.5", "end": 3, "text": "we use another vendor"}
    assert TurnSpan.from_dict(row) == TurnSpan("customer", 1.5, 3.0)


@pytest.mark.parametrize(
    "name", ["bench_asr.py", "bench_detect.py", "bench_capture.py", "bench_e2e.py"]
)
def test_benches_take_their_figures_from_the_metrics_module(name: str) -> None:
    tree = ast.parse((ROOT / "desktop" / "commands" / name).read_text(encoding="utf-8"))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    imported |= {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert "inference.metrics" in imported
    assert "statistics" not in imported
    calls = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert not calls & {"percentile", "quantile", "median"}, "use inference.metrics"
