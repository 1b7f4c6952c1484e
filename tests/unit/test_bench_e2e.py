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
