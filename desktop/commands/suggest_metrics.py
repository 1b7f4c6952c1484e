"""What `parley bench suggest` counts on a final suggestion set, without any model.

A set is judged by its final paths (the last suggestion event for an objection, as the rubric
in docs/suggestions.md says). These checks are the mechanical part of that rubric, so that a
regression shows in the figures before anyone judges a set by hand:

- near-duplicate paths: one text contains the other, or their token Jaccard is >= 0.6 (tokens:
  lower-cased Latin words and digits, plus CJK character bigrams, so Chinese is compared by
  words-ish units rather than by single characters, which any two sentences share);
- question paths that do not ask: the path's move (its `label`, else its `strategy`) is a
  question move, and the text has no '?' or '？';
- paths citing the same playbook fact: two paths of one set cite the same file + heading;
- wrong-language paths: the text's language is not the call's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from inference.text import HAN_RUN

JACCARD_DUPLICATE = 0.6

_LATIN = re.compile(r"[a-z0-9]+")
_FOLD = re.compile(r"[\s\W_]+")
# A question move asks, probes, uncovers or clarifies; a move that *answers* a question does not.
_QUESTION_MOVE = re.compile(
    r"ask|question|probe|uncover|clarif|discover|提问|询问|追问|问一问|问清"
)
_ANSWER_MOVE = re.compile(r"answer|reply|回答|解答|答复")


def tokens(text: str) -> set[str]:
    """Lower-cased Latin words and digits, plus the character bigrams of each CJK run."""
    low = text.lower()
    out = set(_LATIN.findall(low))
    for run in HAN_RUN.findall(low):
        if len(run) == 1:
            out.add(run)
        out.update(run[i : i + 2] for i in range(len(run) - 1))
    return out


def jaccard(a: str, b: str) -> float:
    ta, tb = tokens(a), tokens(b)
    if not ta and not tb:
        return 1.0
    return len(ta & tb) / len(ta | tb)


def near_duplicate(a: str, b: str) -> bool:
    """One text contains the other (ignoring case, spaces, punctuation), or Jaccard >= 0.6."""
    fa, fb = _FOLD.sub("", a.lower()), _FOLD.sub("", b.lower())
    if not fa or not fb:
        return fa == fb
    return fa in fb or fb in fa or jaccard(a, b) >= JACCARD_DUPLICATE


def is_question_move(path: dict[str, Any]) -> bool:
    """Whether the path's move (label first, then strategy id) promises a question."""
    for name in (path.get("label"), path.get("strategy")):
        if isinstance(name, str) and name:
            low = name.lower()
            if _ANSWER_MOVE.search(low):
                return False
            if _QUESTION_MOVE.search(low):
                return True
    return False


def asks(text: str) -> bool:
    return "?" in text or "？" in text


def question_not_asking(path: dict[str, Any]) -> bool:
    return is_question_move(path) and not asks(str(path.get("text", "")))


def _fact_keys(path: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (str(s.get("file")), str(s.get("heading", "")))
        for s in path.get("sources") or ()
        if isinstance(s, dict) and s.get("file")
    }


def same_fact_pairs(paths: Sequence[dict[str, Any]]) -> int:
    """Pairs of paths in one set that cite the same playbook file + heading."""
    keys = [_fact_keys(p) for p in paths]
    return sum(bool(keys[i] & keys[j]) for i in range(len(keys)) for j in range(i + 1, len(keys)))


def duplicate_pairs(paths: Sequence[dict[str, Any]]) -> int:
    texts = [str(p.get("text", "")) for p in paths]
    return sum(
        near_duplicate(texts[i], texts[j])
        for i in range(len(texts))
        for j in range(i + 1, len(texts))
    )


def set_checks(paths: Sequence[dict[str, Any]], lang: str) -> dict[str, Any]:
    """The mechanical checks of one final set (paths as written to the sets file)."""
    from inference.text import guess_lang

    dup = duplicate_pairs(paths)
    same = same_fact_pairs(paths)
    return {
        "duplicate_set": dup > 0,
        "duplicate_pairs": dup,
        "question_not_asking": sum(question_not_asking(p) for p in paths),
        "same_fact_set": same > 0,
        "same_fact_pairs": same,
        "wrong_language": sum(
            guess_lang(str(p.get("text", ""))) != lang for p in paths if p.get("text")
        ),
    }


def dist(values: Iterable[float]) -> dict[str, Any]:
    """n, p50 and p95 (`inference.metrics`, as every bench reports them), rounded to ms."""
    from inference.metrics import distribution

    return distribution(list(values))


def summarise_sets(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Set-level figures over sets-file rows (each with `lang`, `served` and `paths`)."""
    served = [r for r in rows if r.get("served")]
    checks = [set_checks(r["paths"], r["lang"]) for r in served]
    return {
        "objection_turns": len(rows),
        "turns_served": len(served),
        "paths": sum(len(r["paths"]) for r in served),
        "duplicate_sets": sum(c["duplicate_set"] for c in checks),
        "question_paths_not_asking": sum(c["question_not_asking"] for c in checks),
        "same_fact_sets": sum(c["same_fact_set"] for c in checks),
        "same_fact_pairs": sum(c["same_fact_pairs"] for c in checks),
        "wrong_language_paths": sum(c["wrong_language"] for c in checks),
    }
