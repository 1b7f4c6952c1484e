"""Objection category from the customer's words: weighted cues, negation and "what blocks now".

The utterance is cut into segments at punctuation and at contrast connectors ("but", 但是).
Each segment adds the weights of the category cues it contains, scaled by how much the
customer leans on it: what follows "but" or carries a focus marker ("the real issue", 关键是,
"right now") counts more, what is conceded ("even if ...") counts less. A category the
customer explicitly sets aside ("price isn't the issue", 价格不是问题) is suppressed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

from inference.detectors.lexicon import Lexicon, lexicon
from inference.detectors.text import split_clauses
from inference.events import OBJECTION_CATEGORIES

# Roles whose mention, next to an approval verb, says that someone else decides.
_DECIDERS = frozenset({"ceo", "cfo", "cto", "board", "manager", "procurement", "legal"})
# Roles whose review of data handling makes a security concern, not an approval step.
_DATA_REVIEWERS = frozenset({"legal"})
_APPROVAL = {
    "en": re.compile(
        r"\b(review|reviewed|reviews|approve|approved|approves|approval|sign|signs|signed|"
        r"sign-off|decide|decides|decision|agree|agrees|vote|votes|veto|say-so|okay|weigh in|"
        r"signature|meets|meeting|agenda|bring it up|before (anything|anyone|we|i)|first|"
        r"ask|check with|consult|run (it|this|that) by|loop|have to|has to|must)\b"
    ),
    "zh": re.compile(
        r"签字|签批|审批|同意|拍板|过会|上会|批准|批了|决定|点头|定下来|说了算|汇报|请示|审核|审一下|过目|商量|投票|表决|先看|认可|开会|提一下|一起审|评审|审查"
    ),
}

# What a decision-maker wants or likes: with no approval step named, a wish that objects to
# nothing (label guide: null), so the mention is only weak evidence for "authority".
_WISH = {
    "en": re.compile(
        r"\b(wants?|wanted|would (like|love)|'d (like|love)|keen|likes|loves|asked (me|us)|"
        r"has asked|hoping|hopes|wish|wishes|would prefer|interested in|is after)\b"
    ),
    "zh": re.compile(
        r"想要|想让|想在|想把|想有|希望|很想|喜欢|感兴趣|让我|要我|问你们|问我们|关心|看重"
    ),
}


def decider_wish(text: str, lang: str, roles: tuple[str, ...]) -> bool:
    """A decision-maker's wish with no approval step: the line names a decider and what they
    want ("the owner would love online booking", 老板想要...), and no sign-off or decision."""
    lang = "zh" if lang == "zh" else "en"
    return (
        any(r in _DECIDERS for r in roles)
        and _WISH[lang].search(text) is not None
        and _APPROVAL[lang].search(text) is None
    )


@dataclass(frozen=True, slots=True)
class ObjectionResult:
    """The category with the most evidence, or None below the threshold.

    Attributes:
        category: an objection category, or None.
        confidence: for a category, the detector's confidence in it; for None, its
            confidence that the line raises no objection. In [0, 1].
        runner_up: the second category with evidence, if any.
        scores: evidence per category (after weighting and suppression).
    """

    category: str | None
    confidence: float
    runner_up: str | None
    scores: dict[str, float]


@dataclass(frozen=True, slots=True)
class _Segment:
    text: str
    weight: float


@cache
def _contrast_re(lang: str) -> re.Pattern[str]:
    lex = lexicon(lang)
    alts = "|".join(lex.contrast)
    return re.compile(rf"\b(?:{alts})\b" if lang != "zh" else f"(?:{alts})")


@cache
def _concession_re(lang: str) -> re.Pattern[str]:
    lex = lexicon(lang)
    alts = "|".join(re.escape(c) for c in lex.concession)
    return re.compile(rf"^(?:{alts})\b" if lang != "zh" else f"^(?:{alts})")


def segments(text: str, lang: str) -> list[_Segment]:
    """Weighted segments of a normalised, lower-cased utterance."""
    lex = lexicon(lang)
    contrast = _contrast_re(lang)
    concession = _concession_re(lang)
    pieces: list[tuple[str, bool]] = []  # (text, follows a contrast connector)
    for clause in split_clauses(text):
        last = 0
        after_contrast = False
        for m in contrast.finditer(clause):
            if m.start() > last and clause[last : m.start()].strip():
                pieces.append((clause[last : m.start()].strip(), after_contrast))
            after_contrast = True
            last = m.end()
        rest = clause[last:].strip()
        if rest:
            pieces.append((rest, after_contrast))
        elif after_contrast and pieces:
            # "It's pricey, though." — a trailing connector leans on what came before it.
            pieces[-1] = (pieces[-1][0], True)
    any_contrast = any(after for _, after in pieces)
    out: list[_Segment] = []
    seen_contrast = False
    for piece, after in pieces:
        seen_contrast = seen_contrast or after
        w = 1.0
        if any_contrast:
            w = 1.5 if seen_contrast else 0.8
        if concession.search(piece):
            w *= 0.6
        if any(f.search(piece) for f in lex.focus):
            w *= 1.4
        out.append(_Segment(piece, w))
    return out


def _suppressed(text: str, lex: Lexicon) -> set[str]:
    return {c for c, pats in lex.negations.items() if any(p.search(text) for p in pats)}


def classify(
    text: str,
    lang: str,
    *,
    roles: tuple[str, ...] = (),
    competitor_named: bool = False,
    threshold: float = 2.0,
) -> ObjectionResult:
    """The objection category of one normalised, lower-cased customer utterance.

    Args:
        text: the utterance, normalised (`text.normalize`) and lower-cased.
        lang: "en" or "zh".
        roles: decision-makers the utterance mentions (evidence for "authority").
        competitor_named: the utterance names a competitor the playbook knows.
        threshold: least evidence for a category; below it the answer is None.
    """
    lex = lexicon(lang)
    scores = dict.fromkeys(OBJECTION_CATEGORIES, 0.0)
    for seg in segments(text, lang):
        seg_scores = {
            cat: sum(c.weight for c in cues if c.pattern.search(seg.text))
            for cat, cues in lex.objection.items()
        }
        if seg_scores["budget"] >= 3.0:
            # "no money until next year": the date is when money comes, not a timing concern.
            seg_scores["timing"] *= 0.4
        for cat, s in seg_scores.items():
            if s > 0:
                scores[cat] += s * seg.weight
    deciders = [r for r in roles if r in _DECIDERS]
    if deciders and scores["security"] > 0 and set(deciders) <= _DATA_REVIEWERS:
        # Legal or compliance reviewing how data is handled is a security concern (label
        # guide), whoever does the review: the mention is weak evidence for "authority".
        scores["authority"] += 0.5
    elif deciders and decider_wish(text, lang, roles):
        scores["authority"] += 0.25  # a wish, no approval step: evidence of who matters, no more
    elif deciders:
        approval = _APPROVAL["zh" if lang == "zh" else "en"].search(text) is not None
        scores["authority"] += (2.0 if approval else 0.5) + 0.5 * (len(deciders) - 1)
    if competitor_named:
        scores["competitor"] += 2.5
    for cat in _suppressed(text, lex):
        scores[cat] *= 0.1
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    (top, s1), (second, s2) = ranked[0], ranked[1]
    strength = 1.0 - math.exp(-max(s1, 0.0) / threshold)
    if s1 < threshold:
        return ObjectionResult(
            None, round(1.0 - 0.8 * strength, 3), top if s1 > 0 else None, scores
        )
    margin = s1 / (s1 + max(s2, 0.0))
    confidence = min(0.99, 0.2 + 0.8 * strength * margin)
    return ObjectionResult(top, round(confidence, 3), second if s2 > 0 else None, scores)
