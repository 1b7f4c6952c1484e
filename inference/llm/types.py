"""What crosses the boundary of the LLM layer: its configuration, requests and stream items.

The backend (`inference.llm.backend.LlamaBackend`) is the only module that imports llama_cpp;
everything here is plain data, so callers and tests can use it without the native library.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

FinishReason = Literal["stop", "length", "cancelled"]


def available_cores() -> int:
    """CPU cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def default_threads(cores: int | None = None) -> int:
    """LLM threads that leave the speech recogniser a core.

    One core is kept free on machines of up to four cores (on a 2-core laptop the LLM gets one
    thread and ASR the other); larger machines give the LLM half their cores, at most eight
    (llama.cpp stops gaining from more threads at about memory bandwidth).
    """
    n = available_cores() if cores is None else max(1, cores)
    if n <= 4:
        return max(1, n - 1)
    return min(8, n // 2)


@dataclass(frozen=True, slots=True)
class LlmConfig:
    """How to load and run one GGUF chat model.

    Attributes:
        model_path: the .gguf file.
        n_ctx: context length in tokens, shared by the prompt and all parallel branches.
        n_batch: most tokens handed to one decode call.
        chunk_tokens: prompt tokens evaluated per decode call (larger chunks run faster:
            43 tokens/s at 128 against 36 at 32, 2 threads); cancellation is checked between
            chunks. Prefill hints pass smaller chunks of their own.
        n_threads: threads for generation and prompt evaluation; None picks
            `default_threads()`.
        n_gpu_layers: layers offloaded to a GPU; None offloads all of them when llama.cpp was
            built with GPU support and none otherwise; 0 forces the CPU.
        n_parallel: branches decoded together in one batch (1 decodes them one after another).
        first_alone: generate the first branch alone, then the others together (every
            branch's forced text is still evaluated in one batch at the start). On a CPU a step
            costs about in proportion to the branches in it (2 threads: 65 ms for one, 119 ms
            for two, 165 ms for three), so the first answer comes 2.5 times sooner and all of
            them about 10% later. None: on the CPU only (a GPU step costs the same for one
            branch or three).
        seed: sampling seed (used when `temperature` > 0).
        temperature: 0 decodes greedily (deterministic); above 0 samples.
        repeat_penalty: penalty on tokens repeated in the last 64 of a branch (1.0 = off).
        verbose: let llama.cpp log to stderr.
    """

    model_path: Path
    n_ctx: int = 2048
    n_batch: int = 512
    chunk_tokens: int = 64
    n_threads: int | None = None
    n_gpu_layers: int | None = None
    n_parallel: int = 3
    first_alone: bool | None = None
    seed: int = 0
    temperature: float = 0.0
    repeat_penalty: float = 1.1
    verbose: bool = False

    def threads(self) -> int:
        """The thread count in effect."""
        return self.n_threads if self.n_threads is not None else default_threads()


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message of a chat prompt: role "system", "user" or "assistant"."""

    role: str
    content: str


@dataclass(frozen=True, slots=True)
class Segment:
    """One stretch of a branch: forced text, then generated text.

    Attributes:
        prefix: text appended to the branch as if the model had written it (evaluated like a
            prompt, in one decode call, so fixed JSON keys cost no sampling steps).
        grammar: GBNF that what is generated after `prefix` must match; None = free text.
        max_tokens: most tokens generated in this segment.
        stop: the segment ends once its generated text ends with this string.
        stop_when: the segment (and its branch) ends once this returns True for the text
            generated so far, e.g. when a reply has its sentences (the output may then be
            cut short of what the grammar would complete; reason "stop").
    """

    prefix: str
    grammar: str | None = None
    max_tokens: int = 60
    stop: str | None = None
    stop_when: Callable[[str], bool] | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Branch:
    """One continuation of a shared prompt: its segments in order."""

    segments: tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class BranchDelta:
    """New text of one branch, in stream order.

    Attributes:
        branch: index into the branches of the request.
        text: the new text (forced prefixes included, so the deltas of a branch concatenate to
            its whole output).
        done: True on the branch's last delta.
        reason: why it ended, on the last delta ("stop": end of generation or stop string;
            "length": max_tokens reached; "cancelled").
    """

    branch: int
    text: str
    done: bool = False
    reason: FinishReason | None = None


@dataclass(slots=True)
class BackendStats:
    """Counters of a backend since it was loaded (for tests, benchmarks and logs).

    Attributes:
        prompt_tokens_evaluated: prompt tokens run through the model.
        prompt_tokens_reused: prompt tokens found already in the KV cache and skipped.
        last_prompt_evaluated: prompt tokens evaluated by the most recent request.
        last_prompt_reused: prompt tokens reused by the most recent request.
        tokens_generated: tokens sampled, over all branches.
        decode_calls: calls into llama_decode.
        cancelled: requests whose cancel event was set before they finished.
        thread_switches: changes of the thread count between decode calls (`CpuShare`).
        embed_tokens_read: tokens run through the embedding context (`embed`).
        embed_tokens_reused: tokens `embed` found there already (a line read while it was
            being said) and did not read again.
        read_ahead_held_s: seconds reads ahead waited for the speech recogniser's decodes
            (`CpuShare.llm_threads` answering 0).
        request_held_s: seconds requests' prompt chunks waited for the customer's final
            decodes (`CpuShare.llm_threads` answering -1).
    """

    prompt_tokens_evaluated: int = 0
    prompt_tokens_reused: int = 0
    last_prompt_evaluated: int = 0
    last_prompt_reused: int = 0
    tokens_generated: int = 0
    decode_calls: int = 0
    cancelled: int = 0
    thread_switches: int = 0
    embed_tokens_read: int = 0
    embed_tokens_reused: int = 0
    read_ahead_held_s: float = 0.0
    request_held_s: float = 0.0


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What a loaded model says about itself."""

    path: Path
    description: str
    chat_template: str | None
    n_ctx_train: int
    gpu_layers: int
    threads: int
    metadata: dict[str, str] = field(default_factory=dict, compare=False, repr=False)


class LlmBackend(Protocol):
    """A local chat model that streams several grammar-constrained branches of one prompt.

    Attributes:
        stats: its counters (prompt tokens reused and evaluated, tokens generated, ...).
    """

    stats: BackendStats

    def load(self) -> ModelInfo:
        """Load the model (idempotent); raises ModelError naming the path."""
        ...

    def render_chat(
        self, messages: Sequence[ChatMessage], *, add_generation_prompt: bool = True
    ) -> str:
        """The prompt text for `messages` in the model's own chat format."""
        ...

    def prefill(
        self, prompt: str, *, cancel: threading.Event | None = None, chunk: int | None = None
    ) -> int:
        """Evaluate `prompt` into the KV cache ahead of a request, `chunk` tokens per decode
        call (None: the backend's default); returns tokens evaluated."""
        ...

    def stream_branches(
        self,
        prompt: str,
        branches: Sequence[Branch],
        *,
        cancel: threading.Event | None = None,
    ) -> Iterator[BranchDelta]:
        """Continue `prompt` along each branch, yielding text as it is decoded."""
        ...

    def close(self) -> None:
        """Free the model and its context (idempotent)."""
        ...
