"""The suggestion engine with a fake writer: instant paths, refined paths, guard, supersession."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest

from inference.clock import SessionClock
from inference.events import (
    ClosedUtterance,
    ErrorEvent,
    Event,
    GuardEvent,
    ObjectionEvent,
    StatusEvent,
    SuggestionEvent,
    TranscriptEvent,
    from_dict,
    to_dict,
)
from inference.playbook import load_playbook
from inference.suggest import SuggestConfig, SuggestionEngine
from inference.suggest.types import ContextLine, DoneCallback, PathCallback, RefinedJob, RefinedPath

DEMO = Path(__file__).resolve().parent.parent / "data" / "playbook_routewise"


def rewrite(draft: str) -> str:
    """A refined line as the model writes it: the draft, lightly reworded."""
    return "Fair enough, " + draft[0].lower() + draft[1:]


class FakeWriter:
    """A RefinedWriter whose paths the test finishes by hand (copy it for writer tests)."""

    def __init__(self) -> None:
        self.jobs: list[tuple[RefinedJob, PathCallback, DoneCallback]] = []
        self.cancelled: list[int] = []
        self.prefills: list[tuple[tuple[ContextLine, ...], str]] = []
        self.closed = False

    def prefill(self, context: tuple[ContextLine, ...], lang: str) -> None:
        self.prefills.append((context, lang))

    def submit(self, job: RefinedJob, on_path: PathCallback, on_done: DoneCallback) -> None:
        self.jobs.append((job, on_path, on_done))

    def cancel(self, job_id: int) -> None:
        self.cancelled.append(job_id)

    def wait_ready(self, timeout: float | None = None) -> bool:
        return True

    def close(self) -> None:
        self.closed = True

    def path(self, slot: int, text: str, job: int = -1) -> None:
        j, on_path, _ = self.jobs[job]
        on_path(j, RefinedPath(slot, text))

    def done(self, job: int = -1, error: Exception | None = None) -> None:
        j, _, on_done = self.jobs[job]
        on_done(j, error)


@pytest.fixture(scope="module")
def playbook():
    return load_playbook([DEMO])


class Rig:
    def __init__(
        self, playbook, writer: FakeWriter | None, config: SuggestConfig | None = None
    ) -> None:
        self.events: list[Event] = []
        self.clock = SessionClock(0.0)
        self.writer = writer
        self.engine = SuggestionEngine(
            config or SuggestConfig(),
            playbook=playbook,
            emit=self.events.append,
            clock=self.clock,
            writer=writer,
        )

    def objection(self, uid: str, text: str, *, lang: str = "en", category: str = "price",
                  confidence: float = 0.85, end: float = 10.0,
                  roles: tuple[str, ...] = ("cfo",)) -> None:  # fmt: skip
        self.clock.advance_to(end + 0.3)
        utterance = ClosedUtterance("customer", uid, end - 4.0, end, text, lang)
        self.engine.observe(utterance)
        event = ObjectionEvent(end + 0.3, uid, end - 4.0, end, category, confidence)
        self.engine.on_objection(event, utterance=utterance, emotion=None, roles=roles)

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture()
def rig(playbook) -> Rig:
    # The model may rewrite every move here, fact-bearing ones too (the tests read the checker
    # and the guard on rewrites of facts); the default is in test_fact_lines_stay_as_planned.
    return Rig(playbook, FakeWriter(), SuggestConfig(rewrite_facts=True))


def test_fact_lines_stay_as_planned_by_default(playbook) -> None:
    rig = Rig(playbook, FakeWriter())
    rig.objection("u1", "The price is too high for our fleet.", roles=())
    job = rig.writer.jobs[0][0]
    instant = rig.of(SuggestionEvent)[0]
    rewritten = [m.rewrite for m in job.moves]
    assert rewritten == [not m.fact_sentence for m in job.moves]
    assert rewritten.count(False) >= 1 and rewritten.count(True) >= 1  # the question is
    q = slot(job, "question")
    e = slot(job, "evidence")
    assert not job.moves[e].rewrite
    rig.clock.advance_to(14.0)
    rig.writer.path(e, "Something the model should not have written for this slot.")
    rig.writer.path(q, rewrite(instant.paths[q].text))
    last = rig.of(SuggestionEvent)[-1]
    assert last.stage == "refined"
    assert last.paths[e].text == instant.paths[e].text  # the planned line, untouched
    # Slots the model does not write are final from the start; the others as they complete.
    assert [p.complete for p in last.paths] == [not r or i == q for i, r in enumerate(rewritten)]
    assert last.paths[q].text == rewrite(instant.paths[q].text)


def test_lines_written_for_what_the_customer_named_stay_as_planned(playbook) -> None:
    # The CFO named: the question asks what the CFO needs, a sentence written for this
    # customer, so the model does not rewrite it (judged: its rewrites of such lines were
    # worse than the lines); a generic question would be rewritten (test above).
    rig = Rig(playbook, FakeWriter())
    rig.objection("u1", "The price is too high, and our CFO will never sign off on that.")
    job = rig.writer.jobs[0][0] if rig.writer.jobs else None
    instant = rig.of(SuggestionEvent)[0]
    q = next(
        i for i, p in enumerate(instant.paths) if p.strategy.endswith(("ask_gap", "ask_criteria"))
    )
    assert "CFO" in instant.paths[q].text
    assert job is None or not job.moves[q].rewrite
    assert instant.paths[q].complete


def test_instant_paths_three_moves_of_three_families_with_sources(rig: Rig) -> None:
    rig.objection("u1", "Honestly the price per vehicle is a lot more than we expected.")
    (event,) = rig.of(SuggestionEvent)
    job = rig.writer.jobs[0][0]
    assert event.stage == "instant"
    assert len(event.paths) == 3
    assert len({p.strategy for p in event.paths}) == 3
    assert [p.strategy for p in event.paths] == [m.move_id for m in job.moves]
    assert {m.family for m in job.moves} == {"acknowledge", "question", "evidence"}
    assert event.latency_s == pytest.approx(0.3)
    for path, move in zip(event.paths, job.moves, strict=True):
        assert any(s.utterance_id == "u1" for s in path.sources)
        # a path with a playbook fact cites its entry; a question needs none
        assert any(s.file for s in path.sources) == bool(move.fact_sentence), path
        assert move.fact_sentence or move.family == "question"
        assert path.text and path.complete and path.label == move.label != ""
        assert 0.0 < path.confidence <= 1.0
    facts = [m.fact_sentence for m in job.moves if m.fact_sentence]
    assert len(facts) == len(set(facts)) >= 2  # each move rests on its own fact
    assert to_dict(from_dict(to_dict(event))) == to_dict(event)


def test_instant_paths_in_the_customers_language(rig: Rig) -> None:
    rig.objection("u2", "这个价格太贵了，比我们现在用的贵很多。", lang="zh")
    (event,) = rig.of(SuggestionEvent)
    job = rig.writer.jobs[0][0]
    assert job.lang == "zh"
    for path, move in zip(event.paths, job.moves, strict=True):
        assert sum("\u4e00" <= c <= "\u9fff" for c in path.text) > len(path.text) * 0.4, path.text
        assert any(s.file == "product_zh.md" for s in path.sources) or move.family == "question"
        assert sum("\u4e00" <= c <= "\u9fff" for c in path.label) >= 2  # a Chinese move name


def test_instant_paths_never_break_rules(rig: Rig) -> None:
    rig.objection("u3", "We need 30% off or we walk. Are you PCI DSS certified?", category="price")
    (event,) = rig.of(SuggestionEvent)
    for path in event.paths:
        assert rig.engine.guard.violations(path.text) == []
        assert "30%" not in path.text


def slot(job: RefinedJob, family: str) -> int:
    """The slot of the job's move of `family`."""
    return next(i for i, m in enumerate(job.moves) if m.family == family)


