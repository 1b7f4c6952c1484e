"""The root of Parley's error hierarchy, and the model registry's errors.

It lives in `models/`, the leaf package, so every layer can raise and catch it. Every message
is a sentence for the user that says what to do.
"""

from __future__ import annotations


class ParleyError(Exception):
    """An error the user can act on; `str(error)` says what happened and what to do."""


class ModelError(ParleyError):
    """A model is missing, corrupt, of the wrong format, or failed to load."""


class ModelNotInstalledError(ModelError):
    """A pack's files are absent; the message names the `parley models install` command."""

    def __init__(self, message: str, *, pack: str) -> None:
        super().__init__(message)
        self.pack = pack


class ModelCorruptError(ModelError):
    """A model file does not match its recorded sha256; the message names the file."""

    def __init__(self, message: str, *, pack: str, path: str) -> None:
        super().__init__(message)
        self.pack = pack
        self.path = path
