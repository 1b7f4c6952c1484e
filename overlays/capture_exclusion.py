"""Keep a window out of screen capture and screen sharing, where the OS offers a way.

- Windows 10 2004+: `SetWindowDisplayAffinity(hwnd, WDA_EXCLUDEFROMCAPTURE)`; the window is
  left out of captures and shares (it shows as nothing, not as a black box).
- macOS: `[NSWindow setSharingType:NSWindowSharingNone]` through the Objective-C runtime;
  the window is left out of screenshots and of most sharing tools.
- Linux (X11, Wayland): there is no such facility; any client may read the screen. The UI says
  so in a tooltip and the docs.

Every popup and menu the overlay opens is a window of its own and must be excluded too:
`exclude_popup` hooks a QMenu so that it is excluded each time it is about to show.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys

from PySide6.QtWidgets import QMenu, QWidget

log = logging.getLogger(__name__)

WDA_EXCLUDEFROMCAPTURE = 0x00000011
NS_WINDOW_SHARING_NONE = 0

LINUX_NOTE = (
    "On Linux (X11 or Wayland) windows cannot be hidden from screen capture: "
    "anything on screen can be shared. Hide the overlay before sharing your screen."
)


def capture_exclusion_supported() -> bool:
    """Whether this OS lets a window hide from screen capture."""
    return sys.platform in ("win32", "darwin")


def exclude_from_capture(widget: QWidget) -> bool:
    """Ask the OS to leave `widget`'s window out of captures and shares.

    Returns:
        True when the OS accepted the request; False where it cannot be done (Linux) or failed.
    """
    try:
        if sys.platform == "win32":
            return _exclude_windows(int(widget.winId()))
        if sys.platform == "darwin":
            return _exclude_macos(int(widget.winId()))
    except Exception:  # an OS call failing must never take the overlay down
        log.warning("could not exclude a window from screen capture", exc_info=True)
    return False


def exclude_popup(menu: QMenu) -> None:
    """Exclude `menu` from capture every time it is about to show."""

    def exclude() -> None:
        exclude_from_capture(menu)

    menu.aboutToShow.connect(exclude)


def _exclude_windows(hwnd: int) -> bool:
    user32 = ctypes.windll.user32  # type: ignore[attr-defined]
    user32.SetWindowDisplayAffinity.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
    user32.SetWindowDisplayAffinity.restype = ctypes.c_int
    return bool(user32.SetWindowDisplayAffinity(ctypes.c_void_p(hwnd), WDA_EXCLUDEFROMCAPTURE))


def _exclude_macos(view_ptr: int) -> bool:
    """`winId()` on macOS is an NSView*; send `[[view window] setSharingType:0]`."""
    path = ctypes.util.find_library("objc")
    if not path or not view_ptr:
        return False
    objc = ctypes.cdll.LoadLibrary(path)
    objc.sel_registerName.restype = ctypes.c_void_p
    objc.sel_registerName.argtypes = [ctypes.c_char_p]
    msg = objc.objc_msgSend
    msg.restype = ctypes.c_void_p
    msg.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    window = msg(ctypes.c_void_p(view_ptr), objc.sel_registerName(b"window"))
    if not window:
        return False
    address = ctypes.cast(msg, ctypes.c_void_p).value
    if not address:
        return False
    # objc_msgSend must be called through a prototype that matches this message's arguments.
    set_sharing = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_ulong)(address)
    set_sharing(window, objc.sel_registerName(b"setSharingType:"), NS_WINDOW_SHARING_NONE)
    return True