def test_refined_paths_replace_instant_ones_as_they_complete(rig: Rig) -> None:
    rig.objection("u1", "The price is too high for our fleet.")
    job = rig.writer.jobs[0][0]
    assert job.lang == "en" and job.roles == ("cfo",) and job.person == "your CFO"
    assert len(job.moves) == 3 and [p.strategy for p in job.instant] == [
        m.move_id for m in job.moves
    ]
    assert job.context[-1].utterance_id == "u1"
    assert any("at most 8%" in r for r in job.rules)
    instant = rig.of(SuggestionEvent)[0]
    q, e = slot(job, "question"), slot(job, "evidence")
    a = 3 - q - e
    rig.clock.advance_to(14.0)
    question = rewrite(instant.paths[q].text)
    rig.writer.path(q, question)
    first = rig.of(SuggestionEvent)[-1]
    assert first.stage == "refined"
    assert [p.complete for p in first.paths] == [i == q for i in range(3)]
    assert first.paths[q].text == question
    assert first.paths[a].text == instant.paths[a].text
    assert first.latency_s == pytest.approx(4.0)
    rig.writer.path(
        e,
        "Before you weigh that price, try it first: our pilot is 21 days free for up to 15 vehicles, no contract.",
    )
    rig.writer.path(
        a,
        "Understood; most fleets recover the cost in fuel alone, Harbor Foods saved 12% in three months.",
    )
    assert rig.of(GuardEvent) == []
    last = rig.of(SuggestionEvent)[-1]
    assert [p.complete for p in last.paths] == [True, True, True]
    assert [p.strategy for p in last.paths] == [p.strategy for p in instant.paths]
    assert all(p.text != i.text for p, i in zip(last.paths, instant.paths, strict=True))
    rig.writer.done()
    assert rig.engine.wait_idle(0)


