"""Chinese word segmentation: one jieba dictionary per process, one setting (HMM off).

jieba's dictionary loads once (about a second), on first use. Retrieval and the detectors
segment with the same words: `words` uses the shared tokenizer; a `Segmenter` that must learn
glossary terms gets a private copy of the word frequencies (a dict copy, not a second load),
so terms one detector adds never leak into another's segmentation. HMM is off everywhere:
unknown words stay single characters, deterministically.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Any

HMM = False
USER_WORD_FREQ = 200_000  # high enough that an added term always stays one word

_LATIN_WORD = re.compile(r"[A-Za-z0-9]+(?:['’\-][A-Za-z0-9]+)*")
_PUNCT_ONLY = re.compile(r"^[\W_]+$", re.UNICODE)

_lock = threading.Lock()
_base: Any = None


def tokenizer() -> Any:
    """The process's jieba tokenizer (dictionary loaded on first call)."""
    global _base
    with _lock:
        if _base is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)  # its dictionary-load chatter is not ours
            tok = jieba.Tokenizer()
            tok.initialize()
            _base = tok
        return _base


def zh_words(text: str) -> list[str]:
    """jieba's words of Chinese `text` (punctuation and spaces included, as jieba cuts them)."""
    return list(tokenizer().lcut(text, HMM=HMM))


def _private_tokenizer() -> Any:
    import jieba

    base = tokenizer()
    tok = jieba.Tokenizer()
    tok.FREQ = dict(base.FREQ)  # a private copy, so added words stay with their segmenter
    tok.total = base.total
    tok.initialized = True
    return tok


@dataclass(slots=True)
class Segmenter:
    """Word segmentation for both languages, with its own glossary words for Chinese.

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
            self._tok.add_word(word, freq=USER_WORD_FREQ)

    def _tokenizer(self) -> Any:
        if self._tok is None:
            if not self.user_words:
                return tokenizer()  # nothing of its own yet: share the process's
            tok = _private_tokenizer()
            for w in self.user_words:
                tok.add_word(w, freq=USER_WORD_FREQ)
            self._tok = tok
        return self._tok

    def words(self, text: str, lang: str) -> list[str]:
        """Words of `text` without punctuation; Chinese via jieba (HMM off, deterministic)."""
        if lang == "zh":
            toks = self._tokenizer().lcut(text, HMM=HMM)
            return [t for t in (s.strip() for s in toks) if t and not _PUNCT_ONLY.match(t)]
        return _LATIN_WORD.findall(text)
