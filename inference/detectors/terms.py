"""Industry terms in what is said, and their density per 100 words over a recent window.

English terms match whole words, case-insensitively. Chinese terms are added to the speaker's
jieba dictionary and match only where the segmentation puts word boundaries, so a short term
is not found inside an unrelated longer word.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from inference.text import HAN as _CJK
from inference.text import Segmenter


def builtin_terms() -> tuple[str, ...]:
    """General business-technology terms shipped with Parley (one per line in terms_builtin.txt)."""
    text = resources.files("inference.detectors").joinpath("terms_builtin.txt").read_text("utf-8")
    return tuple(t.strip() for t in text.splitlines() if t.strip() and not t.startswith("#"))


@dataclass(frozen=True, slots=True)
class TermHits:
    """Terms found in one utterance and the number of words it has."""

    terms: tuple[str, ...]
    count: int
    words: int


class TermSpotter:
    """Finds glossary terms; keeps a window of recent utterances for the density.

    Args:
        segmenter: word segmentation (its jieba dictionary learns the Chinese terms).
        terms: initial glossary.
        window_s: how far back (session seconds) the density looks.
    """

    def __init__(
        self, segmenter: Segmenter, terms: Iterable[str] = (), *, window_s: float = 120.0
    ) -> None:
        self._seg = segmenter
        self._window_s = window_s
        self._terms: dict[str, str] = {}  # lower-cased -> as written
        self._en: re.Pattern[str] | None = None
        self._recent: deque[tuple[float, int, int]] = deque()
        self.add(terms)

    @property
    def terms(self) -> tuple[str, ...]:
        """The glossary, as written."""
        return tuple(self._terms.values())

    def add(self, terms: Iterable[str]) -> None:
        """Add terms to the glossary (duplicates, case-insensitive, are ignored)."""
        changed = False
        for term in terms:
            t = " ".join(str(term).split())
            if len(t) < 2 and not _CJK.search(t):
                continue
            key = t.lower()
            if key in self._terms:
                continue
            self._terms[key] = t
            changed = True
            if _CJK.search(t):
                self._seg.add_word(t)
        if changed:
            latin = sorted((k for k in self._terms if not _CJK.search(k)), key=len, reverse=True)
            alts = "|".join(re.escape(k) for k in latin)
            self._en = re.compile(rf"(?<![a-z0-9])(?:{alts})(?![a-z0-9])") if latin else None

    def find(self, text: str, lang: str) -> TermHits:
        """Terms in `text` (each once, in order of first mention), their count and word count."""
        low = text.lower()
        words = self._seg.words(text, lang)
        hits: list[tuple[int, str]] = []
        if self._en is not None:
            hits.extend((m.start(), self._terms[m.group(0)]) for m in self._en.finditer(low))
        if lang == "zh":
            bounds = self._boundaries(low, [w.lower() for w in words])
            for key, term in self._terms.items():
                if not _CJK.search(key):
                    continue
                start = low.find(key)
                while start >= 0:
                    if start in bounds and start + len(key) in bounds:
                        hits.append((start, term))
                    start = low.find(key, start + 1)
        hits.sort()
        found: list[str] = []
        for _, term in hits:
            if term not in found:
                found.append(term)
        return TermHits(tuple(found), len(hits), len(words))

    @staticmethod
    def _boundaries(text: str, words: list[str]) -> set[int]:
        bounds = {0, len(text)}
        pos = 0
        for w in words:
            i = text.find(w, pos)
            if i < 0:
                continue
            bounds.add(i)
            bounds.add(i + len(w))
            pos = i + len(w)
        return bounds

    def density(self, hits: TermHits, *, end: float) -> float:
        """Record an utterance ending at `end` and return terms per 100 words in the window."""
        self._recent.append((end, hits.count, hits.words))
        while self._recent and self._recent[0][0] < end - self._window_s:
            self._recent.popleft()
        n_terms = sum(c for _, c, _ in self._recent)
        n_words = sum(w for _, _, w in self._recent)
        return round(100.0 * n_terms / n_words, 3) if n_words else 0.0
