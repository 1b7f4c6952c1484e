"""The one English stemmer: Snowball (Porter 2) via `snowballstemmer`."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

_lock = threading.Lock()
_stemmer: Any = None


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """The Snowball English stem of a lower-case `word` ("pricing" -> "price", "plans" ->
    "plan"); words with anything but letters ("24/7", "soc2", "don't") are returned as given."""
    global _stemmer
    if not word.isalpha() or not word.isascii():
        return word
    with _lock:  # a Snowball stemmer keeps state while it stems: one word at a time
        if _stemmer is None:
            import snowballstemmer

            _stemmer = snowballstemmer.stemmer("english")
        return str(_stemmer.stemWord(word))
