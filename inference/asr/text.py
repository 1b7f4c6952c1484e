"""Text helpers of the transcriber: word keys, joining, simplified Chinese."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

# A neutral simplified-Chinese sentence: it steers Whisper to simplified characters and
# punctuation; it names nothing from any call.
ZH_PROMPT = "以下是普通话的句子，使用简体中文。"


def word_key(text: str) -> str:
    """What two hypotheses must share for a word to count as the same word."""
    kept = "".join(ch for ch in text.lower() if not unicodedata.category(ch).startswith("P"))
    return kept.strip() or text.strip()


def join_words(texts: Iterable[str]) -> str:
    """Join words as the model wrote them (English words carry their leading space)."""
    return "".join(texts).strip()


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional to simplified Chinese characters (other text unchanged)."""
    if not any("\u3400" <= ch <= "\u9fff" for ch in text):
        return text
    return str(_t2s().convert(text))
