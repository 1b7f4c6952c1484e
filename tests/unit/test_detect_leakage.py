"""No corpus line of the detectors may paraphrase an evaluation line (Jaccard >= 0.5).

The evaluation set (`../shared/eval`) is for measuring only; a corpus line that overlaps one
of its customer lines would make the dev figures measure memory instead of understanding.
"""

from __future__ import annotations

import json
from pathlib import Path

from inference.detectors.corpus import DATA_DIR
from inference.detectors.overlap import LIMIT, eval_lines, jaccard, overlaps, tokens


def _corpus_lines() -> list[str]:
    lines = []
    for path in sorted(DATA_DIR.glob("*.tsv")):
        for raw in path.read_text(encoding="utf-8").splitlines():
            if raw.strip() and not raw.startswith("#"):
                lines.append(raw.split("\t")[-1])
    for path in sorted(DATA_DIR.glob("*.jsonl")):  # the frozen measuring sets
        lines += [json.loads(raw)["text"] for raw in path.read_text("utf-8").splitlines() if raw]
    return lines


def test_tokens_are_words_for_english_and_character_bigrams_for_chinese() -> None:
    assert tokens("It's TOO expensive, honestly.") == {"it's", "too", "expensive", "honestly"}
    assert tokens("太贵了，真的。") == {"太贵", "贵了", "了真", "真的"}
    assert jaccard(tokens("the price is high"), tokens("the price is too high")) == 0.8
    assert jaccard(frozenset(), frozenset()) == 0.0


def test_overlap_finds_a_paraphrase_and_spares_a_different_line() -> None:
    found = overlaps(["The quote is too high for us."], ["Your quote is too high for us"])
    assert len(found) == 1 and found[0].score >= LIMIT
    assert not overlaps(["We signed with another vendor last month."], ["太贵了"])


def test_no_corpus_line_overlaps_an_evaluation_line(eval_dir: Path) -> None:
    corpus = _corpus_lines()
    assert len(corpus) > 1000
    found = overlaps(corpus, eval_lines(eval_dir))
    assert not found, [(o.corpus_line, o.score) for o in found]