def test_refined_path_over_the_cap_is_replaced_and_reported(rig: Rig) -> None:
    rig.objection("u1", "Give us 30% off and we sign today.")
    instant = rig.of(SuggestionEvent)[0]
    e = slot(rig.writer.jobs[0][0], "evidence")
    rig.writer.path(
        e, "On top of the pilot, 21 days free for up to 15 vehicles, I can give you 30% off."
    )
    guard = rig.of(GuardEvent)
    assert [(g.path, g.rule, g.action) for g in guard] == [(e, "max_discount", "blocked")]
    shown = rig.of(SuggestionEvent)[-1].paths[e]
    assert shown.text == instant.paths[e].text and shown.complete
    assert rig.engine.guard.violations(shown.text) == []


def test_refined_claim_of_a_certification_not_held_is_blocked(rig: Rig) -> None:
    rig.objection("u1", "We process card payments. Are you PCI DSS certified?", category="security")
    q = slot(rig.writer.jobs[0][0], "question")
    rig.writer.path(q, "We are PCI DSS certified. Which documents will your CFO check?")
    rules = {g.rule for g in rig.of(GuardEvent)}
    assert "forbidden_claim:cert:pcidss" in rules
    assert "PCI DSS certified" not in rig.of(SuggestionEvent)[-1].paths[q].text


def test_a_refined_path_that_fails_the_checker_keeps_its_instant_path(rig: Rig) -> None:
    rig.objection("u1", "We process card payments. Are you PCI DSS certified?", category="security")
    job = rig.writer.jobs[0][0]
    instant = rig.of(SuggestionEvent)[0]
    e = slot(job, "evidence")
    rig.writer.path(e, "Yes, we take security very seriously and keep your data safe.")
    assert [(g.path, g.rule, g.action) for g in rig.of(GuardEvent)] == [
        (e, "check:no_fact", "blocked")
    ]
    shown = rig.of(SuggestionEvent)[-1]
    assert shown.stage == "refined" and shown.paths[e].complete
    assert shown.paths[e] == replace(instant.paths[e], complete=True)


