"""run_audio: reader thread, one worker for both parties, status events, lag control."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator

import numpy as np
import pytest

from audio.pace import Pace
from audio.source import AudioFrame, SourceNote
from inference.asr.transcriber import DecodePolicy, HeardSoFar
from inference.clock import SessionClock
from inference.events import ClosedUtterance, StatusEvent, TranscriptEvent
from inference.pipeline import AsrConfig, level_policy, run_audio
from tests.unit.asr_fakes import AmplitudeVad, ScriptedBackend, segment, silence, tone


class ListSource:
    def __init__(
        self, customer: np.ndarray, rep: np.ndarray, *, notes: list[SourceNote] = ()
    ) -> None:
        self.parties = ("customer", "rep")
        self.pace = Pace.unpaced()
        self._audio = {"customer": customer, "rep": rep}
        self._notes = list(notes)
        self._stop = threading.Event()

    def frames(self) -> Iterator[AudioFrame | SourceNote]:
        yield from self._notes
        n = 1600
        for i in range(0, max(len(a) for a in self._audio.values()), n):
            if self._stop.is_set():
                return
            for party in ("customer", "rep"):
                chunk = self._audio[party][i : i + n]
                if len(chunk):
                    yield AudioFrame(party=party, start=i / 16000, samples=chunk)

    def stop(self) -> None:
        self._stop.set()


class Hub:
    def __init__(self) -> None:
        self.items: list = []

    def emit(self, event) -> None:
        self.items.append(event)

    def on_utterance(self, utt) -> None:
        self.items.append(utt)


def test_both_parties_are_transcribed_and_open_utterances_flushed_at_the_end() -> None:
    customer = np.concatenate([tone(2.0), silence(1.5), tone(2.0)])  # still speaking at the end
    rep = np.concatenate([silence(2.5), tone(1.5), silence(1.5)])
    backend = ScriptedBackend(lambda d: [segment("words of the window")])
    hub = Hub()
    note = SourceNote(t=0.0, party="rep", state="device_lost", detail="mic unplugged")
    run_audio(
        ListSource(customer, rep, notes=[note]),
        config=AsrConfig(model="fake", language="en"),
        clock=SessionClock(),
        hub=hub,
        backend=backend,
        vad_factory=AmplitudeVad,
    )
    states = [e.state for e in hub.items if isinstance(e, StatusEvent) and e.component == "asr"]
    assert states[:2] == ["loading", "ready"]
    assert any(isinstance(e, StatusEvent) and e.state == "device_lost" for e in hub.items)
    closed = [e for e in hub.items if isinstance(e, ClosedUtterance)]
    assert sorted(c.utterance_id for c in closed) == ["c1", "c2", "r1"]
    for c in closed:  # each utterance's one final, its text, comes before it closes
        i = hub.items.index(c)
        finals = [
            e
            for e in hub.items
            if isinstance(e, TranscriptEvent) and e.final and e.utterance_id == c.utterance_id
        ]
        assert len(finals) == 1 and hub.items.index(finals[0]) < i
        assert finals[0].text == c.text
    assert {c.speaker for c in closed} == {"customer", "rep"}


def test_what_a_pause_heard_reaches_a_hub_that_takes_it_after_the_partials() -> None:
    class HeardHub(Hub):
        def heard(self, so_far) -> None:
            self.items.append(so_far)

    def items_of(hub: Hub) -> list:
        customer = np.concatenate([tone(2.0), silence(0.3), tone(1.0), silence(1.5)])
        run_audio(
            ListSource(customer, silence(len(customer) / 16000)),
            config=AsrConfig(model="fake", language="en"),
            clock=SessionClock(),
            hub=hub,
            backend=ScriptedBackend(lambda d: [segment("words of the window")]),
            vad_factory=AmplitudeVad,
        )
        return hub.items

    items = items_of(HeardHub())
    heard = [e for e in items if isinstance(e, HeardSoFar)]
    assert heard and all(h.utterance_id == "c1" for h in heard)
    closed = next(e for e in items if isinstance(e, ClosedUtterance))
    assert items.index(heard[0]) < items.index(closed)
    # A hub without `heard` (the plain one above) is handed only events and utterances.
    assert not any(isinstance(e, HeardSoFar) for e in items_of(Hub()))


def test_streaming_off_decodes_each_utterance_once() -> None:
    customer = np.concatenate([tone(4.0), silence(1.0), tone(3.0), silence(1.0)])
    backend = ScriptedBackend(lambda d: [segment("hello")])
    run_audio(
        ListSource(customer, silence(9.0)),
        config=AsrConfig(model="fake", language="en", streaming=False),
        clock=SessionClock(),
        hub=Hub(),
        backend=backend,
        vad_factory=AmplitudeVad,
    )
    assert len(backend.calls) == 2


def test_a_slow_worker_reports_lagging_and_coarsens_instead_of_falling_behind() -> None:
    clock = SessionClock()
    # Each decode "takes" 4 s of session time: audio piles up while the worker decodes.
    backend = ScriptedBackend(
        lambda d: [segment("some words here")], on_call=lambda: clock.advance_to(clock.now() + 4.0)
    )
    customer = np.concatenate([tone(8.0), silence(1.0)] * 3)
    hub = Hub()
    run_audio(
        ListSource(customer, customer.copy()),
        config=AsrConfig(model="fake", language="en", lag_bound_s=3.0),
        clock=clock,
        hub=hub,
        backend=backend,
        vad_factory=AmplitudeVad,
    )
    states = [e.state for e in hub.items if isinstance(e, StatusEvent)]
    assert "lagging" in states
    # coarsened: far fewer decodes than one per second of speech for two parties
    assert len(backend.calls) < 20
    closed = [e for e in hub.items if isinstance(e, ClosedUtterance)]
    # the customer is served first: all of their utterances end up transcribed
    assert sum(c.speaker == "customer" for c in closed) == 3


def rep_calls(rep_partials: bool) -> list[dict]:
    backend = ScriptedBackend(lambda d: [segment("words of the rep")])
    hub = Hub()
    run_audio(
        ListSource(silence(7.0), np.concatenate([tone(5.0), silence(2.0)])),
        config=AsrConfig(model="fake", language="en", rep_partials=rep_partials),
        clock=SessionClock(),
        hub=hub,
        backend=backend,
        vad_factory=AmplitudeVad,
    )
    assert [e.speaker for e in hub.items if isinstance(e, ClosedUtterance)] == ["rep"]
    return backend.calls


def test_the_rep_is_decoded_once_per_utterance_unless_rep_partials_are_asked_for() -> None:
    once = rep_calls(False)
    assert len(once) == 1 and once[0]["beam"] == 5  # the final decode only
    streamed = rep_calls(True)
    assert any(c["beam"] == 1 for c in streamed)  # greedy partials too


class BatchingBackend(ScriptedBackend):
    def __init__(self) -> None:
        super().__init__(lambda d: [segment(f"said {round(d)}")])
        self.batches: list[int] = []

    batch_decoding = True

    def transcribe_batch(self, audios, *, language, prompts, hotwords, beam_size=5):
        self.batches.append(len(audios))
        assert len(prompts) == len(audios)
        return [
            self.transcribe(a, language=language, prompt=p, hotwords=hotwords)
            for a, p in zip(audios, prompts, strict=True)
        ]


def test_at_max_speed_closed_utterances_are_decoded_in_batches_in_order() -> None:
    def speech(lengths: list[float]) -> np.ndarray:
        return np.concatenate([np.concatenate([tone(s), silence(1.2)]) for s in lengths])

    customer = speech([2.0, 3.0, 2.0, 4.0, 2.0])
    rep = np.concatenate([silence(1.0), speech([3.0, 2.0, 3.0, 2.0])])
    backend = BatchingBackend()
    hub = Hub()
    run_audio(
        ListSource(customer, rep),
        config=AsrConfig(model="scripted", language="en", streaming=False, batch_size=4),
        clock=SessionClock(),
        hub=hub,
        backend=backend,
        vad_factory=AmplitudeVad,
    )
    closed = [u for u in hub.items if isinstance(u, ClosedUtterance)]
    assert len(closed) == 9  # every utterance, none lost in a batch
    assert backend.batches == [4, 4, 1]  # the language is known: every utterance is batched
    assert [u.end for u in closed[:4]] == sorted(u.end for u in closed[:4])
    assert {u.speaker for u in closed[:4]} == {"customer", "rep"}
    assert all(u.text.startswith("said") for u in closed)
    # The one decode of each utterance is its second pass: its one final event.
    finals = [e for e in hub.items if isinstance(e, TranscriptEvent) and e.final]
    assert sorted(e.utterance_id for e in finals) == sorted(u.utterance_id for u in closed)
    by_id = {e.utterance_id: e.text for e in finals}
    assert all(by_id[u.utterance_id] == u.text for u in closed)
    assert not any(isinstance(e, TranscriptEvent) and e.stable for e in hub.items)


def test_a_backend_that_does_not_batch_decodes_each_closed_utterance_alone() -> None:
    backend = BatchingBackend()
    backend.batch_decoding = False  # type: ignore[misc]
    hub = Hub()
    run_audio(
        ListSource(np.concatenate([tone(2.0), silence(1.2), tone(2.0), silence(1.2)]), silence(1)),
        config=AsrConfig(model="scripted", language="en", streaming=False, batch_size=4),
        clock=SessionClock(),
        hub=hub,
        backend=backend,
        vad_factory=AmplitudeVad,
    )
    assert backend.batches == [] and len(backend.calls) == 2


def test_each_lag_level_hands_a_frozen_policy_per_party() -> None:
    streaming = AsrConfig()
    assert level_policy(0, "customer", streaming) == DecodePolicy("stream", True, None)
    assert level_policy(0, "rep", streaming) == DecodePolicy("once", False, None)
    assert level_policy(0, "rep", AsrConfig(rep_partials=True)) == DecodePolicy("stream", True)
    assert level_policy(1, "customer", streaming) == DecodePolicy("coarse", True, None)
    assert level_policy(1, "rep", AsrConfig(rep_partials=True)) == DecodePolicy("once", False, 1)
    assert level_policy(2, "customer", streaming) == DecodePolicy("once", False, None)
    assert level_policy(3, "customer", streaming) == DecodePolicy("once", False, None)
    assert level_policy(3, "rep", streaming) == DecodePolicy("skip", False, 1)
    unpaced = AsrConfig(streaming=False)
    assert {level_policy(0, p, unpaced).mode for p in ("customer", "rep")} == {"once"}
    policy = level_policy(0, "customer", streaming)
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.mode = "skip"  # type: ignore[misc]
