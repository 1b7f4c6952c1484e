"""BM25 retrieval over playbook entries, in English and Chinese alike.

English is matched on words, Chinese on jieba words plus character bigrams (see
`inference.playbook.text.tokens`). Entries in another language than the query are kept but
ranked lower, so a Chinese call still finds an English-only playbook.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from inference.playbook.model import PlaybookEntry
from inference.playbook.text import tokens

OTHER_LANG_WEIGHT = 0.6
HEADING_BOOST = 2  # heading words count this many times


@dataclass(frozen=True, slots=True)
class Hit:
    """A retrieved entry with its BM25 score and the share of the query it matched."""

    entry: PlaybookEntry
    score: float
    coverage: float


class Bm25Index:
    """Okapi BM25 (k1 = 1.2, b = 0.75) over a fixed list of entries."""

    def __init__(
        self, entries: tuple[PlaybookEntry, ...], *, k1: float = 1.2, b: float = 0.75
    ) -> None:
        self.entries = entries
        self._k1, self._b = k1, b
        self._docs: list[Counter[str]] = []
        for e in entries:
            toks = tokens(e.text) + tokens(e.heading) * HEADING_BOOST
            self._docs.append(Counter(toks))
        self._lens = [sum(d.values()) for d in self._docs]
        self._avg = (sum(self._lens) / len(self._lens)) if self._lens else 1.0
        df: Counter[str] = Counter()
        for d in self._docs:
            df.update(d.keys())
        n = len(self._docs)
        self._idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}

    def idf(self, token: str) -> float:
        return self._idf.get(token, 0.0)

    def coverage(self, query: str, entry: PlaybookEntry) -> float:
        """The idf-weighted share of the query's distinct tokens found in `entry` (0 if the
        entry is not indexed)."""
        q = list(dict.fromkeys(tokens(query)))
        try:
            doc = self._docs[self.entries.index(entry)]
        except ValueError:
            return 0.0
        total = sum(self.idf(t) for t in q)
        if not q or total <= 0:
            return 0.0
        return min(1.0, sum(self.idf(t) for t in q if t in doc) / total)

    def search(self, query: str, k: int = 5, lang: str | None = None) -> list[Hit]:
        """The `k` best entries for `query`, best first (entries with no match left out).

        `coverage` is the idf-weighted share of the query's distinct tokens found in the entry,
        a number in [0, 1] that says how well the entry matches, comparable across queries.
        """
        q = list(dict.fromkeys(tokens(query)))
        if not q:
            return []
        total_idf = sum(self.idf(t) for t in q) or 1.0
        hits: list[Hit] = []
        for entry, doc, length in zip(self.entries, self._docs, self._lens, strict=True):
            score = 0.0
            matched = 0.0
            for t in q:
                f = doc.get(t, 0)
                if not f:
                    continue
                idf = self.idf(t)
                matched += idf
                score += (
                    idf
                    * f
                    * (self._k1 + 1)
                    / (f + self._k1 * (1 - self._b + self._b * length / self._avg))
                )
            if score <= 0:
                continue
            if lang and entry.lang != lang:
                score *= OTHER_LANG_WEIGHT
            hits.append(Hit(entry, score, min(1.0, matched / total_idf)))
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:k]
