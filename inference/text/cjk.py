"""The one CJK test: Han characters by Unicode script (`regex`'s `\\p{Han}`), and the wider
East Asian set that is written without spaces between words (kana, hangul, CJK and full-width
punctuation), for joining transcript pieces and counting words."""

from __future__ import annotations

import regex

HAN = regex.compile(r"\p{Han}")
HAN_RUN = regex.compile(r"\p{Han}+")
# Written without spaces between words: Han, kana, hangul, CJK symbols and full-width forms.
CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\u3000-\u303f\uff00-\uffef]")


def is_han(ch: str) -> bool:
    """True for a Chinese character (any CJK ideograph block)."""
    return HAN.match(ch) is not None


def has_han(text: str) -> bool:
    """True when `text` holds at least one Chinese character."""
    return HAN.search(text) is not None


def han_count(text: str) -> int:
    """How many Chinese characters `text` holds."""
    return len(HAN.findall(text))


def is_cjk(ch: str) -> bool:
    """True for a character of a script written without spaces (Han, kana, hangul) or CJK /
    full-width punctuation: no space goes on either side of it when pieces are joined."""
    return CJK.match(ch) is not None


def has_cjk(text: str) -> bool:
    """True when any character of `text` satisfies `is_cjk`."""
    return CJK.search(text) is not None
