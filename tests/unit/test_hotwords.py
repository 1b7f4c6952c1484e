"""Hotwords: names a general model misspells, never headings, numbers or common words."""

from __future__ import annotations

from inference.asr.hotwords import select_hotwords


def test_keeps_names_and_drops_headings_numbers_and_plain_words():
    terms = [
        "Pricing",  # a section title
        "$35",
        "30 days",
        "SLA",  # a short acronym biases the decoder into inventing it
        "GearLoop",
        "Acme Robotics",
        "It's too expensive",
        "Security and compliance",
        "HIPAA",
        "仓储管理",
        "价格",
        "299元",
    ]
    picked = select_hotwords(
        terms, names=["Boltwerk"], headings=["Pricing", "Security and compliance", "价格"]
    )
    assert picked == ("Boltwerk", "GearLoop", "Acme Robotics", "HIPAA", "仓储管理")


def test_limit_and_no_duplicates():
    terms = [f"Brand{chr(65 + i)}x" for i in range(30)]
    picked = select_hotwords([*terms, *terms], limit=5)
    assert len(picked) == 5 and len(set(picked)) == 5
