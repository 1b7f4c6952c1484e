"""The suggestion engine inside the real pipeline hub, with the sample playbook and the
evaluation calls (labels stand in for the detectors, a threaded fake writer for the LLM)."""

from __future__ import annotations

import json
import queue
import threading
from pathlib import Path

import pytest

from inference.bus import EventBus
from inference.clock import SessionClock
from inference.conversation import ConversationHub, Signals
from inference.events import (
    ClosedUtterance,
    Event,
    GuardEvent,
    ObjectionEvent,
    SuggestionEvent,
)
from inference.playbook import load_playbook
from inference.suggest import SuggestionConfig, SuggestionEngine
from inference.suggest.moves import builtin_library
from inference.suggest.types import ContextLine, DoneCallback, PathCallback, RefinedJob, RefinedPath
from inference.text import guess_lang

DEMO = Path(__file__).resolve().parent.parent / "data" / "playbook_routewise"


class ThreadedWriter:
    """Writes each path on its own thread: a move's draft in other words where it can (an
    opener before it), or as it is. With `bad_text`, the evidence move of an English job says
    its draft plus `bad_text` in one sentence: a line the checker passes (it states its fact and
    adds no number) but a rule forbids, so the guard must block it."""

    def __init__(self, bad_text: str | None = None) -> None:
        self._jobs: queue.Queue[tuple[RefinedJob, PathCallback, DoneCallback] | None] = (
            queue.Queue()
        )
        self._cancelled: set[int] = set()
        self._bad = bad_text
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def prefill(self, context: tuple[ContextLine, ...], lang: str) -> None:
        pass

    def submit(self, job: RefinedJob, on_path: PathCallback, on_done: DoneCallback) -> None:
        self._jobs.put((job, on_path, on_done))

    def cancel(self, job_id: int) -> None:
        self._cancelled.add(job_id)

    def wait_ready(self, timeout: float | None = None) -> bool:
        return True

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join()

    def _run(self) -> None:
        while (item := self._jobs.get()) is not None:
            job, on_path, on_done = item
            for slot in range(3):
                if job.job_id in self._cancelled:
                    break
                draft = job.instant[slot].text
                text = draft
                if self._bad and job.lang == "en" and job.moves[slot].family == "evidence":
                    text = f"{draft.rstrip('.')}, {self._bad}"
                on_path(job, RefinedPath(slot, text))
            on_done(job, None)


class LabelDetectors:
    """Objections from the labels of a scripted call (the detectors have their own tests)."""

    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels

    def analyze(self, utterance: ClosedUtterance, *, t: float) -> Signals:
        category = self.labels.get(utterance.utterance_id)
        objection = (
            ObjectionEvent(t, utterance.utterance_id, utterance.start, utterance.end, category, 0.8)
            if category
            else None
        )
        return Signals(emotion=None, terms=None, roles=None, objection=objection)


def _run_call(
    turns: list[dict],
    playbook_dirs: list[Path],
    writer: ThreadedWriter,
    config: SuggestionConfig | None = None,
) -> list[Event]:
    events: list[Event] = []
    bus = EventBus([events.append])
    clock = SessionClock()
    labels = {f"t{i}": t["objection"] for i, t in enumerate(turns) if t.get("objection")}
    engine = SuggestionEngine(
        config or SuggestionConfig(),
        playbook=load_playbook(playbook_dirs),
        emit=bus.emit,
        clock=clock,
        writer=writer,
    )
    hub = ConversationHub(bus=bus, clock=clock, detectors=LabelDetectors(labels), suggester=engine)
    t = 0.0
    for i, turn in enumerate(turns):
        start = float(turn.get("start", t))
        end = float(turn.get("end", start + 3.0))
        t = end + 0.5
        clock.advance_to(end)
        lang = guess_lang(turn["text"])
        hub.on_utterance(ClosedUtterance(turn["speaker"], f"t{i}", start, end, turn["text"], lang))
        assert hub.drain(30.0)
    hub.close()
    assert bus.close(30.0)
    return events


