"""Text helpers of the detectors: normalisation and clauses (language guess and words come
from `inference.text`)."""

from __future__ import annotations

import re
import unicodedata

# Clause boundaries: sentence punctuation in both scripts.
_CLAUSE_SPLIT = re.compile(r"[,.;:!?，。；：！？、…\n]+|\s[-–—]\s")


def normalize(text: str) -> str:
    """NFKC form (full-width letters and punctuation folded), straight quotes, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip()


def split_clauses(text: str) -> list[str]:
    """Pieces of the utterance between punctuation marks (empty pieces dropped)."""
    return [c.strip() for c in _CLAUSE_SPLIT.split(text) if c and c.strip()]
