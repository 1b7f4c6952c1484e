"""Text helpers of the transcriber: word keys, joining, simplified Chinese."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from inference.text import has_han, is_cjk
from inference.text.numbers import EN_NUMBER_WORDS

# A neutral simplified-Chinese sentence: it steers Whisper to simplified characters and
# punctuation; it names nothing from any call.
ZH_PROMPT = "以下是普通话的句子，使用简体中文。"


_NUMBERS = {name: str(value) for name, value in EN_NUMBER_WORDS.items()}


def word_key(text: str) -> str:
    """What two hypotheses must share for a word to count as the same word: case,
    punctuation and the spelling of a small number ("three" / "3") do not matter."""
    kept = "".join(ch for ch in text.lower() if not unicodedata.category(ch).startswith("P"))
    kept = kept.strip()
    return _NUMBERS.get(kept, kept) or text.strip()


def join_words(texts: Iterable[str]) -> str:
    """Join words as the model wrote them (English words carry their leading space)."""
    return "".join(texts).strip()


_ATTACHES = set(",.!?;:%)]}'’…") | set("，。！？；：、）】」』")


def join_pieces(left: str, right: str) -> str:
    """Append one piece of transcript (a final event's text) to what came before: a space
    between words; none around CJK characters, nor before a piece that continues the last
    word (",000", "'s", closing punctuation), which a commit may split from it."""
    right, left = right.strip(), left.rstrip()
    if not left or not right:
        return left or right
    if is_cjk(left[-1]) or is_cjk(right[0]) or right[0] in _ATTACHES:
        return left + right
    return f"{left} {right}"


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional to simplified Chinese characters (other text unchanged)."""
    if not has_han(text):
        return text
    return str(_t2s().convert(text))
