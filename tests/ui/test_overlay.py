"""The overlay: cards update in place, keys pick a path, Esc hides, position is remembered."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QCursor, QMouseEvent
from PySide6.QtWidgets import QApplication

from inference.events import GuardEvent
from overlays.cards import SuggestionCard, confidence_label, strategy_title
from overlays.overlay_window import SuggestionOverlay
from tests.ui.events_factory import objection, suggestion


def _overlay(qtbot, settings: QSettings | None = None, quiet_s: float = 0) -> SuggestionOverlay:  # type: ignore[no-untyped-def]
    overlay = SuggestionOverlay(settings=settings, quiet_s=quiet_s)
    qtbot.addWidget(overlay)
    return overlay


def test_instant_paths_become_refined_in_place(qtbot) -> None:  # type: ignore[no-untyped-def]
    overlay = _overlay(qtbot)
    overlay.show_objection(objection("u1"), quote="that is a lot more than we expected")
    overlay.show_suggestion(suggestion("u1", "instant", tag="Instant"))
    cards = overlay.findChildren(SuggestionCard)
    labels = [card.text_label for card in overlay.cards]
    geometry = [card.geometry() for card in overlay.cards]
    size = overlay.size()
    assert overlay.isVisible()
    assert overlay.cards[0].text_label.text() == "Instant answer number 1"
    assert overlay.cards[0].stage_label.text() == "instant"

    overlay.show_suggestion(suggestion("u1", "refined", tag="Refined"))

    assert overlay.findChildren(SuggestionCard) == cards  # the very same widgets
    assert [card.text_label for card in overlay.cards] == labels
    assert [card.geometry() for card in overlay.cards] == geometry
    assert overlay.size() == size
    assert [c.text_label.text() for c in overlay.cards] == [
        f"Refined answer number {i}" for i in (1, 2, 3)
    ]
    assert overlay.cards[1].stage_label.text() == "refined"
    assert overlay.cards[0].confidence_label.text().startswith("High")
    assert overlay.cards[2].confidence_label.text().startswith("Low")
    assert "Price objection" in overlay.objection_label.text()


def test_long_texts_never_change_the_geometry(qtbot) -> None:  # type: ignore[no-untyped-def]
    overlay = _overlay(qtbot)
    overlay.show_suggestion(suggestion("u1", "instant", tag="Short"))
    sizes = [card.size() for card in overlay.cards]
    size = overlay.size()
    long = suggestion("u1", "refined", tag="A much longer strategy name that goes on " * 5)
    overlay.show_suggestion(long)
    overlay.apply_guard(
        GuardEvent(t=6.0, objection_utterance_id="u1", path=1, rule="rule " * 40, action="flagged")
    )
    assert [card.size() for card in overlay.cards] == sizes
    assert overlay.size() == size


def test_partly_refined_suggestion_marks_unfinished_cards_instant(qtbot) -> None:  # type: ignore[no-untyped-def]
    overlay = _overlay(qtbot)
    overlay.show_suggestion(suggestion("u1", "refined", tag="Mixed", complete=False))
    assert all(card.stage_label.text() == "instant" for card in overlay.cards)


def test_late_refinement_of_an_old_objection_is_ignored(qtbot) -> None:  # type: ignore[no-untyped-def]
    overlay = _overlay(qtbot)
    overlay.show_objection(objection("old"))
    overlay.show_objection(objection("new", "timing"))
    overlay.show_suggestion(suggestion("new", "instant", tag="New"))
    overlay.show_suggestion(suggestion("old", "refined", tag="Old"))
    assert overlay.objection_id == "new"
    assert overlay.cards[0].text_label.text() == "New answer number 1"


def test_keys_pick_a_path_and_escape_dismisses(qtbot) -> None:  # type: ignore[no-untyped-def]
    overlay = _overlay(qtbot)
    overlay.show_objection(objection("u7"))
    overlay.show_suggestion(suggestion("u7", "instant", tag="A"))
    with qtbot.waitSignal(overlay.path_chosen) as blocker:
        qtbot.keyClick(overlay, Qt.Key.Key_2)
    assert blocker.args == ["u7", 1]
    assert overlay.cards[1].property("chosen") == "true"
    assert overlay.cards[0].property("chosen") == "false"
    with qtbot.waitSignal(overlay.dismissed):
        qtbot.keyClick(overlay, Qt.Key.Key_Escape)
    assert not overlay.isVisible()
    overlay.show_suggestion(suggestion("u7", "refined", tag="B"))  # quietly updated
    assert not overlay.isVisible()
    assert overlay.cards[0].text_label.text() == "B answer number 1"
    overlay.show_objection(objection("u8"))  # a new objection shows it again
    assert overlay.isVisible()


def test_no_choice_without_a_suggestion(qtbot) -> None:  # type: ignore[no-untyped-def]
    overlay = _overlay(qtbot)
    with qtbot.assertNotEmitted(overlay.path_chosen):
        assert overlay.choose(0) is False


def test_sources_expand_inside_the_card(qtbot) -> None:  # type: ignore[no-untyped-def]
    overlay = _overlay(qtbot)
    overlay.show_suggestion(suggestion("u1", "instant", tag="S"))
    card = overlay.cards[0]
    size = card.size()
    qtbot.mouseClick(card.toggle_button, Qt.MouseButton.LeftButton)
    assert card.sources_shown
    assert "pricing.md › Value" in card.sources_label.text()
    assert card.size() == size


def test_guard_marks_the_card(qtbot) -> None:  # type: ignore[no-untyped-def]
    overlay = _overlay(qtbot)
    overlay.show_objection(objection("u1"))
    # The guard checks a path before the suggestion carrying it is emitted.
    overlay.apply_guard(
        GuardEvent(
            t=6.0, objection_utterance_id="u1", path=0, rule="no guarantees", action="blocked"
        )
    )
    overlay.show_suggestion(suggestion("u1", "instant", tag="G"))
    assert "no guarantees" in overlay.cards[0].guard_label.text()
    overlay.apply_guard(
        GuardEvent(
            t=6.0, objection_utterance_id="u1", path=2, rule="max discount", action="rewritten"
        )
    )
    assert "max discount" in overlay.cards[2].guard_label.text()
    assert overlay.cards[1].guard_label.text() == ""
    overlay.show_objection(objection("u2"))  # a new objection starts clean
    assert all(card.guard_label.text() == "" for card in overlay.cards)


def test_auto_hides_after_quiet_period(qtbot) -> None:  # type: ignore[no-untyped-def]
    overlay = _overlay(qtbot, quiet_s=0.05)
    overlay.move(QCursor.pos() + QPoint(50, 50))  # it never hides under the pointer
    overlay.show_suggestion(suggestion("u1", "instant", tag="Q"))
    assert overlay.isVisible()
    with qtbot.waitSignal(overlay.visibility_changed) as blocker:
        pass
    assert blocker.args == [False]
    assert not overlay.isVisible()


def test_position_is_remembered(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = QSettings(str(tmp_path / "o.ini"), QSettings.Format.IniFormat)
    overlay = _overlay(qtbot, settings)
    overlay.show()
    start = overlay.pos()
    # Drag by 40,30 with real mouse events (press, move with the button held, release).
    press_at = QPointF(start + QPoint(20, 10))
    for kind, pos, buttons in (
        (QEvent.Type.MouseButtonPress, press_at, Qt.MouseButton.LeftButton),
        (QEvent.Type.MouseMove, press_at + QPointF(40, 30), Qt.MouseButton.LeftButton),
        (QEvent.Type.MouseButtonRelease, press_at + QPointF(40, 30), Qt.MouseButton.NoButton),
    ):
        local = QPointF(pos - QPointF(overlay.pos()))
        event = QMouseEvent(
            kind, local, pos, Qt.MouseButton.LeftButton, buttons, Qt.KeyboardModifier.NoModifier
        )
        QApplication.sendEvent(overlay, event)
    assert overlay.pos() == start + QPoint(40, 30)
    overlay.close()

    again = _overlay(qtbot, QSettings(str(tmp_path / "o.ini"), QSettings.Format.IniFormat))
    assert again.pos() == start + QPoint(40, 30)


def test_click_through_sets_the_window_flag(qtbot) -> None:  # type: ignore[no-untyped-def]
    overlay = _overlay(qtbot)
    overlay.show()
    overlay.set_click_through(True)
    assert overlay.windowFlags() & Qt.WindowType.WindowTransparentForInput
    assert overlay.isVisible()
    overlay.set_click_through(False)
    assert not overlay.windowFlags() & Qt.WindowType.WindowTransparentForInput


def test_strategy_titles() -> None:
    from desktop.ui import i18n

    assert strategy_title("ask_question", str) == "Ask question"
    assert strategy_title("Reframe the cost", str) == "Reframe the cost"
    i18n.set_language("zh")
    assert strategy_title("offer_evidence", i18n.tr) == "提供证据"


def test_confidence_labels() -> None:
    assert [confidence_label(c) for c in (0.9, 0.5, 0.1)] == ["High", "Medium", "Low"]


def test_windows_hotkey_codes() -> None:
    from overlays.global_hotkeys import (
        MOD_ALT,
        MOD_CONTROL,
        MOD_SHIFT,
        GlobalHotkeys,
        windows_hotkey,
    )

    assert windows_hotkey("Ctrl+Alt+1") == (MOD_CONTROL | MOD_ALT, ord("1"))
    assert windows_hotkey("Ctrl+Shift+P") == (MOD_CONTROL | MOD_SHIFT, ord("P"))
    assert windows_hotkey("F2") == (0, 0x71)
    assert windows_hotkey("1") is None  # would steal plain typing
    assert windows_hotkey("Ctrl+Hyper+1") is None
    hotkeys = GlobalHotkeys()
    if not hotkeys.supported:  # Linux, macOS: the window falls back to application shortcuts
        assert hotkeys.register("toggle", "Ctrl+Alt+O") is False
