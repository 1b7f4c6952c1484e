"""The cue lexicons (package data, JSON) compiled into regular expressions, once per process."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from inference.events import OBJECTION_CATEGORIES


@dataclass(frozen=True, slots=True)
class Cue:
    """One pattern and the evidence it carries (negative weights take evidence away)."""

    pattern: re.Pattern[str]
    weight: float


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Everything the text detectors know about one language.

    Attributes:
        objection: cues per objection category.
        negations: per category, patterns that say this category is NOT the concern.
        focus: patterns that mark a clause as what blocks the customer now.
        contrast: connectors after which the customer's real point tends to come ("but").
        concession: connectors that introduce what the customer concedes ("even if").
        questions: patterns that mark a question.
        negative / positive: valence cues.
        negator: pattern matched against the text just before a positive cue ("not great").
        negative_negator: the same before a negative cue ("not worried", 没觉得不方便).
        downtoner: the same, softening a negative cue ("a bit steep", 稍微贵).
        labels: finer emotion labels and their cue patterns.
    """

    lang: str
    objection: dict[str, tuple[Cue, ...]]
    negations: dict[str, tuple[re.Pattern[str], ...]]
    focus: tuple[re.Pattern[str], ...]
    contrast: tuple[str, ...]
    concession: tuple[str, ...]
    questions: tuple[re.Pattern[str], ...]
    negative: tuple[Cue, ...]
    positive: tuple[Cue, ...]
    negator: re.Pattern[str]
    negative_negator: re.Pattern[str]
    downtoner: re.Pattern[str]
    labels: dict[str, re.Pattern[str]]


def _read(name: str) -> dict:
    text = resources.files("inference.detectors").joinpath(name).read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def _cues(items: list[list]) -> tuple[Cue, ...]:
    return tuple(Cue(re.compile(p), float(w)) for p, w in items)


@cache
def lexicon(lang: str) -> Lexicon:
    """The compiled lexicon of "en" or "zh" (any other code gets the English one)."""
    data = _read("lexicon_zh.json" if lang == "zh" else "lexicon_en.json")
    objection = {c: _cues(data["objection"].get(c, [])) for c in OBJECTION_CATEGORIES}
    wrap = "{}" if lang == "zh" else r"\b{}\b"
    negations = {
        c: tuple(re.compile(t.replace("{topic}", wrap.format(topic))) for t in data["negation"])
        for c, topic in data["topics"].items()
    }
    val = data["valence"]
    return Lexicon(
        lang="zh" if lang == "zh" else "en",
        objection=objection,
        negations=negations,
        focus=tuple(re.compile(p) for p in data["focus"]),
        contrast=tuple(data["contrast"]),
        concession=tuple(data["concession"]),
        questions=tuple(re.compile(p) for p in data["questions"]),
        negative=_cues(val["negative"]),
        positive=_cues(val["positive"]),
        negator=re.compile(val["negators"]),
        negative_negator=re.compile(val["negative_negators"]),
        downtoner=re.compile(val["downtoners"]),
        labels={k: re.compile(v) for k, v in data["labels"].items()},
    )


@dataclass(frozen=True, slots=True)
class RolePattern:
    """A title or department and the decision-maker role it stands for."""

    pattern: re.Pattern[str]
    role: str


@cache
def role_patterns(lang: str) -> tuple[RolePattern, ...]:
    """Decision-maker patterns for text in `lang` ("zh" or otherwise English), in priority order."""
    want = "zh" if lang == "zh" else "en"
    out = []
    for pattern, role, case_sensitive, pattern_lang in _read("roles.json")["patterns"]:
        if pattern_lang != want:
            continue
        flags = 0 if case_sensitive else re.IGNORECASE
        out.append(RolePattern(re.compile(pattern, flags), role))
    return tuple(out)
