"""The pipeline thread: ordering, detectors on customer utterances only, suggestions, errors."""

from __future__ import annotations

import threading

from inference.bus import EventBus
from inference.clock import SessionClock
from inference.conversation import ConversationHub, Signals
from inference.events import (
    ClosedUtterance,
    ErrorEvent,
    ObjectionEvent,
    RolesEvent,
    StatusEvent,
    TranscriptEvent,
)


class FakeDetectors:
    def __init__(self, fail_on: str | None = None) -> None:
        self.seen: list[str] = []
        self.fail_on = fail_on

    def analyze(self, utterance, *, t):
        self.seen.append(utterance.utterance_id)
        if utterance.text == self.fail_on:
            raise RuntimeError("boom")
        objection = None
        if "expensive" in utterance.text:
            objection = ObjectionEvent(
                t=t,
                utterance_id=utterance.utterance_id,
                start=utterance.start,
                end=utterance.end,
                category="price",
                confidence=0.9,
            )
        roles = RolesEvent(t=t, utterance_id=utterance.utterance_id, roles=("cfo",))
        return Signals(emotion=None, terms=None, roles=roles, objection=objection)


class FakeSuggester:
    def __init__(self) -> None:
        self.observed: list[str] = []
        self.objections: list[tuple[str, tuple[str, ...]]] = []
        self.idle = threading.Event()
        self.idle.set()
        self.closed = False

    def observe(self, utterance):
        self.observed.append(utterance.utterance_id)

    def observe_partial(self, event):
        pass

    def on_objection(self, objection, *, utterance, emotion, roles):
        self.objections.append((objection.utterance_id, roles))

    def wait_idle(self, timeout=None):
        return self.idle.wait(timeout)

    def close(self):
        self.closed = True


def _utt(uid: str, speaker: str, text: str) -> ClosedUtterance:
    return ClosedUtterance(
        speaker=speaker, utterance_id=uid, start=0.0, end=1.0, text=text, lang="en"
    )


def _final(uid: str, speaker: str, text: str, t: float) -> TranscriptEvent:
    return TranscriptEvent(
        t=t, speaker=speaker, utterance_id=uid, start=0.0, end=1.0, text=text, final=True, lang="en"
    )


def test_detectors_run_on_customer_utterances_and_objections_reach_the_engine():
    events = []
    detectors, suggester = FakeDetectors(), FakeSuggester()
    bus = EventBus([events.append])
    hub = ConversationHub(
        bus=bus,
        clock=SessionClock(),
        detectors=detectors,
        suggester=suggester,
    )
    hub.emit(_final("r1", "rep", "hello", 1.0))
    hub.on_utterance(_utt("r1", "rep", "hello"))
    hub.emit(_final("c1", "customer", "that is too expensive", 2.0))
    hub.on_utterance(_utt("c1", "customer", "that is too expensive"))
    assert hub.drain(5)
    hub.close()
    assert bus.close(5)
    assert detectors.seen == ["c1"]
    assert suggester.observed == ["r1", "c1"]
    assert suggester.objections == [("c1", ("cfo",))]
    types = [type(e).__name__ for e in events]
    # The final text comes before the signals computed from it.
    assert types.index("TranscriptEvent") < types.index("ObjectionEvent")
    assert hub.decision_map == {"cfo": 1}
    assert suggester.closed


def test_call_runs_on_the_pipeline_thread_before_what_comes_after_it():
    detectors = FakeDetectors()
    hub = ConversationHub(bus=EventBus([]), clock=SessionClock(), detectors=detectors)
    ran: list[tuple[str, list[str]]] = []
    hub.call(lambda: ran.append((threading.current_thread().name, list(detectors.seen))))
    hub.on_utterance(_utt("c1", "customer", "that is too expensive"))
    assert hub.drain(5)
    hub.close()
    # It ran on the hub's thread, before the utterance handed over after it was read.
    assert ran == [("parley-pipeline", [])]
    assert detectors.seen == ["c1"]


def test_a_failing_utterance_is_reported_and_the_session_goes_on():
    events = []
    bus = EventBus([events.append])
    hub = ConversationHub(
        bus=bus,
        clock=SessionClock(),
        detectors=FakeDetectors(fail_on="bad"),
    )
    hub.on_utterance(_utt("c1", "customer", "bad"))
    hub.on_utterance(_utt("c2", "customer", "fine"))
    assert hub.drain(5)
    hub.close()
    assert bus.close(5)
    assert any(isinstance(e, ErrorEvent) for e in events)
    assert any(isinstance(e, RolesEvent) and e.utterance_id == "c2" for e in events)


