"""The whole suggestion stack with the real default model (llm-default): the engine plans
three moves for a scripted objection, the local model rewrites each, the checker and the guard
read every path. The 135M test model only babbles, so quality needs the 1.5B one."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from inference.events import (
    ClosedUtterance,
    EmotionEvent,
    Event,
    GuardEvent,
    ObjectionEvent,
    SuggestionEvent,
)
from inference.playbook import load_playbook
from inference.suggest import SuggestionConfig, SuggestionEngine
from inference.suggest.llm_writer import build_writer
from inference.suggest.types import ContextLine, DoneCallback, PathCallback, RefinedJob, RefinedPath

pytest.importorskip("llama_cpp")
PLAYBOOK = Path(__file__).resolve().parent.parent / "data" / "playbook_routewise"
WAIT = 600.0


class _Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t


class _Recording:
    """The real writer, recording what the model wrote for each slot."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner = inner
        self.written: dict[int, str] = {}

    def prefill(self, context: tuple[ContextLine, ...], lang: str) -> None:
        self.inner.prefill(context, lang)

    def submit(self, job: RefinedJob, on_path: PathCallback, on_done: DoneCallback) -> None:
        def record(j: RefinedJob, p: RefinedPath) -> None:
            self.written[p.slot] = p.text
            on_path(j, p)

        self.inner.submit(job, record, on_done)

    def cancel(self, job_id: int) -> None:
        self.inner.cancel(job_id)

    def wait_ready(self, timeout: float | None = None) -> bool:
        return bool(self.inner.wait_ready(timeout))

    def close(self) -> None:
        self.inner.close()


def _run(config: SuggestionConfig) -> tuple[list[Event], _Recording]:
    """The engine with the real default model on one scripted price objection."""
    from models.registry import model_path

    try:
        model_path("llm-default")
    except Exception as e:  # the pack is part of the test packs; say how to get it
        pytest.fail(f"llm-default is not installed ({e}); run scripts/setup.sh --models test")
    playbook = load_playbook([PLAYBOOK])
    events: list[Event] = []
    lock = threading.Lock()

    def emit(e: Event) -> None:
        with lock:
            events.append(e)

    writer = _Recording(
        build_writer("llm-default", device="cpu", rules=tuple(r.sentence for r in playbook.rules))
    )
    clock = _Clock()
    engine = SuggestionEngine(config, playbook=playbook, emit=emit, clock=clock, writer=writer)
    try:
        assert engine.wait_ready(WAIT)
        lines = [
            ("rep", "For forty vans on the annual plan you'd be at about eleven thousand a year."),
            ("customer", "That is a lot more than we pay now, FleetMax quoted us about half."),
        ]
        for i, (speaker, text) in enumerate(lines):
            clock.t += 4.0
            u = ClosedUtterance(speaker, f"u{i}", clock.t - 3.5, clock.t, text, "en")  # type: ignore[arg-type]
            engine.observe(u)
        objection = ObjectionEvent(clock.t, u.utterance_id, u.start, u.end, "price", 0.85)
        emotion = EmotionEvent(
            clock.t, u.utterance_id, u.start, u.end, "negative", "frustrated", 0.7
        )
        engine.on_objection(objection, utterance=u, emotion=emotion, roles=())
        assert engine.wait_idle(WAIT)
    finally:
        engine.close()
    return events, writer


def _kept(events: list[Event], writer: _Recording) -> list[int]:
    """Slots whose final text is what the model wrote (the checker and guard passed it)."""
    final = [e for e in events if isinstance(e, SuggestionEvent)][-1].paths
    rejected = {e.path for e in events if isinstance(e, GuardEvent) and e.action == "blocked"}
    return [
        slot
        for slot, text in writer.written.items()
        if slot not in rejected and final[slot].text == text.strip()
    ]


@pytest.mark.slow
def test_three_distinct_paths_of_which_two_are_written_by_the_default_model() -> None:
    # Every move rewritten (facts too): the model can write lines the checker passes.
    events, writer = _run(SuggestionConfig(rewrite_facts=True))
    shown = [e for e in events if isinstance(e, SuggestionEvent)]
    final = shown[-1].paths
    assert shown[0].stage == "instant" and shown[-1].stage == "refined"
    assert len({p.strategy for p in final}) == 3
    assert len({p.text for p in final}) == 3
    assert all(p.complete for p in final)
    kept = _kept(events, writer)
    assert len(kept) >= 2, (writer.written, [e for e in events if isinstance(e, GuardEvent)])
    question = next(p for p in final if p.strategy == "price.ask_gap")
    assert question.text.rstrip().endswith("?")
    assert "FleetMax" in question.text  # takes up the rival the customer named


@pytest.mark.slow
def test_by_default_the_model_rewrites_only_the_generic_lines() -> None:
    # A line that states a playbook fact, or takes up what the customer named (here the rival's
    # quote), keeps its planned text: nothing is generated for it.
    events, writer = _run(SuggestionConfig())
    shown = [e for e in events if isinstance(e, SuggestionEvent)]
    instant, final = shown[0].paths, shown[-1].paths
    facts = [i for i, p in enumerate(instant) if any(s.file for s in p.sources)]
    assert facts, "the price objection's plan rests on at least one playbook fact"
    question = next(i for i, p in enumerate(instant) if p.strategy == "price.ask_gap")
    assert "FleetMax" in instant[question].text
    planned = {*facts, question}
    assert not set(writer.written) & planned  # nothing generated for those
    assert all(final[i].text == instant[i].text for i in planned)
    assert len({p.text for p in final}) == 3 and all(p.complete for p in final)
