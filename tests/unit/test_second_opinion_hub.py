"""The second opinion in the hub (issue #18): when the LLM reader reads a customer line
differently, a new objection event for the same utterance replaces the first.

The reader and the detectors here are stand-ins: these tests are about the hub's rules (what
replaces what, on which thread, never a retraction, a late read dropped); the real reader is
measured in `test_second_opinion_reader.py` and by `parley bench detect --second-opinion`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from inference.asr.transcriber import HeardSoFar
from inference.bus import EventBus
from inference.clock import SessionClock
from inference.conversation import ConversationHub, Signals
from inference.events import ClosedUtterance, ObjectionEvent, TranscriptEvent, to_dict


def _obj(u: ClosedUtterance, category: str, conf: float, tentative: bool, t: float):
    return ObjectionEvent(
        t=t,
        utterance_id=u.utterance_id,
        start=u.start,
        end=u.end,
        category=category,
        confidence=conf,
        tentative=tentative,
    )


class Detectors:
    """First reads and rereads by text: "text" -> (category, tentative) or None."""

    def __init__(self, first: dict, second: dict) -> None:
        self.first, self.second = first, second

    def analyze(self, utterance, *, t):
        got = self.first.get(utterance.text)
        obj = None if got is None else _obj(utterance, got[0], 0.6, got[1], t)
        return Signals(emotion=None, terms=None, roles=None, objection=obj)

    def lowered(self, utterance):
        return "zh", utterance.text

    def reread(self, utterance, second: Mapping[str, float], *, t):
        assert second == {"price": -0.1}
        got = self.second.get(utterance.text)
        return None if got is None else _obj(utterance, got[0], 0.8, got[1], t)


class Reader:
    def __init__(self) -> None:
        self.threads: list[str] = []

    def has_head(self, lang: str) -> bool:
        return lang == "zh"

    def shift(self, low: str, lang: str, backend=None):
        self.threads.append(threading.current_thread().name)
        return {"price": -0.1}


class Suggester:
    def __init__(self, llm: bool) -> None:
        self.objections: list[tuple[str, str]] = []
        self.llm = llm
        self._worker = None

    def observe(self, utterance):
        pass

    def observe_partial(self, event):
        pass

    def on_objection(self, objection, *, utterance, emotion, roles):
        self.objections.append((objection.utterance_id, objection.category))

    def run_on_llm(self, fn: Callable[[object], object]) -> bool:
        if not self.llm:
            return False
        self._worker = threading.Thread(target=fn, args=(None,), name="parley-llm")
        self._worker.start()
        return True

    def wait_idle(self, timeout=None):
        return True

    def close(self):
        pass


def _run(
    first: dict,
    second: dict,
    texts: list[str],
    *,
    llm: bool = True,
    reader: Reader | None = None,
    sug: Suggester | None = None,
):
    events: list = []
    bus = EventBus([events.append])
    reader = reader or Reader()
    sug = sug or Suggester(llm)
    hub = ConversationHub(
        bus=bus,
        clock=SessionClock(),
        detectors=Detectors(first, second),
        suggester=sug,
        second=reader,
    )
    for i, text in enumerate(texts):
        hub.on_utterance(
            ClosedUtterance(
                speaker="customer", utterance_id=f"u{i}", start=i, end=i + 0.5, text=text, lang="zh"
            )
        )
        assert hub.drain(5.0)
    hub.close()
    bus.close()
    objections = [e for e in events if isinstance(e, ObjectionEvent)]
    return objections, sug.objections, reader, hub


def test_a_corrected_category_replaces_the_first_read_and_gets_suggestions():
    objections, served, reader, hub = _run(
        {"a": ("timing", False)}, {"a": ("budget", False)}, ["a"]
    )
    assert [(e.category, e.second_opinion) for e in objections] == [
        ("timing", False),
        ("budget", True),
    ]
    assert served == [("u0", "timing"), ("u0", "budget")]
    assert reader.threads == ["parley-llm"]  # read on the LLM's thread, not the pipeline's
    assert hub.second_opinions == 1
    assert to_dict(objections[1])["second_opinion"] is True
    assert "second_opinion" not in to_dict(objections[0])


def test_an_objection_the_words_missed_is_added():
    objections, served, _, _ = _run({}, {"a": ("need", False)}, ["a"])
    assert [(e.category, e.tentative, e.second_opinion) for e in objections] == [
        ("need", False, True)
    ]
    assert served == [("u0", "need")]


def test_the_same_read_publishes_nothing_more():
    objections, served, _, hub = _run({"a": ("price", False)}, {"a": ("price", False)}, ["a"])
    assert len(objections) == 1 and served == [("u0", "price")]
    assert hub.second_opinions == 0


def test_a_read_that_stood_is_never_taken_back():
    objections, served, _, _ = _run({"a": ("price", False)}, {}, ["a"])
    assert [e.category for e in objections] == ["price"] and served == [("u0", "price")]
    objections, served, _, _ = _run({"a": ("price", False)}, {"a": ("trust", True)}, ["a"])
    assert [e.category for e in objections] == ["price"] and served == [("u0", "price")]


def test_a_tentative_second_read_waits_for_the_next_line():
    objections, served, _, _ = _run({"b": ("trust", True)}, {"a": ("trust", True)}, ["a", "b"])
    # The second opinion's tentative trust on "a" is confirmed by "b", tentative trust too.
    assert [(e.utterance_id, e.tentative) for e in objections] == [
        ("u0", True),
        ("u1", False),
    ]
    assert served == [("u1", "trust")]


def test_without_an_llm_the_pipeline_thread_reads_after_the_instant_stage():
    _, served, reader, _ = _run(
        {"a": ("timing", False)}, {"a": ("budget", False)}, ["a"], llm=False
    )
    assert served == [("u0", "timing"), ("u0", "budget")]
    assert reader.threads == ["parley-pipeline"]


def _one_line(detectors: Detectors, lang: str = "zh") -> tuple[Reader, list[str | None]]:
    """One customer line "a" through a hub with the reader: the reader and the objection
    categories published."""
    events: list = []
    bus = EventBus([events.append])
    reader = Reader()
    hub = ConversationHub(
        bus=bus, clock=SessionClock(), detectors=detectors, suggester=Suggester(True), second=reader
    )
    hub.on_utterance(
        ClosedUtterance(speaker="customer", utterance_id="u0", start=0, end=1, text="a", lang=lang)
    )
    assert hub.drain(5.0)
    hub.close()
    bus.close()
    return reader, [e.category for e in events if isinstance(e, ObjectionEvent)]


def test_a_language_without_a_head_is_not_read_again():
    class EnglishOnly(Detectors):
        def lowered(self, utterance):
            return "en", utterance.text

    reader, categories = _one_line(
        EnglishOnly({"a": ("price", False)}, {"a": ("trust", False)}), "en"
    )
    assert reader.threads == []
    assert categories == ["price"]


def test_a_line_the_words_are_sure_of_is_not_read_again():
    class Sure(Detectors):
        def needs_second(self, utterance):
            return False

    reader, categories = _one_line(Sure({"a": ("price", False)}, {"a": ("trust", False)}))
    assert reader.threads == []  # the LLM was not asked
    assert categories == ["price"]


class Ahead(Detectors):
    @staticmethod
    def lowered_text(text, lang_hint=None):
        return "zh", text.lower()


class Prefetching(Reader):
    def __init__(self) -> None:
        super().__init__()
        self.ahead: list[str] = []

        self.stops: list[threading.Event] = []

    def prefetch(self, low, lang, backend, stop=None):
        self.ahead.append(low)
        self.stops.append(stop)


class Idle(Suggester):
    def __init__(self) -> None:
        super().__init__(True)
        self.spare: list[bool] = []

    def run_on_llm(self, fn, *, spare=False):
        self.spare.append(spare)
        fn(None)
        return True


def _said(speaker, uid, text, *, stable=True, final=False, start=0.0, end=1.0):
    return TranscriptEvent(
        t=1.0,
        speaker=speaker,
        utterance_id=uid,
        start=start,
        end=end,
        text=text,
        final=final,
        stable=stable,
        lang="zh",
    )


def test_the_customers_stable_words_are_read_ahead_when_no_job_runs():
    """What the customer said so far (stable words, then the current tentative tail, which
    a later stable piece replaces) is handed to the reader's `prefetch`, on the LLM's thread
    and only as spare work; the rep's words and finals are not."""
    events: list = []
    bus = EventBus([events.append])
    reader, sug = Prefetching(), Idle()
    hub = ConversationHub(
        bus=bus, clock=SessionClock(), detectors=Ahead({}, {}), suggester=sug, second=reader
    )

    for e in (
        _said("customer", "c1", "上回那家"),
        _said("customer", "c1", "卖设备的", stable=False),  # a tentative tail
        _said("rep", "r1", "明白"),
        _said("customer", "c1", "收了钱"),
        _said("customer", "c1", "上回那家收了钱人就找不着了", stable=False, final=True),
        _said("customer", "c2", "我们"),
    ):
        hub.emit(e)
    assert hub.drain(5.0)
    # A newer read ahead stops the one before between its chunks; the last runs on ...
    assert [s.is_set() for s in reader.stops] == [True, True, True, False]
    hub.on_utterance(
        ClosedUtterance(
            speaker="customer", utterance_id="c2", start=0, end=1, text="我们", lang="zh"
        )
    )
    assert hub.drain(5.0)
    assert reader.stops[-1].is_set()  # ... until its line ends: the line's own read goes first
    hub.close()
    bus.close()
    assert reader.ahead == ["上回那家", "上回那家卖设备的", "上回那家收了钱", "我们"]
    assert sug.spare == [True] * 4 + [False]  # then the line's own read, not spare work


