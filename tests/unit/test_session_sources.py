"""The session core's text sources: a timed transcript and an events file, driven by a `Pace`
and, when paced, by a pacer handed in (here a scripted one: no wall clock in these tests)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from audio.pace import Pace
from inference.clock import SessionClock
from inference.events import ClosedUtterance, Event, StatusEvent, TranscriptEvent, to_dict
from inference.session import EventFileError, EventFileSource, TimedTranscriptSource

TURNS = [
    {"speaker": "rep", "text": "Good morning, shall we look at the rollout plan?", "start": 0.0,
     "end": 3.0},
    {"speaker": "customer", "text": "Sure, but the timeline worries me a little.", "start": 3.5,
     "end": 7.0},
    {"speaker": "customer", "text": "We move offices in spring.", "start": 7.5, "end": 9.0},
]  # fmt: skip


class Hub:
    def __init__(self) -> None:
        self.items: list[object] = []

    def emit(self, event: Event) -> None:
        self.items.append(event)

    def on_utterance(self, utterance: ClosedUtterance) -> None:
        self.items.append(utterance)


class ScriptedPacer:
    """Each turn is `lag` wall seconds away when first asked, then due after one tick."""

    def __init__(self, lag: float = 0.02) -> None:
        self.asked: list[float] = []
        self._lag = lag

    def delay(self, played_s: float) -> float:
        self.asked.append(played_s)
        return self._lag

    def remaining(self, played_s: float) -> float:
        return 0.0

    def position(self) -> float:
        return self.asked[-1] - 0.5 if self.asked else 0.0


def _transcript(tmp_path: Path) -> Path:
    path = tmp_path / "call.json"
    path.write_text(json.dumps({"lang": "en", "turns": TURNS}), encoding="utf-8")
    return path


def test_an_unpaced_transcript_hands_each_turn_over_at_its_end(tmp_path: Path) -> None:
    hub, clock = Hub(), SessionClock()
    source = TimedTranscriptSource(_transcript(tmp_path), pace=Pace.unpaced())
    source.play(hub, clock=clock, stop=threading.Event())
    finals = [e for e in hub.items if isinstance(e, TranscriptEvent)]
    closed = [u for u in hub.items if isinstance(u, ClosedUtterance)]
    assert [e.utterance_id for e in finals] == ["r1", "c1", "c2"]
    assert [e.t for e in finals] == [3.0, 7.0, 9.0] and all(e.final for e in finals)
    assert [u.text for u in closed] == [t["text"] for t in TURNS]
    assert isinstance(hub.items[0], TranscriptEvent) and isinstance(hub.items[1], ClosedUtterance)


def test_a_paced_transcript_asks_the_pacer_and_starts_where_asked(tmp_path: Path) -> None:
    hub, clock, pacer = Hub(), SessionClock(), ScriptedPacer()
    source = TimedTranscriptSource(_transcript(tmp_path), pace=Pace.paced(2.0), start_at=5.0)
    source.play(hub, clock=clock, stop=threading.Event(), pacer=pacer)
    assert pacer.asked == [2.0, 4.0]  # input seconds after the seek: 7 - 5, 9 - 5
    assert [e.utterance_id for e in hub.items if isinstance(e, TranscriptEvent)] == ["c1", "c2"]
    with pytest.raises(ValueError, match="pacer"):
        source.play(hub, clock=clock, stop=threading.Event())


def test_a_stopped_transcript_hands_nothing_more_over(tmp_path: Path) -> None:
    hub, stop = Hub(), threading.Event()
    stop.set()
    source = TimedTranscriptSource(_transcript(tmp_path), pace=Pace.paced(1.0))
    source.play(hub, clock=SessionClock(), stop=stop, pacer=ScriptedPacer())
    assert hub.items == []


def test_an_events_file_is_played_back_from_the_seek(tmp_path: Path) -> None:
    events = [
        StatusEvent(t=0.5, component="asr", state="ready"),
        TranscriptEvent(4.0, "customer", "c1", 1.0, 4.0, "Is it safe?", final=True, lang="en"),
        StatusEvent(t=6.0, component="asr", state="lagging", detail="2 s"),
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(to_dict(e)) + "\n" for e in events), encoding="utf-8")
    out: list[Event] = []
    pacer = ScriptedPacer(lag=0.0)
    source = EventFileSource(path, pace=Pace.paced(1.0), start_at=1.0)
    source.play(out.append, stop=threading.Event(), pacer=pacer)
    assert out == events[1:] and pacer.asked == [3.0, 5.0]
    (tmp_path / "bad.jsonl").write_text('{"type": "nothing"}\n', encoding="utf-8")
    with pytest.raises(EventFileError, match="line 1"):
        EventFileSource(tmp_path / "bad.jsonl", pace=Pace.unpaced())
