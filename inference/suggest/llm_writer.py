"""The refined-path writer: the local LLM writes three paths on one worker thread.

`LlmRefinedWriter` implements the `RefinedWriter` protocol of `inference.suggest.types`. Every
public method returns at once; the worker thread owns the model. Newest work wins: a new job
cancels the running one between tokens, and prefill hints (the conversation while the customer
is still speaking) only run while no job is waiting, each replacing the previous hint.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from inference.llm.types import BackendStats, BranchDelta, LlmBackend, LlmConfig
from inference.log_text import error_summary
from inference.playbook.model import PlaybookEntry
from inference.suggest.llm_prompt import (
    CUT_MARKER,
    PromptLimits,
    branches_for,
    cut_prefix,
    messages_for,
    parse_branch,
    single_language,
    task_block,
)
from inference.suggest.types import (
    ContextLine,
    DoneCallback,
    MoveTask,
    PathCallback,
    RefinedJob,
    RefinedPath,
)

log = logging.getLogger(__name__)

BackendFactory = Callable[[], LlmBackend]
StatusFn = Callable[[str, str, str], None]

# Tokens per decode call of a conversation hint: a job that arrives meanwhile waits for the
# chunk in flight (8 tokens: 0.2 s on 2 threads, 0.45 s on 1; 32 tokens took up to 1.7 s).
HINT_CHUNK_TOKENS = 8


@dataclass(frozen=True, slots=True)
class LlmWriterConfig:
    """How the refined writer runs its model.

    Attributes:
        pack: model pack resolved through `models.registry.model_path` when no path is given.
        n_ctx: context tokens (prompt plus three branches).
        n_threads: LLM threads; None leaves a core to speech recognition (see
            `inference.llm.types.default_threads`).
        n_gpu_layers: None offloads every layer when llama.cpp has a GPU, else none.
        n_parallel: paths decoded together in one batch (1: one after another).
        prefill: feed the conversation into the KV cache before the objection arrives.
        limits: how much context, how many entries and tokens go into a prompt.
    """

    pack: str = "llm-default"
    n_ctx: int = 2048
    n_threads: int | None = None
    n_gpu_layers: int | None = None
    n_parallel: int = 3
    prefill: bool = True
    limits: PromptLimits = field(default_factory=PromptLimits)


@dataclass(slots=True)
class _Submitted:
    job: RefinedJob
    on_path: PathCallback
    on_done: DoneCallback
    cancel: threading.Event = field(default_factory=threading.Event)


class LlmRefinedWriter:
    """Writes refined paths with a local chat model on its own thread.

    Args:
        config: writer settings.
        model_path: a GGUF file; None resolves `config.pack` through the model registry (on
            the worker thread, when the first job or prefill needs the model).
        backend: a ready backend or a factory of one (tests pass a fake); None builds a
            `LlamaBackend` for the model.
        rules: the playbook's rule sentences, known before the first objection, so that the
            first prefill already matches the prompt's prefix (each job's `rules` replace
            them).
        status: called as status("llm", state, detail) from the worker thread when the model
            starts loading ("loading") and is ready ("ready"; detail: model, threads, GPU
            layers).
        preload: load the model as soon as the worker starts, not at the first job or hint.
        threads_fn: asked before each decode call how many threads the LLM may use (a
            `CpuShare`'s `llm_threads`); None keeps the configured count.
        library: the playbook's entries; their language decides the language of the cached
            system prompt (instructions, examples, rules) evaluated right after loading.
        on_job: called with True when a job starts and False when it ends (a `CpuShare`'s
            `set_llm_job`).
    """

    def __init__(
        self,
        config: LlmWriterConfig | None = None,
        *,
        model_path: Path | None = None,
        backend: LlmBackend | BackendFactory | None = None,
        rules: tuple[str, ...] = (),
        status: StatusFn | None = None,
        preload: bool = False,
        threads_fn: Callable[[], int] | None = None,
        library: tuple[PlaybookEntry, ...] = (),
        on_job: Callable[[bool], None] | None = None,
    ) -> None:
        self.config = config or LlmWriterConfig()
        self._on_job = on_job
        self._library = library
        self._threads_fn = threads_fn
        self._model_path = model_path
        self._backend_arg = backend
        self._backend: LlmBackend | None = None
        self._cv = threading.Condition()
        self._pending: _Submitted | None = None
        self._running: _Submitted | None = None
        self._finished: list[_Submitted] = []  # dropped before they ran: on_done still owed
        self._prefill: tuple[tuple[ContextLine, ...], str] | None = None
        self._prefill_cancel = threading.Event()
        self._soon: deque[Callable[[LlmBackend | None], object]] = deque()  # before any job
        self._spare: Callable[[LlmBackend | None], object] | None = None  # when no job
        self._rules: tuple[str, ...] = tuple(rules)
        self._last_prefill = ""
        self._closed = False
        self._status = status
        self._preload = preload
        self._ready = threading.Event()  # loaded (or failed) and the fixed prompt evaluated
        self._thread = threading.Thread(target=self._run, name="parley-llm", daemon=True)
        self._thread.start()

    # -- the RefinedWriter protocol (pipeline thread; all return at once) ------------------

    def prefill(self, context: tuple[ContextLine, ...], lang: str) -> None:
        """Hint: evaluate this conversation into the cache when the worker is idle."""
        if not self.config.prefill:
            return
        with self._cv:
            if self._closed:
                return
            self._prefill = (context, lang)
            self._prefill_cancel.set()  # a newer hint replaces a running one (its work stays)
            self._cv.notify()

    def submit(self, job: RefinedJob, on_path: PathCallback, on_done: DoneCallback) -> None:
        """Queue `job`; it cancels whatever job is older."""
        item = _Submitted(job, on_path, on_done)
        with self._cv:
            if self._closed:
                self._finished.append(item)  # still owed on_done; reported below
                closed = True
            else:
                closed = False
                if self._pending is not None:
                    self._finished.append(self._pending)
                if self._running is not None and self._running.job.job_id < job.job_id:
                    self._running.cancel.set()
                self._pending = item
                self._prefill_cancel.set()
                self._cv.notify()
        if closed:
            self._finish_dropped()

    def run_soon(self, fn: Callable[[LlmBackend | None], object]) -> None:
        """Run `fn(backend)` on the model's thread as soon as it is free: between two tokens
        of a running job, else before the next job or prefill starts (a running prefill is
        asked to stop); `backend` is the loaded model, or None when it could not be loaded.
        For short work that must not share the cores with a generation nor wait for a whole
        set of paths: the second opinion's reading of a line (its own small context on the
        same weights, so the job's cache is untouched)."""
        with self._cv:
            if self._closed:
                return
            self._soon.append(fn)
            self._prefill_cancel.set()
            self._cv.notify()

    def run_spare(self, fn: Callable[[LlmBackend | None], object]) -> None:
        """Run `fn(backend)` on the model's thread when no job runs or waits: after `run_soon`
        work and jobs, before a prefill; it interrupts nothing (a running prefill finishes
        first), and a newer call replaces one that has not begun. For short work
        that saves time later: reading the customer's line into the second opinion's
        context while it is being said, which a hint's prefill would otherwise hold up."""
        with self._cv:
            if self._closed:
                return
            self._spare = fn
            self._cv.notify()

    def cancel(self, job_id: int) -> None:
        """Stop job `job_id` between tokens (or drop it if it has not started)."""
        with self._cv:
            if self._running is not None and self._running.job.job_id == job_id:
                self._running.cancel.set()
            if self._pending is not None and self._pending.job.job_id == job_id:
                self._finished.append(self._pending)
                self._pending = None
                self._cv.notify()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until the model is loaded and the session's fixed prompt (instructions,
        rules, a small playbook) sits in its cache; True when it does (also True once loading
        failed: jobs then report the error, instant paths still show).

        Only meaningful with `preload`; without it the model loads at the first job.
        """
        return self._ready.wait(timeout)

    def close(self) -> None:
        """Stop the worker (cancelling any job, which gets its on_done) and free the model."""
        with self._cv:
            if self._closed:
                return
            self._closed = True
            if self._running is not None:
                self._running.cancel.set()
            self._prefill_cancel.set()
            self._cv.notify()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=30)

    # -- worker ----------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            if self._preload:
                try:
                    self._get_backend()
                except Exception:
                    log.exception("the language model could not be loaded")
                else:
                    self._prefill_system()
            self._ready.set()
            while True:
                with self._cv:
                    while not (
                        self._closed
                        or self._finished
                        or self._pending
                        or self._prefill
                        or self._soon
                        or self._spare
                    ):
                        self._cv.wait()
                    if self._closed:
                        if self._pending is not None:
                            self._finished.append(self._pending)
                            self._pending = None
                        self._soon.clear()
                        self._spare = None
                        break
                    soon = self._soon.popleft() if self._soon else None
                    item = hint = None
                    if soon is None and self._pending is not None:
                        item, self._pending = self._pending, None
                        self._running = item
                    elif soon is None and self._spare is not None:
                        soon, self._spare = self._spare, None
                    elif soon is None and self._prefill is not None:
                        hint, self._prefill = self._prefill, None
                        self._prefill_cancel.clear()
                self._finish_dropped()
                if soon is not None:
                    _call_safely(soon, self._loaded_backend())
                elif item is not None:
                    self._job_flag(True)
                    try:
                        self._run_job(item)
                    finally:
                        self._job_flag(False)
                    with self._cv:
                        self._running = None
                elif hint is not None:
                    self._run_prefill(*hint)
        finally:
            self._ready.set()
            self._finish_dropped()
            if self._backend is not None:
                self._backend.close()
                self._backend = None

    def _loaded_backend(self) -> LlmBackend | None:
        try:
            return self._get_backend()
        except Exception:
            return None

    def _job_flag(self, running: bool) -> None:
        if self._on_job is not None:
            _call_safely(self._on_job, running)

    def _finish_dropped(self) -> None:
        with self._cv:
            dropped, self._finished = self._finished, []
        for d in dropped:
            _call_safely(d.on_done, d.job, None)

    def _get_backend(self) -> LlmBackend:
        if self._backend is None:
            arg = self._backend_arg
            if arg is None:
                from inference.llm.backend import LlamaBackend

                path = self._model_path
                if path is None:
                    from models.registry import model_path

                    path = model_path(self.config.pack)
                cfg = self.config
                backend: LlmBackend = LlamaBackend(
                    LlmConfig(
                        model_path=path,
                        n_ctx=cfg.n_ctx,
                        n_threads=cfg.n_threads,
                        n_gpu_layers=cfg.n_gpu_layers,
                        n_parallel=cfg.n_parallel,
                    ),
                    threads_fn=self._threads_fn if cfg.n_threads is None else None,
                )
            elif callable(arg) and not hasattr(arg, "stream_branches"):
                backend = arg()
            else:
                backend = arg  # type: ignore[assignment]
            self._report(
                "loading", self.config.pack if self._model_path is None else str(self._model_path)
            )
            info = backend.load()
            self._backend = backend
            self._report(
                "ready",
                f"{info.path.name}: {info.threads} threads, {info.gpu_layers} GPU layers",
            )
        return self._backend

    def _report(self, state: str, detail: str) -> None:
        if self._status is not None:
            _call_safely(self._status, "llm", state, detail)

    def _prompt(self, context: tuple[ContextLine, ...], lang: str, task: str) -> str:
        backend = self._get_backend()
        messages = messages_for(context, lang, self._rules, task, self.config.limits)
        return backend.render_chat(messages)

    def _prefill_system(self) -> None:
        """Evaluate the fixed part of the prompt (instructions, rules, the playbook) before
        the conversation starts, in the playbook's language."""
        lang = single_language(self._library)
        if lang is not None and self.config.prefill:
            self._run_prefill((), lang)

    def _run_prefill(self, context: tuple[ContextLine, ...], lang: str) -> None:
        try:
            prefix = cut_prefix(self._prompt(context, lang, CUT_MARKER))
            if not prefix or prefix == self._last_prefill:
                return
            began = time.monotonic()
            backend = self._get_backend()
            chunk = HINT_CHUNK_TOKENS if context else None  # a hint: the job may come any time
            backend.prefill(prefix, cancel=self._prefill_cancel, chunk=chunk)
            stats = _stats(backend)
            log.info(
                "prefill of %d lines: %d tokens evaluated, %d reused, %.1f s%s",
                len(context),
                stats.last_prompt_evaluated,
                stats.last_prompt_reused,
                time.monotonic() - began,
                " (interrupted)" if self._prefill_cancel.is_set() else "",
            )
            if not self._prefill_cancel.is_set():
                self._last_prefill = prefix
        except Exception as e:  # a message may quote the conversation: summarised
            log.error("prefill of the language model failed: %s", error_summary(e))

    def _run_job(self, item: _Submitted) -> None:
        job = item.job
        error: Exception | None = None
        try:
            if item.cancel.is_set():
                return
            self._rules = job.rules
            limits = self.config.limits
            prompt = self._prompt(job.context, job.lang, task_block(job, limits))
            self._last_prefill = ""
            every = branches_for(job, limits)
            # Only the moves the model rewrites; generation order: the question first. It is
            # usually the shortest path, and on a CPU the first branch is generated alone
            # (see `LlmConfig.first_alone`).
            order = _generation_order(job.moves[: len(every)])
            if not order:
                return
            branches = tuple(every[i] for i in order)
            outputs = [""] * len(every)  # by slot
            backend = self._get_backend()
            began = time.monotonic()
            log.debug("job %d starts", job.job_id)
            generated = _stats(backend).tokens_generated
            for delta in backend.stream_branches(prompt, branches, cancel=item.cancel):
                delta = replace(delta, branch=order[delta.branch])  # back to its slot
                outputs[delta.branch] += delta.text
                if delta.done:
                    self._deliver(item, delta, outputs[delta.branch])
                self._run_soon_now(backend)
            stats = _stats(backend)
            log.info(
                "job %d: %d prompt tokens evaluated, %d reused, %d generated, %.1f s, "
                "%d thread switches so far%s",
                job.job_id,
                stats.last_prompt_evaluated,
                stats.last_prompt_reused,
                stats.tokens_generated - generated,
                time.monotonic() - began,
                stats.thread_switches,
                " (cancelled)" if item.cancel.is_set() else "",
            )
        except Exception as e:
            log.error("the language model failed on job %s: %s", job.job_id, error_summary(e))
            error = e
        finally:
            _call_safely(item.on_done, job, error)

    def _run_soon_now(self, backend: LlmBackend) -> None:
        """Between two tokens of a job: the work `run_soon` asked for, now (before this, a
        read asked while a job generated waited for the job's whole set)."""
        while True:
            with self._cv:
                if not self._soon or self._closed:
                    return
                fn = self._soon.popleft()
            _call_safely(fn, backend)

    def _deliver(self, item: _Submitted, delta: BranchDelta, output: str) -> None:
        if delta.reason == "cancelled" or item.cancel.is_set():
            return
        parsed = parse_branch(output)
        if parsed is None:
            log.info("path %d of job %d did not parse", delta.branch, item.job.job_id)
            return
        path = RefinedPath(slot=delta.branch, text=parsed.text)
        _call_safely(item.on_path, item.job, path)