def _check_suggestions(events: list[Event], turns: list[dict], engine_rules_ok) -> None:  # type: ignore[no-untyped-def]
    suggestions = [e for e in events if isinstance(e, SuggestionEvent)]
    for i, turn in enumerate(turns):
        if not turn.get("objection"):
            continue
        mine = [s for s in suggestions if s.objection_utterance_id == f"t{i}"]
        assert [s.stage for s in mine][:1] == ["instant"], turn["text"]
        # Refined events follow when the model rewrote a generic line; a set whose lines all
        # stay as planned is final from the instant event on.
        assert all(p.complete for p in mine[-1].paths)
        assert mine[-1].stage == "refined" or len(mine) == 1
        for s in mine:
            assert len({p.strategy for p in s.paths}) == 3
            for p in s.paths:  # an evidence move cites its fact's entry
                move = builtin_library(guess_lang(turn["text"])).get(p.strategy)
                assert move is not None, p.strategy
                if move.family == "evidence":
                    assert any(src.file for src in p.sources), p
                assert p.label, p
                assert any(src.utterance_id == f"t{i}" for src in p.sources)
                assert engine_rules_ok(p.text), p.text
        for p in mine[0].paths:  # instant paths speak the customer's language
            assert guess_lang(p.text) == guess_lang(turn["text"]), p.text


def test_sample_call_with_a_rule_breaking_writer() -> None:
    turns = [
        {"speaker": "rep", "text": "Thanks for joining. Shall we look at routes for your 40 vans?"},
        {
            "speaker": "customer",
            "text": "Sure, but FleetMax is much cheaper per vehicle than you.",
            "objection": "price",
        },
        {"speaker": "rep", "text": "Understood, let me explain what is included."},
        {"speaker": "customer", "text": "我们老板说今年没有预算了。", "objection": "budget"},
    ]
    writer = ThreadedWriter(bad_text="and if you sign today I take 40% off.")
    # The evidence move states a fact: rewritten only when fact lines may be rewritten.
    events = _run_call(turns, [DEMO], writer, SuggestionConfig(rewrite_facts=True))
    guard = [e for e in events if isinstance(e, GuardEvent)]
    assert [(g.rule, g.action) for g in guard] == [("max_discount", "blocked")]
    price = [e for e in events if isinstance(e, SuggestionEvent)]
    price = [e for e in price if e.objection_utterance_id == "t1"]
    assert price[-1].paths[guard[0].path] == price[0].paths[guard[0].path]  # the instant stays
    from inference.guard import ComplianceGuard

    g = ComplianceGuard(load_playbook([DEMO]).rules)
    _check_suggestions(events, turns, lambda text: not g.violations(text))


@pytest.mark.parametrize("name", ["dev_call_1_en", "dev_call_2_en", "dev_call_3_zh"])
def test_every_objection_turn_of_the_eval_calls_gets_three_paths(eval_dir: Path, name: str) -> None:
    call = json.loads((eval_dir / "calls" / f"{name}.json").read_text(encoding="utf-8"))
    product = eval_dir / "products" / call["product"]
    from inference.guard import ComplianceGuard

    g = ComplianceGuard(load_playbook([product]).rules)
    events = _run_call(call["turns"], [product], ThreadedWriter())
    assert any(t.get("objection") for t in call["turns"])
    _check_suggestions(events, call["turns"], lambda text: not g.violations(text))


def test_bench_e2e_on_a_timed_transcript(
    eval_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`parley bench e2e` replays a call and reports each objection turn (no LLM, max speed)."""
    from desktop.cli import main

    call = eval_dir / "calls" / "dev_call_3_zh.json"
    assert main(["bench", "e2e", "--call", str(call), "--speed", "max", "--no-llm"]) == 0
    result = json.loads(capsys.readouterr().out)
    labelled = [
        t for t in json.loads(call.read_text(encoding="utf-8"))["turns"] if t.get("objection")
    ]
    turns = result["calls"][0]["turns"]
    assert len(turns) == len(labelled) == result["summary"]["objection_turns"]
    assert result["summary"]["violations"] == 0
    for row in turns:
        if row["detected"]:
            assert row["instant_s"] is not None and row["checks"]["three_strategies"]
            assert row["checks"]["questions_ask"] and row["checks"]["instant_in_customer_language"]
