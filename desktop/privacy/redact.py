"""Redaction of personal numbers and addresses in exported text (on by default in exports).

Replaced, in this order (so a longer, checksummed number is never half-taken as a phone):
Chinese resident ID numbers (18 characters, ISO 7064 checksum) -> `[ID]`; card numbers (13-19
digits, optionally grouped by spaces or dashes, Luhn-valid) -> `[CARD]`; e-mail addresses ->
`[EMAIL]`; phone numbers (Chinese mobiles `1[3-9]` + 9 digits with or without +86, Chinese
landlines `0xx-xxxxxxxx`, North American `(555) 123-4567` / `555-123-4567`, and international
`+CC ...` numbers of 8-15 digits) -> `[PHONE]`.

Numbers that fail their checksum, prices, years and short counts are left alone.
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


def redact_with_counts(text: str) -> RedactionResult:
    """`redact`, also saying how many IDs, cards, e-mails and phones were replaced."""
    counts: Counter[str] = Counter()
    out = _sub(_CN_ID, text, "[ID]", counts, cn_id_valid)
    out = _sub(_CARD, out, "[CARD]", counts, lambda s: luhn_valid(_digits(s)))
    out = _sub(_EMAIL, out, "[EMAIL]", counts)
    for pattern in _PHONES:
        out = _sub(pattern, out, "[PHONE]", counts, _phone_ok)
    return RedactionResult(text=out, counts=dict(counts))


def redact(text: str) -> str:
    """`text` with phone numbers, e-mail addresses, card numbers and Chinese ID numbers
    replaced by `[PHONE]`, `[EMAIL]`, `[CARD]` and `[ID]`."""
    return redact_with_counts(text).text
