"""The refined writer's thread, cancellation and callbacks, with a scripted fake backend."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from inference.events import ObjectionEvent, SuggestionPath
from inference.llm.types import BackendStats, Branch, BranchDelta, ChatMessage, ModelInfo
from inference.playbook.model import PlaybookEntry
from inference.suggest.llm_writer import HINT_CHUNK_TOKENS, LlmRefinedWriter, LlmWriterConfig
from inference.suggest.types import ContextLine, MoveTask, RefinedJob, RefinedPath

WAIT = 10.0  # seconds a test waits for the worker before failing (never slept)

ENTRIES = (
    PlaybookEntry("product.md", "Pricing", "Standard plan: $39 per agent per month.", "en"),
    PlaybookEntry("product.md", "Security", "Certified to ISO 27001; 99.9% uptime.", "en"),
)
MOVES = (
    MoveTask("price.reframe_value", "acknowledge", "Agree, then the value.", "Reframe on value"),
    MoveTask("price.ask_gap", "question", "Ask one open question.", "Ask what the gap is"),
    MoveTask(
        "security.answer_fact",
        "evidence",
        "State the fact.",
        "Answer with the fact",
        fact_sentence=ENTRIES[1].text,
    ),
)
REPLIES = (
    "I hear you; at $39 per agent you get reporting included.",
    "What would the budget need to cover for your team?",
    "We are certified to ISO 27001 and commit to 99.9% uptime.",
)


def _slot_of(branch: Branch) -> int:
    """The move (index in MOVES) whose instruction a branch's forced prefix carries."""
    prefix = branch.segments[0].prefix
    return next(k for k, m in enumerate(MOVES) if f'"move":"{m.instruction}"' in prefix)


def make_job(
    job_id: int,
    *,
    lang: str = "en",
    text: str = "That is too expensive.",
    order: tuple[int, int, int] = (0, 1, 2),
) -> RefinedJob:
    obj = ObjectionEvent(
        t=10.0, utterance_id=f"c{job_id}", start=8.0, end=10.0, category="price", confidence=0.9
    )
    moves = (MOVES[order[0]], MOVES[order[1]], MOVES[order[2]])
    i0, i1, i2 = (SuggestionPath(m.move_id, f"Draft of {m.label}.", 0.5, ()) for m in moves)
    return RefinedJob(
        job_id=job_id,
        objection=obj,
        utterance_text=text,
        lang=lang,
        context=(
            ContextLine("rep", "Thirty agents would be fourteen thousand a year.", "r1"),
            ContextLine("customer", text, f"c{job_id}"),
        ),
        emotion=None,
        roles=("cfo",),
        moves=moves,
        instant=(i0, i1, i2),
        rules=("A rep may offer at most 10% off.",),
        person="your CFO",
    )


