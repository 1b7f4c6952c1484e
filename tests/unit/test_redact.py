"""Redaction of phones, e-mails, card numbers and Chinese ID numbers."""

from __future__ import annotations

import pytest

from desktop.privacy.redact import cn_id_valid, luhn_valid, redact, redact_with_counts

# A syntactically valid (checksummed) ID number built for tests, not a real person's.
VALID_ID = "11010519491231002X"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call me on 13812345678 tomorrow", "call me on [PHONE] tomorrow"),
        ("我的手机是+86 138 1234 5678。", "我的手机是[PHONE]。"),
        ("手机：15900001111，谢谢", "手机：[PHONE]，谢谢"),
        ("office 010-12345678", "office [PHONE]"),
        ("ring (555) 123-4567 or 555.123.4567", "ring [PHONE] or [PHONE]"),
        ("intl +44 20 7946 0958 ok", "intl [PHONE] ok"),
        ("write to jane.doe+sales@example.co.uk.", "write to [EMAIL]."),
        ("card 4111 1111 1111 1111 exp", "card [CARD] exp"),
        ("card 5500-0000-0000-0004", "card [CARD]"),
        (f"身份证号{VALID_ID}请核对", "身份证号[ID]请核对"),
    ],
)
def test_redacts(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "the price is 12000 dollars for 40 seats in 2025",
        "合同明年三月到期，一年大概十一万五",
        "version 1.2.3 and 3.14159",
    ],
)
def test_leaves_ordinary_text(text: str) -> None:
    assert redact(text) == text


def test_counts_and_checksums() -> None:
    result = redact_with_counts(f"a@b.io 13912345678 {VALID_ID} 4111111111111111")
    assert result.counts == {"[EMAIL]": 1, "[PHONE]": 1, "[ID]": 1, "[CARD]": 1}
    assert "13912345678" not in result.text
    assert cn_id_valid(VALID_ID) and not cn_id_valid("110105194912310021")
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")


@pytest.mark.parametrize(
    "text",
    [
        "order 4111 1111 1111 1112 is not a card",  # fails Luhn: one misheard digit
        "ticket 110105194912310021",  # 18 digits, wrong check character
        "call 12345678901",  # not a Chinese mobile prefix, still a long number
    ],
)
def test_long_digit_runs_go_whatever_their_checksum(text: str) -> None:
    assert "[NUMBER]" in redact(text)
