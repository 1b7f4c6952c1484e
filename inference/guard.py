"""The compliance guard: every path is checked against the playbook's rules before it is shown.

What a path says is read, not matched as a string: discounts in any form ("25% off", "a
discount of thirty percent", "七五折" = 25% off, "优惠15%") are compared with the cap; money
amounts in the floor's currency ("$30 per seat", "200元", "二百元") with the floor; claims of
certifications with those the playbook holds; roadmap promises ("will be released next
quarter", "下个版本会上线") and disparaging words next to a competitor's name are caught. A
statement the path negates ("we can't go to 30% off", "we are not HIPAA certified") or asks
about is not a claim.

A violating path is first rewritten by dropping the sentences that break a rule; when nothing
compliant is left it is replaced by the fallback path (blocked). Either way the caller gets a
compliant path and the list of (rule id, action) to report as guard events.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from inference.events import GuardAction, SuggestionPath
from inference.playbook.model import Rule
from inference.playbook.numbers import find_discounts, find_money
from inference.playbook.rules import ZH_NOT_HELD, cert_key, cert_names
from inference.text import guess_lang, split_sentences

_NEG_BEFORE = re.compile(
    r"\b(not|no|never|can't|cannot|can not|won't|unable|don't|doesn't|isn't|aren't|without|"
    r"beyond what|instead of|rather than)\b|不能|无法|没法|不可能|做不到|不会|不是|没有|尚未|未|并非|不",
    re.I,
)
_SAVING = re.compile(
    r"\b(save[sd]?|saving\w*|off|less|cheaper|discount\w*|reduc\w*|lower by)\b|省|便宜|优惠|减|少|降",
    re.I,
)
_CLAUSE = re.compile(r"[.;!?,。；！？，:：]")
_ROADMAP_PROMISE = re.compile(
    r"\b(coming soon|on (?:our|the) roadmap|roadmap|next (?:release|version|quarter|update|sprint)|"
    r"(?:will|'ll|going to) (?:be )?(?:releas|launch|ship|add|introduc|roll\w* out|deliver|support|build|have|availab|ready|get)\w*"
    r"(?: [\w-]+){0,4} (?:soon|next|by|in q[1-4]|later|this year|next year|in 20\d\d)|"
    r"planned for|scheduled for|slated for|by (?:the end of )?(?:q[1-4]|20\d\d|next \w+)|"
    r"in q[1-4](?: 20\d\d)?|later this year|early next year|(?:we are|we're) (?:building|working on|developing))\b"
    r"|即将(?:上线|推出|发布|支持|开放)|很快(?:就)?(?:会|能|将)?(?:上线|推出|发布|支持)|"
    r"下(?:个|一)?(?:版本|季度|月|阶段)(?:就|会|将|能|可以){0,2}(?:上线|推出|发布|支持|有)|路线图|正在开发|"
    r"(?:计划|预计|将于|将在|年底|明年)[^，。；]{0,8}(?:上线|推出|发布|支持)",
    re.I,
)
_CERT_CLAIM = re.compile(
    r"\b(certified|certification|compliant|compliance|attest\w*|accredit\w*|approved|audited|"
    r"cleared|clearance|authori[sz]ed|registered|licen[cs]ed|"
    r"we (?:are|have|hold|got|meet|passed)|holds?|passed|meets?)\b|认证|合规|资质|通过|符合|具备|拥有|获得|取得|满足",
    re.I,
)
_ZH_CERT_CLAIM = re.compile(
    r"(?:通过了?|获得了?|取得了?|具备|拥有|符合)\s*([^\s，。；、（）()：:,;了的]{2,12}?)(?=认证|资质|证书|要求|标准)"
)
_DISPARAGING = re.compile(
    r"\b(terrible|awful|horrible|bad|worse|worst|inferior|junk|garbage|useless|unreliable|"
    r"outdated|clunky|scam\w*|rip-?off|sucks?|crap\w*|shoddy|amateur\w*|incompetent|"
    r"can't be trusted|cannot be trusted|dishonest|broken|joke|mess|nightmare|dying)\b"
    r"|垃圾|很差|太差|极差|差劲|不靠谱|烂|坑人|骗|忽悠|不行|落后|不专业|比不上|没法比|一塌糊涂|不值|过时",
    re.I,
)
_COMPETITOR_WORD = re.compile(
    r"\b(competitors?|the other vendors?|other tools?)\b|竞品|友商|竞争对手", re.I
)
SAFE_TEXT = {
    "en": "Let me check exactly what we can offer here and come back to you with the details in writing.",
    "zh": "我先确认一下我们能提供的具体方案，再以书面形式给您详细答复。",
}


@dataclass(frozen=True, slots=True)
class Violation:
    """A rule a text breaks, and the characters that break it."""

    rule: Rule
    start: int
    end: int
    detail: str


@dataclass(frozen=True, slots=True)
class GuardResult:
    """A compliant path and the rules that fired on the original, with what was done."""

    path: SuggestionPath
    fired: tuple[tuple[str, GuardAction], ...] = ()


def _negated(text: str, start: int, window: int = 30) -> bool:
    before = text[max(0, start - window) : start]
    parts = _CLAUSE.split(before)
    return bool(_NEG_BEFORE.search(parts[-1] if parts else ""))


_ASKS = re.compile(
    r"(?:are|is|do|does|did|have|has|can|could|would|will|which|what|who|whether|if|how|why)\b",
    re.I,
)
_ZH_ASKS = re.compile(r"吗|是否|哪|什么|有没有|是不是")
_ON_TOP = re.compile(r"\b(?:on top|extra|additional|further)\b|另外|再|额外|叠加|基础上", re.I)


def _question(text: str, start: int, end: int) -> bool:
    """Whether the words at start..end are asked about rather than stated: their sentence
    ends with a question mark and their own clause is the question ("Are you asking whether
    we are X certified?"), not a statement before it ("We are X certified, so which ...?")."""
    m = re.search(r"[.!?。！？]", text[end:])
    if m is None or m.group(0) not in "?？":
        return False
    clause_start = max((x.end() for x in _CLAUSE.finditer(text, 0, start)), default=0)
    clause = text[clause_start : end + m.start()].strip()
    return bool(_ASKS.match(clause) or _ZH_ASKS.search(clause))


def _additional(text: str, start: int, end: int) -> bool:
    """A discount given on top of another ("15% off on top of the annual plan")."""
    return bool(_ON_TOP.search(text[max(0, start - 20) : end + 30]))


class ComplianceGuard:
    """Checks texts and paths against a playbook's rules.

    Args:
        rules: the playbook's rules.
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)

    def violations(self, text: str) -> list[Violation]:
        """Every rule `text` breaks (empty when it is compliant)."""
        out: dict[tuple[str, int], Violation] = {}
        for rule in self.rules:
            for v in self._check(rule, text):
                out.setdefault((rule.id, v.start), v)
        return list(out.values())

    def _check(self, rule: Rule, text: str) -> list[Violation]:
        if rule.kind == "max_discount" and rule.value is not None:
            return [
                Violation(rule, d.start, d.end, f"{d.percent_off:g}% off exceeds {rule.value:g}%")
                for d in find_discounts(text)
                if d.percent_off > rule.value + 1e-9
                and (f"{d.percent_off:g}" not in rule.allowed or _additional(text, d.start, d.end))
                and not _negated(text, d.start)
            ]
        if rule.kind == "price_floor" and rule.value is not None:
            out = []
            for m in find_money(text):
                if m.currency != rule.currency or m.value >= rule.value or _negated(text, m.start):
                    continue
                clause = _CLAUSE.split(text[m.end : m.end + 25])[0]
                before = _CLAUSE.split(text[max(0, m.start - 20) : m.start])[-1]
                if _SAVING.search(clause) or _SAVING.search(before):
                    continue  # "save $10 per seat" is not a price
                out.append(Violation(rule, m.start, m.end, f"{m.text} is below the floor"))
            return out
        if rule.kind == "forbidden_claim":
            return self._claims(rule, text)
        if rule.kind == "forbidden_comparison":
            return self._comparisons(rule, text)
        return []

    def _claims(self, rule: Rule, text: str) -> list[Violation]:
        out: list[Violation] = []
        if rule.topic == "roadmap":
            for m in _ROADMAP_PROMISE.finditer(text):
                if not _negated(text, m.start()):
                    out.append(Violation(rule, m.start(), m.end(), "roadmap promise"))
            return out
        if rule.topic == "claim":
            for term in rule.terms:
                i = text.lower().find(term.lower())
                if i >= 0 and not _negated(text, i):
                    out.append(Violation(rule, i, i + len(term), f"claims {term!r}"))
            return out
        held = {cert_key(h) for h in rule.allowed}
        candidates: list[tuple[str, int, int]] = []
        if rule.terms:
            for term in rule.terms:
                for m in re.finditer(re.escape(term), text, re.I):
                    candidates.append((term, m.start(), m.end()))
        else:
            for name in cert_names(text):
                for m in re.finditer(re.escape(name), text):
                    candidates.append((name, m.start(), m.end()))
            for m in _ZH_CERT_CLAIM.finditer(text):
                candidates.append((m.group(1), m.start(1), m.end(1)))
        for name, start, end in candidates:
            key = cert_key(name)
            if not rule.terms and any(key in h or h in key for h in held if h):
                continue
            clause_start = max((x.end() for x in _CLAUSE.finditer(text, 0, start)), default=0)
            clause_end = next((x.start() for x in _CLAUSE.finditer(text, end)), len(text))
            clause = text[clause_start:clause_end]
            if not _CERT_CLAIM.search(clause) or _question(text, start, end):
                continue
            if (
                _negated(text, start)
                or ZH_NOT_HELD.search(clause)
                or re.search(r"\bnot\b|不|未|没", clause[: start - clause_start])
            ):
                continue
            out.append(Violation(rule, start, end, f"claims {name}"))
        return out

    def _comparisons(self, rule: Rule, text: str) -> list[Violation]:
        out: list[Violation] = []
        for sentence_start, sentence in _sentences_with_offsets(text):
            names = [n for n in rule.terms if n.lower() in sentence.lower()]
            if not names and not _COMPETITOR_WORD.search(sentence):
                continue
            m = _DISPARAGING.search(sentence)
            if m:
                out.append(
                    Violation(rule, sentence_start + m.start(), sentence_start + m.end(),
                              f"disparages {', '.join(names) or 'a competitor'}")
                )  # fmt: skip
        return out

    def check(self, path: SuggestionPath, *, fallback: SuggestionPath | None = None) -> GuardResult:
        """A compliant version of `path` and the rules that fired.

        Sentences that break a rule are dropped (action "rewritten"); when none is left, the
        path is replaced by `fallback` if that is compliant, else by a safe holding line with
        the same sources (action "blocked").
        """
        found = self.violations(path.text)
        if not found:
            return GuardResult(path)
        rule_ids = list(dict.fromkeys(v.rule.id for v in found))
        kept = [
            s
            for start, s in _sentences_with_offsets(path.text)
            if not any(start <= v.start < start + len(s) for v in found)
        ]
        joiner = "" if guess_lang(path.text) == "zh" else " "
        rewritten = joiner.join(kept).strip()
        if rewritten and len(rewritten) >= 12 and not self.violations(rewritten):
            return GuardResult(
                replace(path, text=rewritten), tuple((r, "rewritten") for r in rule_ids)
            )
        if fallback is not None and not self.violations(fallback.text):
            replacement = replace(fallback, complete=path.complete)
        else:
            lang = guess_lang(path.text)
            replacement = replace(path, text=SAFE_TEXT.get(lang, SAFE_TEXT["en"]),
                                  confidence=min(path.confidence, 0.3))  # fmt: skip
        return GuardResult(replacement, tuple((r, "blocked") for r in rule_ids))


def _sentences_with_offsets(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    pos = 0
    for sentence in split_sentences(text, semicolons=True):
        i = text.find(sentence, pos)
        if i < 0:
            i = pos
        out.append((i, sentence))
        pos = i + len(sentence)
    return out
