"""The settings dialog: UI language, models, overlay placement and behaviour, hotkeys."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QKeySequenceEdit,
    QLabel,
    QSlider,
    QWidget,
)

from desktop.ui.i18n import LANGUAGES, tr
from desktop.ui.settings import ASR_MODELS, CORNERS, LLM_MODELS, AppSettings
from overlays.capture_exclusion import LINUX_NOTE, capture_exclusion_supported
from overlays.global_hotkeys import GlobalHotkeys

_CORNER_KEYS = {
    "remember": "Where I leave it",
    "top-right": "Top right",
    "bottom-right": "Bottom right",
    "top-left": "Top left",
    "bottom-left": "Bottom left",
}


class SettingsDialog(QDialog):
    """Edits a copy of `AppSettings`; `chosen()` gives the result after `accept()`."""

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._initial = settings
        self.setWindowTitle(tr("Parley settings"))
        form = QFormLayout(self)

        self.language = QComboBox()
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(settings.language)))
        form.addRow(tr("Interface language"), self.language)

        self.asr_model = QComboBox()
        for pack in ASR_MODELS:
            self.asr_model.addItem(pack, pack)
        self.asr_model.setCurrentIndex(max(0, self.asr_model.findData(settings.asr_model)))
        form.addRow(tr("Speech model"), self.asr_model)

        self.llm_model = QComboBox()
        for pack in LLM_MODELS:
            self.llm_model.addItem(pack or tr("No LLM (instant suggestions only)"), pack)
        self.llm_model.setCurrentIndex(max(0, self.llm_model.findData(settings.llm_model)))
        form.addRow(tr("Language model"), self.llm_model)

        self.corner = QComboBox()
        for corner in CORNERS:
            self.corner.addItem(tr(_CORNER_KEYS[corner]), corner)
        self.corner.setCurrentIndex(max(0, self.corner.findData(settings.overlay_corner)))
        form.addRow(tr("Overlay position"), self.corner)

        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(30, 100)
        self.opacity.setValue(round(settings.overlay_opacity * 100))
        form.addRow(tr("Overlay opacity"), self.opacity)

        self.quiet = QDoubleSpinBox()
        self.quiet.setRange(0, 600)
        self.quiet.setDecimals(0)
        self.quiet.setValue(settings.overlay_quiet_s)
        form.addRow(tr("Hide overlay after quiet seconds"), self.quiet)

        self.click_through = QCheckBox(tr("Click-through"))
        self.click_through.setChecked(settings.click_through)
        form.addRow("", self.click_through)

        self.toggle_key = QKeySequenceEdit(QKeySequence(settings.toggle_hotkey))
        form.addRow(tr("Show/hide overlay hotkey"), self.toggle_key)
        self.pick_keys = [QKeySequenceEdit(QKeySequence(k)) for k in settings.pick_hotkeys]
        keys_row = QHBoxLayout()
        for edit in self.pick_keys:
            keys_row.addWidget(edit)
        form.addRow(tr("Pick path hotkeys"), keys_row)
        note = QLabel(
            tr(
                "Hotkeys with a modifier (or F1–F24) work in every app; the overlay itself also "
                "takes 1/2/3 and Esc."
            )
            if GlobalHotkeys().supported
            else tr(
                "Hotkeys work while Parley has focus; the overlay itself also takes 1/2/3 and Esc."
            )
        )
        note.setWordWrap(True)
        form.addRow("", note)
        if not capture_exclusion_supported():
            capture = QLabel(LINUX_NOTE)
            capture.setWordWrap(True)
            capture.setToolTip(LINUX_NOTE)
            capture.setStyleSheet("color:#a15c00;")
            form.addRow("", capture)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def chosen(self) -> AppSettings:
        """The settings as edited in the dialog."""

        def keys(edit: QKeySequenceEdit, fallback: str) -> str:
            text = edit.keySequence().toString(QKeySequence.SequenceFormat.PortableText)
            return text or fallback

        picks = tuple(
            keys(edit, old)
            for edit, old in zip(self.pick_keys, self._initial.pick_hotkeys, strict=True)
        )
        return dataclasses.replace(
            self._initial,
            language=str(self.language.currentData()),
            asr_model=str(self.asr_model.currentData()),
            llm_model=str(self.llm_model.currentData()),
            overlay_corner=str(self.corner.currentData()),
            overlay_opacity=self.opacity.value() / 100,
            overlay_quiet_s=float(self.quiet.value()),
            click_through=self.click_through.isChecked(),
            toggle_hotkey=keys(self.toggle_key, self._initial.toggle_hotkey),
            pick_hotkeys=(picks[0], picks[1], picks[2]),
        )
