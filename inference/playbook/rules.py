"""Rules a rep must not break, extracted from playbook prose in English and Chinese.

Four kinds, each keeping the sentence it came from:

- `max_discount`: a cap word and a discount in one sentence ("at most 10% off",
  "最多优惠15%", "不超过九折" = 10% off, "最低八折" = 20% off).
- `price_floor`: a prohibition or "minimum" and a money amount ("never below $35 per seat",
  "不得低于每坐席每月220元").
- `forbidden_claim`: roadmap promises ("do not promise roadmap dates", "不得承诺尚未发布的功能"),
  certifications not held ("we are not HIPAA certified", "尚未通过等保三级", or a general
  "do not claim certifications the company does not hold", checked against the
  certifications the playbook does state).
- `forbidden_comparison`: disparaging competitors ("do not disparage competitors by name",
  "不得点名贬低竞品"), with the competitor names of the playbook's competitor section.

The patterns are general (no product or industry words), so playbooks of any trade work.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol, TypeVar

from inference.playbook.model import PlaybookEntry, Rule
from inference.playbook.numbers import PRICE_CONTEXT, find_discounts, find_money
from inference.text import split_sentences

PROHIBIT = re.compile(
    r"\b(do not|don't|never|must not|mustn't|may not|cannot|can't|should not|shouldn't|"
    r"not allowed|not permitted|forbidden|prohibited|avoid|refrain)\b"
    r"|不得|不能|不可|不准|禁止|严禁|切勿|不要|不允许|避免|不许",
    re.I,
)
NEGATION = re.compile(
    r"\b(not|no|never|without|lacks?|isn't|aren't|doesn't|don't|haven't|hasn't)\b"
    r"|尚未|未|没有|不具备|暂无|尚无|不是|并非|无",
    re.I,
)
_CAP = re.compile(
    r"\b(at most|up to|no more than|not more than|maximum|max\.?|capped|cap of|cap at|limit\w*|"
    r"cannot exceed|can't exceed|must not exceed|may not exceed|not exceed|never exceed|"
    r"more than|beyond|above|greater than)\b"
    r"|最多|最高|至多|不超过|不得超过|不能超过|不可超过|不要超过|不高于|上限|以内|封顶|为限",
    re.I,
)
_ZHE_CAP = re.compile(r"最低|不低于|不得低于|不能低于|不可低于|最多打到|最多")
_FLOOR = re.compile(
    r"\b(below|under|less than|lower than|minimum|floor|at least|cheaper than|lowest|bottom)\b"
    r"|低于|少于|底价|最低价|最低报价|最低|不低于",
    re.I,
)
_ROADMAP = re.compile(
    r"\b(roadmap|road map|upcoming|unreleased|future (?:features?|releases?|versions?|products?)|"
    r"release dates?|launch dates?|delivery dates?|ship dates?|not (?:yet )?(?:released|available|shipped)|"
    r"features? (?:or|and) dates?)\b"
    r"|路线图|尚未发布|未发布|未上线|尚未上线|上线日期|上线时间|发布日期|发布时间|交付日期|未来功能|规划中的功能|新功能|新版本",
    re.I,
)
_PROMISE = re.compile(
    r"\b(promise|commit|guarantee|announce|mention|discuss)\w*|承诺|保证|透露|许诺", re.I
)
_CERT_CONTEXT = re.compile(
    r"\b(certif\w*|attest\w*|accredit\w*|complian\w*|audit\w*|licen[cs]\w*|approv\w*|"
    r"clearance|cleared|authori[sz]\w*|registered|registration)\b"
    r"|资质|认证|等保|合规|资格|牌照|执照|许可|证书|注册证|备案",
    re.I,
)
_SECURITY_HEADING = re.compile(r"secur|trust|privacy|安全|隐私|信任", re.I)
_CLAIM = re.compile(r"\b(claim|say|state|imply|suggest|tell)\w*|声称|宣称|说|表示|承诺", re.I)
_DISPARAGE = re.compile(
    r"\b(disparag\w*|bad-?mouth\w*|trash\w*|criticiz\w*|criticis\w*|denigrat\w*|insult\w*|"
    r"negative\w* about|put down|attack\w*|speak ill|run down|bash\w*|slam\w*|belittl\w*|"
    r"mock\w*|ridicul\w*|talk down|smear\w*)\b"
    r"|贬低|诋毁|攻击|抹黑|坏话|踩|嘲讽|挖苦",
    re.I,
)
_COMPETITOR_WORD = re.compile(
    r"\b(competitor\w*|competition|rivals?|alternatives?)\b|竞品|竞争对手|友商|同行|对手", re.I
)
COMPETITOR_HEADING = re.compile(
    r"competit|rival|alternative|\bvs\b|versus|竞品|竞争|友商|对手|对比", re.I
)

# Certification-like names: acronyms and CamelCase marks with their numbers ("ISO 27001",
# "SOC 2 Type II", "HIPAA", "FedRAMP", "PCI DSS"), and Chinese graded ones ("等保三级").
CERT_NAME = re.compile(
    r"(?<![A-Za-z])((?:[A-Z][a-z]*[A-Z][A-Za-z]*|[A-Z]{2,})(?:[ -](?:\d{1,5}(?:[-:]\d+)?|Type (?:II|I|1|2)|[A-Z]{2,}|Level \d|Tier \d))*)"
    r"|(等保[一二三四五12345]级|[一二三]级等保)"
)
_NOT_CERT_WORDS = (
    "API REST SLA NDA CEO CFO CTO IT HR PDF CSV USD EUR GBP RMB CNY US EU UK AI SDK SSO UI UX "
    "FAQ ROI KPI CRM ERP SMS AES TLS SSL QA OK PS NB"
)
_NOT_CERT = frozenset(_NOT_CERT_WORDS.split())
ZH_NOT_HELD = re.compile(
    r"(?:尚未通过|没有通过|未通过|未获得|没有获得|尚未获得|未取得|没有取得|不具备|尚无|暂无|没有)\s*"
    r"([^\s，。；、（）()：:,;的]{2,12}?)(?=认证|资质|证书|[，。；、（）()]|$)"
)


def cert_key(name: str) -> str:
    """Comparison key of a certification name ("SOC 2 Type II" -> "soc2typeii")."""
    return re.sub(r"[\s\-_:]", "", name).lower()


def cert_names(sentence: str) -> list[str]:
    """Certification-like names in a sentence (acronyms with their numbers, 等保三级)."""
    out: list[str] = []
    for m in CERT_NAME.finditer(sentence):
        name = (m.group(1) or m.group(2) or "").strip()
        if not name or name.split()[0].split("-")[0] in _NOT_CERT:
            continue
        if re.fullmatch(r"[A-Z][a-z]+[A-Z]?", name):  # a capitalised word, not a mark
            continue
        out.append(name)
    return out


def _sentences(entries: Iterable[PlaybookEntry]) -> Iterable[tuple[PlaybookEntry, str]]:
    for entry in entries:
        for sentence in split_sentences(entry.text, semicolons=True):
            yield entry, sentence


class _Located(Protocol):
    @property
    def start(self) -> int: ...


_L = TypeVar("_L", bound=_Located)


def _nearest(items: list[_L], pos: int) -> _L:
    return min(items, key=lambda x: abs(x.start - pos))


def competitor_names(entries: Iterable[PlaybookEntry]) -> list[str]:
    """Names listed in a competitor section ("- Acme: ..." or "- 某某：...")."""
    out: list[str] = []
    for entry in entries:
        if not COMPETITOR_HEADING.search(entry.heading):
            continue
        for line in entry.text.splitlines():
            m = re.match(r"\s*([^:：,，。]{1,40}?)\s*[:：]", line)
            if m:
                name = re.sub(r"^(vs\.?|versus|对比)\s*", "", m.group(1).strip(), flags=re.I)
                if name and len(name.split()) <= 4 and name not in out:
                    out.append(name)
    return out


def held_certifications(entries: Iterable[PlaybookEntry]) -> list[str]:
    """Certifications the playbook states as held (cert context, no negation, no prohibition)."""
    out: list[str] = []
    for entry, sentence in _sentences(e for e in entries if e.kind == "playbook"):
        section = _CERT_CONTEXT.search(entry.heading) or _SECURITY_HEADING.search(entry.heading)
        for clause in re.split(r"[.;。；]\s", sentence + " "):
            report = re.search(r"\breport\b|报告", clause, re.I)
            if not (section or report or _CERT_CONTEXT.search(clause)):
                continue
            if NEGATION.search(clause) or PROHIBIT.search(clause):
                continue
            clause_context = bool(_CERT_CONTEXT.search(clause) or report)
            for name in cert_names(clause):
                if not clause_context and not re.search(r"\d|等保", name):
                    continue  # in a security section, a bare acronym ("GPS") is no certification
                if cert_key(name) not in {cert_key(n) for n in out}:
                    out.append(name)
    return out


def extract_rules(entries: tuple[PlaybookEntry, ...]) -> list[Rule]:
    """Machine-checkable rules found in the prose of `entries` (account notes included)."""
    rules: list[Rule] = []
    offered: list[str] = []
    competitors = competitor_names(entries)
    held = held_certifications(entries)
    for entry, sentence in _sentences(entries):
        rules.extend(_discount_rules(entry, sentence, offered))
        rules.extend(_floor_rules(entry, sentence))
        rules.extend(_claim_rules(entry, sentence, held))
        if (
            PROHIBIT.search(sentence)
            and _DISPARAGE.search(sentence)
            and (_COMPETITOR_WORD.search(sentence) or competitors)
        ):
            rules.append(
                Rule("forbidden_comparison", "forbidden_comparison", sentence, entry.file,
                     terms=tuple(competitors))
            )  # fmt: skip
    # Discounts the playbook itself offers may be repeated; they are not over the cap.
    out: list[Rule] = []
    for rule in rules:
        if rule.kind == "max_discount":
            allowed = tuple(v for v in offered if float(v) > (rule.value or 0))
            rule = Rule(rule.id, rule.kind, rule.sentence, rule.file, rule.value, allowed=allowed)
        out.append(rule)
    return dedupe(out)


def _discount_rules(entry: PlaybookEntry, sentence: str, offered: list[str]) -> list[Rule]:
    discounts = find_discounts(sentence)
    if not discounts:
        return []
    cap = _CAP.search(sentence)
    zhe_cap = _ZHE_CAP.search(sentence)
    is_zhe = any("折" in d.text for d in discounts)
    if cap is None and not (is_zhe and zhe_cap is not None):
        if not PROHIBIT.search(sentence) and PRICE_CONTEXT.search(sentence):
            offered.extend(f"{d.percent_off:g}" for d in discounts)
        return []
    anchor = cap or zhe_cap
    assert anchor is not None
    chosen = _nearest(
        [d for d in discounts if d.start >= anchor.start()] or discounts, anchor.end()
    )
    return [Rule("max_discount", "max_discount", sentence, entry.file, chosen.percent_off)]


_FLOOR_ALONE = frozenset(
    (
        "minimum",
        "floor",
        "at least",
        "lowest",
        "bottom",
        "底价",
        "最低价",
        "最低报价",
        "最低",
        "不低于",
    )
)


def _floor_rules(entry: PlaybookEntry, sentence: str) -> list[Rule]:
    money = find_money(sentence)
    floor = _FLOOR.search(sentence)
    if not money or floor is None:
        return []
    word = floor.group(0).lower()
    if not (PROHIBIT.search(sentence) or word in _FLOOR_ALONE):
        return []
    chosen = _nearest([m for m in money if m.start >= floor.start()] or money, floor.end())
    return [Rule("price_floor", "price_floor", sentence, entry.file, chosen.value, chosen.currency)]


def _claim_rules(entry: PlaybookEntry, sentence: str, held: list[str]) -> list[Rule]:
    rules: list[Rule] = []
    prohibited = PROHIBIT.search(sentence) is not None
    if (
        prohibited
        and _ROADMAP.search(sentence)
        and (_PROMISE.search(sentence) or "日期" in sentence)
    ):
        rules.append(
            Rule(
                "forbidden_claim:roadmap", "forbidden_claim", sentence, entry.file, topic="roadmap"
            )
        )
    if not _CERT_CONTEXT.search(sentence) or not (prohibited or NEGATION.search(sentence)):
        return rules
    names = [n for n in cert_names(sentence) if cert_key(n) not in {cert_key(h) for h in held}]
    names += [m.group(1) for m in ZH_NOT_HELD.finditer(sentence) if m.group(1) not in names]
    held_keys = {cert_key(h) for h in held}
    for name in names:
        if cert_key(name) in held_keys:
            continue
        rules.append(
            Rule(f"forbidden_claim:cert:{cert_key(name)}", "forbidden_claim", sentence, entry.file,
                 terms=(name,), topic="certification")
        )  # fmt: skip
    if prohibited and _CLAIM.search(sentence):
        rules.append(
            Rule("forbidden_claim:certification", "forbidden_claim", sentence, entry.file,
                 topic="certification", allowed=tuple(held))
        )  # fmt: skip
    return rules


def dedupe(rules: list[Rule]) -> list[Rule]:
    """One rule per id; the strictest value wins (lowest cap, highest floor per currency)."""
    by_id: dict[str, Rule] = {}
    for rule in rules:
        key = rule.id if rule.kind != "price_floor" else f"price_floor:{rule.currency}"
        old = by_id.get(key)
        if (
            old is None
            or (rule.kind == "max_discount" and (rule.value or 0) < (old.value or 0))
            or (rule.kind == "price_floor" and (rule.value or 0) > (old.value or 0))
            or (rule.kind == "forbidden_comparison" and len(rule.terms) > len(old.terms))
        ):
            by_id[key] = rule
    out = list(by_id.values())
    floors = [r for r in out if r.kind == "price_floor"]
    if len(floors) > 1:  # one id per currency, so guard events say which
        out = [
            Rule(f"price_floor:{r.currency}", r.kind, r.sentence, r.file, r.value, r.currency)
            if r.kind == "price_floor" else r
            for r in out
        ]  # fmt: skip
    return out
