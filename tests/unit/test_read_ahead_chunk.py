"""How many tokens one decode call of a read ahead, or of a request's prompt on shared cores,
takes: the hint, bounded by the pace."""

from __future__ import annotations

from inference.llm.backend import JOB_MIN_TOKENS, job_chunk, read_ahead_chunk


def test_the_hint_stands_until_a_pace_is_known() -> None:
    assert read_ahead_chunk(8, None) == 8


def test_a_fast_machine_keeps_the_hint_and_a_slow_one_reads_fewer_tokens_a_call() -> None:
    assert read_ahead_chunk(8, 0.02) == 8  # 8 tokens in 0.16 s
    assert read_ahead_chunk(8, 0.06) == 4  # 4 tokens in 0.24 s
    assert read_ahead_chunk(8, 0.21) == 1  # 8 tokens would take 1.7 s
    assert read_ahead_chunk(8, 2.0) == 1  # never none
    assert read_ahead_chunk(8, 0.05, target_s=0.5) == 8


def test_a_requests_prompt_chunk_is_cut_to_about_a_second_on_a_slow_machine() -> None:
    assert job_chunk(64, None) == 64  # no pace measured yet
    assert job_chunk(64, 0.012) == 64  # a fast machine: 64 tokens in 0.8 s
    assert job_chunk(64, 0.045) == 22  # two threads of a slow one: 22 tokens in 1 s
    assert job_chunk(64, 0.5) == JOB_MIN_TOKENS  # never under the efficient minimum
    assert job_chunk(4, 0.5) == 4  # nor over what was asked