def test_newer_objection_supersedes_unfinished_generation(rig: Rig) -> None:
    rig.objection("u1", "The price is too high.", end=10.0)
    rig.objection("u2", "And we have no budget until next year.", category="budget", end=20.0)
    (status,) = rig.of(StatusEvent)
    assert (status.component, status.state) == ("llm", "superseded")
    assert rig.writer.cancelled == [rig.writer.jobs[0][0].job_id]
    before = len(rig.events)
    rig.writer.path(0, "A late path for the old objection with 15% off.", job=0)
    assert len(rig.events) == before  # stale path dropped
    rig.writer.done(job=0)
    assert not rig.engine.wait_idle(0)  # the newer job still runs
    rig.writer.path(0, "Budgets are tight; the 21 days pilot costs nothing.", job=1)
    assert rig.of(SuggestionEvent)[-1].objection_utterance_id == "u2"
    rig.writer.done(job=1)
    assert rig.engine.wait_idle(0)
    assert rig.engine.superseded == 1


def test_finished_job_is_not_superseded(rig: Rig) -> None:
    rig.objection("u1", "The price is too high.")
    rig.writer.done()
    rig.objection("u2", "No budget.", category="budget", end=20.0)
    assert rig.of(StatusEvent) == []


def test_confidence_falls_with_weak_evidence(rig: Rig) -> None:
    rig.objection("u1", "The price per vehicle is too high compared to FleetMax.", confidence=0.95)
    strong = rig.of(SuggestionEvent)[0]
    rig.objection("u2", "Hmm, well, I don't know.", category="need", confidence=0.3, end=30.0)
    weak = rig.of(SuggestionEvent)[-1]
    job = rig.writer.jobs[-1][0]
    q = slot(job, "question")
    # A question that takes up the rival they named is the band judged usable 80% of the time;
    # a generic question to a vague line is not.
    ask = next(p for p in strong.paths if p.strategy == "price.ask_gap")
    assert "FleetMax" in ask.text and ask.confidence >= 0.8
    assert weak.paths[q].confidence < ask.confidence
    assert max(p.confidence for i, p in enumerate(weak.paths) if i != q) < 0.8
    # A refined path the checker passes keeps a confidence of its own kind of path.
    rig.writer.path(q, rewrite(weak.paths[q].text))
    refined = rig.of(SuggestionEvent)[-1].paths[q]
    assert refined.text == rewrite(weak.paths[q].text)
    assert refined.confidence >= weak.paths[q].confidence
    # A refined evidence path that states no fact of the playbook is not shown: the instant
    # path, which states its fact, stays in that slot (finished).
    e = slot(job, "evidence")
    rig.writer.path(e, "I understand how you feel about it.")
    shown = rig.of(SuggestionEvent)[-1].paths[e]
    assert shown.complete and shown.text == weak.paths[e].text
    assert shown.confidence == weak.paths[e].confidence


def test_writer_failure_keeps_instant_paths_and_reports(rig: Rig) -> None:
    rig.objection("u1", "Too expensive.")
    rig.writer.done(error=RuntimeError("model crashed"))
    (error,) = rig.of(ErrorEvent)
    assert error.component == "llm" and "instant suggestions stay" in error.message
    assert rig.engine.wait_idle(0)


def test_context_is_offered_to_the_writer_for_prefill(rig: Rig) -> None:
    rig.engine.observe(ClosedUtterance("rep", "r1", 0.0, 2.0, "Hi, thanks for your time.", "en"))
    rig.engine.observe_partial(
        TranscriptEvent(3.0, "customer", "c1", 2.5, 3.0, "Well the price", True, "en")
    )
    context, lang = rig.writer.prefills[-1]
    assert [c.text for c in context] == ["Hi, thanks for your time.", "Well the price"]
    assert lang == "en"


def test_without_writer_only_instant(playbook) -> None:
    rig = Rig(playbook, None)
    rig.objection("u1", "Too expensive.")
    assert [e.stage for e in rig.of(SuggestionEvent)] == ["instant"]
    assert rig.engine.wait_idle(0)
    rig.engine.close()


