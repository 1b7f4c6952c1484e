"""A banner of problems the user must know about, each a sentence that says what to do."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.ui.i18n import tr

MAX_SHOWN = 4


class ProblemBanner(QFrame):
    """Shows the latest problems (newest last); hidden when there are none.

    A problem repeated while it is shown is not added twice; "Dismiss" clears the banner.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.messages: list[str] = []
        self.setStyleSheet(
            "ProblemBanner { background:#fdecea; border:1px solid #f5c2c0; border-radius:6px; }"
            "QLabel { color:#8a1f17; }"
        )
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.dismiss_button = QPushButton()
        self.dismiss_button.clicked.connect(self.clear)
        row = QHBoxLayout(self)
        column = QVBoxLayout()
        column.addWidget(self.text)
        row.addLayout(column, 1)
        row.addWidget(self.dismiss_button)
        self.retranslate()
        self.hide()

    def add(self, message: str) -> None:
        message = message.strip()
        if not message or message in self.messages:
            return
        self.messages.append(message)
        self._render()

    def clear(self) -> None:
        self.messages.clear()
        self._render()

    def retranslate(self) -> None:
        self.dismiss_button.setText(tr("Dismiss"))

    def _render(self) -> None:
        shown = self.messages[-MAX_SHOWN:]
        self.text.setText("\n".join(f"• {m}" for m in shown))
        self.setVisible(bool(shown))
