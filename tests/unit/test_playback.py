"""Pausing and seeking a replay: the file source and the timed-transcript driver."""

from __future__ import annotations

import json
import threading
import wave

import numpy as np

from audio.file_source import FileSource
from audio.playback import PlaybackControl
from audio.source import AudioFrame

SR = 16_000


def _wav(path, seconds: float) -> None:
    t = np.arange(int(seconds * SR)) / SR
    tone = (0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes(tone.tobytes())


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_seek_starts_part_way_with_the_recordings_own_time(tmp_path):
    path = tmp_path / "tone.wav"
    _wav(path, 3.0)
    fake = FakeTime()
    source = FileSource(path, speed=1.0, start_at=2.0, clock=fake.clock, sleeper=fake.sleep)
    frames = [f for f in source.frames() if isinstance(f, AudioFrame)]
    assert frames[0].start == 2.0
    assert abs(frames[-1].end - 3.0) < 1e-6
    # Paced from the seek point: one second of audio took one second, not three.
    assert abs(fake.now - 1.0) < 0.11


def test_paused_time_is_not_made_up_afterwards(tmp_path):
    path = tmp_path / "tone.wav"
    _wav(path, 1.0)
    fake = FakeTime()
    control = PlaybackControl(clock=fake.clock)
    source = FileSource(path, speed=1.0, clock=fake.clock, sleeper=fake.sleep, control=control)
    frames = source.frames()
    next(frames)
    control.pause()
    resumed = threading.Event()

    def resume_later() -> None:
        fake.now += 5.0  # five seconds pass while paused
        control.resume()
        resumed.set()

    threading.Timer(0.05, resume_later).start()
    rest = list(frames)  # blocks while paused
    assert resumed.is_set() and rest
    assert control.paused_total >= 5.0
    # After the pause the replay continues at its pace instead of rushing to catch up.
    assert fake.now >= 5.0 + 0.9


def test_stop_releases_a_paused_replay(tmp_path):
    path = tmp_path / "tone.wav"
    _wav(path, 1.0)
    control = PlaybackControl()
    source = FileSource(path, speed=1.0, control=control)
    frames = source.frames()
    next(frames)
    control.pause()
    threading.Timer(0.05, source.stop).start()
    assert len(list(frames)) <= 2  # returned instead of waiting forever


def test_timed_transcript_replay_starts_at_the_seek_point(tmp_path):
    from desktop.session_options import SessionOptions
    from desktop.session_runner import RunningSession

    call = tmp_path / "call.json"
    call.write_text(
        json.dumps(
            {
                "turns": [
                    {"speaker": "rep", "text": "first", "start": 0.0, "end": 1.0},
                    {"speaker": "customer", "text": "second", "start": 1.0, "end": 2.0},
                    {"speaker": "rep", "text": "third", "start": 2.0, "end": 3.0},
                ]
            }
        )
    )
    events = []
    session = RunningSession(
        SessionOptions(mode="replay", input=call, speed=None, start_at=1.5), sinks=[events.append]
    )
    session.run()
    texts = [e.text for e in events if type(e).__name__ == "TranscriptEvent"]
    assert texts == ["second", "third"]
