"""A supplier the lexicons cannot know is recognised by its capital: a name inside a sentence."""

from __future__ import annotations

import pytest

from inference.detectors import SignalDetectors
from inference.detectors.model import names_something, supplier_named


@pytest.mark.parametrize(
    ("line", "lang"),
    [
        ("We book every job through Tidewell and it does what we need.", "en"),
        ("Honestly, we've had PlanRight for six years.", "en"),
        ("我们现在审批都走Larkspur，用惯了。", "zh"),
    ],
)
def test_a_name_inside_a_sentence_is_a_name(line: str, lang: str) -> None:
    assert names_something(line, lang)


@pytest.mark.parametrize(
    ("line", "lang"),
    [
        ("Tidewell does our bookings.", "en"),  # the first word of a sentence: no evidence
        ("It's fine. Okay, send it over.", "en"),  # nor after a full stop
        ("I'm out on Monday and I'll be back in March.", "en"),  # I, days, months
        ("Does it talk to our CRM and the POS?", "en"),  # acronyms are no names
        ("The grant from the Arts Council is spent already.", "en"),  # a public body sells nothing
        ("Anything like this goes to Head Office first.", "en"),
        ("我们的ERP和APP都是自己开发的。", "zh"),
        ("价格有点高。", "zh"),
    ],
)
def test_first_words_dates_and_acronyms_are_not_names(line: str, lang: str) -> None:
    assert not names_something(line, lang)


def test_a_supplier_named_by_a_new_name_is_a_competitor_and_a_plain_tool_is_need() -> None:
    det = SignalDetectors()
    named = det.detect_text("We have Quillhouse for invoicing and it's fine, honestly.", "en")
    plain = det.detect_text("We have a spreadsheet for invoicing and it's fine, honestly.", "en")
    # The label guide: "what we have is enough" is need, unless it names a rival. The words
    # alone read both as need; the name's evidence is a candidate the next line confirms.
    assert named.objection == "competitor" and named.tentative
    assert plain.objection == "need"


@pytest.mark.parametrize(
    ("line", "lang", "supplier"),
    [
        ("Honestly we're sorted with Ferncastle, they do the lot.", "en", True),
        ("我们一直用Brookvale，够用了。", "zh", True),
        ("We keep the rota in Excel and it works.", "en", False),  # an everyday tool
        ("Most of our customers find us on YouTube.", "en", False),
        ("Only Maggie does the ordering, by phone.", "en", False),  # a person
        ("我们发微信就够了，不用App。", "zh", False),
    ],
)
def test_a_supplier_is_a_name_that_is_no_everyday_tool_and_no_person(
    line: str, lang: str, supplier: bool
) -> None:
    assert supplier_named(line, lang) is supplier


@pytest.mark.parametrize(
    ("line", "lang", "want"),
    [
        # The words read "what we have is enough" (need) in each; naming the supplier makes it
        # staying with a rival (the label guide's close pair), a tool or a person does not.
        ("We're fine with Hollowbrook.", "en", "competitor"),
        ("We're fine with paper.", "en", "need"),
        ("We're fine with Excel.", "en", "need"),
        ("我们用Brookvale挺好的，没必要再换。", "zh", "competitor"),
        ("我们用表格挺好的，没必要再换。", "zh", "need"),
    ],
)
def test_enough_with_a_named_supplier_is_competitor(line: str, lang: str, want: str) -> None:
    assert SignalDetectors().detect_text(line, lang).objection == want


def test_a_name_in_a_description_stays_a_candidate() -> None:
    det = SignalDetectors()
    for line in ("Our tills are Kassio ones, bought them in 2019.", "We bake on Zorvath ovens."):
        got = det.detect_text(line, "en")
        assert got.objection is None or (got.objection == "competitor" and got.tentative)


def test_where_the_words_alone_are_unsure_the_readers_still_weigh_in_beside_a_name() -> None:
    det = SignalDetectors()
    reader_off = SignalDetectors(semantic=False)
    line = "Honestly, we have had Brightwell on the machines for years and they look after us."
    # The name settles the category; how sure the read is comes from the words and the
    # semantic reader without it, as it would for the same line with no name evidence.
    assert reader_off.detect_text(line, "en").tentative
    got = det.detect_text(line, "en")
    assert got.objection == "competitor" and not got.tentative
