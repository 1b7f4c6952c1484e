"""The event outbox: order, the drop policy, slow sinks, and draining on close."""

from __future__ import annotations

import io
import json
import threading

from inference.bus import EventBus
from inference.events import (
    EmotionEvent,
    Event,
    GuardEvent,
    ObjectionEvent,
    Source,
    StatusEvent,
    SuggestionEvent,
    SuggestionPath,
    TranscriptEvent,
)
from inference.sinks import JsonlSink


def _transcript(t: float, *, final: bool, uid: str = "c1", stable: bool = False) -> TranscriptEvent:
    return TranscriptEvent(
        t=t,
        speaker="customer",
        utterance_id=uid,
        start=0.0,
        end=t,
        text="we already have a supplier",
        final=final,
        lang="en",
        stable=stable,
    )


class _GatedSink:
    """Blocks on every event until `gate` is set; records the thread it ran on."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.events: list[Event] = []
        self.threads: set[str] = set()

    def __call__(self, event: Event) -> None:
        self.entered.set()
        self.threads.add(threading.current_thread().name)
        assert self.gate.wait(10)
        self.events.append(event)


def test_sinks_see_emission_order_and_a_clock_that_never_decreases() -> None:
    seen: list[Event] = []
    bus = EventBus([seen.append])

    def produce(name: str, times: list[float]) -> None:
        for t in times:
            bus.emit(StatusEvent(t=t, component=name, state="level"))

    a = threading.Thread(target=produce, args=("asr", [float(i) for i in range(0, 400, 2)]))
    b = threading.Thread(target=produce, args=("llm", [float(i) for i in range(399, 0, -2)]))
    a.start(), b.start()
    a.join(), b.join()
    assert bus.close(10)
    assert len(seen) == 400
    ts = [e.t for e in seen]
    assert ts == sorted(ts)
    # Each producer's own events keep their order.
    for name in ("asr", "llm"):
        mine = [e for e in seen if isinstance(e, StatusEvent) and e.component == name]
        assert len(mine) == 200
    assert bus.stats().delivered == 400


def test_sinks_run_on_the_dispatcher_thread_not_the_emitter() -> None:
    sink = _GatedSink()
    sink.gate.set()
    bus = EventBus([sink])
    bus.emit(StatusEvent(t=0.0, component="asr", state="ready"))
    assert bus.close(5)
    assert sink.threads == {"parley-events"}


def test_a_slow_sink_does_not_block_the_emitter() -> None:
    sink = _GatedSink()
    bus = EventBus([sink], capacity=64)
    returned = threading.Event()

    def produce() -> None:
        for i in range(50):
            bus.emit(_transcript(float(i), final=True, uid=f"c{i}"))
        returned.set()

    threading.Thread(target=produce).start()
    assert returned.wait(5)  # all 50 queued while the sink is still stuck on the first
    assert sink.entered.wait(5) and not sink.events
    sink.gate.set()
    assert bus.close(10)
    assert [e.utterance_id for e in sink.events] == [f"c{i}" for i in range(50)]
    assert bus.stats().waits == 0


def test_a_full_outbox_drops_tentatives_and_keeps_finals() -> None:
    sink = _GatedSink()
    bus = EventBus([sink], capacity=3, wait_limit_s=0.05)
    bus.emit(StatusEvent(t=0.0, component="asr", state="ready"))
    assert sink.entered.wait(5)  # the dispatcher holds it: the outbox is empty again
    for i in range(3):
        bus.emit(_transcript(1.0 + i, final=False))
    for i in range(4):  # full: dropped, never queued
        bus.emit(_transcript(5.0 + i, final=False))
    bus.emit(_transcript(9.0, final=False, stable=True))  # full: a stable partial waits too
    bus.emit(_transcript(10.0, final=True))  # full: waits, then overfills
    stats = bus.stats()
    assert stats.dropped_tentative == 4
    assert stats.waits == 2 and stats.overfilled == 2
    sink.gate.set()
    assert bus.close(10)
    kept = [e for e in sink.events if isinstance(e, TranscriptEvent)]
    assert [e.t for e in kept] == [1.0, 2.0, 3.0, 9.0, 10.0]
    assert kept[-2].stable and kept[-1].final


def test_signals_and_suggestions_wait_for_room_and_are_never_dropped() -> None:
    sink = _GatedSink()
    bus = EventBus([sink], capacity=1, wait_limit_s=0.05)
    bus.emit(StatusEvent(t=0.0, component="asr", state="ready"))
    assert sink.entered.wait(5)
    bus.emit(_transcript(1.0, final=False))  # fills the outbox
    path = SuggestionPath("ask", "What would it take?", 0.6, (Source(utterance_id="c1"),))
    kept: list[Event] = [
        ObjectionEvent(2.0, "c1", 0.5, 1.8, "price", 0.8),
        EmotionEvent(2.0, "c1", 0.5, 1.8, "negative", "worried", 0.7),
        SuggestionEvent(2.1, "c1", "instant", (path, path, path), 0.1),
        GuardEvent(2.1, "c1", 0, "no-discount", "rewritten"),
    ]
    for event in kept:
        bus.emit(event)
    bus.emit(_transcript(2.2, final=False))  # a tentative one is dropped instead
    stats = bus.stats()
    assert stats.waits == len(kept) and stats.dropped_tentative == 1
    sink.gate.set()
    assert bus.close(10)
    assert [e for e in sink.events if not isinstance(e, (StatusEvent, TranscriptEvent))] == kept
    times = [e.t for e in sink.events]
    assert times == sorted(times)


def test_stable_is_written_only_when_true_and_read_back() -> None:
    from inference.events import from_dict, to_dict

    tentative, stable = _transcript(1.0, final=False), _transcript(2.0, final=False, stable=True)
    assert "stable" not in to_dict(tentative)  # older readers see the same objects as before
    assert to_dict(stable)["stable"] is True
    assert from_dict(to_dict(stable)) == stable and from_dict(to_dict(tentative)) == tentative


def test_a_waiting_producer_goes_on_as_soon_as_there_is_room() -> None:
    sink = _GatedSink()
    bus = EventBus([sink], capacity=1, wait_limit_s=30.0)
    bus.emit(StatusEvent(t=0.0, component="asr", state="ready"))
    assert sink.entered.wait(5)
    bus.emit(StatusEvent(t=1.0, component="asr", state="ready"))  # fills the outbox
    returned = threading.Event()

    def produce() -> None:
        bus.emit(_transcript(2.0, final=True))
        returned.set()

    threading.Thread(target=produce).start()
    assert not returned.wait(0.2)  # waits: a final is never dropped
    sink.gate.set()
    assert returned.wait(5)
    assert bus.close(5)
    assert bus.stats().overfilled == 0 and bus.stats().waits == 1
    assert [e.t for e in sink.events] == [0.0, 1.0, 2.0]


def test_close_drains_every_event_into_the_events_file() -> None:
    stream = io.StringIO()
    bus = EventBus([JsonlSink(stream)], capacity=8)
    for i in range(500):
        bus.emit(_transcript(i / 10, final=i % 5 == 0, uid=f"c{i}"))
    assert bus.close(10)
    rows = [json.loads(line) for line in stream.getvalue().splitlines()]
    finals = [r for r in rows if r["final"]]
    assert len(finals) == 100  # no final is ever dropped
    assert len(rows) == 500 - bus.stats().dropped_tentative
    # After close, events still reach the sinks (on the emitting thread).
    bus.emit(StatusEvent(t=99.0, component="store", state="closed"))
    assert json.loads(stream.getvalue().splitlines()[-1])["component"] == "store"


def test_a_sink_that_emits_does_not_deadlock_on_a_full_outbox() -> None:
    seen: list[Event] = []
    bus = EventBus(capacity=1, wait_limit_s=30.0)

    def echo(event: Event) -> None:
        seen.append(event)
        if isinstance(event, StatusEvent) and event.component == "asr":
            for _ in range(3):
                bus.emit(StatusEvent(t=event.t, component="store", state="failed"))

    bus.add_sink(echo)
    bus.emit(StatusEvent(t=0.0, component="asr", state="ready"))
    assert bus.close(10)
    assert [e.component for e in seen if isinstance(e, StatusEvent)] == ["asr"] + ["store"] * 3


def test_a_failing_sink_does_not_stop_the_others() -> None:
    seen: list[Event] = []

    def broken(event: Event) -> None:
        raise OSError("disk full")

    bus = EventBus([broken, seen.append])
    bus.emit(StatusEvent(t=0.0, component="asr", state="ready"))
    assert bus.close(5)
    assert len(seen) == 1
