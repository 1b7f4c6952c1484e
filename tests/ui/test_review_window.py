"""The review window on a stored session: timeline, objection detail, review notes, exports."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt

from desktop.store import SessionStore
from desktop.ui import i18n
from desktop.ui.review_window import ReviewWindow, open_review_window
from tests.unit.review_events import (
    CUSTOMER_PRICE,
    PRICE_OBJECTION,
    REP_REPLY,
    TIMING_OBJECTION,
    all_bytes,
    store_scripted_session,
)


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_PASSPHRASE", "review pass")
    monkeypatch.setenv("PARLEY_SCRYPT_N", "1024")
    monkeypatch.setenv("PARLEY_KEYRING", "0")


@pytest.fixture
def sid(keyed: None) -> str:
    return store_scripted_session(title="scripted call")


def make_window(qtbot, session_id: str | None = None, **kw) -> ReviewWindow:  # type: ignore[no-untyped-def]
    window = ReviewWindow(session_id=session_id, **kw)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_click_an_objection_review_it_and_see_it_stored(qtbot, sid: str, parley_home: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window(qtbot)
    assert window.sessions.count() == 1
    with qtbot.waitSignal(window.session_loaded) as loaded:
        window.sessions.setCurrentRow(0)
    assert loaded.args == [sid]
    view = window.timeline_view
    rect = view.objection_rect(PRICE_OBJECTION)
    assert rect is not None
    with qtbot.waitSignal(view.objection_clicked) as clicked:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert clicked.args == [PRICE_OBJECTION]
    assert window.selected == PRICE_OBJECTION
    detail = window.detail.toPlainText()
    assert CUSTOMER_PRICE in detail and REP_REPLY in detail
    assert "Refined answer 2 for the customer" in detail and "Instant answer 3" in detail
    assert "no discount" in detail  # the guard event
    assert "The rep picked: path 2" in detail
    assert window.form.isEnabled()

    why = "zebrafinch: a question opens the real budget talk"
    window.form.rating.setCurrentIndex(4)
    window.form.preferred.setCurrentIndex(2)
    window.form.why.setPlainText(why)
    window.form.note.setPlainText("Good instinct")
    window.form.author.setText("Coach")
    with qtbot.waitSignal(window.review_saved):
        qtbot.mouseClick(window.form.save, Qt.MouseButton.LeftButton)
    assert window.form.message.text() == "Review saved."
    assert why in window.detail.toPlainText()
    assert window.form.why.toPlainText() == ""
    window.close()

    with SessionStore.open() as store:
        [note] = store.load_review_notes(sid)
    assert (note.objection_utterance_id, note.rating, note.preferred_path) == (
        PRICE_OBJECTION,
        4,
        1,
    )
    assert (note.why, note.text, note.author) == (why, "Good instinct", "Coach")
    assert b"zebrafinch" not in all_bytes(parley_home)


def test_timeline_paints(qtbot, sid: str) -> None:  # type: ignore[no-untyped-def]
    window = make_window(qtbot, sid)
    view = window.timeline_view
    assert view.timeline is not None and len(view.timeline.objections) == 2
    window.select_objection(TIMING_OBJECTION)
    image = view.grab().toImage()
    assert not image.isNull() and image.width() > 100 and image.height() > 100
    # The customer's bar is painted in its lane colour; the selected marker in red.
    colours = {
        image.pixelColor(x, y).name()
        for x in range(0, image.width(), 3)
        for y in range(0, image.height(), 3)
    }
    assert len(colours) > 5 and "#ffffff" in colours
    rep_lane_y = int(view._lanes()["rep"].center().y())
    assert image.pixelColor(QPoint(int(view.x_of(1.0)), rep_lane_y)).name() == "#6c8ebf"
    window.close()


def test_choose_objection_from_the_list_and_export(qtbot, sid: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    asked: list[str] = []

    def ask(_parent, _caption, suggested, _filter):  # type: ignore[no-untyped-def]
        asked.append(suggested)
        return str(tmp_path / suggested)

    window = make_window(qtbot, sid, ask_path=ask)
    window.objections.setCurrentIndex(1)
    assert window.selected == TIMING_OBJECTION
    assert "not recorded" in window.detail.toPlainText()
    assert window.redact.isChecked()
    for fmt in ("html", "srt", "vtt", "txt", "md", "json"):
        with qtbot.waitSignal(window.exported):
            qtbot.mouseClick(window.export_buttons[fmt], Qt.MouseButton.LeftButton)
    assert asked == [f"{sid}.{f}" for f in ("html", "srt", "vtt", "txt", "md", "json")]
    assert REP_REPLY in (tmp_path / f"{sid}.srt").read_text(encoding="utf-8")
    assert "<html" in (tmp_path / f"{sid}.html").read_text(encoding="utf-8").lower()
    with SessionStore.open() as store:
        kinds = [
            (e.payload or {}).get("format") for e in store.audit.entries() if e.kind == "export"
        ]
    assert kinds == ["html", "srt", "vtt", "txt", "md", "json"]
    window.close()


def test_empty_review_is_not_saved(qtbot, sid: str) -> None:  # type: ignore[no-untyped-def]
    window = make_window(qtbot, sid)
    window.select_objection(PRICE_OBJECTION)
    assert window.save_review() is None
    assert "first" in window.form.message.text()
    assert window.store is not None and window.store.load_review_notes(sid) == []
    window.close()


def test_wrong_passphrase_is_a_sentence_and_unlock_works(  # type: ignore[no-untyped-def]
    qtbot, sid: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARLEY_PASSPHRASE", "not it")
    window = make_window(qtbot)
    assert window.store is None and window.sessions.count() == 0
    assert "passphrase does not open" in window.notice.text()
    assert window.passphrase.isVisible()
    monkeypatch.delenv("PARLEY_PASSPHRASE")
    window.passphrase.setText("review pass")
    qtbot.mouseClick(window.unlock, Qt.MouseButton.LeftButton)
    assert window.store is not None and window.sessions.count() == 1
    assert not window.passphrase.isVisible()
    window.close()


def test_no_key_says_nothing_is_stored(qtbot, keyed: None) -> None:  # type: ignore[no-untyped-def]
    window = make_window(qtbot)
    assert window.store is None
    assert window.notice.text() == "No sessions are stored yet."
    assert not window.passphrase.isVisible()
    window.close()


def test_chinese_strings_and_open_helper(qtbot, sid: str) -> None:  # type: ignore[no-untyped-def]
    i18n.set_language("zh")
    window = open_review_window(session_id=sid)
    qtbot.addWidget(window)
    assert window.windowTitle() == "通话复盘"
    assert window.form.save.text() == "保存复盘"
    window.select_objection(PRICE_OBJECTION)
    assert "客户原话" in window.detail.toPlainText()
    i18n.set_language("en")
    window.retranslate()
    assert window.form.save.text() == "Save review"
    assert window.testAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)


def test_main_window_opens_one_review_window(window):
    window.open_review()
    first = window._review_window
    assert first is not None and first.isVisible()
    window.open_review()
    assert window._review_window is first
    first.close()


def test_a_damaged_session_is_named_in_the_list_and_still_opens(qtbot, sid: str) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    from models.paths import data_dir

    conn = sqlite3.connect(data_dir() / "sessions.db", isolation_level=None)
    blob = bytearray(conn.execute("SELECT title FROM sessions WHERE id = ?", (sid,)).fetchone()[0])
    blob[-1] ^= 0x01
    conn.execute("UPDATE sessions SET title = ? WHERE id = ?", (bytes(blob), sid))
    conn.close()
    window = make_window(qtbot)
    item = window.sessions.item(0)
    assert "damaged, left out: title" in item.text()
    assert f"parley sessions delete {sid}" in item.toolTip()
    with qtbot.waitSignal(window.session_loaded):
        window.sessions.setCurrentRow(0)
    assert window.timeline_view.objection_rect(PRICE_OBJECTION) is not None
