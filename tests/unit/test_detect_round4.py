"""Objections as other people say them (issue #18, round 4).

Ten industries per language of short, colloquial, indirect lines (rhetorical questions, hedges,
particles, ASR-like slips, unknown rivals, no topic word) with hard null lines beside them.
Three industries per language, drawn by a seeded draw before any score, are `blind5_*.tsv`:
never trained on and never read for the word families. The other seven are `read4_*.tsv`: read
to extend the stance families of `concepts.json` (an entry found in a blind5 line and in no
read4 line was taken out again) and not trained on. Measured with the shipped models: blind5
en 0.776 and zh 0.889 both before and after the families (the families fix the phrasings they
were written for: read4 objection lines taking a stance en 69 -> 96 of 100, zh 74 -> 91 of 93;
blind5 29 of 43 en and 33 of 39 zh either way). The Chinese families were taken out again at
the merge (they gained nothing on any blind Chinese file), so the Chinese read4 floor is the
figure before them, 74 of 93. The floors below are those figures less a small margin.
The semantic reader (`inference/detectors/semantic.py`, English only) then raised blind5 en to
0.879 (confirmed right 27 -> 36 of 43) and confirmed one more of its 15 null lines (a neutral
question about a fee, 1 -> 2); the English floor and null allowance follow that measurement.
"""

from __future__ import annotations

import pytest

from inference.detectors import SignalDetectors
from inference.detectors.corpus import (
    BLIND5,
    READ4,
    load_corpus,
    load_named,
)
from inference.detectors.model import takes_stance
from inference.detectors.overlap import LIMIT, overlaps
from inference.detectors.text import normalize


@pytest.fixture(scope="module")
def det() -> SignalDetectors:
    return SignalDetectors()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_round4_files_stay_out_of_training(lang: str) -> None:
    training = load_corpus(lang)
    read, blind = load_named(READ4, lang), load_named(BLIND5, lang)
    assert len(read) >= 120 and len(blind) >= 50
    texts = {r.text for r in training}
    assert not texts & {r.text for r in read + blind}
    industries = {r.industry for r in training}
    assert not industries & {r.industry for r in blind}
    assert not {r.industry for r in read} & {r.industry for r in blind}
    found = overlaps([r.text for r in blind], [*texts, *(r.text for r in read)], LIMIT)
    assert not found, [(o.corpus_line, o.eval_line, o.score) for o in found]


@pytest.mark.parametrize(("lang", "floor"), [("en", 0.93), ("zh", 0.77)])
def test_read_objections_take_a_stance(lang: str, floor: float) -> None:
    rows = [r for r in load_named(READ4, lang) if r.objection]
    taking = sum(takes_stance(normalize(r.text).lower(), lang) for r in rows)
    assert taking / len(rows) >= floor, (taking, len(rows))


@pytest.mark.parametrize(("lang", "floor", "alarms"), [("en", 0.85, 2), ("zh", 0.85, 1)])
def test_blind5_is_heard_as_measured(
    det: SignalDetectors, lang: str, floor: float, alarms: int
) -> None:
    rows = load_named(BLIND5, lang)
    right = sum(det.detect_text(r.text, lang).objection == r.objection for r in rows)
    assert right / len(rows) >= floor, right / len(rows)
    nulls = [r for r in rows if r.objection is None]
    confirmed = [
        r.text
        for r in nulls
        if (got := det.detect_text(r.text, lang)).objection is not None and not got.tentative
    ]
    assert len(confirmed) <= alarms, confirmed


# Written for this test (in no corpus file): each takes a stance only through an entry the
# round added to a stance family (English only: see the module note); the last two per language
# describe or ask and take none.
@pytest.mark.parametrize(
    ("text", "lang", "stance"),
    [
        ("Come off it, mate.", "en", True),
        ("That's a rip-off.", "en", True),
        ("That's the owner's call.", "en", True),
        ("Sounds like a right faff.", "en", True),
        ("Who gets to see it?", "en", True),
        ("Every penny's gone on the new roof.", "en", True),
        ("we run six chairs and a nail bar upstairs", "en", False),
        ("does the monthly fee include updates", "en", False),
        ("我们店主要做早餐和外卖", "zh", False),
        ("月费包不包升级", "zh", False),
    ],
)
def test_new_family_entries_take_a_stance(text: str, lang: str, stance: bool) -> None:
    assert takes_stance(normalize(text).lower(), lang) is stance


# Two English cues of the round, written for lines of the project's own scripted calls
# (`tests/data/suggest_calls`: an owner who signs off above an amount was tentative, a roof
# nobody may drill was read as no objection): an approval limit is authority, building work on
# the customer's premises is implementation. Fresh lines, in no corpus or call file; the
# detectors before the cues read the first right already, the other two as need and budget
# (tentative).
@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Our director signs off on any purchase over five thousand.", "authority"),
        ("Nobody is drilling into our warehouse floor.", "implementation"),
        ("The landlord won't have us cutting into the walls.", "implementation"),
    ],
)
def test_approval_limits_and_building_work(det: SignalDetectors, text: str, want: str) -> None:
    got = det.detect_text(text, "en")
    assert got.objection == want and not got.tentative


def test_building_work_described_is_no_objection(det: SignalDetectors) -> None:
    got = det.detect_text("we ripped out the old counter last spring and it looks great", "en")
    assert got.objection is None or got.tentative
