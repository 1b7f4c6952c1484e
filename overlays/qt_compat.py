"""Work-arounds for bugs of the pinned Qt for Python, in one place.

PySide6 6.12.0 returns the result of `SignalInstance.emit()` (a bool) without taking a
reference to it, so every signal emitted from Python drops one reference to `True`. After a few
thousand emits (a live session emits several per second) the interpreter aborts with "Fatal
Python error: bool_dealloc". 6.11.3 does not have the bug. `emit()` detects the bug once, at
import, and puts the lost reference back; with a fixed PySide6 it is a plain emit.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance


def _bool_refs() -> int:
    return sys.getrefcount(True) + sys.getrefcount(False)


def _detect_dropped_reference() -> bool:
    class _Probe(QObject):
        fired = Signal()

    probe = _Probe()
    tries = 4
    before = _bool_refs()
    for _ in range(tries):
        probe.fired.emit()
    lost = before - _bool_refs()
    if lost >= tries:  # one reference lost per emit: give the probe's back
        for _ in range(tries):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
        return True
    return False


EMIT_DROPS_REFERENCE = _detect_dropped_reference()


def emit(signal: SignalInstance, *args: Any) -> None:
    """`signal.emit(*args)`, safe from the 6.12.0 reference bug."""
    result: object = signal.emit(*args)  # type: ignore[func-returns-value]
    if EMIT_DROPS_REFERENCE and result is not None:
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))
