"""Text helpers shared by the detectors: language guess, normalisation, clauses and words.

Chinese words come from a private jieba `Tokenizer` (loaded lazily, once per process), so
glossary terms added by one detector never leak into another's segmentation through jieba's
global dictionary.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z0-9]+(?:['’\-][A-Za-z0-9]+)*")
_PUNCT_ONLY = re.compile(r"^[\W_]+$", re.UNICODE)

# Clause boundaries: sentence punctuation in both scripts.
_CLAUSE_SPLIT = re.compile(r"[,.;:!?，。；：！？、…\n]+|\s[-–—]\s")


def detect_lang(text: str, hint: str = "auto") -> str:
    """The language of `text`: "zh" when CJK characters carry it, otherwise "en".

    Args:
        text: the utterance.
        hint: "auto", or a code that is returned as it is ("en", "zh").
    """
    if hint and hint != "auto":
        return (
            "zh"
            if hint.lower().startswith("zh")
            else "en"
            if hint.lower().startswith("en")
            else hint
        )
    cjk = len(_CJK.findall(text))
    latin = sum(len(w) for w in _LATIN_WORD.findall(text))
    # One CJK character carries about as much as a three-letter English word.
    return "zh" if cjk * 3 >= latin and cjk > 0 else "en"


def normalize(text: str) -> str:
    """NFKC form (full-width letters and punctuation folded), straight quotes, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip()


def split_clauses(text: str) -> list[str]:
    """Pieces of the utterance between punctuation marks (empty pieces dropped)."""
    return [c.strip() for c in _CLAUSE_SPLIT.split(text) if c and c.strip()]


class _Jieba:
    """jieba's dictionary, loaded once per process (about a second); each segmenter copies it."""

    _lock = threading.Lock()
    _base: Any = None

    @classmethod
    def new_tokenizer(cls) -> Any:
        import jieba

        with cls._lock:
            if cls._base is None:
                jieba.setLogLevel(logging.WARNING)  # its dictionary-load chatter is not ours
                base = jieba.Tokenizer()
                base.initialize()
                cls._base = base
            base = cls._base
        tok = jieba.Tokenizer()
        # A private copy of the word frequencies, so added words stay with their segmenter.
        tok.FREQ = dict(base.FREQ)
        tok.total = base.total
        tok.initialized = True
        return tok


@dataclass(slots=True)
class Segmenter:
    """Word segmentation for both languages; owns its own jieba tokenizer for Chinese.

    Attributes:
        user_words: words added to the Chinese dictionary (glossary terms), kept so that a
            tokenizer created later gets them too.
    """

    user_words: set[str]
    _tok: Any = None

    @classmethod
    def create(cls) -> Segmenter:
        return cls(user_words=set())

    def add_word(self, word: str) -> None:
        """Make `word` one token in Chinese segmentation."""
        if not word or word in self.user_words:
            return
        self.user_words.add(word)
        if self._tok is not None:
            self._tok.add_word(word, freq=200_000)

    def _tokenizer(self) -> Any:
        if self._tok is None:
            tok = _Jieba.new_tokenizer()
            for w in self.user_words:
                tok.add_word(w, freq=200_000)
            self._tok = tok
        return self._tok

    def words(self, text: str, lang: str) -> list[str]:
        """Words of `text` without punctuation; Chinese via jieba (HMM off, deterministic)."""
        if lang == "zh":
            toks = self._tokenizer().lcut(text, HMM=False)
            return [t for t in (s.strip() for s in toks) if t and not _PUNCT_ONLY.match(t)]
        return _LATIN_WORD.findall(text)
