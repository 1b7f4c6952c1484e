"""The window's setup column: device pickers with level meters, playbook, LLM switch, models."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from desktop.ui.devices import DeviceChoices
from desktop.ui.i18n import tr
from desktop.ui.widgets import LevelMeter, ModelStatusRow

NO_DEVICES = (
    "No audio input devices were found; the default device will be used. Connect a "
    "microphone or start the sound server, then press Refresh devices."
)


class SetupPanel(QGroupBox):
    """What a session runs with; the window reads the pickers when a session starts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        self.mic_label, self.loop_label, self.book_label = QLabel(), QLabel(), QLabel()
        self.mic_combo, self.mic_meter = QComboBox(), LevelMeter()
        self.loop_combo, self.loop_meter = QComboBox(), LevelMeter()
        self.devices_note = QLabel()
        self.devices_note.setWordWrap(True)
        self.devices_note.setStyleSheet("color:#a15c00;")
        self.devices_note.hide()
        self.refresh_devices_button = QPushButton()
        form.addRow(self.mic_label, self.mic_combo)
        form.addRow("", self.mic_meter)
        form.addRow(self.loop_label, self.loop_combo)
        form.addRow("", self.loop_meter)
        form.addRow(self.devices_note)
        form.addRow("", self.refresh_devices_button)

        self.playbook_label = QLabel()
        self.playbook_label.setWordWrap(True)
        self.playbook_button = QPushButton()
        book = QHBoxLayout()
        book.addWidget(self.playbook_label, 1)
        book.addWidget(self.playbook_button)
        form.addRow(self.book_label, book)
        self.use_llm = QCheckBox()
        form.addRow(self.use_llm)

        self.models_title = QLabel()
        self.models_title.setStyleSheet("font-weight:bold;")
        self.asr_status = ModelStatusRow("Speech recognition")
        self.llm_status = ModelStatusRow("Language model")
        form.addRow(self.models_title)
        form.addRow(self.asr_status)
        form.addRow(self.llm_status)
        self._playbook = ""
        self._device_problem = ""
        self.retranslate()

    def set_devices(self, choices: DeviceChoices, *, mic: str, loopback: str) -> None:
        """Fill both pickers ("" = the default device) and keep the chosen names selected."""
        for combo, names, chosen in (
            (self.mic_combo, choices.mics, mic),
            (self.loop_combo, choices.loopbacks, loopback),
        ):
            combo.clear()
            combo.addItem(tr("Default device"), "")
            for name in names:
                combo.addItem(name, name)
            if chosen and combo.findData(chosen) < 0:
                combo.addItem(chosen, chosen)
            combo.setCurrentIndex(max(0, combo.findData(chosen)))
        problem = choices.problem
        if not problem and not choices.mics and not choices.loopbacks:
            problem = NO_DEVICES
        self._device_problem = problem
        self._show_device_problem()

    def set_level(self, party: str, dbfs: float) -> None:
        (self.mic_meter if party == "rep" else self.loop_meter).set_level(dbfs)

    def set_playbook(self, path: str) -> None:
        self._playbook = path
        self.playbook_label.setText(Path(path).name if path else tr("No playbook"))
        self.playbook_label.setToolTip(path)

    def set_enabled_for(self, *, running: bool, live: bool, llm_available: bool) -> None:
        """Lock what a running session already uses; device pickers are for live calls."""
        self.playbook_button.setEnabled(not running)
        self.use_llm.setEnabled(not running and llm_available)
        self.mic_combo.setEnabled(not running and live)
        self.loop_combo.setEnabled(not running and live)
        self.refresh_devices_button.setEnabled(not running)

    def retranslate(self) -> None:
        self.setTitle(tr("Setup"))
        self.mic_label.setText(tr("Microphone"))
        self.loop_label.setText(tr("System audio"))
        self.book_label.setText(tr("Playbook folder"))
        self.refresh_devices_button.setText(tr("Refresh devices"))
        self.playbook_button.setText(tr("Choose…"))
        self.use_llm.setText(tr("Use the local LLM for refined suggestions"))
        self.models_title.setText(tr("Models"))
        self.asr_status.retranslate()
        self.llm_status.retranslate()
        self.set_playbook(self._playbook)
        self._show_device_problem()

    def _show_device_problem(self) -> None:
        text = tr(self._device_problem) if self._device_problem else ""
        self.devices_note.setText(text)
        self.devices_note.setVisible(bool(text))
