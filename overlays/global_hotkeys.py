"""System-wide hotkeys where the OS offers them without extra packages: Windows.

On Windows `RegisterHotKey` delivers WM_HOTKEY to the GUI thread's message queue even while
the call app has focus; a Qt native event filter turns it into `activated(name)`. Elsewhere
`register` returns False and the caller falls back to Qt application shortcuts (active while a
Parley window has focus): macOS would need a Quartz event tap (and the accessibility
permission), X11 an XGrabKey on the root window, and Wayland allows no global grabs at all.
"""

from __future__ import annotations

import functools
import logging
import sys

from PySide6.QtCore import (
    QAbstractEventDispatcher,
    QAbstractNativeEventFilter,
    QObject,
    QTimer,
    Signal,
)

from overlays.qt_compat import emit

log = logging.getLogger(__name__)

MOD_ALT, MOD_CONTROL, MOD_SHIFT, MOD_WIN, MOD_NOREPEAT = 0x1, 0x2, 0x4, 0x8, 0x4000
WM_HOTKEY = 0x0312
_MODIFIERS = {
    "ctrl": MOD_CONTROL,
    "control": MOD_CONTROL,
    "alt": MOD_ALT,
    "shift": MOD_SHIFT,
    "meta": MOD_WIN,
    "win": MOD_WIN,
    "super": MOD_WIN,
}
_NAMED_KEYS = {
    "space": 0x20,
    "esc": 0x1B,
    "escape": 0x1B,
    "pgup": 0x21,
    "pgdown": 0x22,
    "end": 0x23,
    "home": 0x24,
    "ins": 0x2D,
    "del": 0x2E,
}


def windows_hotkey(sequence: str) -> tuple[int, int] | None:
    """(modifiers, virtual-key code) of a portable key sequence such as "Ctrl+Alt+1".

    Returns None for sequences Windows cannot register or that would steal plain typing: a
    letter, digit or named key needs at least one modifier; F1..F24 may stand alone.
    """
    parts = [p.strip().lower() for p in sequence.split("+") if p.strip()]
    if not parts:
        return None
    *mods, key = parts
    modifiers = 0
    for mod in mods:
        if mod not in _MODIFIERS:
            return None
        modifiers |= _MODIFIERS[mod]
    if len(key) == 1 and key.isascii() and key.isalnum():
        vk = ord(key.upper())
    elif key.startswith("f") and key[1:].isdigit() and 1 <= int(key[1:]) <= 24:
        return modifiers, 0x70 + int(key[1:]) - 1
    elif key in _NAMED_KEYS:
        vk = _NAMED_KEYS[key]
    else:
        return None
    return (modifiers, vk) if modifiers else None


class _HotkeyFilter(QAbstractNativeEventFilter):
    def __init__(self, owner: GlobalHotkeys) -> None:
        super().__init__()
        self._owner = owner

    def nativeEventFilter(self, event_type: object, message: object) -> tuple[bool, int]:
        if bytes(event_type) not in (b"windows_generic_MSG", b"windows_dispatcher_MSG"):  # type: ignore[call-overload]
            return False, 0
        from ctypes import wintypes

        msg = wintypes.MSG.from_address(int(message))  # type: ignore[call-overload]
        if msg.message != WM_HOTKEY:
            return False, 0
        self._owner.fire(int(msg.wParam))
        return True, 0


class GlobalHotkeys(QObject):
    """Named system-wide hotkeys; `activated(name)` fires in the GUI thread."""

    activated = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._names: dict[int, str] = {}
        self._filter: _HotkeyFilter | None = None

    @property
    def supported(self) -> bool:
        return sys.platform == "win32"

    def register(self, name: str, sequence: str) -> bool:
        """Register `sequence` system-wide under `name`; False where that is not possible."""
        keys = windows_hotkey(sequence)
        if not self.supported or keys is None:
            return False
        try:
            import ctypes

            if self._filter is None:
                dispatcher = QAbstractEventDispatcher.instance()
                if dispatcher is None:
                    return False
                self._filter = _HotkeyFilter(self)
                dispatcher.installNativeEventFilter(self._filter)
            hotkey_id = len(self._names) + 1
            modifiers, vk = keys
            user32 = ctypes.windll.user32  # type: ignore[attr-defined]
            if not user32.RegisterHotKey(None, hotkey_id, modifiers | MOD_NOREPEAT, vk):
                log.info("hotkey %s is taken by another program", sequence)
                return False
            self._names[hotkey_id] = name
            return True
        except Exception:  # never let a hotkey take the app down
            log.warning("could not register hotkey %s", sequence, exc_info=True)
            return False

    def unregister_all(self) -> None:
        if not self._names:
            return
        try:
            import ctypes

            for hotkey_id in self._names:
                ctypes.windll.user32.UnregisterHotKey(None, hotkey_id)  # type: ignore[attr-defined]
        except Exception:
            log.warning("could not unregister hotkeys", exc_info=True)
        self._names.clear()

    def fire(self, hotkey_id: int) -> None:
        name = self._names.get(hotkey_id)
        if name is not None:
            # Leave the native event filter before any slot runs.
            QTimer.singleShot(0, functools.partial(emit, self.activated, name))