class FakeBackend:
    """Streams scripted JSON replies; can hold a request until released or cancelled."""

    def __init__(
        self, *, hold: bool = False, fail: bool = False, deaf: bool = False, ticks: bool = False
    ) -> None:
        self.hold = hold
        self.ticks = ticks  # a held stream yields an empty delta every 50 ms (tokens go on)
        self.deaf = deaf  # a held stream ignores its cancel event (waits for `release`)
        self.fail = fail
        self.started = threading.Event()  # a stream reached its hold point
        self.release = threading.Event()  # let a held stream go on
        self.prefilled = threading.Event()
        self.prefill_prompts: list[str] = []
        self.prefill_chunks: list[int | None] = []
        self.branch_order: list[list[int]] = []
        self.stream_prompts: list[str] = []
        self.closed = False
        self.stats = BackendStats()

    def load(self) -> ModelInfo:
        return ModelInfo(Path("fake.gguf"), "fake", None, 2048, 0, 1)

    def render_chat(
        self, messages: Sequence[ChatMessage], *, add_generation_prompt: bool = True
    ) -> str:
        return "".join(f"<{m.role}>{m.content}</{m.role}>" for m in messages) + "<assistant>"

    def prefill(
        self, prompt: str, *, cancel: threading.Event | None = None, chunk: int | None = None
    ) -> int:
        self.prefill_prompts.append(prompt)
        self.prefill_chunks.append(chunk)
        self.prefilled.set()
        return len(prompt)

    def stream_branches(
        self,
        prompt: str,
        branches: Sequence[Branch],
        *,
        cancel: threading.Event | None = None,
    ) -> Iterator[BranchDelta]:
        self.stream_prompts.append(prompt)
        if self.fail:
            raise RuntimeError("decode failed")
        for i, b in enumerate(branches):
            yield BranchDelta(i, b.segments[0].prefix)
        if self.hold:
            self.started.set()
            if self.deaf:
                assert self.release.wait(WAIT)
            while not self.release.is_set():
                if self.ticks:
                    yield BranchDelta(0, "")
                if cancel is not None and cancel.wait(0.05):
                    for i in range(len(branches)):
                        yield BranchDelta(i, "", done=True, reason="cancelled")
                    return
        self.branch_order.append([_slot_of(b) for b in branches])
        for i, b in enumerate(branches):
            k = _slot_of(b)  # the reply of the move this branch was forced to
            assert b.segments[-1].prefix.endswith('"say":"')
            rest = json.dumps(REPLIES[k])[1:] + "}"  # the string's tail, its quote, the brace
            yield BranchDelta(i, rest, done=True, reason="stop")

    def close(self) -> None:
        self.closed = True


class Recorder:
    """Collects callbacks on a queue the test reads with a timeout."""

    def __init__(self) -> None:
        self.events: queue.Queue[tuple[str, int, object]] = queue.Queue()

    def on_path(self, job: RefinedJob, path: RefinedPath) -> None:
        self.events.put(("path", job.job_id, path))

    def on_done(self, job: RefinedJob, error: Exception | None) -> None:
        self.events.put(("done", job.job_id, error))

    def until_done(self, job_id: int) -> list[tuple[str, int, object]]:
        seen: list[tuple[str, int, object]] = []
        while True:
            item = self.events.get(timeout=WAIT)
            seen.append(item)
            if item[0] == "done" and item[1] == job_id:
                return seen


@pytest.fixture
def fake() -> FakeBackend:
    return FakeBackend()


def test_three_paths_then_done(fake: FakeBackend) -> None:
    flags: list[bool] = []
    writer = LlmRefinedWriter(LlmWriterConfig(), backend=fake, on_job=flags.append)
    rec = Recorder()
    try:
        writer.submit(make_job(1), rec.on_path, rec.on_done)
        seen = rec.until_done(1)
    finally:
        writer.close()
    assert flags == [True, False]  # the CPU share hears when the job runs
    assert fake.branch_order == [[1, 0, 2]]  # the question (often the shortest) goes first
    paths = [p for kind, _, p in seen if kind == "path"]
    assert isinstance(paths[0], RefinedPath)
    assert sorted(p.slot for p in paths) == [0, 1, 2]  # type: ignore[attr-defined]
    by_slot = {p.slot: p for p in paths}  # type: ignore[attr-defined]
    assert [by_slot[k].text for k in range(3)] == list(REPLIES)  # each move's own line
    assert seen[-1] == ("done", 1, None)
    assert fake.closed


def test_the_question_move_is_generated_first_wherever_it_sits(fake: FakeBackend) -> None:
    writer = LlmRefinedWriter(LlmWriterConfig(), backend=fake)
    rec = Recorder()
    try:
        writer.submit(make_job(1, order=(2, 0, 1)), rec.on_path, rec.on_done)
        seen = rec.until_done(1)
    finally:
        writer.close()
    assert fake.branch_order == [[1, 2, 0]]  # the question (slot 2) first, then slot order
    by_slot = {p.slot: p.text for kind, _, p in seen if kind == "path"}  # type: ignore[attr-defined]
    assert by_slot == {0: REPLIES[2], 1: REPLIES[0], 2: REPLIES[1]}  # back in their slots


