"""The app's settings, one frozen dataclass, persisted with QSettings.

Only the desktop layer reads and writes settings; components get what they need through their
constructors. Tests hand `SettingsStore` a QSettings on a temporary INI file.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSettings

ORGANIZATION = "Parley"
APPLICATION = "Parley"
CORNERS = ("remember", "top-right", "bottom-right", "top-left", "bottom-left")
ASR_MODELS = ("asr-base", "asr-tiny-en")
LLM_MODELS = ("llm-default", "llm-tiny", "")  # "" = no LLM, instant suggestions only


@dataclass(frozen=True, slots=True)
class AppSettings:
    """What the user chose in the window and the settings dialog.

    Attributes:
        language: UI language, "en" or "zh".
        asr_model: speech pack name (see `parley models list`).
        llm_model: LLM pack name, or "" for no LLM.
        overlay_corner: "remember" (where the user dragged it) or a screen corner.
        overlay_opacity: window opacity of the overlay, 0.3..1.
        overlay_quiet_s: seconds without news before the overlay hides (0: never).
        click_through: the overlay lets clicks through to the window below.
        toggle_hotkey: key sequence that shows or hides the overlay.
        pick_hotkeys: key sequences that pick path 1, 2, 3 while Parley has focus.
        mic: microphone name ("" = default device).
        loopback: system-audio source name ("" = default).
        playbook_dir: the playbook folder ("" = none).
        replay_file: the last file chosen for replay.
        live: the last mode chosen (True live, False replay).
    """

    language: str = "en"
    asr_model: str = "asr-base"
    llm_model: str = "llm-default"
    overlay_corner: str = "remember"
    overlay_opacity: float = 0.95
    overlay_quiet_s: float = 45.0
    click_through: bool = False
    toggle_hotkey: str = "Ctrl+Alt+O"
    pick_hotkeys: tuple[str, str, str] = ("Ctrl+Alt+1", "Ctrl+Alt+2", "Ctrl+Alt+3")
    mic: str = ""
    loopback: str = ""
    playbook_dir: str = ""
    replay_file: str = ""
    live: bool = False


def _coerce(value: Any, default: Any) -> Any:
    """QSettings (INI or native) may hand back strings; turn them into the default's type."""
    if isinstance(default, bool):
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes")
        return bool(value)
    if isinstance(default, float):
        try:
            return float(value)
        except (TypeError, ValueError):
            return default
    if isinstance(default, tuple):
        items = [value] if isinstance(value, str) else list(value or [])
        items = [str(v) for v in items]
        return tuple(items) if len(items) == len(default) else default
    return "" if value is None else str(value)


class SettingsStore:
    """Reads and writes `AppSettings` under the `app/` group of a QSettings."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self.qsettings = qsettings or QSettings(ORGANIZATION, APPLICATION)

    def load(self) -> AppSettings:
        defaults = AppSettings()
        values: dict[str, Any] = {}
        for f in dataclasses.fields(AppSettings):
            default = getattr(defaults, f.name)
            raw = self.qsettings.value(f"app/{f.name}")
            values[f.name] = default if raw is None else _coerce(raw, default)
        if values["overlay_corner"] not in CORNERS:
            values["overlay_corner"] = defaults.overlay_corner
        values["overlay_opacity"] = min(1.0, max(0.3, values["overlay_opacity"]))
        return AppSettings(**values)

    def save(self, settings: AppSettings) -> None:
        for f in dataclasses.fields(AppSettings):
            value = getattr(settings, f.name)
            self.qsettings.setValue(
                f"app/{f.name}", list(value) if isinstance(value, tuple) else value
            )
        self.qsettings.sync()
