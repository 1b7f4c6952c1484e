"""Debug logs of the transcriber and the pipeline carry no call words unless text logging is
on (`parley -v --log-text`)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import numpy as np
import pytest

from inference import log_text
from inference.asr.transcriber import StreamingTranscriber, TranscriberConfig
from inference.events import ClosedUtterance
from tests.unit.asr_fakes import (
    AmplitudeVad,
    ManualClock,
    ScriptedBackend,
    frames,
    segment,
    silence,
    tone,
)

MARKER = "glimmerquartz"


@pytest.fixture(autouse=True)
def text_logging_off() -> Iterator[None]:
    log_text.enable(False)
    yield
    log_text.enable(False)


def transcribe() -> None:
    backend = ScriptedBackend(lambda dur: [segment(f"the {MARKER} offer sounds fine to me")])
    clock = ManualClock()
    t = StreamingTranscriber(
        "customer", backend=backend, vad=AmplitudeVad(), config=TranscriberConfig(), clock=clock
    )
    for frame in frames(np.concatenate([silence(0.5), tone(3.0), silence(1.0)]), "customer"):
        clock.advance_to(frame.end)
        t.insert_audio(frame)
        t.process(clock.now())
    t.finish()
    t.process(clock.now())


def test_asr_hypotheses_are_logged_without_words(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        transcribe()
    hypotheses = [r.getMessage() for r in caplog.records if "hypothesis" in r.getMessage()]
    assert hypotheses  # the line is there ...
    assert all("words, mean p" in m for m in hypotheses)  # ... with a count, not the words
    assert MARKER not in caplog.text


def test_log_text_brings_the_words_back(caplog: pytest.LogCaptureFixture) -> None:
    log_text.enable(True)
    with caplog.at_level(logging.DEBUG):
        transcribe()
    assert MARKER in caplog.text


def test_helpers() -> None:
    item = ClosedUtterance(
        utterance_id="c4", speaker="customer", start=0.0, end=1.0, text=f"a {MARKER}", lang="en"
    )
    assert log_text.describe_item(item) == "ClosedUtterance c4 <2 words, 15 chars>"
    error: ValueError | None = None
    try:
        raise ValueError(f"bad {MARKER}")
    except ValueError as e:
        error = e
    assert error is not None
    summary = log_text.error_summary(error)
    assert summary.startswith("ValueError at test_log_text.py:") and MARKER not in summary
    log_text.enable(True)
    assert MARKER in log_text.describe_item(item) and MARKER in log_text.error_summary(error)
