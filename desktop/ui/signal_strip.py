"""The signal strip: customer emotion over time, terminology density, the decision map."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.i18n import tr
from inference.events import ROLES, EmotionEvent, RolesEvent, TermsEvent

_VALENCE_SCORE = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}
_VALENCE_COLOR = {"negative": "#d9534f", "neutral": "#8a8f98", "positive": "#4cae4c"}
MAX_POINTS = 200
DENSITY_FULL_SCALE = 10.0  # terms per 100 words that fill the bar


class EmotionPlot(QWidget):
    """A small line plot of the customer's valence (weighted by confidence) against time."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.points: list[tuple[float, float, str]] = []  # (time, score, valence)
        self.setMinimumSize(220, 70)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def add(self, event: EmotionEvent) -> None:
        score = _VALENCE_SCORE.get(event.valence, 0.0) * (0.3 + 0.7 * event.confidence)
        self.points.append(((event.start + event.end) / 2, score, event.valence))
        del self.points[:-MAX_POINTS]
        self.update()

    def clear(self) -> None:
        self.points.clear()
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = QRectF(self.rect()).adjusted(4, 4, -4, -4)
        painter.fillRect(self.rect(), QColor("#fbfbfc"))
        painter.setPen(QPen(QColor("#d5d8de"), 1, Qt.PenStyle.DashLine))
        mid = area.center().y()
        painter.drawLine(QPointF(area.left(), mid), QPointF(area.right(), mid))
        if not self.points:
            return
        t0 = self.points[0][0]
        span = max(self.points[-1][0] - t0, 1.0)

        def at(t: float, score: float) -> QPointF:
            x = (
                area.left() + (t - t0) / span * area.width()
                if len(self.points) > 1
                else area.center().x()
            )
            return QPointF(x, mid - score * area.height() / 2)

        path = QPainterPath(at(*self.points[0][:2]))
        for t, score, _ in self.points[1:]:
            path.lineTo(at(t, score))
        painter.setPen(QPen(QColor("#5b6b86"), 1.5))
        painter.drawPath(path)
        painter.setPen(Qt.PenStyle.NoPen)
        for t, score, valence in self.points:
            painter.setBrush(QColor(_VALENCE_COLOR.get(valence, "#8a8f98")))
            painter.drawEllipse(at(t, score), 3.5, 3.5)


class SignalStrip(QGroupBox):
    """Emotion plot, terminology density and the decision map, side by side."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.role_counts: dict[str, int] = dict.fromkeys(ROLES, 0)
        self.density = 0.0
        self.recent_terms: list[str] = []
        self._last_emotion: EmotionEvent | None = None

        self.emotion_title = QLabel()
        self.emotion_plot = EmotionPlot()
        self.emotion_label = QLabel()
        emotion = QVBoxLayout()
        emotion.addWidget(self.emotion_title)
        emotion.addWidget(self.emotion_plot)
        emotion.addWidget(self.emotion_label)

        self.terms_title = QLabel()
        self.density_bar = QProgressBar()
        self.density_bar.setRange(0, 100)
        self.density_bar.setTextVisible(False)
        self.density_bar.setFixedHeight(10)
        self.density_label = QLabel()
        self.terms_label = QLabel()
        self.terms_label.setWordWrap(True)
        terms = QVBoxLayout()
        terms.addWidget(self.terms_title)
        terms.addWidget(self.density_bar)
        terms.addWidget(self.density_label)
        terms.addWidget(self.terms_label, 1)

        self.roles_title = QLabel()
        self.role_labels: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setSpacing(4)
        for i, role in enumerate(ROLES):
            label = QLabel()
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.role_labels[role] = label
            grid.addWidget(label, i // 4, i % 4)
        roles = QVBoxLayout()
        roles.addWidget(self.roles_title)
        roles.addLayout(grid)
        roles.addStretch(1)

        row = QHBoxLayout(self)
        row.addLayout(emotion, 3)
        row.addLayout(terms, 2)
        row.addLayout(roles, 3)
        self.retranslate()

    def add_emotion(self, event: EmotionEvent) -> None:
        self._last_emotion = event
        self.emotion_plot.add(event)
        self._update_emotion_label()

    def add_terms(self, event: TermsEvent) -> None:
        self.density = event.density
        for term in event.terms:
            if term in self.recent_terms:
                self.recent_terms.remove(term)
            self.recent_terms.append(term)
        del self.recent_terms[:-8]
        self.density_bar.setValue(int(min(1.0, event.density / DENSITY_FULL_SCALE) * 100))
        self._update_terms_labels()

    def add_roles(self, event: RolesEvent) -> None:
        for role in event.roles:
            self.role_counts[role] = self.role_counts.get(role, 0) + 1
        self._update_roles()

    def clear(self) -> None:
        self.role_counts = dict.fromkeys(ROLES, 0)
        self.density = 0.0
        self.recent_terms.clear()
        self._last_emotion = None
        self.emotion_plot.clear()
        self.density_bar.setValue(0)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(tr("Signals"))
        self.emotion_title.setText(tr("Customer emotion"))
        self.terms_title.setText(tr("Terminology density"))
        self.roles_title.setText(tr("Decision map"))
        self._update_emotion_label()
        self._update_terms_labels()
        self._update_roles()

    def _update_emotion_label(self) -> None:
        e = self._last_emotion
        if e is None:
            self.emotion_label.setText("—")
            return
        key = f"emotion:{e.label}"
        label = tr(key) if tr(key) != key else e.label
        self.emotion_label.setText(f"{tr(e.valence)} · {label} ({e.confidence:.0%})")

    def _update_terms_labels(self) -> None:
        self.density_label.setText(f"{self.density:.1f} {tr('per 100 words')}")
        self.terms_label.setText(", ".join(self.recent_terms))

    def _update_roles(self) -> None:
        for role, label in self.role_labels.items():
            count = self.role_counts.get(role, 0)
            label.setText(f"{tr('role:' + role)} {count}" if count else tr("role:" + role))
            if count:
                label.setStyleSheet(
                    "background:#2f6fd6;color:white;border-radius:4px;padding:2px;font-weight:bold;"
                )
            else:
                label.setStyleSheet(
                    "background:#eceef2;color:#8a8f98;border-radius:4px;padding:2px;"
                )
