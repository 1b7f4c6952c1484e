"""The one way Parley scores speech recognition, used by every test and benchmark.

English: word error rate (jiwer) after Whisper's English text normalizer, so "thirty" and "30",
"Mr." and "mister", case and punctuation all match. Chinese: character error rate on simplified
characters (OpenCC t2s), with punctuation and spaces removed. Heavy imports happen on first use.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from typing import Any


@functools.cache
def _english_normalizer() -> Callable[[str], str]:
    from whisper_normalizer.english import EnglishTextNormalizer

    normalizer: Callable[[str], str] = EnglishTextNormalizer()
    return normalizer


@functools.cache
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def normalize_en(text: str) -> str:
    """English text as WER compares it (Whisper's normalizer, single spaces)."""
    return " ".join(_english_normalizer()(text).split())


def normalize_zh(text: str) -> str:
    """Chinese text as CER compares it: simplified, no punctuation, no spaces, lower-case Latin."""
    simplified = str(_t2s().convert(text))
    return "".join(
        ch.lower()
        for ch in simplified
        if not ch.isspace() and not unicodedata.category(ch).startswith(("P", "Z"))
    )


def _error_rate(reference: str, hypothesis: str, measure: Callable[[str, str], float]) -> float:
    if not reference:
        return 0.0 if not hypothesis else 1.0
    return float(measure(reference, hypothesis))


def wer(reference: str, hypothesis: str) -> float:
    """English word error rate after Whisper normalization (0.0 is perfect; can exceed 1.0).

    An empty reference scores 0.0 against an empty hypothesis and 1.0 against anything else.
    """
    import jiwer

    return _error_rate(normalize_en(reference), normalize_en(hypothesis), jiwer.wer)


def cer_zh(reference: str, hypothesis: str) -> float:
    """Chinese character error rate on simplified characters, punctuation and spaces removed."""
    import jiwer

    return _error_rate(normalize_zh(reference), normalize_zh(hypothesis), jiwer.cer)


def score(reference: str, hypothesis: str, lang: str) -> float:
    """The error rate for a language: WER for English ("en"), CER for Chinese ("zh", "zh-CN"...).

    Raises:
        ValueError: a language Parley has no scoring rule for.
    """
    code = lang.lower().split("-")[0].split("_")[0]
    if code == "en":
        return wer(reference, hypothesis)
    if code == "zh":
        return cer_zh(reference, hypothesis)
    raise ValueError(f"no speech scoring rule for language {lang!r}; use 'en' or 'zh'")