def test_a_pauses_text_is_read_ahead_in_place_of_the_stable_words_before_it():
    """The main model's decode of a pause stands for the words up to it (the final is
    decoded the same way, the live words may come from the draft): stable pieces inside it
    are not added again, a tail that starts before it is not read, later words follow it."""
    reader, sug = Prefetching(), Idle()
    bus = EventBus([])
    hub = ConversationHub(
        bus=bus, clock=SessionClock(), detectors=Ahead({}, {}), suggester=sug, second=reader
    )
    for item in (
        _said("customer", "c1", "我们的成员", end=1.0),  # the draft's words
        HeardSoFar("customer", "c1", "我们的采购", 1.6, "zh"),
        _said("customer", "c1", "已经", start=1.0, end=1.5),  # inside the pause's text
        _said("customer", "c1", "采购都", stable=False, start=0.9, end=1.7),  # before its end
        _said("customer", "c1", "在用表格", stable=False, start=1.8, end=2.4),
        _said("customer", "c1", "在用表格", start=1.8, end=2.4),
        HeardSoFar("rep", "r1", "好的", 1.0, "zh"),  # the rep's: not read
        HeardSoFar("customer", "c2", "   ", 1.0, "zh"),  # nothing heard
    ):
        if isinstance(item, HeardSoFar):
            hub.heard(item)
        else:
            hub.emit(item)
    assert hub.drain(5.0)
    hub.close()
    bus.close()
    assert reader.ahead == [
        "我们的成员",
        "我们的采购",
        "我们的采购",  # the stable piece inside it: nothing new
        "我们的采购",  # the tail that began inside it: not read
        "我们的采购在用表格",
        "我们的采购在用表格",
    ]


def test_the_hub_counts_what_each_second_opinion_read_after_the_final():
    """`second_tokens`: per line read on the LLM's thread, the tokens its own read took (what
    the read ahead had not covered); `bench e2e` reports them."""
    from types import SimpleNamespace

    backend = SimpleNamespace(stats=SimpleNamespace(embed_tokens_read=100))

    class Counting(Reader):
        def shift(self, low, lang, backend=None):
            backend.stats.embed_tokens_read += len(low)  # one "token" a character
            return super().shift(low, lang, backend)

    class OnLlm(Suggester):
        def run_on_llm(self, fn, *, spare=False):
            return super().run_on_llm(lambda _none: fn(backend))

    *_, hub = _run({}, {}, ["太贵了", "再说吧"], reader=Counting(), sug=OnLlm(True))
    assert hub.second_tokens == [3, 3]
    assert len(hub.second_latencies) == 2
