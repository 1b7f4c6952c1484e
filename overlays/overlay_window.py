"""The overlay: a small always-on-top window with the objection and three suggestion cards.

Frameless, translucent, draggable (it remembers where it was left), optionally click-through,
hidden from screen capture where the OS allows, and hidden again after a quiet period. Keys
1/2/3 pick a path (`path_chosen`), Esc dismisses it. Cards are created once; new suggestions
only change their texts.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, QRect, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QGuiApplication,
    QHideEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from inference.events import GuardEvent, ObjectionEvent, SuggestionEvent
from overlays.capture_exclusion import exclude_from_capture, exclude_popup
from overlays.cards import SuggestionCard
from overlays.qt_compat import emit

Translate = Callable[[str], str]
POSITION_KEY = "overlay/position"
DEFAULT_QUIET_S = 45.0
QUOTE_CHARS = 48

_HEADER_STYLE = """
QLabel#objection { color: #ffffff; font-size: 14px; font-weight: bold; background: transparent; }
QLabel#hint { color: #8f9bb0; font-size: 10px; background: transparent; }
QPushButton#close { color: #c9d2e0; background: transparent; border: none; font-size: 14px; }
"""


class SuggestionOverlay(QWidget):
    """The always-on-top suggestion window.

    Args:
        settings: where the position is remembered (None: not remembered).
        tr: translation of UI strings (English key in, shown text out).
        quiet_s: seconds without news after which it hides itself (0: never).
    """

    path_chosen = Signal(str, int)  # objection utterance id, path index 0..2
    dismissed = Signal()
    visibility_changed = Signal(bool)

    def __init__(
        self,
        *,
        settings: QSettings | None = None,
        tr: Translate = str,
        quiet_s: float = DEFAULT_QUIET_S,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._tr = tr
        self._objection_id: str | None = None
        self._category = ""
        self._quote = ""
        self._chosen: int | None = None
        self._dismissed_id: str | None = None  # refinements of it update quietly
        # Guard events come just before the suggestion they checked: keep them per path.
        self._guards: dict[tuple[str, int], tuple[str, str]] = {}
        self._drag_offset: QPoint | None = None
        self._click_through = False
        self.setWindowFlags(
            Qt.WindowType.Tool
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
        )
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setWindowTitle("Parley overlay")
        self.setStyleSheet(_HEADER_STYLE)

        self.objection_label = QLabel()
        self.objection_label.setObjectName("objection")
        # Long quotes are cut, never allowed to widen the fixed-size window.
        self.objection_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.hint_label = QLabel()
        self.hint_label.setObjectName("hint")
        self.close_button = QPushButton("×")
        self.close_button.setObjectName("close")
        self.close_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.close_button.clicked.connect(self.dismiss)
        head = QHBoxLayout()
        head.addWidget(self.objection_label, 1)
        head.addWidget(self.hint_label)
        head.addWidget(self.close_button)

        self.cards = tuple(SuggestionCard(i, tr=tr) for i in range(3))
        row = QHBoxLayout()
        row.setSpacing(8)
        for card in self.cards:
            row.addWidget(card)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 12)
        layout.addLayout(head)
        layout.addLayout(row)
        self.setFixedSize(self.sizeHint())

        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.timeout.connect(self.hide)
        self.set_quiet_period(quiet_s)
        self.retranslate()
        self._restore_position()

    # --- content -------------------------------------------------------------------------

    @property
    def objection_id(self) -> str | None:
        return self._objection_id

    def show_objection(self, event: ObjectionEvent, *, quote: str = "") -> None:
        """A new objection: show its category (and the customer's first words), empty cards."""
        self._objection_id = event.utterance_id
        self._category = event.category
        self._quote = quote if len(quote) <= QUOTE_CHARS else quote[: QUOTE_CHARS - 1] + "…"
        self._chosen = None
        self._guards = {k: v for k, v in self._guards.items() if k[0] == event.utterance_id}
        self.setUpdatesEnabled(False)
        for card in self.cards:
            card.clear()
        self._update_header()
        self.setUpdatesEnabled(True)
        self._present()

    def show_suggestion(self, event: SuggestionEvent) -> None:
        """Fill the three cards, or update them in place (instant → refined)."""
        if self._objection_id not in (None, event.objection_utterance_id):
            newer = event.stage == "instant"  # an instant stage only ever starts a new objection
            if not newer:
                return  # a late refinement of an objection the rep has moved on from
            self._chosen = None
        self._objection_id = event.objection_utterance_id
        self.setUpdatesEnabled(False)
        for card, path in zip(self.cards, event.paths, strict=True):
            card.set_path(path, stage=event.stage)
            card.set_chosen(self._chosen == card.index)
            guard = self._guards.get((event.objection_utterance_id, card.index))
            if guard is None:
                card.clear_guard()
            else:
                card.set_guard(*guard)
        self.setUpdatesEnabled(True)
        if event.objection_utterance_id != self._dismissed_id:
            self._present()

    def apply_guard(self, event: GuardEvent) -> None:
        """A compliance rule fired on a path: mark its card, now or when the path arrives."""
        if not 0 <= event.path < 3:
            return
        self._guards[(event.objection_utterance_id, event.path)] = (event.rule, event.action)
        if event.objection_utterance_id == self._objection_id:
            self.cards[event.path].set_guard(event.rule, event.action)

    def choose(self, index: int) -> bool:
        """Pick path `index` (0..2) of the shown suggestion; False when there is none."""
        if self._objection_id is None or not 0 <= index < 3 or self.cards[index].path is None:
            return False
        self._chosen = index
        for card in self.cards:
            card.set_chosen(card.index == index)
        emit(self.path_chosen, self._objection_id, index)
        self._restart_quiet_timer()
        return True

    def dismiss(self) -> None:
        """Hide until the next objection (its own refinements do not bring it back)."""
        self._dismissed_id = self._objection_id
        self.hide()
        emit(self.dismissed)

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
        else:
            self.show()

    # --- options -------------------------------------------------------------------------

    def set_quiet_period(self, seconds: float) -> None:
        self._quiet_ms = max(0, int(seconds * 1000))
        self._restart_quiet_timer()

    def set_click_through(self, on: bool) -> None:
        """Let clicks pass through to the window below (drag and buttons stop working)."""
        self._click_through = on
        visible = self.isVisible()
        self.setWindowFlag(Qt.WindowType.WindowTransparentForInput, on)
        if visible:  # changing window flags hides a window
            self.show()

    @property
    def click_through(self) -> bool:
        return self._click_through

    def set_translator(self, tr: Translate) -> None:
        self._tr = tr
        for card in self.cards:
            card._tr = tr
        self.retranslate()

    def retranslate(self) -> None:
        self.hint_label.setText(self._tr("1/2/3 pick · Esc hide"))
        self._update_header()
        for card in self.cards:
            card.retranslate()

    def move_to_corner(self, corner: str) -> None:
        """Place the overlay in a screen corner: top-right, bottom-right, top-left, bottom-left."""
        screen = QGuiApplication.primaryScreen()
        if screen is None:
            return
        area: QRect = screen.availableGeometry()
        margin = 24
        x = area.left() + margin if "left" in corner else area.right() - self.width() - margin
        y = area.top() + margin if "top" in corner else area.bottom() - self.height() - margin
        self.move(x, y)
        self.remember_position()

    def remember_position(self) -> None:
        if self._settings is not None:
            self._settings.setValue(POSITION_KEY, self.pos())
            self._settings.sync()

    # --- Qt events -----------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QColor(90, 100, 120, 200))
        painter.setBrush(QColor(18, 22, 30, 225))
        painter.drawRoundedRect(self.rect().adjusted(1, 1, -1, -1), 12, 12)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        keys = {Qt.Key.Key_1: 0, Qt.Key.Key_2: 1, Qt.Key.Key_3: 2}
        key = Qt.Key(event.key())
        if key in keys:
            self.choose(keys[key])
        elif key == Qt.Key.Key_Escape:
            self.dismiss()
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag_offset = event.globalPosition().toPoint() - self.pos()
            self._hide_timer.stop()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_offset is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self.move(event.globalPosition().toPoint() - self._drag_offset)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag_offset is not None:
            self._drag_offset = None
            self.remember_position()
            self._restart_quiet_timer()
        super().mouseReleaseEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = QMenu(self)
        exclude_popup(menu)
        through = menu.addAction(self._tr("Click-through"))
        through.setCheckable(True)
        through.setChecked(self._click_through)
        through.toggled.connect(self.set_click_through)
        menu.addAction(self._tr("Hide overlay"), self.dismiss)
        menu.exec(event.globalPos())
        menu.deleteLater()

    def enterEvent(self, event: object) -> None:
        self._hide_timer.stop()  # never vanish under the pointer

    def leaveEvent(self, event: object) -> None:
        self._restart_quiet_timer()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        exclude_from_capture(self)
        self._restart_quiet_timer()
        emit(self.visibility_changed, True)

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._hide_timer.stop()
        self.remember_position()
        emit(self.visibility_changed, False)

    # --- internals -----------------------------------------------------------------------

    def _present(self) -> None:
        if not self.isVisible():
            self.show()
        self._restart_quiet_timer()

    def _restart_quiet_timer(self) -> None:
        if self._quiet_ms > 0 and self.isVisible():
            self._hide_timer.start(self._quiet_ms)
        else:
            self._hide_timer.stop()

    def _update_header(self) -> None:
        if not self._category:
            self.objection_label.setText(self._tr("Suggestions"))
            return
        key = f"objection:{self._category}"
        text = self._tr(key)
        if text == key:  # no translation table given: plain English
            text = f"{self._category.capitalize()} objection"
        if self._quote:
            text += f" — “{self._quote}”"
        self.objection_label.setText(text)

    def _restore_position(self) -> None:
        if self._settings is None:
            return
        pos = self._settings.value(POSITION_KEY)
        if isinstance(pos, QPoint):
            self.move(pos)
