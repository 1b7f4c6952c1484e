"""Numbers written as words: Chinese numerals via `cn2an`, English number words here.

Digits are left to the callers' patterns; these read what is spelled out ("二百二十",
"三千五", "twenty-five", "seven hundred").
"""

from __future__ import annotations

import re

ZH_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
ZH_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}
ZH_NUM_CHARS = "零〇一二两三四五六七八九十百千万亿"

EN_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
EN_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
# A spelled-out English number as it appears in prose ("twenty-five", "ninety nine", "ten").
EN_NUMBER_WORD = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
    r"(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|hundred"
    r"|one|two|three|four|five|six|seven|eight|nine|ten)"
)


def zh_to_number(text: str) -> float | None:
    """Value of a Chinese numeral ("二百二十" = 220, "三千五" = 3500, "两万" = 20000,
    "2.2万" = 22000, "八五" = 85), or None when `text` is not one."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([万亿]?)", text)
    if m:
        return float(m.group(1)) * (ZH_UNITS[m.group(2)] if m.group(2) else 1)
    if any(c not in ZH_NUM_CHARS for c in text):
        return None
    if len(text) == 1 and text in ZH_UNITS:  # 百分之百: a bare unit is one of it
        return float(ZH_UNITS[text])
    import cn2an

    try:
        return float(cn2an.cn2an(text, "normal"))
    except (ValueError, KeyError):
        return None


def en_word_to_number(words: str) -> float | None:
    """Value of spelled-out English ("ten" = 10, "twenty-five" = 25, "seven hundred" = 700),
    or None when any word of it is not a number word."""
    parts = [p for p in re.split(r"[-\s]+", words.lower().strip()) if p and p != "and"]
    if not parts:
        return None
    total = section = 0
    for p in parts:
        if p in EN_NUMBER_WORDS:
            section += EN_NUMBER_WORDS[p]
        elif p == "hundred":
            section = (section or 1) * 100
        elif p in EN_SCALES:
            total += (section or 1) * EN_SCALES[p]
            section = 0
        else:
            return None
    return float(total + section)
