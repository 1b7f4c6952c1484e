"""The main window driven by scripted events through the bridge and a fake session."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QThread
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from desktop.ui.settings import SettingsStore
from inference.events import EmotionEvent, ErrorEvent, RolesEvent, StatusEvent, TermsEvent
from models.errors import ModelError
from overlays.qt_compat import emit
from tests.ui.events_factory import objection, said, suggestion


def _start_replay(window, tmp_path: Path, factory):  # type: ignore[no-untyped-def]
    call = tmp_path / "call.json"
    call.write_text("{}", encoding="utf-8")
    window.set_replay_file(str(call))
    assert window.controller.running is False
    window.toggle_session()
    assert window.controller.running
    return factory.sessions[-1]


def _fragments(window, uid: str) -> list[tuple[str, bool, QColor]]:
    block = window.transcript.document().findBlockByNumber(window.transcript._utterances[uid].block)
    out = []
    it = block.begin()
    while not it.atEnd():
        frag = it.fragment()
        out.append(
            (frag.text(), frag.charFormat().fontItalic(), frag.charFormat().foreground().color())
        )
        it += 1
    return out


def test_window_title_and_start_with_fake_session(window, tmp_path, factory) -> None:  # type: ignore[no-untyped-def]
    assert "Parley" in window.windowTitle()
    session = _start_replay(window, tmp_path, factory)
    assert session.started
    assert session.request.options.mode == "replay"
    assert session.request.options.input == tmp_path / "call.json"
    assert window.start_button.text() == "Stop"


def test_tentative_text_is_replaced_made_stable_then_replaced_by_the_final(window) -> None:  # type: ignore[no-untyped-def]
    sink = window.bridge
    sink(said("c1", "we have about", final=False))
    sink(said("c1", "we have about thirty", final=False))
    assert window.transcript.utterance_text("c1") == ("", "we have about thirty")
    frags = _fragments(window, "c1")
    assert frags[-1][0] == "we have about thirty" and frags[-1][1]  # dimmed italic tail
    assert "we have about we have" not in window.transcript.block_text("c1")

    sink(said("c1", "we have about", final=False, stable=True))
    assert window.transcript.utterance_text("c1") == ("we have about", "thirty")
    sink(said("c1", "thirty agents", final=False, stable=True))
    assert window.transcript.utterance_text("c1") == ("we have about thirty agents", "")
    # The utterance's one final (the second pass) replaces its words in place.
    sink(said("c1", "we have about thirty-two agents", final=True))
    assert window.transcript.utterance_text("c1") == ("we have about thirty-two agents", "")
    frags = _fragments(window, "c1")
    assert frags[-1][0] == "we have about thirty-two agents"
    assert not frags[-1][1]  # solid
    assert window.transcript.block_text("c1") == "Customer 00:00  we have about thirty-two agents"
    sink(said("c1", "late tail", final=False))  # nothing of the utterance follows its final
    assert window.transcript.utterance_text("c1") == ("we have about thirty-two agents", "")


def test_an_events_file_from_before_two_pass_finals_still_reads_whole(window) -> None:  # type: ignore[no-untyped-def]
    sink = window.bridge
    sink(said("c2", "our team", final=False))
    sink(said("c2", "our team uses", final=True))  # each final: newly committed words
    sink(said("c2", "a spreadsheet", final=False))
    sink(said("c2", "a spreadsheet today", final=True))
    assert window.transcript.utterance_text("c2") == ("our team uses a spreadsheet today", "")


def test_both_parties_get_their_own_labelled_lines(window) -> None:  # type: ignore[no-untyped-def]
    window.bridge(said("r1", "Hello there", final=True, speaker="rep"))
    window.bridge(said("c1", "Hi", final=True, t=3.0))
    assert window.transcript.utterance_count() == 2
    assert window.transcript.block_text("r1").startswith("Rep")
    assert window.transcript.block_text("c1").startswith("Customer")


def test_events_from_a_pipeline_thread_arrive_in_the_gui_thread(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    seen: list[bool] = []
    window.bridge.transcript_received.connect(
        lambda _e: seen.append(QThread.currentThread() is QApplication.instance().thread())
    )
    worker = threading.Thread(target=window.bridge, args=(said("c9", "from a thread", final=True),))
    with qtbot.waitSignal(window.bridge.transcript_received):
        worker.start()
        worker.join()
    assert window.transcript.utterance_text("c9") == ("from a thread", "")


def test_autoscroll_follows_until_the_user_scrolls_up(window) -> None:  # type: ignore[no-untyped-def]
    window.resize(900, 500)
    for i in range(60):
        window.bridge(said(f"u{i}", f"line number {i} of a long call", final=True, t=i + 1.0))
    bar = window.transcript.verticalScrollBar()
    assert bar.maximum() > 0
    assert bar.value() == bar.maximum()
    bar.setValue(0)
    window.bridge(said("u60", "one more line", final=True, t=70.0))
    window.bridge(said("u61", "and another", final=False, t=71.0))
    assert bar.value() == 0
    bar.setValue(bar.maximum())
    window.bridge(said("u62", "back at the bottom", final=True, t=72.0))
    assert bar.value() == bar.maximum()


def test_objection_and_suggestions_reach_the_overlay(window) -> None:  # type: ignore[no-untyped-def]
    window.bridge(said("c2", "that is far more than we planned to spend this year", final=True))
    window.bridge(objection("c2"))
    window.bridge(suggestion("c2", "instant", tag="Fast"))
    overlay = window.overlay
    assert overlay.isVisible()
    assert "that is far more" in overlay.objection_label.text()
    assert overlay.cards[2].text_label.text() == "Fast answer number 3"


def test_a_tentative_objection_is_a_status_hint_not_an_overlay_card(window) -> None:  # type: ignore[no-untyped-def]
    window.bridge(said("c4", "we might look at cost at some point", final=True))
    window.bridge(dataclasses.replace(objection("c4"), confidence=0.4, tentative=True))
    assert not window.overlay.isVisible()
    assert "price" in window.statusBar().currentMessage()


def test_hotkey_choice_is_recorded_with_the_session(window, tmp_path, factory, qtbot) -> None:  # type: ignore[no-untyped-def]
    session = _start_replay(window, tmp_path, factory)
    session.emit(objection("c3"))
    session.emit(suggestion("c3", "instant", tag="Pick"))
    with qtbot.waitSignal(window.overlay.path_chosen):
        qtbot.keyClick(window.overlay, Qt.Key.Key_3)
    assert session.choices == [("c3", 2)]
    # The application-wide shortcut does the same.
    emit(window._shortcuts[1].activated)
    assert session.choices[-1] == ("c3", 0)


def test_error_event_is_shown_as_a_sentence(window) -> None:  # type: ignore[no-untyped-def]
    message = "The language model failed to load. Run `parley models verify` and try again."
    window.bridge(ErrorEvent(t=2.0, component="llm", message=message))
    assert window.problems.isVisibleTo(window)
    assert message in window.problems.text.text()
    assert window.llm_status.state == "Failed"
    window.bridge(ErrorEvent(t=3.0, component="llm", message=message))
    assert window.problems.messages == [message]  # not repeated
    window.problems.dismiss_button.click()
    assert not window.problems.isVisibleTo(window)


def test_a_failed_start_is_explained_and_the_window_stays_usable(window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    def broken(_request, _sinks):  # type: ignore[no-untyped-def]
        raise ModelError("The speech model is not installed. Run `parley models install asr-base`.")

    window.controller._factory = broken
    call = tmp_path / "call.json"
    call.write_text("{}", encoding="utf-8")
    window.set_replay_file(str(call))
    window.toggle_session()
    assert not window.controller.running
    assert "parley models install asr-base" in window.problems.text.text()
    assert window.start_button.text() == "Start"


def test_replay_without_a_file_asks_for_one(window, factory) -> None:  # type: ignore[no-untyped-def]
    window.mode.setCurrentIndex(1)
    window.toggle_session()
    assert factory.sessions == []
    assert "Choose a recording" in window.problems.text.text()


def test_session_end_resets_the_controls(window, tmp_path, factory, qtbot) -> None:  # type: ignore[no-untyped-def]
    session = _start_replay(window, tmp_path, factory)
    session.emit(said("c1", "kept words", final=True))
    with qtbot.waitSignal(window.controller.finished):
        window.toggle_session()  # stop
    assert window.start_button.text() == "Start"
    assert window.transcript.utterance_text("c1") == ("kept words", "")  # kept


def test_levels_models_and_signals(window) -> None:  # type: ignore[no-untyped-def]
    sink = window.bridge
    sink(StatusEvent(t=0.5, component="capture", state="level", detail="customer -23.5"))
    sink(StatusEvent(t=0.5, component="capture", state="level", detail="rep -41.0"))
    assert window.loop_meter.dbfs == -23.5
    assert window.mic_meter.dbfs == -41.0
    sink(StatusEvent(t=0.1, component="asr", state="loading", detail="asr-base"))
    assert window.asr_status.progress.isVisibleTo(window)
    sink(StatusEvent(t=0.9, component="asr", state="ready"))
    assert not window.asr_status.progress.isVisibleTo(window)
    assert window.asr_status.state_label.text() == "Ready"
    sink(
        EmotionEvent(
            t=2,
            utterance_id="c1",
            start=1,
            end=2,
            valence="negative",
            label="frustrated",
            confidence=0.8,
        )
    )
    sink(TermsEvent(t=2, utterance_id="c1", terms=("SLA", "SSO"), density=4.0))
    sink(RolesEvent(t=2, utterance_id="c1", roles=("cfo",)))
    sink(RolesEvent(t=3, utterance_id="c2", roles=("cfo", "legal")))
    strip = window.signals
    assert len(strip.emotion_plot.points) == 1 and strip.emotion_plot.points[0][1] < 0
    assert strip.density_bar.value() == 40
    assert "SLA" in strip.terms_label.text()
    assert strip.role_counts["cfo"] == 2 and strip.role_counts["legal"] == 1
    assert strip.role_labels["cfo"].text() == "CFO 2"
    sink(StatusEvent(t=4, component="capture", state="no_customer_audio"))
    assert "No audio from the customer" in window.problems.text.text()


def test_settings_are_persisted_and_applied(window, settings_path) -> None:  # type: ignore[no-untyped-def]
    chosen = dataclasses.replace(
        window.settings,
        language="zh",
        llm_model="llm-tiny",
        overlay_opacity=0.6,
        overlay_quiet_s=12.0,
        toggle_hotkey="Ctrl+Shift+P",
        pick_hotkeys=("F1", "F2", "F3"),
    )
    window.apply_settings(chosen)
    assert window.start_button.text() == "开始"
    assert window.overlay.windowOpacity() == 0.6
    assert window.overlay.hint_label.text().startswith("1/2/3 选择")
    again = SettingsStore(QSettings(str(settings_path), QSettings.Format.IniFormat)).load()
    assert again == chosen


def test_settings_dialog_round_trip(window) -> None:  # type: ignore[no-untyped-def]
    from desktop.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(window.settings, window)
    dialog.language.setCurrentIndex(dialog.language.findData("zh"))
    dialog.opacity.setValue(70)
    dialog.click_through.setChecked(True)
    result = dialog.chosen()
    assert (result.language, result.overlay_opacity, result.click_through) == ("zh", 0.7, True)
    assert result.pick_hotkeys == window.settings.pick_hotkeys


def test_device_pickers_and_unavailable_listing(window) -> None:  # type: ignore[no-untyped-def]
    from desktop.ui.devices import DeviceChoices

    assert window.mic_combo.findData("Built-in mic") > 0
    assert window.loop_combo.findData("call_out.monitor") > 0
    window.set_devices(DeviceChoices(problem="Audio device listing is not available."))
    assert window.devices_note.isVisibleTo(window)
    assert window.mic_combo.count() == 1  # the default device is still there
