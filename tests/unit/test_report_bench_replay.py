"""`parley bench replay` against a fake session runner: runs, options, JSON and failures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import pytest

import desktop.session_runner as session_runner
from desktop.cli import main
from desktop.commands import bench_replay
from inference.events import ErrorEvent, ObjectionEvent, StatusEvent, TranscriptEvent


class FakeSession:
    """Plays a few events into the sinks on start(); remembers the options it got."""

    seen: ClassVar[list[Any]] = []
    fail = False

    def __init__(self, options: Any, *, sinks: list[Any]) -> None:
        self.options = options
        self.sinks = sinks
        self.error: Exception | None = None
        FakeSession.seen.append(options)

    def start(self) -> None:
        events = [
            StatusEvent(0.0, "suggestions", "ready"),
            TranscriptEvent(4.0, "rep", "r1", 0.0, 4.0, "Hello there.", True, "en"),
            TranscriptEvent(9.0, "customer", "c1", 5.0, 9.0, "Too expensive.", True, "en"),
            ObjectionEvent(9.0, "c1", 5.0, 9.0, "price", 0.8),
        ]
        if FakeSession.fail:
            self.error = RuntimeError("model missing")
            events.append(ErrorEvent(9.0, "session", "model missing"))
        for event in events:
            for sink in self.sinks:
                sink(event)

    def wait(self, timeout: float | None = None) -> bool:
        return True

    def stop(self) -> None:
        pass


@pytest.fixture
def fake_runner(monkeypatch: pytest.MonkeyPatch) -> type[FakeSession]:
    FakeSession.seen = []
    FakeSession.fail = False
    monkeypatch.setattr(session_runner, "RunningSession", FakeSession)
    return FakeSession


@pytest.fixture
def call(tmp_path: Path) -> Path:
    """A timed transcript under calls/, naming a playbook under products/ beside it."""
    (tmp_path / "products" / "widgets").mkdir(parents=True)
    (tmp_path / "calls").mkdir()
    path = tmp_path / "calls" / "call.json"
    turns = [
        {"speaker": "rep", "start": 0.0, "end": 4.0, "text": "Hello there."},
        {"speaker": "customer", "start": 5.0, "end": 12.0, "text": "Too expensive."},
    ]
    path.write_text(json.dumps({"product": "widgets", "turns": turns}), encoding="utf-8")
    return path


def test_runs_without_then_with_the_llm_at_max_speed(
    fake_runner: type[FakeSession], call: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench", "replay", "--call", str(call)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["llm"] for r in out["runs"]] == [False, True]
    assert [o.use_llm for o in fake_runner.seen] == [False, True]
    assert all(o.speed is None and o.mode == "replay" and o.input == call for o in fake_runner.seen)
    assert fake_runner.seen[0].playbooks == (call.parent.parent / "products" / "widgets",)
    assert out["duration_s"] == 12.0 and out["kind"] == "timed_transcript"
    for r in out["runs"]:
        assert r["ok"] and r["errors"] == []
        assert r["utterances"] == 2 and r["objections"] == 1
        assert r["speed_x"] > 0 and r["rtf"] == pytest.approx(1 / r["speed_x"], rel=0.05)
    assert out["target_no_llm_speed_x"] == 6.0 and isinstance(out["meets_target"], bool)


def test_no_llm_runs_once(
    fake_runner: type[FakeSession], call: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    playbook = call.parent
    assert (
        main(["bench", "replay", "--call", str(call), "--no-llm", "--playbook", str(playbook)]) == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert [r["llm"] for r in out["runs"]] == [False]
    assert fake_runner.seen[0].playbooks == (playbook,)


def test_a_failed_session_is_reported_and_exits_1(
    fake_runner: type[FakeSession], call: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_runner.fail = True
    assert main(["bench", "replay", "--call", str(call), "--no-llm"]) == 1
    captured = capsys.readouterr()
    run = json.loads(captured.out)["runs"][0]
    assert not run["ok"] and run["speed_x"] is None
    assert run["errors"] == ["session: model missing"]
    assert "failed after" in captured.err


def test_missing_input_is_a_clear_error(
    fake_runner: type[FakeSession],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert main(["bench", "replay", "--call", str(tmp_path / "nope.json")]) == 1
    assert "does not exist" in capsys.readouterr().err
    monkeypatch.setattr(bench_replay, "_EVAL_CALLS", tmp_path / "no-eval")
    assert main(["bench", "replay"]) == 2
    assert "give --call" in capsys.readouterr().err
    assert fake_runner.seen == []


def test_call_and_audio_are_exclusive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "replay", "--call", "a.json", "--audio", "b.wav"])
    assert exit_info.value.code == 2
