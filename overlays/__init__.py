"""The overlay window: three suggestion cards, hotkeys, click-through, capture exclusion.

Platform notes (what the OS allows, and what Parley does):

- Hidden from screen capture and sharing: Windows 10 2004+ through
  `SetWindowDisplayAffinity(WDA_EXCLUDEFROMCAPTURE)`; macOS through `NSWindow.sharingType =
  none`. Both are applied to the overlay and to every menu it opens (`capture_exclusion`).
  Linux (X11 and Wayland) has no such facility: the settings dialog and the overlay button say
  so, and the rep should hide the overlay before sharing a screen.
- Hotkeys: keys 1/2/3 and Esc work on the overlay itself. The configurable hotkeys (pick a
  path, show/hide the overlay) are system-wide on Windows (`RegisterHotKey`, see
  `global_hotkeys`), so they work while the call app has focus. Elsewhere they are Qt
  application shortcuts, active while a Parley window has focus: truly global hotkeys would
  need a Quartz event tap with the accessibility permission (macOS) or XGrabKey (X11), and
  Wayland allows none. The tray icon also shows or hides the overlay.
- Click-through uses `Qt.WindowTransparentForInput`; while on, the overlay cannot be dragged
  or clicked (the hotkeys and the tray still work).
"""
