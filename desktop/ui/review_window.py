"""`ReviewWindow`: where a trainer reviews a stored session.

    window = open_review_window(parent=main_window, session_id=None)   # shown, returned

Left: the stored sessions (opening the store needs the data key: the OS keyring or
`PARLEY_PASSPHRASE`, or a passphrase typed here; a missing key or a wrong passphrase is told in a
plain sentence). Right: the session's timeline (click an objection), the objection's detail
(customer text, instant and refined paths, guard events, the rep's pick and reply), a review
form saved to the store, and exports (HTML report, SRT, VTT, TXT, Markdown, JSON) that follow
the store's redaction setting and are written to the audit log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.report import ObjectionReview, Timeline
from desktop.store import SessionStore
from desktop.ui.review_detail import ReviewForm, ReviewInput, objection_html
from desktop.ui.review_i18n import t
from desktop.ui.timeline_view import TimelineView
from models.errors import ParleyError

log = logging.getLogger(__name__)

EXPORTS: tuple[tuple[str, str, str], ...] = (
    ("html", "HTML report", "HTML (*.html)"),
    ("srt", "SRT", "SubRip (*.srt)"),
    ("vtt", "VTT", "WebVTT (*.vtt)"),
    ("txt", "TXT", "Text (*.txt)"),
    ("md", "Markdown", "Markdown (*.md)"),
    ("json", "JSON", "JSON (*.json)"),
)
SESSION_ROLE = Qt.ItemDataRole.UserRole

# Asks where to save an export: (parent, caption, suggested path, filter) -> path or "".
PathAsker = Callable[[QWidget, str, str, str], str]


def _ask_path(parent: QWidget, caption: str, suggested: str, filt: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, caption, suggested, filt)
    return path


def open_store(passphrase: str | None = None) -> tuple[SessionStore | None, str]:
    """The session store and "" , or None and a sentence saying why it cannot be opened.

    Never prompts on a terminal: the key comes from the OS keyring, `PARLEY_PASSPHRASE` or
    `passphrase`. Never creates a key: with none stored there is nothing to review.
    """
    from desktop.privacy.errors import KeyUnavailableError, PrivacyError, WrongPassphraseError
    from desktop.privacy.keys import load_existing_key
    from desktop.store.db import DB_NAME
    from models.paths import data_dir

    try:
        key = load_existing_key(passphrase=passphrase or None, interactive=False)
        if key is None:
            if (data_dir() / DB_NAME).exists():
                return None, (
                    f"The session database exists but its key file is missing from "
                    f"{data_dir()}: restore key.json from a backup."
                )
            return None, t("No sessions are stored yet.")
        return SessionStore.open(key=key), ""
    except (KeyUnavailableError, WrongPassphraseError) as e:
        return None, str(e)
    except (PrivacyError, ParleyError) as e:
        return None, str(e)


class ReviewWindow(QMainWindow):
    """Review stored sessions: timeline, objection detail, review notes and exports.

    Signals:
        session_loaded(str): a session's timeline is shown.
        review_saved(str): a review note was saved (its id).
        exported(str): an export was written (its path).
    """

    session_loaded = Signal(str)
    review_saved = Signal(str)
    exported = Signal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        store: SessionStore | None = None,
        session_id: str | None = None,
        ask_path: PathAsker = _ask_path,
    ) -> None:
        super().__init__(parent)
        self.store: SessionStore | None = store
        self._owns_store = store is None
        self.session_id: str | None = None
        self.timeline: Timeline | None = None
        self.selected: str | None = None
        self.ask_path = ask_path
        self._texts: list[tuple[Callable[[str], None], str]] = []
        self._build()
        if self.store is None:
            self.open_store()
        else:
            self.load_sessions()
        if session_id:
            self.load_session(session_id)

    # -- building ------------------------------------------------------------------------------

    def _t(self, setter: Callable[[str], None], key: str) -> None:
        setter(t(key))
        self._texts.append((setter, key))

    def _build(self) -> None:
        self.resize(1200, 800)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self._build_sessions())
        split.addWidget(self._build_review())
        split.setStretchFactor(1, 1)
        split.setSizes([280, 920])
        self.setCentralWidget(split)
        self._t(self.setWindowTitle, "Review a call")
        self._connect()
        self._set_session_enabled(False)

    def _build_sessions(self) -> QGroupBox:
        """The left side: the passphrase row and the list of stored sessions."""
        self.sessions = QListWidget()
        self.reload = QPushButton()
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.unlock = QPushButton()
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        left = QGroupBox()
        self._t(left.setTitle, "Stored sessions")
        lv = QVBoxLayout(left)
        lv.addWidget(self.notice)
        row = QHBoxLayout()
        row.addWidget(self.passphrase)
        row.addWidget(self.unlock)
        lv.addLayout(row)
        lv.addWidget(self.sessions, 1)
        lv.addWidget(self.reload)
        self._t(self.reload.setText, "Reload")
        self._t(self.unlock.setText, "Unlock")
        self._t(self.passphrase.setPlaceholderText, "Passphrase")
        return left

    def _build_review(self) -> QWidget:
        """The right side: the timeline, the objection picker, its detail and review form,
        the export buttons and the message line."""
        self.timeline_view = TimelineView()
        self.objections = QComboBox()
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        self.form = ReviewForm()
        self.message = QLabel()
        self.message.setWordWrap(True)
        review_box = QGroupBox()
        self._t(review_box.setTitle, "Review notes")
        QVBoxLayout(review_box).addWidget(self.form)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.addWidget(self.timeline_view)
        orow = QHBoxLayout()
        self.objections_label = QLabel()
        self._t(self.objections_label.setText, "Objections")
        orow.addWidget(self.objections_label)
        orow.addWidget(self.objections, 1)
        rv.addLayout(orow)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.detail)
        lower.addWidget(review_box)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        rv.addWidget(lower, 1)
        rv.addWidget(self._build_exports())
        rv.addWidget(self.message)
        return right

    def _build_exports(self) -> QGroupBox:
        """One button per export format, and the redaction checkbox."""
        self.redact = QCheckBox()
        self._t(self.redact.setText, "Redact personal data")
        self.export_buttons: dict[str, QPushButton] = {}
        export_box = QGroupBox()
        self._t(export_box.setTitle, "Export")
        ev = QHBoxLayout(export_box)
        for fmt, key, _filter in EXPORTS:
            button = QPushButton()
            self._t(button.setText, key)
            button.clicked.connect(lambda _=False, f=fmt: self.choose_export(f))
            self.export_buttons[fmt] = button
            ev.addWidget(button)
        ev.addWidget(self.redact)
        ev.addStretch(1)
        return export_box

    def _connect(self) -> None:
        self.sessions.currentItemChanged.connect(self._on_session_item)
        self.reload.clicked.connect(self.load_sessions)
        self.unlock.clicked.connect(lambda: self.open_store(self.passphrase.text()))
        self.passphrase.returnPressed.connect(lambda: self.open_store(self.passphrase.text()))
        self.timeline_view.objection_clicked.connect(self.select_objection)
        self.objections.currentIndexChanged.connect(self._on_objection_index)
        self.form.submitted.connect(self.save_review)

    def retranslate(self) -> None:
        """Set every string again in the current language (`desktop.ui.i18n.set_language`)."""
        for setter, key in self._texts:
            setter(t(key))
        self.form.retranslate()
        self.timeline_view.update()
        self._fill_objections()
        self._show_detail()

    def _set_session_enabled(self, on: bool) -> None:
        for button in self.export_buttons.values():
            button.setEnabled(on)
        self.form.setEnabled(on and self.selected is not None)
        self.objections.setEnabled(on)

    # -- the store and the session list --------------------------------------------------------

    def open_store(self, passphrase: str | None = None) -> bool:
        """Open the session store (keyring, PARLEY_PASSPHRASE or `passphrase`); show why not."""
        if self.store is not None and self._owns_store:
            self.store.close()
            self.store = None
        store, problem = open_store(passphrase)
        self.store, self._owns_store = store, True
        locked = store is None and problem != t("No sessions are stored yet.")
        self.passphrase.setVisible(locked)
        self.unlock.setVisible(locked)
        self.notice.setText(problem if store is None else " ".join(store.problems))
        self.notice.setVisible(bool(self.notice.text()))
        self.passphrase.clear()
        self.load_sessions()
        return store is not None

    def load_sessions(self) -> None:
        """Fill the list of stored sessions (newest first)."""
        current = self.session_id
        self.sessions.blockSignals(True)
        self.sessions.clear()
        if self.store is not None:
            for info in reversed(self.store.list_sessions()):
                when = time.strftime("%Y-%m-%d %H:%M", time.localtime(info.started_at))
                label = f"{info.title or info.session_id}\n{info.kind} · {when}"
                tip = info.session_id
                if info.damaged:
                    items = ", ".join(info.damaged)
                    label += "\n⚠ " + t("damaged, left out: {items}", items=items)
                    tip = t(
                        "Parts of this session are damaged and left out ({items}); the rest is "
                        "readable. Remove it with `parley sessions delete {id}`.",
                        items=items,
                        id=info.session_id,
                    )
                item = QListWidgetItem(label)
                item.setData(SESSION_ROLE, info.session_id)
                item.setToolTip(tip)
                self.sessions.addItem(item)
                if info.session_id == current:
                    self.sessions.setCurrentItem(item)
            if self.sessions.count() == 0:
                self.notice.setText(t("No sessions are stored yet."))
                self.notice.setVisible(True)
        self.sessions.blockSignals(False)

    def _on_session_item(self, item: QListWidgetItem | None, _prev: object = None) -> None:
        if item is not None:
            self.load_session(str(item.data(SESSION_ROLE)))

    def load_session(self, session_id: str) -> bool:
        """Show a stored session's timeline; False (with a sentence) when it cannot be read."""
        if self.store is None:
            return False
        from desktop.store.review import session_timeline

        try:
            timeline = session_timeline(self.store, session_id).timeline
        except (ParleyError, ValueError) as e:
            self.message.setText(str(e))
            return False
        self.session_id, self.timeline = session_id, timeline
        self.redact.setChecked(self.store.settings.redact_exports)
        for i in range(self.sessions.count()):
            item = self.sessions.item(i)
            if item.data(SESSION_ROLE) == session_id and self.sessions.currentItem() is not item:
                self.sessions.blockSignals(True)
                self.sessions.setCurrentItem(item)
                self.sessions.blockSignals(False)
        self.timeline_view.set_timeline(timeline)
        self.selected = None
        self._fill_objections()
        self._set_session_enabled(True)
        self.message.clear()
        self._show_detail()
        self.session_loaded.emit(session_id)
        return True

    # -- objections ----------------------------------------------------------------------------

    def _fill_objections(self) -> None:
        self.objections.blockSignals(True)
        self.objections.clear()
        for n, o in enumerate(self.timeline.objections if self.timeline else (), start=1):
            category = t(f"objection:{o.category}")
            if category.startswith("objection:"):
                category = o.category
            m, s = divmod(int(o.start), 60)
            self.objections.addItem(f"{n}. {category} ({m}:{s:02d})", o.utterance_id)
        index = self.objections.findData(self.selected) if self.selected else -1
        self.objections.setCurrentIndex(index)
        self.objections.blockSignals(False)

    def _on_objection_index(self, index: int) -> None:
        if index >= 0:
            self.select_objection(str(self.objections.itemData(index)))

    def objection(self, utterance_id: str | None = None) -> ObjectionReview | None:
        """The selected objection's review (or the one on `utterance_id`)."""
        oid = utterance_id or self.selected
        if self.timeline is None or oid is None:
            return None
        return next((o for o in self.timeline.objections if o.utterance_id == oid), None)

    def select_objection(self, utterance_id: str) -> None:
        if self.objection(utterance_id) is None:
            return
        changed = utterance_id != self.selected
        self.selected = utterance_id
        self.timeline_view.select(utterance_id)
        self.objections.blockSignals(True)
        self.objections.setCurrentIndex(self.objections.findData(utterance_id))
        self.objections.blockSignals(False)
        if changed:
            self.form.clear()
            self.form.message.clear()
        self.form.setEnabled(True)
        self._show_detail()

    def _show_detail(self) -> None:
        o = self.objection()
        if o is not None:
            self.detail.setHtml(objection_html(o))
        elif self.timeline is None:
            self.detail.setPlainText(t("Choose a session to review."))
        elif not self.timeline.objections:
            self.detail.setPlainText(t("This session has no objections to review."))
        else:
            self.detail.setPlainText(t("Choose an objection on the timeline to review it."))

    # -- review and export ---------------------------------------------------------------------

    def save_review(self, value: ReviewInput | None = None) -> str | None:
        """Save the form (or `value`) as a note on the selected objection; returns its id."""
        value = value if value is not None else self.form.value()
        if self.store is None or self.session_id is None or self.selected is None:
            return None
        if value.empty:
            self.form.message.setText(t("Give a rating, a preferred path, a why or a note first."))
            return None
        try:
            note_id = self.store.add_review_note(
                self.session_id,
                self.selected,
                rating=value.rating,
                text=value.text,
                preferred_path=value.preferred_path,
                why=value.why,
                author=value.author,
            )
        except ParleyError as e:
            self.form.message.setText(str(e))
            return None
        selected = self.selected
        self.load_session(self.session_id)
        self.select_objection(selected)
        self.form.clear()
        self.form.message.setText(t("Review saved."))
        self.review_saved.emit(note_id)
        return note_id

    def export_to(self, fmt: str, path: str | Path) -> Path | None:
        """Write the session as `fmt` (html, srt, vtt, txt, md, json) to `path` (audited)."""
        if self.store is None or self.session_id is None:
            return None
        from desktop.store.review import write_export

        try:
            result = write_export(
                self.store, self.session_id, fmt, path, redact=self.redact.isChecked()
            )
        except ParleyError as e:
            self.message.setText(str(e))
            return None
        self.message.setText(t("Saved to {path}.", path=str(result.path)))
        self.exported.emit(str(result.path))
        return result.path

    def choose_export(self, fmt: str) -> Path | None:
        """Ask where to save, then export (nothing when the dialog is cancelled)."""
        if self.session_id is None:
            return None
        _fmt, key, filt = next(e for e in EXPORTS if e[0] == fmt)
        suggested = f"{self.session_id}.{fmt}"
        path = self.ask_path(self, t(key), suggested, filt)
        return self.export_to(fmt, path) if path else None

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.store is not None and self._owns_store:
            self.store.close()
            self.store = None
        super().closeEvent(event)


def open_review_window(
    parent: QWidget | None = None,
    session_id: str | None = None,
    *,
    store: SessionStore | None = None,
) -> ReviewWindow:
    """Create and show the review window (a top-level window even with a parent); the caller
    keeps the reference. `session_id` opens that session at once."""
    window = ReviewWindow(parent, store=store, session_id=session_id)
    window.setWindowFlag(Qt.WindowType.Window, True)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    window.show()
    return window
