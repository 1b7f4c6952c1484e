"""The llama.cpp backend: one model, one context, parallel grammar-constrained branches.

It drives llama.cpp's low-level API (through llama-cpp-python) because the high-level `Llama`
class decodes one sequence at a time. Layout of the KV cache:

- sequence 0 holds the shared prompt except its last token. A new prompt keeps the longest
  common token prefix with what is cached and evaluates only the rest, so a fixed system
  prompt, and a conversation prefilled while the customer was still speaking, cost nothing
  when the request comes.
- sequences 1..n_parallel are the branches: each starts as a copy of sequence 0
  (`llama_memory_seq_cp`, which only tags cache cells in a unified cache), then receives the
  prompt's last token and its own forced prefix, and is decoded in the same batch as the
  others: one decode step serves every unfinished branch. Branch sequences are dropped when
  the request ends, so sequence 0 stays the prefix cache.

Cancellation is checked between decode calls (prompt chunks and tokens): a newer request wins.
"""

from __future__ import annotations

import codecs
import contextlib
import ctypes
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inference.llm.chat_template import TEMPLATE_KEY, ChatTemplate
from inference.llm.sampler import TokenSampler
from inference.llm.types import (
    BackendStats,
    Branch,
    BranchDelta,
    ChatMessage,
    LlmConfig,
    ModelInfo,
    Segment,
)
from models.errors import ModelError

log = logging.getLogger(__name__)


def _import_llama_cpp() -> Any:
    try:
        import llama_cpp
        import llama_cpp._internals
        import llama_cpp._logger
    except Exception as e:  # ImportError, or OSError when the native library fails to load
        raise ModelError(
            "The local language model needs llama-cpp-python, which is missing or broken "
            f"({e}); run scripts/setup.sh again to build it."
        ) from e
    return llama_cpp


def gpu_offload_supported() -> bool:
    """Whether the installed llama.cpp was built with a GPU backend."""
    return bool(_import_llama_cpp().llama_supports_gpu_offload())


def common_prefix_length(a: Sequence[int], b: Sequence[int]) -> int:
    """How many leading items `a` and `b` share."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


@dataclass(slots=True)
class _BranchState:
    """Decoding state of one branch while it runs."""

    index: int
    seq: int
    branch: Branch
    segment: int = 0
    pos: int = 0
    pending: list[int] = field(default_factory=list)
    sampler: TokenSampler | None = None
    generated: int = 0
    seg_text: str = ""
    decoder: Any = None
    done: bool = False
    batch_index: int = -1


LEAD_SIDE_TOKENS = 8  # forced tokens of a waiting branch evaluated per step of the lead


def _generating(st: _BranchState) -> bool:
    """The branch has reached its last segment's sampled text (its forced text is cached)."""
    return st.segment == len(st.branch.segments) - 1 and len(st.pending) <= 1


@contextlib.contextmanager
def _quiet_llama_log(lib: Any, verbose: bool) -> Iterator[None]:
    """Silence llama.cpp's log lines (only those) for the block, unless `verbose`."""
    logger = lib._logger.logger
    old = logger.level
    if not verbose:
        logger.setLevel(logging.CRITICAL + 10)
    try:
        yield
    finally:
        logger.setLevel(old)


EMBED_TOKENS = 512  # the longest line the embedding context reads (the rest is cut)
READ_AHEAD_CALL_S = 0.25  # what one decode call of a read ahead aims to take at most
HOLD_LIMIT_S = 3.0  # a read ahead held off by the speech recogniser goes on after this long
JOB_CALL_S = 1.0  # what one prompt chunk of a request aims to take while it shares the cores
JOB_MIN_TOKENS = 8  # below this a chunk wastes more than it saves (one token costs like eight)


def read_ahead_chunk(
    hint: int, seconds_per_token: float | None, target_s: float = READ_AHEAD_CALL_S
) -> int:
    """Tokens for a read ahead's next decode call: the caller's `hint`, fewer where the
    measured pace (`seconds_per_token` of earlier reads ahead) says that many would take
    longer than `target_s`, never less than one. A job, or a speech decode, that comes
    meanwhile waits for the call in flight; on a slow machine 8 tokens on one thread took 1.6-1.9
    s, as long as a partial decode."""
    if seconds_per_token is None or seconds_per_token <= 0:
        return hint
    return max(1, min(hint, int(target_s / seconds_per_token)))


