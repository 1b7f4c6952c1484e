"""`Pace`: the one answer to "how fast does the input arrive", and the wall-clock pacer."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from audio.pace import Pace, WallPacer
from audio.playback import PlaybackControl
from desktop.session_options import SessionOptions


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("pace", "realtime", "synchronous", "pausable", "warms_up", "replay_speed"),
    [
        (Pace.live(), True, False, False, False, 1.0),
        (Pace.paced(2.0), True, False, True, True, 2.0),
        (Pace.unpaced(), False, True, False, False, None),
    ],
)
def test_each_decision_about_speed_comes_from_the_pace(
    pace: Pace,
    realtime: bool,
    synchronous: bool,
    pausable: bool,
    warms_up: bool,
    replay_speed: float | None,
) -> None:
    assert pace.realtime is realtime
    assert pace.streaming is realtime  # decoding while speaking follows the wall clock
    assert pace.synchronous is synchronous
    assert pace.pausable is pausable
    assert pace.warms_up is warms_up
    assert pace.replay_speed == replay_speed


def test_from_speed_and_bad_values() -> None:
    assert Pace.from_speed(None) == Pace.unpaced()
    assert Pace.from_speed(1.0) == Pace.paced(1.0)
    with pytest.raises(ValueError, match="positive"):
        Pace.from_speed(0.0)
    with pytest.raises(ValueError, match="positive"):
        Pace.paced(-2.0)
    with pytest.raises(ValueError, match="speed 1"):
        Pace("live", 2.0)
    with pytest.raises(ValueError, match="live, paced or unpaced"):
        Pace("fast")  # type: ignore[arg-type]


def test_session_options_derive_their_pace_once(tmp_path: Path) -> None:
    assert SessionOptions(mode="live", speed=None).pace == Pace.live()
    call = tmp_path / "call.json"
    assert SessionOptions(mode="replay", input=call, speed=None).pace == Pace.unpaced()
    assert SessionOptions(mode="replay", input=call, speed=2.0).pace == Pace.paced(2.0)


def test_the_pacer_holds_input_to_the_wall_clock_at_its_speed() -> None:
    clock = FakeClock()
    pacer = WallPacer(2.0, clock=clock)
    pacer.begin()
    assert pacer.delay(4.0) == pytest.approx(2.0)  # 4 s of input at twice real time
    clock.now += 1.5
    assert pacer.remaining(4.0) == pytest.approx(0.5)
    assert pacer.position() == pytest.approx(3.0)
    clock.now += 1.0
    assert pacer.delay(4.0) < 0  # overdue: the caller does not wait


def test_time_spent_paused_is_not_played() -> None:
    clock = FakeClock()
    control = PlaybackControl(clock=clock)
    pacer = WallPacer(1.0, control=control, clock=clock)
    pacer.begin()
    control.pause()
    waited = threading.Event()

    def consumer() -> None:
        pacer.delay(1.0)  # blocks while paused
        waited.set()

    thread = threading.Thread(target=consumer)
    thread.start()
    assert not waited.wait(0.2)
    clock.now += 30.0  # thirty seconds on hold
    control.resume()
    assert waited.wait(5)
    thread.join()
    assert pacer.remaining(1.0) == pytest.approx(1.0)
    assert pacer.position() == pytest.approx(0.0)
