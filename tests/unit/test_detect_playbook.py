"""The session's playbook feeds the detectors: a competitor it names is a competitor signal."""

from __future__ import annotations

from pathlib import Path

from desktop.components import build_detectors
from inference.detectors import DetectorConfig, SignalDetectors
from inference.playbook import load_playbook


def _book(tmp_path: Path) -> object:
    (tmp_path / "ovens.md").write_text(
        "# Bakery ovens\n\n## Competitors\n\n- Zorvath: cheaper ovens, weaker service.\n"
        "- 焙力: 本地品牌。\n",
        encoding="utf-8",
    )
    return load_playbook([str(tmp_path)])


def test_a_named_playbook_competitor_is_a_competitor_objection(tmp_path: Path) -> None:
    book = _book(tmp_path)
    plain = SignalDetectors()
    session = build_detectors(None, book)  # type: ignore[arg-type]
    for line in ("Zorvath does our ovens.", "焙力的烤箱我们用着。"):
        assert plain.detect_text(line).objection is None  # an unknown word without the book
        assert session.detect_text(line).objection == "competitor"


def test_a_cheaper_playbook_competitor_is_still_price(tmp_path: Path) -> None:
    session = build_detectors(None, _book(tmp_path))  # type: ignore[arg-type]
    assert session.detect_text("Zorvath is cheaper for the same oven.").objection == "price"
    assert session.detect_text("We bake two thousand loaves a day.").objection is None


def test_a_name_in_a_description_is_a_tentative_candidate_a_stated_supplier_is_not(
    tmp_path: Path,
) -> None:
    session = build_detectors(None, _book(tmp_path))  # type: ignore[arg-type]
    threshold = DetectorConfig().confirm_threshold
    for line in ("We bake on Zorvath ovens.", "后面那两台是焙力的烤箱，用了五年了。"):
        got = session.detect_text(line)
        # The category may be read, but a name in a description confirms nothing: a hint.
        assert got.objection in (None, "competitor") and (got.objection is None or got.tentative)
    # The current supplier named as the reply ("X does ours"): issue 18 counts it a competitor
    # objection, and so does the corpus since round 6 (it was a tentative candidate before).
    for line in (
        "Zorvath does our ovens.",
        "焙力的烤箱我们用着。",
        "We just signed a three-year deal with Zorvath.",
        "我们刚跟焙力签了三年。",
    ):
        got = session.detect_text(line)
        assert got.objection == "competitor" and got.objection_confidence >= threshold
        assert not got.tentative
