"""Run Python's cyclic garbage collector in the GUI thread only.

The collector runs in whichever thread happens to allocate when a threshold is crossed. If that
is a pipeline thread and the garbage holds Qt objects, Qt destroys widgets outside the GUI
thread, which crashes the app (seen as a segfault under load). The usual remedy for Qt apps:
turn automatic collection off and collect from a GUI-thread timer when the thresholds say so.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_MS = 250


class GuiThreadCollector(QObject):
    """While it lives, cyclic garbage is collected in the GUI thread, generation by generation."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> None:
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                gc.collect(generation)
                break

    def stop(self) -> None:
        self._timer.stop()
        gc.enable()
