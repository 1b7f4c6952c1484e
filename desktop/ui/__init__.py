"""The desktop GUI: main window, widgets, settings dialog, translations (PySide6)."""
