"""Small widgets of the main window: level meters and model status rows."""

from __future__ import annotations

import re

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QSizePolicy, QWidget

from desktop.ui.i18n import tr

FLOOR_DBFS = -60.0
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
_PARTY_WORDS = {
    "rep": "rep",
    "mic": "rep",
    "microphone": "rep",
    "customer": "customer",
    "loopback": "customer",
    "system": "customer",
}


def parse_level(component: str, detail: str) -> tuple[str, float] | None:
    """(party, dBFS) of a `level` status event, or None when it names neither.

    The party is read from the component ("rep"/"customer") or from the first word of the
    detail ("customer -23.5", "rep -41.0 dBFS"); the level is the first number in the detail.
    """
    words = [w.lower() for w in re.split(r"[\s:=,]+", f"{component} {detail}") if w]
    party = next((_PARTY_WORDS[w] for w in words if w in _PARTY_WORDS), None)
    number = _NUMBER.search(detail)
    if party is None or number is None:
        return None
    return party, float(number.group())


def parse_percent(detail: str) -> int | None:
    """A loading progress such as "42%" or "0.42" in a status detail, as 0..100."""
    match = re.search(r"(\d+(?:\.\d+)?)\s*%", detail)
    if match:
        return max(0, min(100, round(float(match.group(1)))))
    return None


class LevelMeter(QWidget):
    """A horizontal bar from -60 dBFS to 0 dBFS, green to red."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dbfs = FLOOR_DBFS
        self.setFixedHeight(8)
        self.setMinimumWidth(80)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_level(self, dbfs: float) -> None:
        self.dbfs = max(FLOOR_DBFS, min(0.0, dbfs))
        self.setToolTip(f"{dbfs:.1f} dBFS")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = QRectF(self.rect())
        painter.fillRect(rect, QColor("#e3e6eb"))
        fraction = (self.dbfs - FLOOR_DBFS) / -FLOOR_DBFS
        if fraction <= 0:
            return
        gradient = QLinearGradient(rect.topLeft(), rect.topRight())
        gradient.setColorAt(0.0, QColor("#4cae4c"))
        gradient.setColorAt(0.75, QColor("#f0ad4e"))
        gradient.setColorAt(1.0, QColor("#d9534f"))
        painter.fillRect(
            QRectF(rect.left(), rect.top(), rect.width() * fraction, rect.height()), gradient
        )


class ModelStatusRow(QWidget):
    """A model's name, state and a progress bar while it loads."""

    def __init__(self, title_key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_key = title_key
        self.state = ""
        self.detail = ""
        self.title = QLabel()
        self.state_label = QLabel()
        self.state_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.progress = QProgressBar()
        self.progress.setFixedWidth(90)
        self.progress.setFixedHeight(10)
        self.progress.setTextVisible(False)
        self.progress.hide()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.title, 1)
        row.addWidget(self.progress)
        row.addWidget(self.state_label)
        self.retranslate()

    def set_state(self, state: str, detail: str = "") -> None:
        self.state, self.detail = state, detail
        if state == "loading":
            percent = parse_percent(detail)
            if percent is None:
                self.progress.setRange(0, 0)  # busy indicator
            else:
                self.progress.setRange(0, 100)
                self.progress.setValue(percent)
            self.progress.show()
        else:
            self.progress.hide()
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(tr(self.title_key))
        names = {"loading": "Loading…", "ready": "Ready", "off": "Off", "": "Not loaded"}
        text = {state: tr(key) for state, key in names.items()}.get(self.state, self.state)
        self.state_label.setText(text)
        self.setToolTip(self.detail)
