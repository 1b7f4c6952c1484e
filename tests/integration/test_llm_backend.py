"""The llama.cpp backend with the tiny SmolLM2 model: grammar, branches, cancel, prefix cache."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from inference.llm.backend import LlamaBackend
from inference.llm.grammar import choice_grammar, json_object_grammar, string_tail_grammar
from inference.llm.types import Branch, BranchDelta, ChatMessage, LlmConfig, Segment
from models.errors import ModelError

pytest.importorskip("llama_cpp")


@pytest.fixture(scope="module")
def tiny_path() -> Path:
    from models.registry import model_path

    return model_path("llm-tiny")


@pytest.fixture(scope="module")
def backend(tiny_path: Path) -> Iterator[LlamaBackend]:
    b = LlamaBackend(LlmConfig(model_path=tiny_path, n_ctx=1024, n_threads=1))
    b.load()
    yield b
    b.close()


def _prompt(b: LlamaBackend, question: str) -> str:
    return b.render_chat(
        [ChatMessage("system", "You answer in JSON."), ChatMessage("user", question)]
    )


def _collect(deltas: Iterator[BranchDelta], n: int) -> tuple[list[str], list[str | None]]:
    texts: list[str] = [""] * n
    reasons: list[str | None] = [None] * n
    for d in deltas:
        texts[d.branch] += d.text
        if d.done:
            reasons[d.branch] = d.reason
    return texts, reasons


def test_chat_template_comes_from_the_gguf_metadata(backend: LlamaBackend) -> None:
    info = backend.info
    assert info.chat_template is not None and "im_start" in info.chat_template
    assert info.gpu_layers == 0  # this build has no GPU backend: everything on the CPU
    text = _prompt(backend, "Hello?")
    assert text.startswith("<|im_start|>system\nYou answer in JSON.<|im_end|>")
    assert text.endswith("<|im_start|>assistant\n")
    # The template's special markers become single special tokens, not text.
    tokens = backend.tokenize(text)
    assert tokens.count(tokens[0]) == 3  # <|im_start|> opens each of the three turns


def test_grammar_forces_a_json_object_even_from_a_babbling_model(backend: LlamaBackend) -> None:
    grammar = json_object_grammar(("strategy", "text"), max_chars=16)
    out = "".join(backend.stream(_prompt(backend, "Price?"), grammar=grammar, max_tokens=60))
    data = json.loads(out)
    assert list(data) == ["strategy", "text"]
    assert 1 <= len(data["text"]) <= 16


def test_branches_follow_their_forced_prefix_and_grammar(backend: LlamaBackend) -> None:
    branches = tuple(
        Branch(
            (
                Segment(f'{{"strategy": "s{i}", "entry": ', choice_grammar(("1", "2")), 1),
                Segment(', "text": "', string_tail_grammar("}"), max_tokens=12, stop='"}'),
            )
        )
        for i in range(3)
    )
    texts, reasons = _collect(
        backend.stream_branches(_prompt(backend, "Why so expensive?"), branches), 3
    )
    for i, (text, reason) in enumerate(zip(texts, reasons, strict=True)):
        assert text.startswith(f'{{"strategy": "s{i}", "entry": ')
        assert text[len('{"strategy": "s0", "entry": ')] in "12"
        assert '"text": "' in text
        assert reason in ("stop", "length")
        if reason == "stop":
            assert json.loads(text)["strategy"] == f"s{i}"
    assert backend.cached_tokens > 0


def test_stop_when_ends_a_branch_early(backend: LlamaBackend) -> None:
    seg = Segment("Sure:", None, max_tokens=40, stop_when=lambda text: len(text) >= 3)
    before = backend.stats.tokens_generated
    texts, reasons = _collect(
        backend.stream_branches(_prompt(backend, "Say a long thing."), (Branch((seg,)),)), 1
    )
    assert reasons == ["stop"]
    assert len(texts[0]) >= len("Sure:") + 3
    assert backend.stats.tokens_generated - before < 40


def test_cancel_stops_every_branch_between_tokens(backend: LlamaBackend) -> None:
    cancel = threading.Event()
    branches = tuple(Branch((Segment(f"Answer {i}:", None, max_tokens=50),)) for i in range(3))
    before = backend.stats.tokens_generated
    cancelled_before = backend.stats.cancelled
    reasons: dict[int, str | None] = {}
    generated_seen = 0
    for d in backend.stream_branches(_prompt(backend, "Tell me more."), branches, cancel=cancel):
        if not d.done and not d.text.startswith("Answer"):
            generated_seen += 1
            cancel.set()  # as if a newer objection arrived
        if d.done:
            reasons[d.branch] = d.reason
    assert reasons == {0: "cancelled", 1: "cancelled", 2: "cancelled"}
    assert backend.stats.cancelled == cancelled_before + 1
    # One decode step serves the three branches: at most a step's worth of tokens came out.
    assert backend.stats.tokens_generated - before <= 3
    assert generated_seen >= 1


def test_cancelled_before_start_yields_only_cancelled_deltas(backend: LlamaBackend) -> None:
    cancel = threading.Event()
    cancel.set()
    deltas = list(
        backend.stream_branches(
            _prompt(backend, "Something else entirely, never seen before."),
            (Branch((Segment("x", None, 5),)),),
            cancel=cancel,
        )
    )
    assert [(d.done, d.reason) for d in deltas] == [(True, "cancelled")]


def test_cached_prefix_is_reused_and_only_the_new_suffix_evaluated(
    backend: LlamaBackend,
) -> None:
    backend.clear_cache()
    system = ChatMessage("system", "You coach a sales rep. " * 8)
    conversation = "Customer: we have thirty agents.\nRep: great.\n"
    prefix = backend.render_chat([system, ChatMessage("user", conversation)])
    cut = prefix.rindex(conversation) + len(conversation)
    evaluated = backend.prefill(prefix[:cut])
    n_prefix = len(backend.tokenize(prefix[:cut]))
    assert evaluated == n_prefix and backend.cached_tokens == n_prefix

    full = backend.render_chat(
        [system, ChatMessage("user", conversation + "Objection: too expensive.")]
    )
    n_full = len(backend.tokenize(full))
    one = (Branch((Segment("", None, max_tokens=2),)),)
    _collect(backend.stream_branches(full, one), 1)
    stats = backend.stats
    assert stats.last_prompt_reused >= n_prefix - 1  # the boundary token may merge
    assert stats.last_prompt_evaluated <= n_full - n_prefix + 1

    # The same prompt again: everything but the last token comes from the cache.
    _collect(backend.stream_branches(full, one), 1)
    assert backend.stats.last_prompt_evaluated == 0
    assert backend.stats.last_prompt_reused == n_full - 1


def test_load_errors_name_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.gguf"
    with pytest.raises(ModelError, match=r"nope\.gguf"):
        LlamaBackend(LlmConfig(model_path=missing)).load()
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a gguf file at all")
    with pytest.raises(ModelError, match=r"bad\.gguf"):
        LlamaBackend(LlmConfig(model_path=bad)).load()


def test_the_thread_count_follows_the_cpu_share_between_decode_calls(tiny_path: Path) -> None:
    from inference.cpu_share import CpuShare

    share = CpuShare(busy_threads=1, idle=2)
    asked: list[int] = []

    def threads() -> int:
        asked.append(share.llm_threads())
        return asked[-1]

    b = LlamaBackend(LlmConfig(model_path=tiny_path, n_ctx=512, n_threads=1), threads_fn=threads)
    try:
        b.load()
        b.prefill(_prompt(b, "Say hi."))
        assert asked and set(asked) == {1} and b._threads_now == 1
        share.set_asr_busy(False)
        b.prefill(_prompt(b, "Say hello to the team."))
        assert asked[-1] == 2 and b._threads_now == 2  # ASR idle: both cores
    finally:
        b.close()


def test_on_a_cpu_the_first_branch_runs_alone_then_the_others_together(
    backend: LlamaBackend, tiny_path: Path
) -> None:
    branches = tuple(Branch((Segment(f"Answer {i}:", None, max_tokens=5),)) for i in range(3))
    prompt = _prompt(backend, "Why so expensive?")

    def order(b: LlamaBackend) -> list[tuple[int, bool]]:
        """(branch, done) of each generated piece (not the forced prefixes)."""
        return [
            (d.branch, d.done)
            for d in b.stream_branches(prompt, branches)
            if d.text != f"Answer {d.branch}:"
        ]

    seen = order(backend)  # the fixture's model runs on the CPU
    first_done = seen.index((0, True))
    before = [b for b, _ in seen[: first_done + 1]]
    # the others' forced text goes in the first batch, which also gives their first token
    assert before.count(1) <= 1 and before.count(2) <= 1
    assert before.count(0) > max(before.count(1), before.count(2))
    rest = [b for b, _ in seen[first_done + 1 :]]
    assert set(rest) == {1, 2}
    assert rest.index(2) < len(rest) - 1 - rest[::-1].index(1)  # 1 and 2 interleave

    together = LlamaBackend(
        LlmConfig(model_path=tiny_path, n_ctx=1024, n_threads=1, first_alone=False)
    )
    try:
        seen = order(together)
        assert seen.index((2, False)) < seen.index((0, True))  # all three in one batch
    finally:
        together.close()


def test_a_read_ahead_waits_for_a_speech_decode_and_a_request_does_not(tiny_path: Path) -> None:
    from inference.cpu_share import CpuShare

    share = CpuShare(busy_threads=1, idle=2)
    share.set_asr_busy(True)
    b = LlamaBackend(
        LlmConfig(model_path=tiny_path, n_ctx=512, n_threads=1), threads_fn=share.llm_threads
    )
    try:
        b.load()
        share.set_asr_decoding(True)
        # A request's own prompt (no chunk hint) is not held: it runs on one thread.
        assert b.prefill(_prompt(b, "Say hi.")) > 0 and b.stats.read_ahead_held_s == 0
        # A read ahead (a chunk hint) waits until the decode is done, then reads.
        threading.Timer(0.3, share.set_asr_decoding, args=(False,)).start()
        assert b.prefill(_prompt(b, "Say hello to the whole team."), chunk=8) > 0
        assert 0.2 <= b.stats.read_ahead_held_s < 3.0
        # A cancelled read ahead stops waiting at once and reads nothing.
        share.set_asr_decoding(True)
        cancel = threading.Event()
        threading.Timer(0.2, cancel.set).start()
        held = b.stats.read_ahead_held_s
        assert b.prefill(_prompt(b, "Say goodbye to everyone."), chunk=8, cancel=cancel) == 0
        assert 0.1 <= b.stats.read_ahead_held_s - held < 1.0
    finally:
        share.set_asr_decoding(False)
        b.close()


def test_on_shared_cores_a_requests_prompt_is_read_in_chunks_sized_by_time(
    tiny_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inference.cpu_share import CpuShare
    from inference.llm import backend as llm_backend

    share = CpuShare(busy_threads=1, idle=2)
    b = LlamaBackend(
        LlmConfig(model_path=tiny_path, n_ctx=1024, n_threads=1), threads_fn=share.llm_threads
    )

    def read(words: str) -> tuple[int, int]:
        before = b.stats.decode_calls
        tokens = b.prefill(_prompt(b, f"List these: {words}."))
        return tokens, b.stats.decode_calls - before

    try:
        b.load()
        b.prefill(_prompt(b, "Say hi."))  # measures the pace
        # Pretend the machine is slow: no chunk may take more than a millisecond.
        monkeypatch.setattr(llm_backend, "JOB_CALL_S", 0.001)
        # No speech decode seen yet (the fixed prompt before the call): whole chunks.
        tokens, calls = read(" ".join(f"first{i}" for i in range(60)))
        assert tokens > 100 and calls <= -(-tokens // 64)
        share.set_asr_decoding(True)  # the recogniser decodes: the LLM learns it shares
        b.prefill(_prompt(b, "Say hi."))
        share.set_asr_decoding(False)
        tokens, calls = read(" ".join(f"second{i}" for i in range(60)))
        assert tokens > 100 and calls >= tokens // llm_backend.JOB_MIN_TOKENS  # 8 a call
    finally:
        b.close()


def test_a_requests_prompt_waits_for_the_customers_final_decode(tiny_path: Path) -> None:
    from inference.cpu_share import CpuShare

    share = CpuShare(busy_threads=1, idle=2)
    share.set_asr_busy(True)
    share.set_llm_job(True)
    b = LlamaBackend(
        LlmConfig(model_path=tiny_path, n_ctx=512, n_threads=1), threads_fn=share.llm_threads
    )
    try:
        b.load()
        share.set_asr_decoding(True)  # a partial decode: the job's prompt goes on, one thread
        assert b.prefill(_prompt(b, "Say hi.")) > 0 and b.stats.request_held_s == 0
        share.set_asr_decoding(True, final=True)  # the customer's final: it waits
        threading.Timer(0.3, share.set_asr_decoding, args=(False,)).start()
        assert b.prefill(_prompt(b, "Say hello to the whole team.")) > 0
        assert 0.2 <= b.stats.request_held_s < 3.0
        assert b.stats.read_ahead_held_s == 0
    finally:
        share.set_asr_decoding(False)
        b.close()
