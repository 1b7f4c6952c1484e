"""Objections below the confirmation threshold are tentative, in the event and in its JSON."""

from __future__ import annotations

from inference.detectors import DetectorConfig, SignalDetectors
from inference.events import ClosedUtterance, ObjectionEvent, from_dict, to_dict


def _objection(det: SignalDetectors, text: str) -> ObjectionEvent:
    utt = ClosedUtterance("customer", "c1", 0.0, 2.0, text, "en")
    event = det.analyze(utt, t=2.1).objection
    assert event is not None
    return event


def test_the_threshold_decides_what_is_tentative() -> None:
    line = "Honestly that is far too expensive for us."
    sure = _objection(SignalDetectors(), line)
    assert sure.category == "price" and not sure.tentative
    assert sure.confidence >= DetectorConfig().confirm_threshold
    strict = _objection(SignalDetectors(DetectorConfig(confirm_threshold=1.01)), line)
    assert strict.tentative and strict.category == "price"


def test_tentative_appears_in_json_only_when_true_and_reads_back() -> None:
    event = ObjectionEvent(
        t=1.0,
        utterance_id="c1",
        start=0.0,
        end=1.0,
        category="need",
        confidence=0.4,
        tentative=True,
    )
    data = to_dict(event)
    assert data["tentative"] is True
    assert from_dict(data) == event
    plain = to_dict(ObjectionEvent(1.0, "c2", 0.0, 1.0, "price", 0.9))
    assert "tentative" not in plain
    assert from_dict(plain).tentative is False  # older event files read as confirmed
