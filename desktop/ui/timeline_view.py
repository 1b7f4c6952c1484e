"""`TimelineView`: a custom-painted time axis of one reviewed session.

Lanes from top to bottom: the rep's utterances (with I / R squares where the instant and
refined suggestions arrived), the customer's utterances (objections outlined and numbered on
them, guard actions as small crosses), the customer's emotion curve, term density bars, and
the time axis. Clicking an
objection marker (or its utterance) selects it and emits `objection_clicked(utterance_id)`.
Emotion is drawn as a property of the conversation (what the customer felt), never as a score
of the rep.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.report import Timeline
from desktop.ui.review_i18n import t

VALENCE_COLOR = {"negative": "#d9534f", "neutral": "#8a8f98", "positive": "#4cae4c"}
REP_COLOR = "#6c8ebf"
CUSTOMER_COLOR = "#b39ddb"
OBJECTION_COLOR = "#e08e0b"
SELECTED_COLOR = "#c0392b"
INSTANT_COLOR = "#2c7fb8"
REFINED_COLOR = "#238b45"
GUARD_COLOR = "#b2182b"
DENSITY_FULL_SCALE = 10.0  # terms per 100 words that fill the lane
_LABEL_W = 150.0
_MARGIN = 8.0
_LANES = (("rep", 26.0), ("customer", 26.0), ("emotion", 70.0), ("terms", 36.0), ("axis", 20.0))
_GAP = 6.0
_TICKS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800)


class TimelineView(QWidget):
    """The session on a time axis; `set_timeline`, `select`, and `objection_clicked`."""

    objection_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.timeline: Timeline | None = None
        self.selected: str | None = None
        self.setMinimumSize(480, 210)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def sizeHint(self) -> QSize:
        height = _MARGIN * 2 + sum(h for _, h in _LANES) + _GAP * (len(_LANES) - 1)
        return QSize(900, int(height))

    # -- model ---------------------------------------------------------------------------------

    def set_timeline(self, timeline: Timeline | None) -> None:
        self.timeline = timeline
        if timeline is None or self.selected not in {o.utterance_id for o in timeline.objections}:
            self.selected = None
        self.update()

    def select(self, utterance_id: str | None) -> None:
        """Mark this objection as selected (no signal)."""
        self.selected = utterance_id
        self.update()

    # -- geometry ------------------------------------------------------------------------------

    def _lanes(self) -> dict[str, QRectF]:
        out: dict[str, QRectF] = {}
        y = _MARGIN
        for name, h in _LANES:
            out[name] = QRectF(_LABEL_W, y, max(self.width() - _LABEL_W - _MARGIN, 10.0), h)
            y += h + _GAP
        return out

    def _span(self) -> float:
        return max(self.timeline.duration if self.timeline else 0.0, 1.0)

    def x_of(self, seconds: float) -> float:
        area = self._lanes()["rep"]
        return area.left() + max(0.0, min(seconds, self._span())) / self._span() * area.width()

    def objection_rect(self, utterance_id: str) -> QRectF | None:
        """Where the objection's marker is drawn (its clickable area), in widget coordinates."""
        if self.timeline is None:
            return None
        lane = self._lanes()["customer"]
        for o in self.timeline.objections:
            if o.utterance_id == utterance_id:
                x0, x1 = self.x_of(o.start), self.x_of(o.end)
                return QRectF(x0 - 6, lane.top() - 4, max(x1 - x0, 4.0) + 12, lane.height() + 8)
        return None

    def objection_at(self, point: QPointF) -> str | None:
        if self.timeline is None:
            return None
        hits = [
            o.utterance_id
            for o in self.timeline.objections
            if (r := self.objection_rect(o.utterance_id)) is not None and r.contains(point)
        ]
        return hits[-1] if hits else None

    # -- events --------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        hit = self.objection_at(event.position())
        if hit is None:
            super().mousePressEvent(event)
            return
        self.select(hit)
        self.objection_clicked.emit(hit)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        over = self.objection_at(event.position()) is not None
        self.setCursor(Qt.CursorShape.PointingHandCursor if over else Qt.CursorShape.ArrowCursor)
        super().mouseMoveEvent(event)

    # -- painting ------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        lanes = self._lanes()
        small = QFont(self.font())
        small.setPointSizeF(max(small.pointSizeF() - 1, 7.0))
        painter.setFont(small)
        labels = {
            "rep": t("Rep"),
            "customer": t("Customer"),
            "emotion": t("Customer emotion (of the conversation)"),
            "terms": t("Term density"),
        }
        painter.setPen(QColor("#4a4f57"))
        for name, text in labels.items():
            r = lanes[name]
            box = QRectF(_MARGIN, r.top(), _LABEL_W - 2 * _MARGIN, r.height())
            flags = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            painter.drawText(box, int(flags | Qt.TextFlag.TextWordWrap), text)
        for name in ("rep", "customer", "emotion", "terms"):
            painter.fillRect(lanes[name], QColor("#f6f7f9"))
        if self.timeline is None:
            painter.end()
            return
        self._paint_utterances(painter, lanes)
        self._paint_emotion(painter, lanes["emotion"])
        self._paint_terms(painter, lanes["terms"])
        self._paint_objections(painter, lanes)
        self._paint_axis(painter, lanes["axis"])
        painter.end()

    def _paint_utterances(self, painter: QPainter, lanes: dict[str, QRectF]) -> None:
        assert self.timeline is not None
        painter.setPen(Qt.PenStyle.NoPen)
        for u in self.timeline.utterances:
            lane = lanes.get(u.speaker)
            if lane is None:
                continue
            x0, x1 = self.x_of(u.start), self.x_of(u.end)
            painter.setBrush(QColor(REP_COLOR if u.speaker == "rep" else CUSTOMER_COLOR))
            painter.drawRoundedRect(
                QRectF(x0, lane.top() + 4, max(x1 - x0, 2.0), lane.height() - 8), 3, 3
            )

    def _paint_emotion(self, painter: QPainter, lane: QRectF) -> None:
        assert self.timeline is not None
        mid = lane.center().y()
        painter.setPen(QPen(QColor("#d5d8de"), 1, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(lane.left(), mid), QPointF(lane.right(), mid))
        points = self.timeline.emotion
        if not points:
            return

        def at(seconds: float, score: float) -> QPointF:
            return QPointF(self.x_of(seconds), mid - score * (lane.height() / 2 - 4))

        path = QPainterPath(at(points[0].t, points[0].valence_score))
        for p in points[1:]:
            path.lineTo(at(p.t, p.valence_score))
        painter.setPen(QPen(QColor("#5b6b86"), 1.5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        painter.setPen(Qt.PenStyle.NoPen)
        for p in points:
            painter.setBrush(QColor(VALENCE_COLOR.get(p.valence, "#8a8f98")))
            painter.drawEllipse(at(p.t, p.valence_score), 3.5, 3.5)

    def _paint_terms(self, painter: QPainter, lane: QRectF) -> None:
        assert self.timeline is not None
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#7fb3a8"))
        for p in self.timeline.terms:
            h = min(p.density / DENSITY_FULL_SCALE, 1.0) * (lane.height() - 2)
            x = self.x_of(p.t)
            painter.drawRect(QRectF(x - 3, lane.bottom() - h, 6, h))

    def _paint_objections(self, painter: QPainter, lanes: dict[str, QRectF]) -> None:
        assert self.timeline is not None
        top, bottom = lanes["rep"].top(), lanes["terms"].bottom()
        for n, o in enumerate(self.timeline.objections, start=1):
            rect = self.objection_rect(o.utterance_id)
            if rect is None:
                continue
            selected = o.utterance_id == self.selected
            color = QColor(SELECTED_COLOR if selected else OBJECTION_COLOR)
            x = self.x_of(o.end)
            painter.setPen(QPen(color, 2 if selected else 1, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(x, top), QPointF(x, bottom))
            painter.setPen(QPen(color, 3 if selected else 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(4, 2, -4, -2), 4, 4)
            badge = QRectF(x - 9, lanes["customer"].center().y() - 9, 18, 18)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawEllipse(badge)
            painter.setPen(QColor("#ffffff"))
            painter.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), str(n))
            # When the instant (I) and refined (R) suggestions arrived, on the rep's lane.
            for latency, letter, tint in (
                (o.instant_latency_s, "I", INSTANT_COLOR),
                (o.refined_latency_s, "R", REFINED_COLOR),
            ):
                if latency is None:
                    continue
                mark = QRectF(self.x_of(o.end + latency) - 7, lanes["rep"].top() + 6, 14, 14)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor(tint))
                painter.drawRect(mark)
                painter.setPen(QColor("#ffffff"))
                painter.drawText(mark, int(Qt.AlignmentFlag.AlignCenter), letter)
        # Guard actions: a small red cross at the top of the customer's lane.
        painter.setPen(QPen(QColor(GUARD_COLOR), 2))
        y = lanes["customer"].top() + 3
        for g in self.timeline.guards:
            x = self.x_of(g.t)
            painter.drawLine(QPointF(x - 3, y - 3), QPointF(x + 3, y + 3))
            painter.drawLine(QPointF(x - 3, y + 3), QPointF(x + 3, y - 3))

    def _paint_axis(self, painter: QPainter, lane: QRectF) -> None:
        span = self._span()
        step = next((s for s in _TICKS if span / s <= 10), 3600)
        painter.setPen(QPen(QColor("#9aa0a8"), 1))
        painter.drawLine(QPointF(lane.left(), lane.top()), QPointF(lane.right(), lane.top()))
        tick = 0.0
        while tick <= span + 1e-6:
            x = self.x_of(tick)
            painter.drawLine(QPointF(x, lane.top()), QPointF(x, lane.top() + 4))
            m, s = divmod(round(tick), 60)
            painter.drawText(
                QRectF(x - 30, lane.top() + 4, 60, lane.height() - 4),
                int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop),
                f"{m}:{s:02d}",
            )
            tick += step
