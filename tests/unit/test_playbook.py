"""Loading a playbook folder: entries, account context, terms, retrieval and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from inference.errors import PlaybookError
from inference.playbook import load_playbook

DEMO = Path(__file__).resolve().parent.parent / "data" / "playbook_routewise"


@pytest.fixture(scope="module")
def demo():
    return load_playbook([DEMO])


def test_entries_are_split_by_heading_with_file_and_text(demo) -> None:
    pricing = [e for e in demo.entries if e.file == "product_en.md" and e.heading == "Pricing"]
    assert len(pricing) == 1
    assert "$29 per vehicle per month" in pricing[0].text
    # A soft-wrapped bullet is one line: the floor sentence is not cut at the line break.
    assert "Never quote a price below $22 per vehicle per month." in pricing[0].text
    assert pricing[0].lang == "en"
    zh = [e for e in demo.entries if e.file == "product_zh.md" and e.heading == "价格"]
    assert zh and zh[0].lang == "zh"
    assert not any(e.text.startswith("#") for e in demo.entries)


def test_account_context_from_email_and_notes(demo) -> None:
    account = {e.file: e for e in demo.entries if e.kind == "account"}
    email = account["account/email_from_buyer.eml"]
    assert email.heading == "Re: RouteWise pilot for our 40 vans"
    assert "CFO will ask" in email.text
    assert "account/call_notes.txt" in account
    source = email.source()
    assert (source.file, source.heading) == (email.file, email.heading)


def test_terms_include_names_marks_and_numbers_with_units(demo) -> None:
    terms = set(demo.terms)
    for expected in (
        "Harbor Foods",
        "SAP Business One",
        "SOC 2 Type I",
        "FleetMax",
        "$29",
        "15%",
        "150元",
        "快运通",
    ):
        assert expected in terms, expected
    assert "the" not in terms and "The" not in terms


def test_search_in_english_and_chinese(demo) -> None:
    hits = demo.search("how much does it cost per vehicle, the price is high", k=3, lang="en")
    assert hits and hits[0][0].heading in ("Pricing", '"It\'s too expensive"')
    zh = demo.search("数据放在哪里，安全吗", k=3, lang="zh")
    assert zh and zh[0][0].heading == "安全"
    assert all(score > 0 for _, score in hits + zh)
    assert demo.search("zzz qqq", k=3) == []


def test_missing_folder_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(PlaybookError, match="does not exist"):
        load_playbook([tmp_path / "nope"])


def test_folder_without_playbook_files(tmp_path: Path) -> None:
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    with pytest.raises(PlaybookError, match="no Markdown"):
        load_playbook([tmp_path])


def test_empty_markdown_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "sheet.md").write_text("# Title\n\n## Empty\n", encoding="utf-8")
    with pytest.raises(PlaybookError, match="no product material"):
        load_playbook([tmp_path])


def test_undecodable_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "sheet.md").write_bytes(b"# T\n\xff\xfe\x00\x81\x00\xff" * 3)
    with pytest.raises(PlaybookError, match="UTF-8"):
        load_playbook([tmp_path])


def test_several_folders_are_merged(tmp_path: Path) -> None:
    (tmp_path / "extra.md").write_text(
        "## Warranty\nThree years of parts and labour.\n", encoding="utf-8"
    )
    pb = load_playbook([DEMO, tmp_path])
    assert any(e.heading == "Warranty" for e in pb.entries)
    assert any(e.heading == "Pricing" for e in pb.entries)
