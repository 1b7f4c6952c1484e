"""Numbers in sales prose: percentages off, Chinese 折 (八折 = 20% off), money amounts.

Numerals themselves are read by `inference.text.numbers` (cn2an for Chinese). Used both to
extract rules from a playbook and by the compliance guard to read what a path
offers, so both sides understand numbers the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inference.text.numbers import (
    EN_NUMBER_WORD,
    ZH_DIGITS,
    ZH_NUM_CHARS,
    en_word_to_number,
    zh_to_number,
)

# ---------------------------------------------------------------- discounts

_PCT = rf"(\d+(?:\.\d+)?|{EN_NUMBER_WORD})\s*(?:%|percent\b|per cent\b|个点)|百分之([{ZH_NUM_CHARS}\d.]+)"
_PCT_RE = re.compile(_PCT, re.I)
# 八折, 八五折, 8.5折, 85折, 七五折; 对折 / 半价 = 50% off.
_ZHE_RE = re.compile(rf"(\d(?:\.\d)?|\d\d|[{ZH_NUM_CHARS}]{{1,2}})\s*折|对折|半价")
DISCOUNT_WORDS = re.compile(
    r"\b(off|discount\w*|reduc\w*|rebate|cheaper|markdown|price cut|cut the price|knock)\b"
    r"|折扣|优惠|让利|便宜|降价|减价|减免|返点|返利|折让|打折"
    r"|(?<![下])(?:让|降|减)(?=\s*(?:\d|百分之))",  # "再让5%", not "油耗下降12%"
    re.I,
)
PRICE_CONTEXT = re.compile(
    r"\b(price\w*|plan|list|billed|billing|annual\w*|yearly|monthly|subscription|contract|"
    r"licen[cs]e\w*|per (?:seat|user|agent|vehicle|month|year))\b|价|年付|月付|套餐|费|合同|每月|每年",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Discount:
    """A discount stated in text: `percent_off` in [0, 100] and where it was found."""

    percent_off: float
    start: int
    end: int
    text: str


def zhe_to_percent_off(token: str) -> float | None:
    """Percent off of a 折 figure: "八" -> 20, "八五" -> 15, "8.5" -> 15, "85" -> 15."""
    if token in ("对", "半"):
        return 50.0
    if re.fullmatch(r"\d\.\d", token):
        return round(100 - float(token) * 10, 2)
    if re.fullmatch(r"\d{1,2}", token):
        v = int(token)
        return float(100 - v * 10) if v < 10 else float(100 - v)
    if not token or any(c not in ZH_DIGITS for c in token):
        return None
    digits = [ZH_DIGITS[c] for c in token]
    if len(digits) == 1:
        return float(100 - digits[0] * 10)
    return float(100 - (digits[0] * 10 + digits[1]))


def _pct_value(m: re.Match[str]) -> float | None:
    raw = m.group(1) or m.group(2) or ""
    try:
        return float(raw)
    except ValueError:
        pass
    value = en_word_to_number(raw)
    return value if value is not None else zh_to_number(raw)


_CLAUSE_BREAK = re.compile(r"[.;!?,。；！？，\n]")


def _near_discount_word(text: str, start: int, end: int, window: int) -> bool:
    """A discount word within `window` characters of [start, end), in the same clause."""
    if re.search(r"(?<!下)[让降减]\s*$", text[:start]):
        return True  # "再让5%" (the lookahead of the pattern cannot see past a cut string)
    before = text[max(0, start - window) : start]
    words = list(DISCOUNT_WORDS.finditer(before))
    if words and not _CLAUSE_BREAK.search(before[words[-1].end() :]):
        return True
    after = text[end : end + window]
    first = DISCOUNT_WORDS.search(after)
    return first is not None and not _CLAUSE_BREAK.search(after[: first.start()])


def find_discounts(text: str, *, window: int = 28) -> list[Discount]:
    """Discounts stated in `text`: a percentage near a discount word, or a 折 figure.

    A bare percentage ("99.9% uptime") is not a discount; "20% off", "a 25% discount",
    "优惠15%", "再让5%", "七五折" are.
    """
    out: list[Discount] = []
    for m in _ZHE_RE.finditer(text):
        token = m.group(1) if m.group(1) else m.group(0)[0]
        off = zhe_to_percent_off(token)
        if off is not None and 0 < off < 100:
            out.append(Discount(off, m.start(), m.end(), m.group(0)))
    for m in _PCT_RE.finditer(text):
        value = _pct_value(m)
        if value is None or not 0 < value <= 100:
            continue
        if _near_discount_word(text, m.start(), m.end(), window):
            out.append(Discount(value, m.start(), m.end(), m.group(0)))
    out.sort(key=lambda d: d.start)
    return out


# ---------------------------------------------------------------- money

_CUR_PREFIX = r"(US\$|USD\s?|\$|€|EUR\s?|£|GBP\s?|¥|￥|RMB\s?|CNY\s?|人民币)"
_AMOUNT = rf"(\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|[{ZH_NUM_CHARS}]+)(?:\s*([kK万千])(?![A-Za-z]))?"
_CUR_SUFFIX = r"\s*(元|块钱|块|dollars?\b|bucks\b|euros?\b|pounds?\b|USD\b|EUR\b|GBP\b|RMB\b|CNY\b)"
_MONEY_PREFIX_RE = re.compile(_CUR_PREFIX + r"\s?" + _AMOUNT)
_MONEY_SUFFIX_RE = re.compile(_AMOUNT + _CUR_SUFFIX, re.I)

_CURRENCY = {
    "us$": "$", "usd": "$", "$": "$", "dollar": "$", "dollars": "$", "bucks": "$",
    "€": "€", "eur": "€", "euro": "€", "euros": "€",
    "£": "£", "gbp": "£", "pound": "£", "pounds": "£",
    "¥": "元", "￥": "元", "rmb": "元", "cny": "元", "人民币": "元", "元": "元", "块": "元",
    "块钱": "元",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of money in text, currency normalised to "$", "€", "£" or "元"."""

    value: float
    currency: str
    start: int
    end: int
    text: str


def _amount_value(raw: str, scale: str | None) -> float | None:
    raw = raw.replace(",", "")
    try:
        value = float(raw)
    except ValueError:
        zh = zh_to_number(raw)
        if zh is None:
            return None
        value = zh
    if scale:
        value *= {"k": 1000, "K": 1000, "千": 1000, "万": 10_000}[scale]
    return value


def find_money(text: str) -> list[Money]:
    """Money amounts: "$35", "$1,200", "35 dollars", "€30", "220元", "2.2万元", "二百元"."""
    out: list[Money] = []
    taken: list[tuple[int, int]] = []
    for m in _MONEY_PREFIX_RE.finditer(text):
        if re.fullmatch(f"[{ZH_NUM_CHARS}]+", m.group(2)) and m.group(1) not in (
            "人民币",
            "¥",
            "￥",
        ):
            continue
        value = _amount_value(m.group(2), m.group(3))
        if value is None:
            continue
        cur = _CURRENCY[m.group(1).strip().lower()]
        out.append(Money(value, cur, m.start(), m.end(), m.group(0)))
        taken.append((m.start(), m.end()))
    for m in _MONEY_SUFFIX_RE.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        value = _amount_value(m.group(1), m.group(2))
        if value is None:
            continue
        suffix = _CURRENCY.get(m.group(3).strip().lower())
        if suffix is None:
            continue
        out.append(Money(value, suffix, m.start(), m.end(), m.group(0)))
    out.sort(key=lambda x: x.start)
    return out
