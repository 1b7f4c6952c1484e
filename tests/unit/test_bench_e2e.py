"""`parley bench e2e`'s transcription figure: customer turn end to its last final event."""

from __future__ import annotations

from desktop.commands.bench_e2e import _turn_final_latency
from inference.events import TranscriptEvent


def final(t: float, speaker: str, start: float, end: float) -> TranscriptEvent:
    return TranscriptEvent(t, speaker, "u", start, end, "words", True, "en")  # type: ignore[arg-type]


def test_turn_final_latency_takes_the_last_final_of_each_customer_turn() -> None:
    turns = [
        {"speaker": "rep", "start": 0.0, "end": 2.0},
        {"speaker": "customer", "start": 3.0, "end": 6.0},
        {"speaker": "customer", "start": 9.0, "end": 10.0},
        {"speaker": "customer", "start": 20.0, "end": 22.0},  # never transcribed: left out
    ]
    events = [
        final(2.5, "rep", 0.0, 2.0),  # the rep's finals do not count
        final(5.0, "customer", 3.1, 4.5),
        final(6.9, "customer", 4.5, 5.9),
        TranscriptEvent(7.5, "customer", "u", 5.9, 6.0, "tail", False, "en"),  # not final
        final(11.2, "customer", 9.0, 10.0),
    ]
    assert [round(x, 2) for x in _turn_final_latency(turns, events)] == [0.9, 1.2]


def test_the_summary_gives_the_second_opinions_latency_and_what_it_read_after_the_final() -> None:
    import argparse

    from desktop.commands.bench_e2e import _summary

    def report(seconds: list[float], tokens: list[int]) -> dict:
        return {
            "turns": [],
            "false_alarms": 0,
            "asr_turn_final_s": [],
            "second_opinion_s": seconds,
            "second_opinion_tokens_after_final": tokens,
        }

    args = argparse.Namespace(no_llm=False)
    summary = _summary(args, [report([0.6, 0.9], [0, 4]), report([1.5], [12])])
    assert summary["second_opinion_s"] == {"p50": 0.9, "p95": 1.44, "n": 3}
    assert summary["second_opinion_tokens_after_final"]["p50"] == 4
    assert summary["second_opinion_tokens_after_final"]["n"] == 3
    assert summary["meets_targets"]["second_opinion"] is False
    # Without a second opinion there is neither figure nor target.
    none = _summary(args, [report([], [])])
    assert none["second_opinion_tokens_after_final"] is None
    assert "second_opinion" not in none["meets_targets"]
