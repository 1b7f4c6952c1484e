"""The one language guess: Chinese when Chinese characters carry the text, else English."""

from __future__ import annotations

import re

from inference.text.cjk import han_count

_LATIN = re.compile(r"[A-Za-z]")

# A Latin letter carries about a quarter of what a Chinese character does (a four-letter
# English word is worth one character); a line is Chinese when its characters carry 30% of it,
# so Chinese prose full of English product names is still Chinese.
LATIN_WEIGHT = 0.25
ZH_SHARE = 0.3


def cjk_ratio(text: str) -> float:
    """Share of `text` carried by Chinese characters (Latin letters weighted `LATIN_WEIGHT`);
    0.0 for text with neither."""
    han = han_count(text)
    total = han + len(_LATIN.findall(text)) * LATIN_WEIGHT
    return han / total if total else 0.0


def guess_lang(text: str, hint: str = "auto") -> str:
    """ "zh" when Chinese characters carry at least `ZH_SHARE` of `text`, else "en".

    Args:
        text: a line, an entry, an utterance.
        hint: "auto" to guess; otherwise a code taken as given ("zh-CN" -> "zh", "en-US" ->
            "en", any other code unchanged).
    """
    if hint and hint != "auto":
        low = hint.lower()
        return "zh" if low.startswith("zh") else "en" if low.startswith("en") else hint
    return "zh" if cjk_ratio(text) >= ZH_SHARE else "en"
