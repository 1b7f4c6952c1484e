"""The tray icon: show or hide the overlay, bring the window back, quit.

Only where the desktop offers a system tray (`QSystemTrayIcon.isSystemTrayAvailable()`);
elsewhere the object exists and does nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

from desktop.ui.i18n import tr
from overlays.capture_exclusion import exclude_popup

if TYPE_CHECKING:
    from desktop.ui.main_window import MainWindow


def app_icon() -> QIcon:
    """Parley's icon, drawn (no image files to ship)."""
    pixmap = QPixmap(64, 64)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor("#2f6fd6"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawRoundedRect(QRectF(2, 2, 60, 60), 14, 14)
    painter.setPen(QColor("white"))
    font = QFont()
    font.setBold(True)
    font.setPixelSize(40)
    painter.setFont(font)
    painter.drawText(QRectF(0, 0, 64, 64), Qt.AlignmentFlag.AlignCenter, "P")
    painter.end()
    return QIcon(pixmap)


class TrayIcon(QObject):
    """Tray icon with a small menu, owned by the main window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.icon: QSystemTrayIcon | None = None
        self.menu: QMenu | None = None
        window.setWindowIcon(app_icon())
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        self.menu = QMenu()
        exclude_popup(self.menu)
        self._toggle = self.menu.addAction("", window.overlay.toggle)
        self._show = self.menu.addAction("", self._show_window)
        self.menu.addSeparator()
        self._quit = self.menu.addAction("", QApplication.quit)
        self.icon = QSystemTrayIcon(app_icon(), self)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self.retranslate()
        self.icon.show()

    def retranslate(self) -> None:
        if self.icon is None:
            return
        self._toggle.setText(tr("Show/hide overlay"))
        self._show.setText(tr("Show window"))
        self._quit.setText(tr("Quit"))
        self.icon.setToolTip("Parley")

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()

    def _show_window(self) -> None:
        self._window.showNormal()
        self._window.raise_()
        self._window.activateWindow()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self._window.overlay.toggle()
