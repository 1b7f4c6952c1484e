"""One suggestion card of the overlay: strategy, text, confidence; sources on expand.

A card has a fixed size and a fixed set of child widgets. Updating it (an instant path turning
into a refined one) only changes label texts, so the overlay never re-lays out, never flickers
and never jumps under the rep's eyes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from inference.events import Source, SuggestionPath
from overlays.qt_compat import emit

CARD_WIDTH = 270
CARD_HEIGHT = 176
Translate = Callable[[str], str]

CARD_STYLE = """
QFrame#card { background: rgba(38, 44, 58, 235); border: 1px solid rgba(120, 130, 150, 160);
              border-radius: 8px; }
QFrame#card[chosen="true"] { border: 2px solid #5fd38d; }
QLabel { color: #e8ecf2; background: transparent; }
QLabel#key { color: #0f1420; background: #9fb4d8; border-radius: 9px; font-weight: bold;
             min-width: 18px; max-width: 18px; min-height: 18px; max-height: 18px; }
QLabel#strategy { font-weight: bold; color: #ffffff; }
QLabel#stage { color: #8f9bb0; font-size: 10px; }
QLabel#text { color: #e8ecf2; }
QLabel#sources { color: #b9c4d6; font-size: 11px; }
QLabel#confidence { font-size: 11px; font-weight: bold; }
QLabel#guard { color: #ffcc66; font-size: 11px; }
QPushButton#toggle { color: #9fb4d8; background: transparent; border: none; font-size: 11px; }
"""


def confidence_label(confidence: float) -> str:
    """High / Medium / Low (untranslated key) for a confidence in [0, 1]."""
    if confidence >= 0.8:
        return "High"
    if confidence >= 0.3:
        return "Medium"
    return "Low"


_CONFIDENCE_COLORS = {"High": "#5fd38d", "Medium": "#f2c14e", "Low": "#f07167"}


def strategy_title(strategy: str, tr: Translate, label: str = "") -> str:
    """A path's title for the card: the move's name in the call's language when the event
    carries one, else the strategy translated if known, ids made readable."""
    if label:
        return label
    key = f"strategy:{strategy}"
    text = tr(key)
    if text != key:
        return text
    if re.fullmatch(r"[a-z0-9_.]+", strategy):
        return strategy.rsplit(".", 1)[-1].replace("_", " ").capitalize()
    return strategy


def describe_source(source: Source, tr: Translate) -> str:
    """One line for a source: the customer's utterance or a playbook file and heading."""
    if source.utterance_id is not None:
        return f"• {tr('Customer said')} ({source.utterance_id})"
    heading = f" › {source.heading}" if source.heading else ""
    return f"• {source.file or ''}{heading}"


class SuggestionCard(QFrame):
    """A fixed-size card; `set_path` updates it in place."""

    sources_toggled = Signal(bool)

    def __init__(self, index: int, *, tr: Translate = str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self._tr = tr
        self._path: SuggestionPath | None = None
        self._stage = ""
        self._guard = ""
        self.setObjectName("card")
        self.setFixedSize(CARD_WIDTH, CARD_HEIGHT)
        self.setStyleSheet(CARD_STYLE)

        self.key_label = QLabel(str(index + 1))
        self.key_label.setObjectName("key")
        self.key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.strategy_label = QLabel()
        self.strategy_label.setObjectName("strategy")
        self.stage_label = QLabel()
        self.stage_label.setObjectName("stage")
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.key_label)
        head.addWidget(self.strategy_label, 1)
        head.addWidget(self.stage_label)

        self.text_label = QLabel()
        self.text_label.setObjectName("text")
        self.text_label.setWordWrap(True)
        self.text_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.sources_label = QLabel()
        self.sources_label.setObjectName("sources")
        self.sources_label.setWordWrap(True)
        self.sources_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # Text and sources share one fixed area: expanding swaps pages, it never resizes.
        self.body = QStackedWidget()
        self.body.addWidget(self.text_label)
        self.body.addWidget(self.sources_label)

        self.confidence_label = QLabel()
        self.confidence_label.setObjectName("confidence")
        self.guard_label = QLabel()
        self.guard_label.setObjectName("guard")
        # Long texts are cut: they must never press on the card's fixed geometry.
        for label in (self.strategy_label, self.guard_label):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.toggle_button = QPushButton()
        self.toggle_button.setObjectName("toggle")
        self.toggle_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.toggle_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.toggle_button.clicked.connect(self.toggle_sources)
        foot = QHBoxLayout()
        foot.setContentsMargins(0, 0, 0, 0)
        foot.addWidget(self.confidence_label)
        foot.addWidget(self.guard_label, 1)
        foot.addWidget(self.toggle_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 6)
        layout.setSpacing(4)
        layout.addLayout(head)
        layout.addWidget(self.body, 1)
        layout.addLayout(foot)
        self.clear()

    @property
    def path(self) -> SuggestionPath | None:
        return self._path

    @property
    def sources_shown(self) -> bool:
        return self.body.currentIndex() == 1

    def clear(self) -> None:
        """Empty the card (no suggestion yet); the geometry stays the same."""
        self._path = None
        self._stage = ""
        self._guard = ""
        self.set_chosen(False)
        self.body.setCurrentIndex(0)
        self.retranslate()

    def set_path(self, path: SuggestionPath, *, stage: str) -> None:
        """Show `path`; only label texts change."""
        self._path = path
        self._stage = stage if path.complete else "instant"
        self.retranslate()

    def set_guard(self, rule: str, action: str) -> None:
        """Mark the card with a compliance finding (the path shown is already compliant)."""
        self._guard = f"⚠ {self._tr(action)}: {rule}"
        self.guard_label.setText(self._guard)

    def clear_guard(self) -> None:
        self._guard = ""
        self.guard_label.setText("")

    def set_chosen(self, chosen: bool) -> None:
        self.setProperty("chosen", "true" if chosen else "false")
        self.style().unpolish(self)
        self.style().polish(self)

    def toggle_sources(self) -> None:
        shown = not self.sources_shown
        self.body.setCurrentIndex(1 if shown else 0)
        self._update_toggle_text()
        emit(self.sources_toggled, shown)

    def retranslate(self) -> None:
        tr = self._tr
        path = self._path
        if path is None:
            self.strategy_label.setText("…")
            self.text_label.setText("")
            self.sources_label.setText("")
            self.stage_label.setText("")
            self.confidence_label.setText("")
        else:
            self.strategy_label.setText(strategy_title(path.strategy, tr, path.label))
            self.text_label.setText(path.text)
            lines = [describe_source(s, tr) for s in path.sources]
            self.sources_label.setText("\n".join(lines) or tr("No sources"))
            stage = "refined" if self._stage == "refined" else "instant"
            self.stage_label.setText(tr(stage))
            level = confidence_label(path.confidence)
            self.confidence_label.setText(f"{tr(level)} {path.confidence:.0%}")
            color = _CONFIDENCE_COLORS[level]
            self.confidence_label.setStyleSheet(f"color: {color};")
        self.guard_label.setText(self._guard)
        self._update_toggle_text()

    def _update_toggle_text(self) -> None:
        key = "Hide sources" if self.sources_shown else "Sources"
        self.toggle_button.setText(self._tr(key))
