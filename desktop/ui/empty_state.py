"""What the window shows before its first call: what Parley does, and a demo to try."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.ui.i18n import tr


class EmptyState(QWidget):
    """A short welcome with one button, "Try a demo call" (`demo_requested`)."""

    demo_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setStyleSheet("font-size:18px; font-weight:bold;")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setMaximumWidth(520)
        self.demo_button = QPushButton()
        self.demo_button.setMinimumHeight(36)
        self.demo_button.setStyleSheet("font-size:14px; padding:4px 18px;")
        self.demo_button.clicked.connect(self.demo_requested)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setMaximumWidth(520)
        self.hint.setStyleSheet("color:#666;")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for widget in (self.title, self.text, self.demo_button, self.hint):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        for label in (self.title, self.text, self.hint):
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(tr("No call yet"))
        self.text.setText(
            tr(
                "See what Parley does: a sample sales call of a made-up product is replayed "
                "with its playbook, and the objections and suggestions appear as they happen. "
                "Nothing is stored."
            )
        )
        self.demo_button.setText(tr("Try a demo call"))
        self.hint.setText(
            tr("Or start a live call, or replay a recording of your own, with the buttons above.")
        )