def build_writer(
    pack: str = "llm-default",
    *,
    device: str = "auto",
    status: StatusFn | None = None,
    config: LlmWriterConfig | None = None,
    rules: tuple[str, ...] = (),
    threads_fn: Callable[[], int] | None = None,
    library: tuple[PlaybookEntry, ...] = (),
    on_job: Callable[[bool], None] | None = None,
    backend: LlmBackend | None = None,
) -> LlmRefinedWriter:
    """The refined writer for a session; the model loads at once on the writer's thread.

    Args:
        pack: a model pack name (resolved through the model registry) or a path to a GGUF
            chat model.
        device: "cpu" keeps every layer on the CPU; "auto" or "cuda" offload all layers when
            llama.cpp was built with GPU support.
        status: receives ("llm", "loading"/"ready", detail) from the writer's thread.
        config: writer settings (defaults otherwise).
        rules: the playbook's rule sentences, for the cached system prompt.
        threads_fn: LLM threads per decode call (a `CpuShare`'s `llm_threads`).
        library: the playbook's entries, placed whole in the cached system prompt when they
            are few and short enough.
        on_job: told when a job starts (True) and ends (False): a `CpuShare`'s `set_llm_job`.
        backend: a model already made (a batch worker's resident one) instead of `pack`'s.
    """
    cfg = config or LlmWriterConfig()
    path: Path | None = None
    candidate = Path(pack).expanduser()
    if pack.lower().endswith(".gguf") or candidate.is_file():
        path = candidate
    else:
        cfg = replace(cfg, pack=pack)
    if device == "cpu":
        cfg = replace(cfg, n_gpu_layers=0)
    return LlmRefinedWriter(
        cfg,
        model_path=path,
        backend=backend,
        status=status,
        rules=rules,
        preload=True,
        threads_fn=threads_fn,
        library=library,
        on_job=on_job,
    )


LEAD_FAMILY = "question"


def _generation_order(moves: tuple[MoveTask, ...]) -> list[int]:
    """Slot indices of the moves the model rewrites, in generation order: the question
    move's slot first (usually the shortest line, and on a CPU the first branch is generated
    alone), the rest in order."""
    order = [i for i, m in enumerate(moves) if m.rewrite]
    lead = next((i for i in order if moves[i].family == LEAD_FAMILY), order[0] if order else 0)
    return [lead, *(i for i in order if i != lead)] if order else []


def _stats(backend: LlmBackend) -> BackendStats:
    """The backend's counters, for the log (zeros for a backend without them)."""
    return backend.stats


def _call_safely(fn: Callable[..., object], *args: object) -> None:
    try:
        fn(*args)
    except Exception as e:
        log.error("a refined-writer callback raised: %s", error_summary(e))
