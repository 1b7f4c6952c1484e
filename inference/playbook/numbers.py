"""Numbers in sales prose: percentages off, Chinese 折 (八折 = 20% off), money amounts.

Used both to extract rules from a playbook and by the compliance guard to read what a path
offers, so both sides understand numbers the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ZH_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_BIG = {"万": 10_000, "亿": 100_000_000}
ZH_NUM_CHARS = "零〇一二两三四五六七八九十百千万亿"

_EN_NUMS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100,
}  # fmt: skip
_EN_NUM_WORD = r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|hundred|one|two|three|four|five|six|seven|eight|nine|ten)"


def zh_to_number(text: str) -> float | None:
    """Value of a Chinese numeral ("二百二十" = 220, "两万" = 20000, "2.2万" = 22000)."""
    text = text.strip()
    if not text:
        return None
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([万亿]?)", text.replace(",", ""))
    if m:
        return float(m.group(1)) * _ZH_BIG.get(m.group(2), 1)
    if any(c not in ZH_NUM_CHARS for c in text):
        return None
    total, section, digit = 0.0, 0.0, None
    for ch in text:
        if ch in _ZH_DIGITS:
            digit = _ZH_DIGITS[ch]
        elif ch in _ZH_UNITS:
            section += (digit if digit is not None else 1) * _ZH_UNITS[ch]
            digit = None
        else:  # 万 / 亿
            section += digit or 0
            total += section * _ZH_BIG[ch]
            section, digit = 0.0, None
    return total + section + (digit or 0)


def en_word_to_number(word: str) -> float | None:
    """Value of an English number word ("ten" = 10, "twenty-five" = 25)."""
    parts = re.split(r"[- ]", word.lower().strip())
    if not parts or any(p not in _EN_NUMS for p in parts):
        return None
    return float(sum(_EN_NUMS[p] for p in parts))


# ---------------------------------------------------------------- discounts

_PCT = rf"(\d+(?:\.\d+)?|{_EN_NUM_WORD})\s*(?:%|percent\b|per cent\b|个点)|百分之([{ZH_NUM_CHARS}\d.]+)"
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
    if not token or any(c not in _ZH_DIGITS for c in token):
        return None
    digits = [_ZH_DIGITS[c] for c in token]
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
