"""The refined writer end to end with the tiny SmolLM2 model (plumbing, not quality)."""

from __future__ import annotations

import queue
from pathlib import Path

import pytest

from inference.llm.backend import LlamaBackend
from inference.llm.types import LlmConfig
from inference.suggest.llm_prompt import PromptLimits
from inference.suggest.llm_writer import LlmRefinedWriter, LlmWriterConfig
from inference.suggest.types import RefinedJob, RefinedPath
from tests.unit.test_llm_writer import make_job

pytest.importorskip("llama_cpp")

WAIT = 300.0


@pytest.fixture(scope="module")
def tiny_path() -> Path:
    from models.registry import model_path

    return model_path("llm-tiny")


def _writer(tiny_path: Path) -> tuple[LlmRefinedWriter, LlamaBackend]:
    backend = LlamaBackend(LlmConfig(model_path=tiny_path, n_ctx=1024, n_threads=1))
    config = LlmWriterConfig(limits=PromptLimits(max_tokens=10, context_lines=2))
    return LlmRefinedWriter(config, backend=backend), backend


def _until_done(
    events: queue.Queue[tuple[str, int, object]], job_id: int
) -> list[tuple[str, int, object]]:
    seen = []
    while True:
        item = events.get(timeout=WAIT)
        seen.append(item)
        if item[0] == "done" and item[1] == job_id:
            return seen


def test_writer_streams_three_parsed_paths_from_a_real_model(tiny_path: Path) -> None:
    writer, backend = _writer(tiny_path)
    events: queue.Queue[tuple[str, int, object]] = queue.Queue()

    def on_path(job: RefinedJob, path: RefinedPath) -> None:
        events.put(("path", job.job_id, path))

    def on_done(job: RefinedJob, error: Exception | None) -> None:
        events.put(("done", job.job_id, error))

    job = make_job(1)
    try:
        writer.prefill(job.context, job.lang)
        writer.submit(job, on_path, on_done)
        seen = _until_done(events, 1)
    finally:
        writer.close()
    assert seen[-1] == ("done", 1, None)
    paths = [p for kind, _, p in seen if kind == "path"]
    assert 1 <= len(paths) <= 3
    slots = [p.slot for p in paths]  # type: ignore[attr-defined]
    assert len(set(slots)) == len(slots) and set(slots) <= {0, 1, 2}
    for p in paths:
        assert isinstance(p, RefinedPath) and p.text
        assert '"' not in p.text  # the grammar kept the reply inside its JSON string
    assert backend.stats.tokens_generated > 0


def test_newer_job_supersedes_the_running_one_with_a_real_model(tiny_path: Path) -> None:
    writer, _ = _writer(tiny_path)
    events: queue.Queue[tuple[str, int, object]] = queue.Queue()
    try:
        writer.submit(
            make_job(1),
            lambda j, p: events.put(("path", j.job_id, p)),
            lambda j, e: events.put(("done", j.job_id, e)),
        )
        writer.cancel(1)
        writer.submit(
            make_job(2, text="We already use another tool."),
            lambda j, p: events.put(("path", j.job_id, p)),
            lambda j, e: events.put(("done", j.job_id, e)),
        )
        seen = _until_done(events, 2)
    finally:
        writer.close()
    done = [(job_id, err) for kind, job_id, err in seen if kind == "done"]
    assert sorted(done, key=lambda d: d[0]) == [(1, None), (2, None)]
    assert any(kind == "path" and job_id == 2 for kind, job_id, _ in seen)