def job_chunk(chunk: int, seconds_per_token: float | None) -> int:
    """Tokens for the next prompt chunk of a request (a job's prompt, a path's forced
    opening) on cores it shares with the speech recogniser: `chunk`, fewer where the measured
    pace (`seconds_per_token` of earlier chunks) says it would take longer than `JOB_CALL_S`,
    never under `JOB_MIN_TOKENS`. The thread count is chosen before each call, so a speech
    decode that starts during a call shares the cores with it until the call ends: a 64-token
    chunk took 3-6 s on a slow machine and slowed the customer's final as long."""
    if seconds_per_token is None or seconds_per_token <= 0:
        return chunk
    return min(chunk, max(JOB_MIN_TOKENS, int(JOB_CALL_S / seconds_per_token)))


class LlamaBackend:
    """A GGUF chat model run by llama.cpp (see the module docstring for the cache layout).

    Methods are safe to call from one thread at a time per request; a lock serialises
    requests. `load()` happens on first use if not called.
    """

    def __init__(self, config: LlmConfig, *, threads_fn: Callable[[], int] | None = None) -> None:
        self.config = config
        self.stats = BackendStats()
        self._threads_fn = threads_fn  # asked before each decode call (see CpuShare)
        self._threads_now = 0
        self._lock = threading.RLock()
        self._lib: Any = None
        self._model: Any = None
        self._ctx: Any = None
        self._batch: Any = None
        self._template: ChatTemplate | None = None
        self._info: ModelInfo | None = None
        self._cached: list[int] = []  # tokens held by sequence 0
        self._read_pace: float | None = None  # seconds per token of reads ahead (a mean)
        self._job_pace: float | None = None  # thread-seconds per token of requests' chunks
        self._shared = False  # the CPU share has held the LLM back for a speech decode
        self._embed_ctx: Any = None  # a second context in embedding mode (`embed`)
        self._embed_batch: Any = None
        self._embed_tokens: list[int] = []  # what the embedding context holds (`embed`)
        self._embed_rows: list[Any] = []  # their hidden states

    # -- lifecycle -------------------------------------------------------------------------

    def load(self) -> ModelInfo:
        """Load the model and create the context (idempotent).

        Raises:
            ModelError: the file is missing, is not a GGUF model llama.cpp can load, or
                llama-cpp-python is not installed.
        """
        with self._lock:
            if self._info is not None:
                return self._info
            cfg = self.config
            path = cfg.model_path
            if not path.is_file():
                raise ModelError(
                    f"The language model file {path} does not exist; run "
                    "`parley models install llm-default` or choose another GGUF file."
                )
            lib = _import_llama_cpp()
            lib._logger.set_verbose(cfg.verbose)
            internals = lib._internals
            gpu_layers = cfg.n_gpu_layers
            if gpu_layers is None:
                gpu_layers = -1 if lib.llama_supports_gpu_offload() else 0
            mparams = lib.llama_model_default_params()
            mparams.n_gpu_layers = gpu_layers
            try:
                model = internals.LlamaModel(
                    path_model=str(path), params=mparams, verbose=cfg.verbose
                )
            except Exception as e:
                raise ModelError(
                    f"Could not load the language model {path} ({e}); check that it is a "
                    "GGUF chat model, or reinstall it with `parley models install llm-default`."
                ) from e
            threads = cfg.threads()
            cparams = lib.llama_context_default_params()
            cparams.n_ctx = cfg.n_ctx
            cparams.n_batch = cfg.n_batch
            cparams.n_ubatch = cfg.n_batch
            cparams.n_seq_max = max(1, cfg.n_parallel) + 1
            cparams.n_threads = threads
            cparams.n_threads_batch = threads
            cparams.kv_unified = True  # branches share the prompt's cells instead of copies
            cparams.no_perf = True
            try:
                ctx = internals.LlamaContext(model=model, params=cparams, verbose=cfg.verbose)
            except Exception as e:
                model.close()
                raise ModelError(
                    f"Could not create a {cfg.n_ctx}-token context for {path} ({e}); "
                    "lower the context length or free memory."
                ) from e
            self._lib, self._model, self._ctx = lib, model, ctx
            self._threads_now = threads
            self._batch = lib.llama_batch_init(cfg.n_batch, 0, 1)
            metadata = model.metadata()
            self._template = ChatTemplate(
                metadata.get(TEMPLATE_KEY),
                bos_token=self._token_text(lib.llama_vocab_bos(model.vocab)),
                eos_token=self._token_text(lib.llama_vocab_eos(model.vocab)),
            )
            self._cached = []
            self._info = ModelInfo(
                path=path,
                description=model.desc(),
                chat_template=metadata.get(TEMPLATE_KEY),
                n_ctx_train=model.n_ctx_train(),
                gpu_layers=gpu_layers,
                threads=threads,
                metadata=metadata,
            )
            return self._info

    def embed(
        self,
        text: str,
        *,
        reuse: bool = False,
        chunk: int | None = None,
        cancel: threading.Event | None = None,
    ) -> list[float]:
        """The mean of the model's hidden states over the tokens of `text`: the second
        opinion's sentence vector.

        A second, small context on the same loaded weights (no second copy of the model),
        created on first use, in embedding mode without pooling: each token's hidden state
        comes back and the mean is taken here. The model is causal, so a token's state
        depends only on the tokens before it; with `reuse`, the tokens (and states) of the
        previous call that `text` begins with are kept in that context and only the rest is
        read: a line read while it is still being said (`SecondReader.prefetch`) costs only
        its last words when it ends. Without `reuse` the context is cleared first, so the
        vector does not depend on what was read before. With `chunk`, the new tokens are
        read that many at a time and `cancel` is checked between pieces: a read ahead that
        stops there keeps what it read (its vector is then of a beginning only). Call it
        between generations (the writer's thread does).
        """
        with self._lock:
            self.load()
            lib = self._lib
            if self._embed_ctx is None:
                cparams = lib.llama_context_default_params()
                cparams.n_ctx = EMBED_TOKENS
                cparams.n_batch = EMBED_TOKENS
                cparams.n_ubatch = EMBED_TOKENS
                cparams.n_seq_max = 1
                cparams.n_threads = cparams.n_threads_batch = max(1, self._threads_now)
                cparams.embeddings = True
                cparams.pooling_type = lib.LLAMA_POOLING_TYPE_NONE
                cparams.no_perf = True
                with _quiet_llama_log(lib, self.config.verbose):
                    self._embed_ctx = lib._internals.LlamaContext(
                        model=self._model, params=cparams, verbose=self.config.verbose
                    )
                self._embed_batch = lib._internals.LlamaBatch(
                    n_tokens=EMBED_TOKENS, embd=0, n_seq_max=1, verbose=self.config.verbose
                )
                self._embed_tokens, self._embed_rows = [], []
            tokens = self._model.tokenize(text.encode("utf-8"), add_bos=True, special=False)
            tokens = tokens[:EMBED_TOKENS]
            ctx, batch = self._embed_ctx, self._embed_batch
            kept = common_prefix_length(self._embed_tokens, tokens) if reuse else 0
            if kept < len(self._embed_tokens):
                ctx.kv_cache_seq_rm(0, kept, -1)
                del self._embed_rows[kept:]
                del self._embed_tokens[kept:]
            new = tokens[kept:]
            n_embd = lib.llama_model_n_embd(self._model.model)
            at = 0
            while at < len(new):
                if chunk:  # a read ahead: background work, held off by speech decodes
                    self._hold(cancel)
                if cancel is not None and cancel.is_set():
                    break
                step = read_ahead_chunk(chunk, self._read_pace) if chunk else len(new)
                piece = new[at : at + step]
                at += len(piece)
                batch.reset()
                # every new token's hidden state comes back
                batch.set_batch(piece, len(self._embed_tokens), True)
                if self._threads_fn is not None:  # asked again before each piece
                    n = max(1, self._threads())
                    ctx.set_n_threads(n, n)
                began = time.monotonic()
                try:
                    ctx.decode(batch)
                    if chunk:
                        self._note_pace(time.monotonic() - began, len(piece))
                except Exception:
                    ctx.kv_cache_clear()
                    self._embed_tokens, self._embed_rows = [], []
                    raise
                for i in range(len(piece)):
                    row = lib.llama_get_embeddings_ith(ctx.ctx, i)
                    self._embed_rows.append(np.ctypeslib.as_array(row, shape=(n_embd,)).copy())
                self._embed_tokens.extend(piece)
                self.stats.embed_tokens_read += len(piece)
            self.stats.embed_tokens_reused += kept
            if not self._embed_rows:
                return []
            mean = np.mean(np.asarray(self._embed_rows, dtype=np.float64), axis=0)
            return [float(v) for v in mean]

    def identity(self) -> dict[str, Any]:
        """What identifies the loaded GGUF for the second opinion's heads: its llama.cpp
        description, width and file size."""
        info = self.load()
        return {
            "description": info.description,
            "n_embd": int(self._lib.llama_model_n_embd(self._model.model)),
            "size": info.path.stat().st_size,
        }

    def close(self) -> None:
        """Free the context and the model (idempotent)."""
        with self._lock:
            if self._embed_batch is not None:
                self._embed_batch.close()
                self._embed_batch = None
            if self._embed_ctx is not None:
                self._embed_ctx.close()
                self._embed_ctx = None
            self._embed_tokens, self._embed_rows = [], []
            if self._batch is not None:
                self._lib.llama_batch_free(self._batch)
                self._batch = None
            if self._ctx is not None:
                self._ctx.close()
                self._ctx = None
            if self._model is not None:
                self._model.close()
                self._model = None
            self._info = None
            self._cached = []

    def __enter__(self) -> LlamaBackend:
        self.load()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def set_threads(self, n_threads: int) -> None:
        """Change the thread count of a loaded model (for example while ASR is idle)."""
        with self._lock:
            self.load()
            self._ctx.set_n_threads(n_threads, n_threads)
            self._threads_now = n_threads

    # -- text ------------------------------------------------------------------------------

    @property
    def info(self) -> ModelInfo:
        """What the loaded model says about itself (loads it first)."""
        return self.load()

    def render_chat(
        self, messages: Sequence[ChatMessage], *, add_generation_prompt: bool = True
    ) -> str:
        """The prompt for `messages` in the model's chat format (its GGUF chat template)."""
        self.load()
        assert self._template is not None
        return self._template.render(messages, add_generation_prompt=add_generation_prompt)

    def tokenize(self, text: str, *, prompt_start: bool = True) -> list[int]:
        """Token ids of `text`; special tokens written in the text are parsed as such.

        Args:
            prompt_start: the text starts a prompt: add the model's BOS token if it wants one
                and the text (a rendered template) does not already begin with it.
        """
        self.load()
        lib, model = self._lib, self._model
        add_bos = False
        if prompt_start and lib.llama_vocab_get_add_bos(model.vocab):
            assert self._template is not None
            bos = self._template.bos_token
            add_bos = not (bos and text.startswith(bos))
        return list(model.tokenize(text.encode("utf-8"), add_bos, prompt_start))

    def _token_text(self, token: int) -> str:
        if token < 0:
            return ""
        raw = self._lib.llama_vocab_get_text(self._model.vocab, token)
        return raw.decode("utf-8", errors="replace") if raw else ""

    def _piece(self, token: int) -> bytes:
        size = 64
        buf = ctypes.create_string_buffer(size)
        n = self._lib.llama_token_to_piece(self._model.vocab, token, buf, size, 0, False)
        if n < 0:  # the piece is longer than the buffer: -n is the size it needs
            size = -n
            buf = ctypes.create_string_buffer(size)
            n = self._lib.llama_token_to_piece(self._model.vocab, token, buf, size, 0, False)
        return buf.raw[: max(0, n)]

    # -- prompt cache ----------------------------------------------------------------------

    def prefill(
        self, prompt: str, *, cancel: threading.Event | None = None, chunk: int | None = None
    ) -> int:
        """Evaluate `prompt` into the prefix cache ahead of a request that will extend it.

        Args:
            chunk: tokens per decode call (default `config.chunk_tokens`); a hint that a
                request may interrupt at any moment uses small chunks, so that the request
                waits at most one of them.

        Returns:
            Tokens evaluated now (0 when all were cached or it was cancelled at once).
        """
        with self._lock:
            return self._sync_prefix(self.tokenize(prompt), cancel, chunk)

    def _sync_prefix(
        self, tokens: Sequence[int], cancel: threading.Event | None, chunk: int | None = None
    ) -> int:
        """Make sequence 0 hold `tokens`, reusing the cached common prefix.

        Returns the number of tokens evaluated; stops between chunks when `cancel` is set
        (what was evaluated stays cached and valid).
        """
        lib, mem = self._lib, self._ctx.memory
        keep = common_prefix_length(self._cached, tokens)
        if keep < len(self._cached):
            lib.llama_memory_seq_rm(mem, 0, keep, -1)
            del self._cached[keep:]
        self.stats.last_prompt_reused = keep
        self.stats.prompt_tokens_reused += keep
        evaluated = 0
        ahead = chunk is not None  # a read ahead: background work, held off by speech decodes
        chunk = max(1, min(chunk or self.config.chunk_tokens, self.config.n_batch))
        while len(self._cached) < len(tokens):
            self._hold(cancel, request=not ahead)
            if cancel is not None and cancel.is_set():
                break
            start = len(self._cached)
            if ahead:
                take = read_ahead_chunk(chunk, self._read_pace)
            else:
                take = min(chunk, self._request_limit())
            part = list(tokens[start : start + take])
            self._fill_batch([(t, start + i, 0, False) for i, t in enumerate(part)])
            began = time.monotonic()
            self._decode()
            if ahead:
                self._note_pace(time.monotonic() - began, len(part))
            elif len(part) >= JOB_MIN_TOKENS:  # thread-seconds per token
                pace = (time.monotonic() - began) * self._threads_now / len(part)
                old = self._job_pace
                self._job_pace = pace if old is None else 0.7 * old + 0.3 * pace
            self._cached.extend(part)
            evaluated += len(part)
        self.stats.last_prompt_evaluated = evaluated
        self.stats.prompt_tokens_evaluated += evaluated
        return evaluated

    def clear_cache(self) -> None:
        """Forget every cached token."""
        with self._lock:
            if self._ctx is not None:
                self._ctx.kv_cache_clear()
            self._cached = []

    @property
    def cached_tokens(self) -> int:
        """Tokens held in the prefix cache."""
        return len(self._cached)

    # -- batches ---------------------------------------------------------------------------

    def _fill_batch(self, items: Sequence[tuple[int, int, int, bool]]) -> None:
        """Load (token, position, sequence, wants_logits) items into the batch."""
        if len(items) > self.config.n_batch:
            raise ValueError(f"{len(items)} tokens exceed the batch size {self.config.n_batch}")
        b = self._batch
        for i, (tok, pos, seq, logits) in enumerate(items):
            b.token[i] = tok
            b.pos[i] = pos
            b.n_seq_id[i] = 1
            b.seq_id[i][0] = seq
            b.logits[i] = logits
        b.n_tokens = len(items)

    def _hold(self, cancel: threading.Event | None, *, request: bool = False) -> None:
        """Wait while the CPU share gives a read ahead no thread (0: a speech decode runs),
        or with `request` while it gives no request one (-1: the customer's final decode
        runs), at most `HOLD_LIMIT_S`, or until `cancel` is set (a job or the line's own read
        waits)."""
        floor = -1 if request else 0
        if self._threads_fn is None or self._threads() > floor:
            return
        began = time.monotonic()
        while time.monotonic() - began < HOLD_LIMIT_S:
            if (cancel is not None and cancel.is_set()) or self._threads() > floor:
                break
            time.sleep(0.005)
        held = time.monotonic() - began
        if request:
            self.stats.request_held_s += held
        else:
            self.stats.read_ahead_held_s += held

    def _note_pace(self, seconds: float, tokens: int) -> None:
        pace = seconds / max(1, tokens)
        old = self._read_pace
        self._read_pace = pace if old is None else 0.7 * old + 0.3 * pace

    def _decode(self) -> None:
        if self._threads_fn is not None:
            n = max(1, self._threads())
            if n != self._threads_now:
                self._ctx.set_n_threads(n, n)
                self._threads_now = n
                self.stats.thread_switches += 1
        began = time.monotonic()
        rc = self._lib.llama_decode(self._ctx.ctx, self._batch)
        self.stats.decode_calls += 1
        log.debug(
            "decode: %d tokens, %d threads, %.0f ms",
            self._batch.n_tokens,
            self._threads_now,
            (time.monotonic() - began) * 1000,
        )
        if rc != 0:
            raise ModelError(
                f"The language model failed to decode (llama_decode returned {rc}); the "
                f"prompt may exceed the {self.config.n_ctx}-token context."
            )

    # -- generation ------------------------------------------------------------------------

    def stream(
        self,
        prompt: str,
        *,
        grammar: str | None = None,
        max_tokens: int = 60,
        stop: str | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[str]:
        """Continue `prompt` as one sequence, yielding text pieces as they are decoded."""
        branch = Branch((Segment("", grammar=grammar, max_tokens=max_tokens, stop=stop),))
        for delta in self.stream_branches(prompt, (branch,), cancel=cancel):
            if delta.text:
                yield delta.text

    def stream_branches(
        self,
        prompt: str,
        branches: Sequence[Branch],
        *,
        cancel: threading.Event | None = None,
    ) -> Iterator[BranchDelta]:
        """Continue `prompt` along every branch, `config.n_parallel` at a time in one batch.

        Yields:
            `BranchDelta`s in decode order; each branch's last one has `done=True`. When
            `cancel` is set, unfinished branches end with reason "cancelled" between tokens.
        """
        with self._lock:
            self.load()
            tokens = self.tokenize(prompt)
            if not tokens:
                raise ValueError("the prompt is empty")
            shared, last = tokens[:-1], tokens[-1]
            width = max(
                1, min(self.config.n_parallel, self._lib.llama_n_seq_max(self._ctx.ctx) - 1)
            )
            need = len(tokens) + width * max(
                (sum(s.max_tokens + 32 for s in b.segments) for b in branches), default=0
            )
            if need > self.config.n_ctx:
                raise ModelError(
                    f"The prompt ({len(tokens)} tokens) and its branches need about {need} "
                    f"tokens, more than the {self.config.n_ctx}-token context; shorten the "
                    "prompt or raise the context length."
                )
            self._sync_prefix(shared, cancel)
            lead = self._lead_first()
            for start in range(0, len(branches), width):
                group = [
                    _BranchState(index=start + k, seq=k + 1, branch=branches[start + k])
                    for k in range(min(width, len(branches) - start))
                ]
                cancelled = cancel is not None and cancel.is_set()
                if cancelled or len(self._cached) < len(shared):
                    for st in group:
                        yield BranchDelta(st.index, "", done=True, reason="cancelled")
                    continue
                yield from self._run_group(group, len(shared), last, cancel, lead=lead)
            if cancel is not None and cancel.is_set():
                self.stats.cancelled += 1

    def _threads(self) -> int:
        """The CPU share's answer (see `CpuShare.llm_threads`), noting when it holds the LLM
        back for a speech decode (0 or -1): from then on the cores are known to be shared."""
        assert self._threads_fn is not None
        n = int(self._threads_fn())
        self._shared = self._shared or n <= 0
        return n

    def _request_limit(self) -> int:
        """Most tokens of a request's prompt chunk, or of one branch's forced text in a
        generation step: the batch, or once the cores are known to be shared with the
        recogniser (a session transcribing speech) as many as `job_chunk` allows on the
        threads the call gets (one call holds the cores it started with until it ends).
        Before that (the session's fixed prompt read before the call, a session without
        speech) nothing is cut, so the same prompt is read in the same pieces."""
        if self._threads_fn is None or self._job_pace is None or not self._shared:
            return self.config.n_batch
        threads = max(1, self._threads())
        return job_chunk(self.config.n_batch, self._job_pace / threads)

    def _lead_first(self) -> bool:
        """Whether a group's first branch is generated alone (see `LlmConfig.first_alone`)."""
        alone = self.config.first_alone
        if alone is None:
            alone = self._info is not None and self._info.gpu_layers == 0
        return bool(alone)

    def _run_group(
        self,
        group: list[_BranchState],
        n_shared: int,
        last: int,
        cancel: threading.Event | None,
        *,
        lead: bool = False,
    ) -> Iterator[BranchDelta]:
        """Decode `group` in shared batches. With `lead`, the first branch's forced text is
        evaluated and it generates alone; the others' forced text rides along, a few tokens
        a step (`LEAD_SIDE_TOKENS`), and they generate together once the first is done."""
        lib, mem = self._lib, self._ctx.memory
        try:
            for st in group:
                lib.llama_memory_seq_rm(mem, st.seq, -1, -1)
                lib.llama_memory_seq_cp(mem, 0, st.seq, -1, -1)
                st.pos = n_shared
                st.pending = [last]
                yield from self._start_segment(st)
            while True:
                active = [st for st in group if not st.done]
                if not active:
                    return
                if cancel is not None and cancel.is_set():
                    for st in active:
                        st.done = True
                        yield BranchDelta(st.index, "", done=True, reason="cancelled")
                    return
                leading = lead and not group[0].done
                if leading:  # the others wait, their forced text cached
                    active = [st for st in active if st is group[0] or not _generating(st)]
                items: list[tuple[int, int, int, bool]] = []
                stepped: list[_BranchState] = []
                forced = self._request_limit()
                for st in active:
                    take = min(len(st.pending), forced)
                    if leading and st is not group[0]:
                        # While the lead generates, the others' forced text rides along a few
                        # tokens a step, so the lead's first token does not wait for it.
                        take = min(take, LEAD_SIDE_TOKENS)
                    chunk, st.pending = st.pending[:take], st.pending[take:]
                    for k, tok in enumerate(chunk):
                        items.append(
                            (tok, st.pos + k, st.seq, k == len(chunk) - 1 and not st.pending)
                        )
                    st.pos += len(chunk)
                    if chunk and not st.pending:
                        st.batch_index = len(items) - 1
                        stepped.append(st)
                if len(items) > len(active):  # forced text, read like a prompt
                    self._hold(cancel, request=True)
                self._fill_batch(items)
                self._decode()
                for st in stepped:
                    yield from self._step(st)
        finally:
            for st in group:
                lib.llama_memory_seq_rm(mem, st.seq, -1, -1)
                self._free_sampler(st)

    def _start_segment(self, st: _BranchState) -> Iterator[BranchDelta]:
        """Queue the forced prefix of the branch's current segment and make its sampler."""
        seg = st.branch.segments[st.segment]
        if seg.prefix:
            st.pending.extend(self.tokenize(seg.prefix, prompt_start=False))
            yield BranchDelta(st.index, seg.prefix)
        self._free_sampler(st)
        st.sampler = self._make_sampler(seg.grammar)
        st.generated = 0
        st.seg_text = ""
        st.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def _step(self, st: _BranchState) -> Iterator[BranchDelta]:
        """Sample the branch's next token from the last decode and advance its state."""
        lib = self._lib
        seg = st.branch.segments[st.segment]
        assert st.sampler is not None
        tok = st.sampler.sample(self._ctx.ctx, st.batch_index)
        st.generated += 1
        self.stats.tokens_generated += 1
        eog = bool(lib.llama_vocab_is_eog(self._model.vocab, tok))
        if eog:
            text = st.decoder.decode(b"", final=True)
            stopped = True
        else:
            text = st.decoder.decode(self._piece(tok))
            st.seg_text += text
            stopped = bool(seg.stop) and st.seg_text.endswith(seg.stop or "")
            if not stopped and seg.stop_when is not None and seg.stop_when(st.seg_text):
                st.done = True
                yield BranchDelta(st.index, text, done=True, reason="stop")
                return
        if not stopped and st.generated < seg.max_tokens:
            st.pending = [tok]
            if text:
                yield BranchDelta(st.index, text)
            return
        if not eog and st.segment + 1 < len(st.branch.segments):
            # The segment is complete (or used its tokens): force the next one's prefix.
            if text:
                yield BranchDelta(st.index, text)
            st.segment += 1
            st.pending = [tok]
            yield from self._start_segment(st)
            return
        st.done = True
        yield BranchDelta(st.index, text, done=True, reason="stop" if stopped else "length")

    def _make_sampler(self, grammar: str | None) -> TokenSampler:
        cfg = self.config
        return TokenSampler(
            self._lib,
            self._model.vocab,
            self._model.n_vocab(),
            grammar,
            temperature=cfg.temperature,
            repeat_penalty=cfg.repeat_penalty,
            seed=cfg.seed,
        )

    def _free_sampler(self, st: _BranchState) -> None:
        if st.sampler is not None:
            st.sampler.close()
            st.sampler = None
