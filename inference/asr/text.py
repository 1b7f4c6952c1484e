"""Text helpers of the transcriber: word keys, joining, simplified Chinese."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

# A neutral simplified-Chinese sentence: it steers Whisper to simplified characters and
# punctuation; it names nothing from any call.
ZH_PROMPT = "以下是普通话的句子，使用简体中文。"


_SMALL = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
)
_TENS = "thirty forty fifty sixty seventy eighty ninety"
_NUMBERS = {name: str(i) for i, name in enumerate(_SMALL.split(" "))} | {
    name: str(10 * i) for i, name in enumerate(_TENS.split(" "), 3)
}


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


def _is_cjk(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"


def join_pieces(left: str, right: str) -> str:
    """Append one piece of transcript (a final event's text) to what came before: a space
    between words; none around CJK characters, nor before a piece that continues the last
    word (",000", "'s", closing punctuation), which a commit may split from it."""
    right, left = right.strip(), left.rstrip()
    if not left or not right:
        return left or right
    if _is_cjk(left[-1]) or _is_cjk(right[0]) or right[0] in _ATTACHES:
        return left + right
    return f"{left} {right}"


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional to simplified Chinese characters (other text unchanged)."""
    if not any("\u3400" <= ch <= "\u9fff" for ch in text):
        return text
    return str(_t2s().convert(text))
