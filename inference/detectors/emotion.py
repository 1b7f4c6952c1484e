"""The customer's emotion: valence and a finer label from the words, and its trend over a call.

Valence weighs positive and negative cues (a negated positive counts as negative) plus a small
prior for the objection raised: budget and trust concerns rarely sound neutral, a price
question that bargains does. A line that raises an objection is never scored positive.
This serves the live conversation only; nothing here scores the rep.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from dataclasses import dataclass

from inference.detectors.lexicon import lexicon

# How the objection raised shifts valence (negative = sounds worse).
_OBJECTION_PRIOR = {
    "price": -0.8,
    "budget": -1.0,
    "trust": -1.0,
    "need": -0.3,
}
_BARGAIN = {
    "en": ("better", "discount", "deal", "negotiat", "lower", "cheaper", "wiggle", "match"),
    "zh": ("优惠", "便宜", "折扣", "打折", "降", "少", "低", "让利", "谈"),
}


@dataclass(frozen=True, slots=True)
class TextEmotion:
    """Valence, label and confidence read from one utterance's words.

    Attributes:
        valence: "negative", "neutral" or "positive".
        label: finer state: frustrated, skeptical, worried, concerned, hesitant,
            interested, pleased or calm.
        confidence: in [0, 1], from how much evidence the cues give.
        score: signed evidence (negative below zero).
    """

    valence: str
    label: str
    confidence: float
    score: float


def _is_question(text: str, lang: str) -> bool:
    return any(p.search(text) for p in lexicon(lang).questions)


def read_emotion(
    text: str, lang: str, *, objection: str | None, threshold: float = 1.0
) -> TextEmotion:
    """Valence and label of one normalised, lower-cased customer utterance.

    Args:
        text: the utterance (normalised, lower-cased).
        lang: "en" or "zh".
        objection: the objection category found in it, if any.
        threshold: evidence needed to leave "neutral".
    """
    lex = lexicon(lang)
    question = _is_question(text, lang)
    neg = 0.0
    for cue in lex.negative:
        m = cue.pattern.search(text)
        if m is None:
            continue
        before = text[max(0, m.start() - 12) : m.start()]
        if not lex.negative_negator.search(before):
            neg += cue.weight * (0.4 if lex.downtoner.search(before) else 1.0)
    pos = 0.0
    for cue in lex.positive:
        for m in cue.pattern.finditer(text):
            before = text[max(0, m.start() - 12) : m.start()]
            negated = lex.negator.search(before)
            if negated is None:
                pos += cue.weight
            elif not lex.negative_negator.search(before[: negated.start()]):
                neg += cue.weight * 0.8  # "not great", 不满意 (but not 没觉得不方便)
            break
    prior = _OBJECTION_PRIOR.get(objection or "", 0.0)
    if objection == "price" and (question or any(b in text for b in _BARGAIN[lex.lang])):
        prior = 0.0  # bargaining is business, not displeasure
    elif objection == "trust" and question:
        prior = -0.3  # asking for proof is not yet distrust; the words must show it
    score = pos - neg + prior
    if objection is not None:
        score = min(score, 0.0)
    if score <= -threshold:
        valence = "negative"
    elif score >= threshold:
        valence = "positive"
    else:
        valence = "neutral"
    label = _label(text, lang, valence, objection, question)
    evidence = abs(score) if valence != "neutral" else max(0.0, threshold - abs(score))
    confidence = round(min(0.95, 0.4 + 0.55 * (1.0 - math.exp(-evidence / 1.5))), 3)
    return TextEmotion(valence, label, confidence, round(score, 3))


def emotion_label(text: str, lang: str, valence: str, objection: str | None) -> str:
    """The finer emotion label for a valence already decided (e.g. by the learned model)."""
    return _label(text, lang, valence, objection, _is_question(text, lang))


def _label(text: str, lang: str, valence: str, objection: str | None, question: bool) -> str:
    labels = lexicon(lang).labels
    hit = {name for name, pat in labels.items() if pat.search(text)}
    if valence == "negative":
        for name in ("frustrated", "skeptical", "worried"):
            if name in hit:
                return name
        if objection in ("trust", "need"):
            return "skeptical"
        if objection in ("security", "implementation"):
            return "worried"
        return "concerned"
    if valence == "positive":
        if "pleased" in hit and "interested" not in hit:
            return "pleased"
        return "interested"
    if objection in ("timing", "authority", "need", "competitor") or "hesitant" in hit:
        return "hesitant"
    if objection in ("trust",) or "skeptical" in hit:
        return "skeptical"
    if objection in ("security", "implementation", "price", "budget"):
        return "concerned"
    if question or "interested" in hit:
        return "interested"
    return "calm"


@dataclass(frozen=True, slots=True)
class EmotionTrend:
    """How the customer's mood moves over the call ("emotion fluctuation").

    Attributes:
        direction: "improving", "worsening" or "steady" over the recent utterances.
        slope: change of valence (-1..1 scale) per utterance over the recent window.
        mean: mean valence over the recent window.
        fluctuation: mean absolute change between consecutive utterances (0 = flat).
        count: utterances seen so far.
    """

    direction: str
    slope: float
    mean: float
    fluctuation: float
    count: int


class TrendTracker:
    """Keeps the customer's recent valence values and summarises their movement."""

    def __init__(self, window: int = 6) -> None:
        self._values: deque[float] = deque(maxlen=max(2, window))
        self._count = 0

    def add(self, emotion: TextEmotion, arousal: float | None = None) -> EmotionTrend:
        """Record one utterance's emotion and return the trend including it."""
        sign = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}[emotion.valence]
        value = sign * emotion.confidence
        if arousal is not None and sign != 0.0:
            value *= 0.75 + 0.5 * arousal  # a heated line moves the mood more
        self._values.append(max(-1.0, min(1.0, value)))
        self._count += 1
        return self.trend

    @property
    def trend(self) -> EmotionTrend:
        v = list(self._values)
        n = len(v)
        if n == 0:
            return EmotionTrend("steady", 0.0, 0.0, 0.0, 0)
        mean = sum(v) / n
        if n < 2:
            return EmotionTrend("steady", 0.0, round(mean, 3), 0.0, self._count)
        xm = (n - 1) / 2
        slope = sum((i - xm) * (y - mean) for i, y in enumerate(v)) / sum(
            (i - xm) ** 2 for i in range(n)
        )
        fluct = sum(abs(b - a) for a, b in itertools.pairwise(v)) / (n - 1)
        direction = "improving" if slope > 0.08 else "worsening" if slope < -0.08 else "steady"
        return EmotionTrend(
            direction, round(slope, 3), round(mean, 3), round(fluct, 3), self._count
        )
