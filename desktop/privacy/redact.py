"""Redaction of personal numbers and addresses in exported text (on by default in exports).

It is written for what speech recognition produces, not only for typed text. Replaced, in this
order (so a longer, checksummed number is never half-taken as a phone):

1. Chinese resident ID numbers (18 characters, ISO 7064 checksum) -> `[ID]`;
2. card numbers (13-19 digits, optionally grouped by spaces or dashes, Luhn-valid) -> `[CARD]`;
3. e-mail addresses, typed (`jo@example.com`) or spoken (`jo at example dot com`, `dash`,
   `jo 艾特 example 点 com`) -> `[EMAIL]`;
4. numbers read out digit by digit, in words or mixed with figures ("five five five, one two
   three four", "double two", "oh"; Chinese 零〇一二三四五六七八九幺), 7 digits or more ->
   `[PHONE]` (13 or more: `[CARD]`);
5. phone numbers (Chinese mobiles `1[3-9]` + 9 digits with or without +86, Chinese landlines
   `0xx-xxxxxxxx`, North American `(555) 123-4567` / `555-123-4567`, and international
   `+CC ...` numbers of 8-15 digits) -> `[PHONE]`;
6. national ID formats: US social security `123-45-6789`, UK national insurance `AB 12 34 56 C`
   -> `[ID]`;
7. any other long digit run, whatever its checksum (a card or ID number with one misheard
   digit): 8 or more digits in one piece, or 9 or more in groups split by single spaces or
   dashes -> `[NUMBER]`.

What a trainer needs survives: prices (`$12,000`, `¥115,000`, `12000 dollars`), percentages,
seat counts, years and dates (`2025-03-14`, `20250314`, 二零二五年三月), versions and decimals.
A digit run right after a currency sign, or right before `%` or a unit, is never a number to
redact; numbers grouped with commas or dots are amounts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

_CN_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_CARD = re.compile(r"(?<![\d+-])\d(?:[ -]?\d){12,18}(?![\d-])")
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"
)
_PHONES = (
    # Chinese mobile, optionally +86 / 0086, optionally grouped 3-4-4.
    re.compile(r"(?<![\d+])(?:(?:\+|00)86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)"),
    # Chinese landline with area code.
    re.compile(r"(?<![\d+])(?:\(0\d{2,3}\)|0\d{2,3})[ -]?\d{7,8}(?!\d)"),
    # North American.
    re.compile(r"(?<![\d+])(?:\+?1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}(?!\d)"),
    # International with a country code.
    re.compile(r"(?<![\d+])\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){1,5}(?!\d)"),
)


def cn_id_valid(number: str) -> bool:
    """Whether an 18-character Chinese resident ID number has a correct check character."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn check used by payment cards."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


@dataclass(frozen=True, slots=True)
class RedactionResult:
    """Redacted text and how many of each kind were replaced."""

    text: str
    counts: dict[str, int]


def _sub(
    pattern: re.Pattern[str],
    text: str,
    token: str,
    counts: Counter[str],
    accept: Callable[[str], bool] | None = None,
) -> str:
    def repl(match: re.Match[str]) -> str:
        found = match.group(0)
        if accept is not None and not accept(found):
            return found
        counts[token] += 1
        return token

    return pattern.sub(repl, text)


def _phone_ok(found: str) -> bool:
    return 8 <= len(_digits(found)) <= 15