def test_newer_job_cancels_the_running_one_between_tokens() -> None:
    fake = FakeBackend(hold=True)
    writer = LlmRefinedWriter(LlmWriterConfig(), backend=fake)
    rec = Recorder()
    try:
        writer.submit(make_job(1), rec.on_path, rec.on_done)
        assert fake.started.wait(WAIT)
        fake.hold = False
        writer.cancel(1)  # what the engine does before submitting the newer job
        writer.submit(make_job(2, text="We signed with another vendor."), rec.on_path, rec.on_done)
        first = rec.until_done(1)
        second = rec.until_done(2)
    finally:
        writer.close()
    assert first == [("done", 1, None)]  # no path of the superseded job
    assert sorted(p.slot for kind, _, p in second if kind == "path") == [0, 1, 2]  # type: ignore[attr-defined]
    assert "another vendor" in fake.stream_prompts[-1]


def test_jobs_superseded_before_they_start_are_dropped_but_still_done() -> None:
    fake = FakeBackend(hold=True, deaf=True)
    writer = LlmRefinedWriter(LlmWriterConfig(), backend=fake)
    rec = Recorder()
    try:
        writer.submit(make_job(1), rec.on_path, rec.on_done)
        assert fake.started.wait(WAIT)
        fake.hold = False
        writer.submit(make_job(2, text="second"), rec.on_path, rec.on_done)
        writer.submit(make_job(3, text="third"), rec.on_path, rec.on_done)
        fake.release.set()  # job 1 finishes its step; its paths are dropped (it was cancelled)
        seen = rec.until_done(3)
    finally:
        writer.close()
    done = [job_id for kind, job_id, _ in seen if kind == "done"]
    assert sorted(done) == [1, 2, 3]
    assert {job_id for kind, job_id, _ in seen if kind == "path"} == {3}
    assert len(fake.stream_prompts) == 2  # job 2 never reached the model
    assert "third" in fake.stream_prompts[1]


def test_a_failing_model_reports_the_error_once() -> None:
    writer = LlmRefinedWriter(LlmWriterConfig(), backend=FakeBackend(fail=True))
    rec = Recorder()
    try:
        writer.submit(make_job(1), rec.on_path, rec.on_done)
        seen = rec.until_done(1)
    finally:
        writer.close()
    assert len(seen) == 1
    assert isinstance(seen[0][2], RuntimeError)


def test_prefill_feeds_the_prefix_of_the_coming_prompt(fake: FakeBackend) -> None:
    job = make_job(1)
    writer = LlmRefinedWriter(LlmWriterConfig(), backend=fake, rules=job.rules)
    rec = Recorder()
    try:
        writer.prefill(job.context, "en")
        assert fake.prefilled.wait(WAIT)
        writer.submit(job, rec.on_path, rec.on_done)
        rec.until_done(1)
    finally:
        writer.close()
    prefix = fake.prefill_prompts[0]
    assert prefix.endswith("Customer: That is too expensive.\n\n")
    assert fake.prefill_chunks[0] == HINT_CHUNK_TOKENS  # a job waits for one small chunk
    assert "at most 10% off" in prefix  # the rules sit in the cached system prompt
    assert fake.stream_prompts[0].startswith(prefix)


def test_later_prefills_carry_the_rules_of_the_last_job(fake: FakeBackend) -> None:
    writer = LlmRefinedWriter(LlmWriterConfig(), backend=fake)
    rec = Recorder()
    try:
        writer.submit(make_job(1), rec.on_path, rec.on_done)
        rec.until_done(1)
        writer.prefill(make_job(2).context, "en")
        assert fake.prefilled.wait(WAIT)
    finally:
        writer.close()
    assert "at most 10% off" in fake.prefill_prompts[0]


def test_prefill_is_ignored_when_disabled(fake: FakeBackend) -> None:
    writer = LlmRefinedWriter(LlmWriterConfig(prefill=False), backend=fake)
    rec = Recorder()
    try:
        writer.prefill(make_job(1).context, "en")
        writer.submit(make_job(1), rec.on_path, rec.on_done)
        rec.until_done(1)
    finally:
        writer.close()
    assert fake.prefill_prompts == []


