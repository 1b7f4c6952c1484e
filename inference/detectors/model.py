"""Learned objection and valence classifiers: sparse features, linear weights from package JSON.

A multinomial logistic regression per language and task, trained offline by
`scripts/train_detectors.py` on the labelled lines in `inference/detectors/data/` (many
industries, both languages) and shipped as `model_<lang>.json`. Its features are the words
and word pairs of the line (English: Snowball stems; Chinese: jieba words and character pairs),
the same marked when they follow a contrast ("but", 但是) or a negation, and the evidence of
the rule detectors (`objection.classify`, `emotion.read_emotion`), so the model learns how far
to trust each rule cue instead of replacing it. Scoring is a dictionary look-up and a sum: far
below a millisecond. Nothing is trained at runtime.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from inference.events import OBJECTION_CATEGORIES
from inference.text import han_count, is_han, stem

NONE = "none"
OBJECTION_CLASSES: tuple[str, ...] = (NONE, *OBJECTION_CATEGORIES)
VALENCE_CLASSES: tuple[str, ...] = ("negative", "neutral", "positive")

_EN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[?]")
_EN_CONTRAST = frozenset({"but", "though", "although", "however", "just", "only", "except"})
_EN_NEGATORS = frozenset({"not", "no", "never", "nothing", "isn't", "aren't", "don't"})
_EN_NEG_SPLIT = re.compile(r"n't\b")
_ZH_CONTRAST = ("但是", "但", "可是", "可", "不过", "就是", "只是", "而是", "关键是", "主要是")
_ZH_NEGATORS = ("不是", "不", "没", "没有", "别", "无")
_ZH_DROP = re.compile(r"^[\W_]+$")


def _en_tokens(text: str) -> list[str]:
    text = _EN_NEG_SPLIT.sub(" not", text.replace("can't", "can not").replace("won't", "will not"))
    return [stem(w) for w in _EN_WORD.findall(text)]


def _marked(
    tokens: Sequence[str], contrast: frozenset[str] | Sequence[str], negators: Any
) -> list[str]:
    """Words with their context marks: c| after a contrast connector, n| shortly after a negation."""
    out: list[str] = []
    after_contrast = False
    neg_left = 0
    for tok in tokens:
        if tok in contrast:
            after_contrast = True
            neg_left = 0
            continue
        if tok in negators:
            neg_left = 3
            continue
        if after_contrast:
            out.append("c|" + tok)
        if neg_left > 0:
            out.append("n|" + tok)
            neg_left -= 1
    return out


_CONTRAST_RE = {
    "en": re.compile(
        r"\b(?:but|though|although|however|except|only thing|real (?:issue|problem))\b"
    ),
    "zh": re.compile(
        r"但是|可是|(?:^|[，,;；])(?:但|不过|就是|只是)|而是|关键是|主要是|问题是|唯一"
    ),
}
_NEG_BEFORE = {
    "en": re.compile(
        r"\b(?:not|no|never|isn't|aren't|don't|doesn't|nothing|without)\b[^,.;]{0,12}$"
    ),
    "zh": re.compile(r"(?:不是|没有|没|不|无|别)[^，。；,;]{0,3}$"),
}
_NEG_AFTER = {
    "en": re.compile(
        r"^[^,.;]{0,14}?\b(?:isn't|is not|aren't|are not|wasn't|not)\b[^,.;]{0,12}"
        r"\b(?:issue|problem|concern|point|question|worry)|^[^,.;]{0,10}\b(?:aside|is fine|"
        r"are fine|is reasonable|is fair|works|looks solid|look fine)"
    ),
    "zh": re.compile(
        r"^[^，。；,;]{0,4}(?:不是问题|不是重点|没问题|倒是|能接受|合理|没意见|挺好|合适|可以)"
    ),
}


@cache
def _concepts(lang: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    raw = resources.files("inference.detectors").joinpath("concepts.json").read_text("utf-8")
    families: dict[str, list[str]] = json.loads(raw)[lang]
    out = []
    for name, entries in families.items():
        alts = "|".join(re.escape(e.lower()) for e in sorted(entries, key=len, reverse=True))
        out.append((name, re.compile(rf"\b(?:{alts})" if lang == "en" else f"(?:{alts})")))
    return tuple(out)


def concept_features(low: str, lang: str) -> list[str]:
    """Word-family features: x|family, and cx| after a contrast, nx| when set aside."""
    lang = "zh" if lang == "zh" else "en"
    contrast_at = -1
    for m in _CONTRAST_RE[lang].finditer(low):
        contrast_at = m.end()
    feats: list[str] = []
    for name, pat in _concepts(lang):
        hit = plain = False
        for m in pat.finditer(low):
            hit = True
            negated = bool(
                _NEG_BEFORE[lang].search(low[max(0, m.start() - 16) : m.start()])
                or _NEG_AFTER[lang].search(low[m.end() : m.end() + 40])
            )
            if negated:
                feats.append("nx|" + name)
            else:
                plain = True
            if contrast_at >= 0 and m.start() >= contrast_at:
                feats.append("cx|" + name)
        if hit:
            feats.append("x|" + name)
            if plain:
                feats.append("px|" + name)
    return feats


_STANCE_MARK = {
    "en": re.compile(
        r"\b(?:not|no|never|nothing|nobody|without|cannot|nah|but|though|although|however|"
        r"except)\b|n't\b"
    ),
    "zh": re.compile(
        r"不是|不需要|不用|不行|不要|不想|不会|不能|不够|不了|不起|不到|不太|没法|没有|没钱|没空|"
        r"没时间|没人|没必要|别|无法|但是|可是|不过"
    ),
}
_QUESTION = {
    "en": re.compile(
        r"\?|^(?:so |and |um |uh |okay |ok )?(?:can|could|would|will|do|does|is|are|how|what|"
        r"where|who|when|why|which)\b"
    ),
    "zh": re.compile(r"[?？吗呢]|多少|怎么|哪|几个|能不能|是不是|有没有"),
}


@cache
def _stance_re(lang: str) -> re.Pattern[str]:
    """Every entry of a stance family (`concepts.json` "_stance") but those that only name a
    date or a thing."""
    raw = resources.files("inference.detectors").joinpath("concepts.json").read_text("utf-8")
    data = json.loads(raw)
    skip = {e.lower() for e in data["_stance"]["not_stance"][lang]}
    entries = {
        e.lower()
        for name in data["_stance"]["families"]
        for e in data[lang].get(name, [])
        if e.lower() not in skip
    }
    alts = "|".join(re.escape(e) for e in sorted(entries, key=len, reverse=True))
    return re.compile(rf"\b(?:{alts})" if lang == "en" else f"(?:{alts})")


def takes_stance(low: str, lang: str) -> bool:
    """Whether a line says anything an objection is made of: a negation, a contrast, or a word
    of a stance family (`concepts.json` "_stance": a cost too high or to negotiate, money not there, not now, a
    rival kept, someone else deciding, "we're fine", doubt, worry, effort, data risk).
    A line without any of them describes (the business, the team, how the work is done today,
    what a manager would like), asks a neutral question or assents; it can still be an
    objection, but the words alone do not make one.

    Args:
        low: the line, normalised and lower-cased.
        lang: "en" or "zh".
    """
    lang = "zh" if lang == "zh" else "en"
    return bool(_STANCE_MARK[lang].search(low) or _stance_re(lang).search(low))


def stance_features(low: str, lang: str) -> list[str]:
    """st|plain for a line that takes no stance (`takes_stance`), st|plainq when it is also a
    question (a neutral logistics question); st|short for a short line that takes one (the
    blunt objection: "Too dear.", "Call me next quarter.", 再说吧)."""
    lang = "zh" if lang == "zh" else "en"
    short = han_count(low) <= 8 if lang == "zh" else len(_EN_WORD.findall(low)) <= 6
    if takes_stance(low, lang):
        return ["st|short"] if short else []
    return ["st|plain", "st|plainq"] if _QUESTION[lang].search(low) else ["st|plain"]


# A word spelt with a capital inside a sentence that is no acronym, no "I" and no date: in a
# customer's line that is mostly a name no lexicon can know: a supplier ("we book through
# Tidewell"), a rival's product, now and then a person or a place (`signals._name_shift`).
_EN_NAME = re.compile(r"(?<![\w'-])([A-Z][a-z]+(?:[A-Z][a-z]+)*)\b")
_NOT_NAMES = (
    "I Im Id Ive Ill Ok Okay Mr Mrs Ms Dr Sir Madam God Monday Tuesday Wednesday Thursday "
    "Friday Saturday Sunday Mondays Tuesdays Wednesdays Thursdays Fridays Saturdays Sundays "
    "January February March April May June July August September October November December "
    "Christmas Easter"
)
_EN_NOT_NAME = frozenset(_NOT_NAMES.split())
# A run of capitalised words that reaches one of these is a public body or an institution (the
# Arts Council, Head Office, the Health Board): it funds, approves or reviews; it sells no tool.
_INSTITUTION = re.compile(
    r"(?:[A-Z][a-z]+ )*(?:Council|Board|Office|Department|Ministry|Authority|Agency|Trust|"
    r"Foundation|Fund|Bank|University|College|School|Hospital|Government|Commission|"
    r"Committee|Church|Society|Association|Union|Officer|Revenue)\b"
)
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"(]|\s-)\s*$")
# Chinese: a run of Latin letters with a capital and a lower-case letter (Feishu, WeChat), not an
# acronym (ERP, APP): how a foreign or software brand appears in Mandarin text.
_ZH_NAME = re.compile(r"(?<![A-Za-z])[A-Z][a-z]{2,}(?:[A-Z][a-z]+)*(?![A-Za-z])")


def _names(norm: str, lang: str) -> list[str]:
    """The proper names of a line that the lexicons cannot know (`names_something`)."""
    if lang == "zh":
        return _ZH_NAME.findall(norm)
    return [
        m.group(1)
        for m in _EN_NAME.finditer(norm)
        if m.group(1) not in _EN_NOT_NAME
        and not _SENTENCE_START.search(norm[: m.start()])
        and not _INSTITUTION.match(norm, m.start())
    ]


def names_something(norm: str, lang: str) -> bool:
    """Whether the line names something by a proper name the lexicons cannot know.

    Args:
        norm: the line, normalised but not lower-cased (the capital is the evidence).
        lang: "en" or "zh".
    """
    return bool(_names(norm, lang))


# Everyday tools a customer makes do with ("we do it in Excel", 发微信就行): naming one says
# that what they have is enough (need); it names no rival supplier.
_TOOLS = (
    "Excel Word Outlook Gmail Google Facebook Instagram Whatsapp WhatsApp WeChat Wechat "
    "Messenger Teams Zoom Skype Dropbox Sheets Docs Notes Notion Calendar Ipad Iphone Android "
    "Windows Mac App Apps Pdf Email Sms Paper Post YouTube"
)
_EVERYDAY_TOOLS = frozenset(_TOOLS.split())
# Common given names: a person who keeps the book by hand is no supplier ("Gary writes them in").
_GIVEN = """Aaron Adam Alan Alex Alice Amanda Amy Andrew Andy Angela Ann Anna Anne Anthony Ben
    Beth Bill Bob Brian Carl Carol Caroline Catherine Charles Charlie Chris Claire Colin Dan
    Daniel Dave David Debbie Diane Dom Donna Doug Ed Eddie Emily Emma Eric Fiona Frank Fred
    Gary George Graham Greg Hannah Harry Helen Ian Jack Jackie James Jamie Jane Janet Jason Jay
    Jeff Jen Jenny Jess Jim Jo Joan Joe John Jon Josh Julie Karen Kate Katie Keith Kelly Ken
    Kevin Kim Laura Lee Lisa Liz Lucy Luke Maggie Marie Mark Martin Mary Matt Mel Michael
    Mike Nancy Neil Nick Nicola Pam Pat Paul Pete Peter Phil Rachel Ray Rich Richard Rob
    Robert Ron Rose Ruth Ryan Sally Sam Sandra Sarah Scott Sean Sharon Simon Sophie Steve
    Stuart Sue Susan Tim Tina Tom Tony Vicky Will Zoe"""
_GIVEN_NAMES = frozenset(_GIVEN.split())


def supplier_named(norm: str, lang: str) -> bool:
    """Whether the line names a supplier the lexicons cannot know: a proper name
    (`names_something`) that is no everyday tool and no common given name.

    Args:
        norm: the line, normalised but not lower-cased.
        lang: "en" or "zh".
    """
    return any(n not in _EVERYDAY_TOOLS and n not in _GIVEN_NAMES for n in _names(norm, lang))


def text_features(low: str, lang: str, words: Sequence[str] = ()) -> list[str]:
    """Sparse binary features of a normalised, lower-cased line.

    Args:
        low: the line, normalised and lower-cased.
        lang: "en" or "zh".
        words: for Chinese, the jieba words of the line (ignored for English).
    """
    feats: list[str] = concept_features(low, lang)
    feats += stance_features(low, lang)
    if lang == "zh":
        toks = [w for w in words if not _ZH_DROP.match(w)]
        feats += ["w|" + t for t in toks]
        feats += [f"b|{a}_{b}" for a, b in itertools.pairwise(toks)]
        chars = [c for c in low if is_han(c)]
        feats += ["k|" + a + b for a, b in itertools.pairwise(chars)]
        feats += ["u|" + c for c in chars]
        feats += _marked(toks, _ZH_CONTRAST, _ZH_NEGATORS)
        if "?" in low or "吗" in low or "呢" in low:
            feats.append("q|?")
    else:
        toks = _en_tokens(low)
        feats += ["w|" + t for t in toks if t != "?"]
        plain = [t for t in toks if t != "?"]
        feats += [f"b|{a}_{b}" for a, b in itertools.pairwise(plain)]
        feats += _marked(plain, _EN_CONTRAST, _EN_NEGATORS)
        if "?" in low:
            feats.append("q|?")
    return feats


def rule_features(
    objection_scores: Mapping[str, float],
    rule_objection: str | None,
    emotion_score: float,
    roles: Sequence[str],
    wish: bool = False,
) -> dict[str, float]:
    """Real-valued features from the rule detectors' evidence (scaled to about 0..2).

    `wish`: the line tells what a decision-maker wants, with no approval step
    (`objection.decider_wish`).
    """
    feats: dict[str, float] = {}
    if wish:
        feats["wish|decider"] = 1.0
    for cat, s in objection_scores.items():
        if s > 0:
            feats["r|" + cat] = min(2.0, s / 3.0)
    feats["rt|" + (rule_objection or NONE)] = 1.0
    if emotion_score > 0:
        feats["e|pos"] = min(2.0, emotion_score / 2.0)
    elif emotion_score < 0:
        feats["e|neg"] = min(2.0, -emotion_score / 2.0)
    if roles:
        feats["role|any"] = 1.0
    return feats


@dataclass(frozen=True, slots=True)
class LinearModel:
    """One multinomial logistic regression: weights per feature, one per class."""

    classes: tuple[str, ...]
    bias: tuple[float, ...]
    weights: Mapping[str, Sequence[float]]

    def probabilities(
        self, features: Mapping[str, float], shift: Mapping[str, float] | None = None
    ) -> list[float]:
        """Class probabilities for features (binary text features with value 1.0).

        Args:
            features: the feature map (`combine`).
            shift: evidence known outside the text, added to a class's log-odds.
        """
        z = list(self.bias)
        for cls_name, delta in (shift or {}).items():
            if cls_name in self.classes:
                z[self.classes.index(cls_name)] += delta
        for name, value in features.items():
            w = self.weights.get(name)
            if w is not None:
                for i, wi in enumerate(w):
                    z[i] += wi * value
        top = max(z)
        e = [math.exp(v - top) for v in z]
        total = sum(e)
        return [v / total for v in e]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LinearModel:
        return cls(
            classes=tuple(data["classes"]),
            bias=tuple(float(b) for b in data["bias"]),
            weights={k: tuple(float(x) for x in v) for k, v in data["weights"].items()},
        )


@dataclass(frozen=True, slots=True)
class LanguageModels:
    """The objection and valence models of one language."""

    objection: LinearModel
    valence: LinearModel


def model_file(lang: str) -> str:
    """The package-data file name of a language's weights."""
    return f"model_{lang}.json"


@cache
def load_models(lang: str) -> LanguageModels | None:
    """The shipped models of `lang`, or None when the package has none for it."""
    res = resources.files("inference.detectors").joinpath(model_file(lang))
    if not res.is_file():
        return None
    data = json.loads(res.read_text(encoding="utf-8"))
    return LanguageModels(
        objection=LinearModel.from_dict(data["objection"]),
        valence=LinearModel.from_dict(data["valence"]),
    )


def combine(text_feats: Sequence[str], rule_feats: Mapping[str, float]) -> dict[str, float]:
    """One feature map: binary text features plus the real-valued rule features."""
    out = dict.fromkeys(text_feats, 1.0)
    out.update(rule_feats)
    return out