def test_synchronous_hub_waits_for_suggestions():
    suggester = FakeSuggester()
    suggester.idle.clear()
    hub = ConversationHub(
        bus=EventBus(),
        clock=SessionClock(),
        detectors=FakeDetectors(),
        suggester=suggester,
        synchronous=True,
    )
    returned = threading.Event()

    def hand_over():
        hub.on_utterance(_utt("c1", "customer", "too expensive"))
        returned.set()

    worker = threading.Thread(target=hand_over)
    worker.start()
    assert not returned.wait(0.3)  # still generating: the hand-over waits
    suggester.idle.set()
    assert returned.wait(5)
    worker.join()
    hub.close()


def test_event_clock_never_runs_backwards():
    events = []
    bus = EventBus([events.append])
    bus.emit(StatusEvent(t=5.0, component="asr", state="ready"))
    bus.emit(StatusEvent(t=3.0, component="llm", state="ready"))
    assert bus.close(5)
    assert [e.t for e in events] == [5.0, 5.0]


class HedgingDetectors:
    """Tentative objections: "maybe <category>" is one, "<category>!" a confident one."""

    def analyze(self, utterance, *, t):
        words = utterance.text.split()
        objection = None
        if words[0] in ("maybe", "surely"):
            objection = ObjectionEvent(
                t=t,
                utterance_id=utterance.utterance_id,
                start=utterance.start,
                end=utterance.end,
                category=words[1],
                confidence=0.4 if words[0] == "maybe" else 0.9,
                tentative=words[0] == "maybe",
            )
        return Signals(emotion=None, terms=None, roles=None, objection=objection)


def _run(texts: list[str]) -> tuple[list[ObjectionEvent], list[str]]:
    events: list = []
    suggester = FakeSuggester()
    bus = EventBus([events.append])
    hub = ConversationHub(
        bus=bus,
        clock=SessionClock(),
        detectors=HedgingDetectors(),
        suggester=suggester,
    )
    for i, text in enumerate(texts):
        hub.on_utterance(
            ClosedUtterance(
                speaker="customer",
                utterance_id=f"c{i}",
                start=float(i),
                end=i + 0.5,
                text=text,
                lang="en",
            )
        )
    assert hub.drain(5)
    hub.close()
    bus.close()  # the dispatcher has handed every event to the sink
    objections = [e for e in events if isinstance(e, ObjectionEvent)]
    return objections, [uid for uid, _ in suggester.objections]


def test_a_tentative_objection_raises_no_suggestion_and_drops_without_confirmation():
    objections, suggested = _run(["maybe price", "we bake bread", "maybe budget"])
    assert [(o.utterance_id, o.tentative) for o in objections] == [("c0", True), ("c2", True)]
    assert suggested == []


def test_the_next_utterance_confirms_a_tentative_objection_of_the_same_category():
    objections, suggested = _run(["maybe price", "maybe price", "maybe trust"])
    assert [(o.utterance_id, o.category, o.tentative) for o in objections] == [
        ("c0", "price", True),
        ("c1", "price", False),  # confirmed: a new event, then suggestions
        ("c2", "trust", True),
    ]
    confirmed = objections[1]
    assert confirmed.start == 0.0 and confirmed.end == 1.5  # spans both utterances
    assert confirmed.confidence == 0.64  # 1 - 0.6 * 0.6
    assert suggested == ["c1"]


def test_a_confident_objection_after_a_tentative_one_stands_on_its_own():
    objections, suggested = _run(["maybe price", "surely budget", "maybe need", "surely need"])
    assert [(o.utterance_id, o.tentative) for o in objections] == [
        ("c0", True),
        ("c1", False),
        ("c2", True),
        ("c3", False),
    ]
    assert suggested == ["c1", "c3"]


def test_a_tentative_objection_that_names_a_concrete_worry_is_confirmed_at_once():
    objections, suggested = _run(
        ["maybe security, but where would our data be stored?", "maybe trust", "we bake bread"]
    )
    assert [(o.utterance_id, o.tentative) for o in objections] == [("c0", False), ("c1", True)]
    assert suggested == ["c0"]


def test_a_rival_named_with_a_worry_word_stays_a_candidate():
    objections, suggested = _run(["maybe competitor X, and when it goes down we wait", "we bake"])
    assert [(o.utterance_id, o.tentative) for o in objections] == [("c0", True)]
    assert suggested == []