def test_chinese_job_gets_a_chinese_prompt(fake: FakeBackend) -> None:
    writer = LlmRefinedWriter(LlmWriterConfig(), backend=fake)
    rec = Recorder()
    try:
        writer.submit(make_job(1, lang="zh", text="太贵了"), rec.on_path, rec.on_done)
        rec.until_done(1)
    finally:
        writer.close()
    prompt = fake.stream_prompts[0]
    assert "客户：太贵了" in prompt and "简体中文" in prompt and "示例" in prompt
    assert "Conversation so far" not in prompt and "Examples" not in prompt


def test_close_is_idempotent_and_later_submits_still_get_done(fake: FakeBackend) -> None:
    writer = LlmRefinedWriter(LlmWriterConfig(), backend=fake)
    writer.close()
    writer.close()
    rec = Recorder()
    writer.submit(make_job(5), rec.on_path, rec.on_done)
    assert rec.until_done(5) == [("done", 5, None)]


def test_missing_model_is_reported_through_on_done(tmp_path: Path) -> None:
    writer = LlmRefinedWriter(LlmWriterConfig(), model_path=tmp_path / "absent.gguf")
    rec = Recorder()
    try:
        writer.submit(make_job(1), rec.on_path, rec.on_done)
        seen = rec.until_done(1)
    finally:
        writer.close()
    from models.errors import ModelError

    assert isinstance(seen[0][2], ModelError) and "absent.gguf" in str(seen[0][2])


def test_status_reports_loading_then_ready(fake: FakeBackend) -> None:
    states: queue.Queue[tuple[str, str, str]] = queue.Queue()
    writer = LlmRefinedWriter(
        LlmWriterConfig(), backend=fake, status=lambda *a: states.put(a), preload=True
    )
    try:
        assert states.get(timeout=WAIT)[:2] == ("llm", "loading")
        component, state, detail = states.get(timeout=WAIT)
    finally:
        writer.close()
    assert (component, state) == ("llm", "ready")
    assert "fake.gguf" in detail and "threads" in detail


def test_build_writer_takes_a_gguf_path_and_reports_a_missing_file(tmp_path: Path) -> None:
    from inference.suggest.llm_writer import build_writer
    from models.errors import ModelError

    states: list[tuple[str, str, str]] = []
    writer = build_writer(
        str(tmp_path / "mine.gguf"), device="cpu", status=lambda *a: states.append(a)
    )
    assert writer.config.n_gpu_layers == 0
    rec = Recorder()
    try:
        writer.submit(make_job(1), rec.on_path, rec.on_done)
        seen = rec.until_done(1)
    finally:
        writer.close()
    assert isinstance(seen[-1][2], ModelError) and "mine.gguf" in str(seen[-1][2])
    assert states and states[0][:2] == ("llm", "loading")


def test_moves_kept_as_planned_get_no_branch(fake: FakeBackend) -> None:
    from dataclasses import replace

    job = make_job(1)
    job = replace(job, moves=(replace(job.moves[0], rewrite=False), *job.moves[1:]))
    writer = LlmRefinedWriter(LlmWriterConfig(), backend=fake)
    rec = Recorder()
    try:
        writer.submit(job, rec.on_path, rec.on_done)
        seen = rec.until_done(1)
    finally:
        writer.close()
    assert fake.branch_order == [[1, 2]]  # slot 0 keeps its planned line: nothing generated
    by_slot = {p.slot: p.text for kind, _, p in seen if kind == "path"}  # type: ignore[attr-defined]
    assert by_slot == {1: REPLIES[1], 2: REPLIES[2]}
    assert seen[-1] == ("done", 1, None)


