"""Session plumbing: events-file replay through the real controller, background device listing."""

from __future__ import annotations

from pathlib import Path

from audio.pace import Pace
from desktop.bridge import EventBridge
from desktop.session_options import SessionOptions
from desktop.ui.devices import DeviceChoices
from desktop.ui.event_file_session import EventFileError, EventFileSession
from desktop.ui.session_control import SessionController, SessionRequest, default_session_factory
from inference.events import to_json
from tests.ui.events_factory import objection, said, suggestion


def _events_file(tmp_path: Path) -> Path:
    events = [
        said("c1", "we are not sure", final=False),
        said("c1", "we are not sure about the price", final=True),
        objection("c1"),
        suggestion("c1", "instant", tag="Replayed"),
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("".join(to_json(e) + "\n" for e in events), encoding="utf-8")
    return path


def test_events_file_replays_through_the_controller(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bridge = EventBridge()
    controller = SessionController(bridge)  # the default factory picks EventFileSession
    got: list[object] = []
    bridge.event_received.connect(got.append)
    with qtbot.waitSignal(controller.finished, timeout=10000):
        assert controller.start(
            SessionRequest(SessionOptions("replay", input=_events_file(tmp_path), speed=None))
        )
    qtbot.waitUntil(lambda: len(got) == 4)
    assert [type(e).__name__ for e in got] == [
        "TranscriptEvent",
        "TranscriptEvent",
        "ObjectionEvent",
        "SuggestionEvent",
    ]


def test_events_file_session_keeps_choices(tmp_path) -> None:
    session = default_session_factory(
        SessionRequest(SessionOptions("replay", input=_events_file(tmp_path), speed=None)), []
    )
    assert isinstance(session, EventFileSession)
    session.record_choice("c1", 2)
    assert session.choices == [("c1", 2)]


def test_a_broken_events_file_is_a_sentence(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"type": "nonsense"}\n', encoding="utf-8")
    controller = SessionController(EventBridge())
    with qtbot.waitSignal(controller.problem) as blocker:
        assert not controller.start(SessionRequest(SessionOptions("replay", input=bad)))
    assert "line 1" in blocker.args[0]
    try:
        EventFileSession(bad, sinks=[])
    except EventFileError as e:
        assert "parley replay --events" in str(e)
    else:
        raise AssertionError("a broken events file must be refused")


def test_devices_are_listed_off_the_gui_thread(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window._device_lister = lambda: DeviceChoices(mics=("USB headset",), loopbacks=())
    with qtbot.waitSignal(window.devices_listed):
        window.load_devices_in_background()
    assert window.mic_combo.findData("USB headset") > 0
    window.set_devices(DeviceChoices())
    assert "No audio input devices" in window.devices_note.text()


def test_gui_thread_collector_collects_and_restores(qtbot) -> None:  # type: ignore[no-untyped-def]
    import gc

    from desktop.ui.gc_guard import GuiThreadCollector

    collector = GuiThreadCollector()
    try:
        assert not gc.isenabled()
        for _ in range(gc.get_threshold()[0] + 10):
            cycle: list[object] = []
            cycle.append(cycle)
        qtbot.waitUntil(lambda: gc.get_count()[0] < gc.get_threshold()[0], timeout=5000)
    finally:
        collector.stop()
    assert gc.isenabled()


def test_requests_map_onto_the_real_session_options(tmp_path) -> None:
    asked = SessionOptions(
        "replay",
        input=tmp_path / "call.wav",
        playbooks=(tmp_path,),
        asr_pack="asr-tiny-en",
        use_llm=False,
        speed=2.0,
    )
    session = default_session_factory(SessionRequest(asked), [])
    options = session.options  # type: ignore[attr-defined]
    assert options == asked  # the runner gets the window's options as they are
    assert options.pace == Pace.paced(2.0)
    live_options = SessionOptions("live", mic="USB", llm_pack="llm-tiny")
    live = default_session_factory(SessionRequest(live_options), [])
    assert (live.options.mode, live.options.mic, live.options.llm_pack) == (
        "live",
        "USB",
        "llm-tiny",
    )  # type: ignore[attr-defined]


def test_pause_and_jump_in_a_replay(window, factory, qtbot) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    from desktop.ui.main_window import parse_position

    window.apply_settings(dataclasses.replace(window.settings, replay_file="/tmp/call.wav"))
    window.mode.setCurrentIndex(1)  # replay
    window.toggle_session()
    session = factory.sessions[-1]
    assert window.pause_button.isEnabled()
    window.toggle_pause()
    assert session.paused and window.pause_button.text() == "Resume"
    window.toggle_pause()
    assert not session.paused
    # Jumping restarts the replay at that position once the running one has finished.
    window.jump_to(parse_position("1:30"))
    assert session.done
    window.controller._check_finished()
    qtbot.waitUntil(lambda: len(factory.sessions) == 2)
    assert factory.sessions[-1].request.options.start_at == 90.0
    assert parse_position("2:30") == 150.0 and parse_position("x") is None
