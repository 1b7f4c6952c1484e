"""A paced replay starts once the LLM has its fixed prompt cached (the warm-up)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from desktop import components
from desktop.session_options import SessionOptions
from desktop.session_runner import RunningSession
from inference.events import StatusEvent, TranscriptEvent


class SlowSuggester:
    """A suggester whose model becomes ready when the test says so."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.asked = threading.Event()

    def wait_ready(self, timeout: float | None = None) -> bool:
        self.asked.set()
        return self.ready.wait(timeout)

    def observe(self, utterance: Any) -> None: ...

    def observe_partial(self, event: Any) -> None: ...

    def on_objection(self, *args: Any, **kwargs: Any) -> None: ...

    def wait_idle(self, timeout: float | None = None) -> bool:
        return True

    def close(self) -> None: ...


@pytest.fixture
def transcript(tmp_path: Path) -> Path:
    path = tmp_path / "call.json"
    turns = [
        {"speaker": "rep", "text": "Hello there.", "start": 0.0, "end": 0.1},
        {"speaker": "customer", "text": "Hi.", "start": 0.1, "end": 0.2},
    ]
    path.write_text(json.dumps({"lang": "en", "turns": turns}), encoding="utf-8")
    return path


def run_with(
    monkeypatch: pytest.MonkeyPatch, transcript: Path, *, warmup: bool
) -> tuple[RunningSession, SlowSuggester, list[Any]]:
    fake = SlowSuggester()
    monkeypatch.setattr(components, "load_playbook", lambda options: object())
    monkeypatch.setattr(components, "build_detectors", lambda options, playbook: None)
    monkeypatch.setattr(components, "build_suggester", lambda *a, **k: fake)
    events: list[Any] = []
    options = SessionOptions(mode="replay", input=transcript, speed=2.0, warmup=warmup)
    session = RunningSession(options, sinks=[events.append])
    session.start()
    return session, fake, events


def test_a_paced_replay_waits_for_the_model(
    monkeypatch: pytest.MonkeyPatch, transcript: Path
) -> None:
    session, fake, events = run_with(monkeypatch, transcript, warmup=True)
    assert fake.asked.wait(10)
    assert not session.wait(0.5)  # held: the transcript is 0.1 s long at speed 2
    assert not any(isinstance(e, TranscriptEvent) for e in events)
    fake.ready.set()
    assert session.wait(10)
    kinds = [
        (e.state, e.detail) if isinstance(e, StatusEvent) else "transcript"
        for e in events
        if isinstance(e, TranscriptEvent) or (isinstance(e, StatusEvent) and e.component == "llm")
    ]
    assert kinds[0][0] == "loading" and kinds[1][0] == "ready"
    assert "the replay starts" in kinds[1][1]
    assert kinds[2:] == ["transcript", "transcript"]


def test_without_warmup_the_replay_starts_at_once(
    monkeypatch: pytest.MonkeyPatch, transcript: Path
) -> None:
    session, fake, events = run_with(monkeypatch, transcript, warmup=False)
    assert session.wait(10)
    assert not fake.asked.is_set()
    assert sum(isinstance(e, TranscriptEvent) for e in events) == 2


def test_the_clock_runs_between_the_turns_of_a_paced_transcript(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "call.json"
    turns = [
        {"speaker": "rep", "text": "Hello there.", "start": 0.0, "end": 0.1},
        {"speaker": "customer", "text": "Hi.", "start": 0.2, "end": 1.0},
    ]
    path.write_text(json.dumps({"lang": "en", "turns": turns}), encoding="utf-8")
    session, _, _ = run_with(monkeypatch, path, warmup=False)
    seen = set()
    while not session.wait(0.02):
        seen.add(round(session.clock.now(), 2))
    assert any(0.15 < t < 0.95 for t in seen)  # stamped between the turns' ends
    assert session.clock.now() == 1.0


class RecordingDetectors:
    """Detectors that note when they are warmed and what they read."""

    def __init__(self) -> None:
        self.calls: list[Any] = []

    def warm(self, langs: tuple[str, ...]) -> None:
        self.calls.append(("warm", langs))

    def analyze(self, utterance: Any, *, t: float) -> Any:
        from inference.conversation import Signals

        self.calls.append(("analyze", utterance.utterance_id))
        return Signals(None, None, None, None)


@pytest.mark.parametrize(("language", "langs"), [("auto", ("en", "zh")), ("zh", ("zh",))])
def test_the_detectors_are_warmed_before_the_first_line(
    monkeypatch: pytest.MonkeyPatch, transcript: Path, language: str, langs: tuple[str, ...]
) -> None:
    detectors = RecordingDetectors()
    monkeypatch.setattr(components, "load_playbook", lambda options: None)
    monkeypatch.setattr(components, "build_detectors", lambda options, playbook: detectors)
    monkeypatch.setattr(components, "build_suggester", lambda *a, **k: None)
    options = SessionOptions(
        mode="replay", input=transcript, speed=2.0, warmup=False, language=language
    )
    session = RunningSession(options, sinks=[])
    session.start()
    assert session.wait(10)
    assert detectors.calls[0] == ("warm", langs)
    assert [c[0] for c in detectors.calls] == ["warm", "analyze"]  # then the customer's line