_TLDS = (
    "com|net|org|io|co|uk|de|fr|es|it|nl|cn|jp|kr|edu|gov|info|biz|us|ai|app|dev|me|ca|au|"
    "in|sg|hk|tw|ch|se|no|dk|fi|pl|br|mx|ru"
)
_DOT = r"(?:\s+dot\s+|\s*点\s*|\.)"
_JOIN = rf"(?:{_DOT}|\s+(?:dash|hyphen|underscore)\s+)"
_SPOKEN_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*"
    rf"(?:{_JOIN}[A-Za-z0-9_-]+)*"
    r"(?:\s+at\s+|\s*艾特\s*|\s*@\s*)"
    rf"[A-Za-z0-9-]+(?:{_JOIN}[A-Za-z0-9-]+)*{_DOT}(?:{_TLDS})(?![A-Za-z0-9-])",
    re.IGNORECASE,
)
_WORD_DIGITS = {
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_ZH_DIGITS = {
    "零": "0",
    "〇": "0",
    "一": "1",
    "幺": "1",
    "二": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
}
_SPOKEN_TOKEN = (
    r"(?:\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|double|triple)\b"
    r"|\d+|[零〇一幺二三四五六七八九])"
)
_SPOKEN_RUN = re.compile(
    rf"{_SPOKEN_TOKEN}(?:(?:[ \t,，、-]|\.(?= ))*{_SPOKEN_TOKEN})+", re.IGNORECASE
)
_SPOKEN_PIECE = re.compile(_SPOKEN_TOKEN, re.IGNORECASE)
_SPOKEN_MIN_DIGITS = 7
_SSN = re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])")
_NINO = re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")
_LONG_RUN = re.compile(r"(?<![\d.,$€£¥￥])\d(?:[ -]?\d){7,}(?![\d%])(?!\s?(?:%|percent|元|块))")
_COMPACT_DATE = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")


def spoken_digits(run: str) -> str:
    """The digits a run of spoken and written digits stands for ("double five" is "55")."""
    out: list[str] = []
    repeat = 1
    for piece in _SPOKEN_PIECE.findall(run):
        word = piece.lower()
        if word == "double":
            repeat = 2
            continue
        if word == "triple":
            repeat = 3
            continue
        digits = _WORD_DIGITS.get(word) or _ZH_DIGITS.get(piece) or piece
        out.append(digits[0] * repeat + digits[1:])
        repeat = 1
    return "".join(out)


def _spoken_run(counts: Counter[str]) -> Callable[[re.Match[str]], str]:
    def repl(match: re.Match[str]) -> str:
        found = match.group(0)
        if all(p.isdigit() for p in _SPOKEN_PIECE.findall(found)):  # figures only: the
            return found  # rules for typed numbers below decide
        n = len(spoken_digits(found))
        if n < _SPOKEN_MIN_DIGITS:
            return found
        token = "[CARD]" if n >= 13 else "[PHONE]"
        counts[token] += 1
        return token

    return repl


def _long_run_ok(found: str) -> bool:
    digits = _digits(found)
    if found.isdigit():
        return len(digits) >= 8 and not (len(digits) == 8 and _COMPACT_DATE.fullmatch(digits))
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", found):  # a date
        return False
    return len(digits) >= 9


def redact_with_counts(text: str) -> RedactionResult:
    """`redact`, also saying how many IDs, cards, e-mails, phones and numbers were replaced."""
    counts: Counter[str] = Counter()
    out = _sub(_CN_ID, text, "[ID]", counts, cn_id_valid)
    out = _sub(_CARD, out, "[CARD]", counts, lambda s: luhn_valid(_digits(s)))
    out = _sub(_EMAIL, out, "[EMAIL]", counts)
    out = _sub(_SPOKEN_EMAIL, out, "[EMAIL]", counts)
    out = _SPOKEN_RUN.sub(_spoken_run(counts), out)
    for pattern in _PHONES:
        out = _sub(pattern, out, "[PHONE]", counts, _phone_ok)
    out = _sub(_SSN, out, "[ID]", counts)
    out = _sub(_NINO, out, "[ID]", counts)
    out = _sub(_LONG_RUN, out, "[NUMBER]", counts, _long_run_ok)
    return RedactionResult(text=out, counts=dict(counts))


def redact(text: str) -> str:
    """`text` with phone numbers, e-mail addresses, card and ID numbers (typed or spoken) and
    other long digit runs replaced by `[PHONE]`, `[EMAIL]`, `[CARD]`, `[ID]` and `[NUMBER]`."""
    return redact_with_counts(text).text