def test_close_cancels_and_closes_the_writer(rig: Rig) -> None:
    rig.objection("u1", "Too expensive.")
    rig.engine.close()
    assert rig.writer.closed and rig.writer.cancelled
    assert rig.engine.wait_idle(0)
    before = len(rig.events)
    rig.writer.path(0, "Too late.")
    assert len(rig.events) == before


def test_rewritten_path_keeps_its_compliant_sentence_and_is_rated_on_it(rig: Rig) -> None:
    rig.objection("u1", "Give us 30% off and we sign today.")
    job = rig.writer.jobs[0][0]
    e = slot(job, "evidence")
    rig.writer.path(
        e,
        "Our pilot is 21 days free for up to 15 vehicles, no contract. On top, I can give you 30% off.",
    )
    assert [(g.rule, g.action) for g in rig.of(GuardEvent)] == [("max_discount", "rewritten")]
    shown = rig.of(SuggestionEvent)[-1].paths[e]
    assert shown.text == "Our pilot is 21 days free for up to 15 vehicles, no contract."
    assert shown.complete and shown.strategy == job.moves[e].move_id


def test_a_path_that_echoes_the_customer_is_not_shown(rig: Rig) -> None:
    rig.objection("u1", "Honestly the price is a lot more than we expected.")
    q = slot(rig.writer.jobs[0][0], "question")
    instant = rig.of(SuggestionEvent)[0].paths[q]
    rig.writer.path(q, "Honestly, the price is a lot more than your CFO expected?")
    assert [g.rule for g in rig.of(GuardEvent)] == ["check:echoes_customer"]
    shown = rig.of(SuggestionEvent)[-1].paths[q]
    assert shown.text == instant.text and shown.complete


def test_a_playbook_without_facts_still_gives_three_paths(tmp_path: Path) -> None:
    (tmp_path / "sheet.md").write_text(
        "## Rules\n- Do not promise roadmap dates.\n", encoding="utf-8"
    )
    rig = Rig(load_playbook([tmp_path]), None)
    rig.objection("u1", "Hmm.", category="need", confidence=0.4, roles=())
    (event,) = rig.of(SuggestionEvent)
    assert len({p.strategy for p in event.paths}) == 3
    assert all(p.text and any(s.utterance_id == "u1" for s in p.sources) for p in event.paths)
    assert not any(s.file for p in event.paths for s in p.sources)  # no fact, no entry cited
    # Without a fact, only a question (judged usable most often) is rated high.
    assert max(p.confidence for p in event.paths if not p.text.endswith("?")) < 0.7


def test_a_prefill_hint_carries_the_committed_words_only(rig: Rig) -> None:
    def event(t: float, text: str, *, stable: bool = False, final: bool = False):
        return TranscriptEvent(t, "customer", "c1", 2.5, t, text, final, "en", stable=stable)

    rig.engine.observe_partial(event(3.0, "Well the price"))
    assert rig.writer.prefills == []  # a tentative tail alone is no hint
    rig.engine.observe_partial(event(4.0, "Well the price is", stable=True))
    rig.engine.observe_partial(event(4.5, "a lot more"))
    rig.engine.observe_partial(event(5.0, "a lot", stable=True))
    # The final (second pass) replaces the stable words rather than adding to them.
    rig.engine.observe_partial(event(5.5, "Well the price is a lot", final=True))
    assert [p[0][-1].text for p in rig.writer.prefills] == [
        "Well the price is",
        "Well the price is a lot",
        "Well the price is a lot",
    ]


def test_the_writers_context_grows_append_only_between_chunked_drops(rig: Rig) -> None:
    keep = rig.engine.config.context_utterances
    seen: list[tuple[str, ...]] = []
    for i in range(4 * keep):
        rig.engine.observe(ClosedUtterance("rep", f"r{i}", i, i + 0.5, f"line {i}", "en"))
        seen.append(tuple(c.text for c in rig.writer.prefills[-1][0]))
    assert max(len(s) for s in seen) == 2 * keep
    drops = [i for i in range(1, len(seen)) if seen[i][: len(seen[i - 1])] != seen[i - 1]]
    assert len(drops) == 2  # the prompt's conversation is rewritten only when a chunk goes
    assert all(len(seen[i]) == keep for i in drops)


