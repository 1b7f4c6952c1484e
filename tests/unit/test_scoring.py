"""The one way to score speech: normalized English WER and simplified-Chinese CER."""

from __future__ import annotations

import pytest

from inference.scoring import cer_zh, normalize_zh, score, wer


def test_numbers_spelled_or_written_match() -> None:
    assert wer("It costs thirty dollars.", "it costs $30") == 0.0


def test_case_and_punctuation_do_not_count() -> None:
    assert wer("Hello, World!", "hello world") == 0.0


def test_one_wrong_word_in_four() -> None:
    assert wer("we need more time", "we need some time") == pytest.approx(0.25)


def test_empty_reference() -> None:
    assert wer("", "") == 0.0
    assert wer("", "something") == 1.0


def test_cer_treats_traditional_as_simplified() -> None:
    assert cer_zh("价格太贵了", "價格太貴了") == 0.0


def test_cer_ignores_punctuation_and_spaces() -> None:
    assert cer_zh("我们，再看看。", "我们 再看看") == 0.0
    assert normalize_zh("你好， 世界！") == "你好世界"


def test_cer_counts_one_wrong_character() -> None:
    assert cer_zh("一二三四", "一二三五") == pytest.approx(0.25)


def test_score_dispatches_on_language() -> None:
    assert score("thirty", "30", "en") == 0.0
    assert score("價格", "价格", "zh-CN") == 0.0
    with pytest.raises(ValueError, match="no speech scoring rule"):
        score("a", "a", "fr")
