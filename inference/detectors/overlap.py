"""Near-duplicate check between the detectors' corpus and the evaluation lines.

The detectors must never be trained on (a paraphrase of) what they are measured on. Two lines
overlap when the Jaccard similarity of their token sets reaches `LIMIT`: lower-cased word
tokens for English, character bigrams (punctuation and spaces removed) for Chinese. A test
(`tests/unit/test_detect_leakage.py`) holds every corpus file (`data/*.tsv`, blind files
included) to it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from inference.text import has_han

LIMIT = 0.5
_EN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")
_DROP = re.compile(r"[\W_]+", re.UNICODE)


def tokens(text: str) -> frozenset[str]:
    """The token set of one line: character bigrams for Chinese, words for English."""
    low = text.lower().replace("’", "'")
    if has_han(low):
        chars = _DROP.sub("", low)
        return frozenset(chars[i : i + 2] for i in range(len(chars) - 1)) or frozenset(chars)
    return frozenset(_EN_WORD.findall(low))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b|; 0 for two empty sets."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


@dataclass(frozen=True, slots=True)
class Overlap:
    """One corpus line too close to one evaluation line."""

    corpus_line: str
    eval_line: str
    score: float


def eval_lines(eval_dir: Path) -> list[str]:
    """The customer lines of the evaluation set: scripted calls and labelled utterances.

    Raises:
        FileNotFoundError: `eval_dir` holds neither calls nor utterances.
    """
    out: list[str] = []
    for path in sorted((eval_dir / "calls").glob("*.json")):
        call = json.loads(path.read_text(encoding="utf-8"))
        out += [t["text"] for t in call.get("turns", []) if t.get("speaker") == "customer"]
    utterances = eval_dir / "utterances_dev.jsonl"
    if utterances.is_file():
        for line in utterances.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["text"])
    if not out:
        raise FileNotFoundError(f"no evaluation lines under {eval_dir} (calls/, utterances_dev)")
    return out


def overlaps(
    corpus: Iterable[str], evaluation: Iterable[str], limit: float = LIMIT
) -> list[Overlap]:
    """Every (corpus line, evaluation line) pair whose Jaccard similarity is >= `limit`."""
    ev = [(e, tokens(e)) for e in evaluation]
    found: list[Overlap] = []
    for line in corpus:
        tl = tokens(line)
        for e, te in ev:
            score = jaccard(tl, te)
            if score >= limit:
                found.append(Overlap(line, e, round(score, 3)))
    return found