def test_the_same_refined_answer_is_not_shown_in_two_slots(rig: Rig) -> None:
    rig.objection("u1", "I need to run this by our CFO first.", category="authority")
    job = rig.writer.jobs[0][0]
    q, a = slot(job, "question"), slot(job, "acknowledge")
    assert job.moves[a].fact_sentence == ""  # an acknowledgement without a fact may be any line
    instant = rig.of(SuggestionEvent)[0]
    question = rewrite(instant.paths[q].text)
    rig.writer.path(q, question)
    shown = rig.of(SuggestionEvent)[-1]
    assert shown.paths[q].text == question
    rig.writer.path(a, question.replace("Which", "So which"))
    assert [(g.path, g.rule) for g in rig.of(GuardEvent)] == [(a, "check:duplicate")]
    last = rig.of(SuggestionEvent)[-1]
    assert last.paths[a].text == instant.paths[a].text  # the instant path stays
    assert last.paths[a].complete and last.paths[q].text == question


def test_hints_follow_the_rep_until_the_customer_speaks(rig: Rig) -> None:
    rig.engine.observe(ClosedUtterance("rep", "r1", 0.0, 2.0, "您好，感谢您抽出时间。", "zh"))
    rig.engine.observe(ClosedUtterance("customer", "c1", 2.5, 4.0, "Sure, go ahead.", "en"))
    rig.engine.observe(ClosedUtterance("rep", "r2", 4.5, 6.0, "好的。", "zh"))
    assert [lang for _, lang in rig.writer.prefills] == ["zh", "en", "en"]


def test_events_are_emitted_outside_the_engines_lock(playbook) -> None:
    held: list[bool] = []
    rig = Rig(playbook, FakeWriter(), SuggestConfig(rewrite_facts=True))

    def emit(event: Event) -> None:
        held.append(rig.engine._lock._is_owned())  # type: ignore[attr-defined]
        rig.events.append(event)

    rig.engine._emit = emit
    rig.objection("u1", "The price is too high.", end=10.0)
    rig.writer.path(0, "Over the cap? Not at all, the 21 days pilot costs nothing." * 10)
    rig.objection("u2", "And we have no budget until next year.", category="budget", end=20.0)
    rig.writer.done(job=1, error=RuntimeError("model crashed"))
    kinds = {type(e) for e in rig.events}
    assert {SuggestionEvent, GuardEvent, StatusEvent, ErrorEvent} <= kinds
    assert len(held) == len(rig.events) and not any(held)


def test_events_queued_by_two_threads_go_out_once_each_in_queue_order(playbook) -> None:
    rig = Rig(playbook, FakeWriter(), SuggestConfig(rewrite_facts=True))
    emitting, gate = threading.Event(), threading.Event()
    sent: list[tuple[Event, str]] = []

    def emit(event: Event) -> None:
        emitting.set()
        gate.wait(5)  # a slow sink: the other thread queues meanwhile
        sent.append((event, threading.current_thread().name))

    rig.engine._emit = emit
    first = threading.Thread(target=rig.objection, args=("u1", "The price is too high."),
                             kwargs={"end": 10.0}, name="hub")  # fmt: skip
    first.start()
    assert emitting.wait(5)
    rig.objection("u2", "No budget this year.", category="budget", end=20.0)  # returns at once
    assert all(name == "hub" for _, name in sent)
    gate.set()
    first.join(5)
    ids = [e.objection_utterance_id for e, _ in sent if isinstance(e, SuggestionEvent)]
    assert ids == ["u1", "u2"]
    assert {name for _, name in sent} == {"hub"}  # the waiting thread left its events to it
    assert not rig.engine._out