def test_only_the_moves_to_rewrite_are_generated_question_first() -> None:
    from dataclasses import replace

    from inference.suggest.llm_writer import _generation_order

    moves = (
        replace(MOVES[0], rewrite=False),  # acknowledge with a fact: kept as planned
        MOVES[1],  # the question
        MOVES[2],
    )
    assert _generation_order(moves) == [1, 2]
    assert _generation_order(MOVES) == [1, 0, 2]
    assert _generation_order(tuple(replace(m, rewrite=False) for m in MOVES)) == []


def test_work_run_soon_runs_between_the_tokens_of_a_running_job() -> None:
    fake = FakeBackend(hold=True, ticks=True)
    writer = LlmRefinedWriter(LlmWriterConfig(), backend=fake)
    rec = Recorder()
    looked: list[tuple[object, str]] = []
    ran = threading.Event()

    def look(backend: object) -> None:
        looked.append((backend, threading.current_thread().name))
        ran.set()

    try:
        writer.submit(make_job(1), rec.on_path, rec.on_done)
        assert fake.started.wait(WAIT)  # job 1 generates (and will until released)
        writer.run_soon(look)
        assert ran.wait(WAIT)  # the look did not wait for the job's end
        assert rec.events.empty()  # job 1 is still going: no path, no done yet
        fake.release.set()
        seen = rec.until_done(1)
    finally:
        writer.close()
    assert looked == [(fake, "parley-llm")]
    assert sum(kind == "path" for kind, _, _ in seen) == 3  # the job went on unharmed


def test_work_run_soon_goes_before_a_waiting_job_on_the_models_thread() -> None:
    fake = FakeBackend(hold=True)
    writer = LlmRefinedWriter(LlmWriterConfig(), backend=fake)
    rec = Recorder()
    order: list[str] = []
    seen_backend: list[object] = []
    try:
        writer.submit(make_job(1), rec.on_path, rec.on_done)
        assert fake.started.wait(WAIT)  # job 1 runs; job 2 and the look wait behind it
        writer.submit(make_job(2, text="second"), rec.on_path, rec.on_done)

        def look(backend: object) -> None:
            seen_backend.append(backend)
            order.append(f"look on {threading.current_thread().name}")

        writer.run_soon(look)
        fake.hold = False
        rec.until_done(2)
        order.append("job 2 done")
    finally:
        writer.close()
    assert order == ["look on parley-llm", "job 2 done"]
    assert seen_backend == [fake]  # the loaded model, for the second opinion's reading
    assert "second" in fake.stream_prompts[-1]


def test_spare_work_waits_for_jobs_goes_before_a_prefill_and_the_newest_replaces() -> None:
    """`run_spare` (reading the customer's words ahead for the second opinion) interrupts
    nothing: not a job's tokens, as `run_soon` work does, not a waiting job; a newer call
    replaces one that has not begun; a prefill hint waits for it."""
    fake = FakeBackend(hold=True, ticks=True)
    writer = LlmRefinedWriter(LlmWriterConfig(), backend=fake)
    rec = Recorder()
    order: list[str] = []  # appended on the model's thread only
    prefill = fake.prefill

    def recorded_prefill(*args: object, **kwargs: object) -> object:
        order.append("prefill")
        return prefill(*args, **kwargs)  # type: ignore[arg-type]

    fake.prefill = recorded_prefill  # type: ignore[method-assign]
    try:
        writer.submit(make_job(1), rec.on_path, rec.on_done)
        assert fake.started.wait(WAIT)  # job 1 generates until released
        writer.run_spare(lambda backend: order.append("older"))
        writer.submit(make_job(2, text="second"), rec.on_path, rec.on_done)  # waits too

        def newest(backend: object) -> None:
            order.append(f"newest after {len(fake.stream_prompts)} jobs")

        writer.run_spare(newest)
        writer.prefill((ContextLine("customer", "hint", "c9"),), "en")
        fake.release.set()
        fake.hold = False
        rec.until_done(2)
        assert fake.prefilled.wait(WAIT)
    finally:
        writer.close()
    assert order == ["newest after 2 jobs", "prefill"]
    assert "hint" in fake.prefill_prompts[-1]
