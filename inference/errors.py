"""Errors of the headless pipeline; all derive from `ParleyError`."""

from __future__ import annotations

from audio.errors import AudioError
from models.errors import ModelError, ParleyError


class PlaybookError(ParleyError):
    """A playbook folder is missing, empty or malformed."""


class PipelineError(ParleyError):
    """The pipeline could not start or had to stop."""


# What the command line and the app turn into a plain sentence instead of a traceback.
USER_ERRORS: tuple[type[Exception], ...] = (ParleyError, AudioError)

__all__ = [
    "USER_ERRORS",
    "AudioError",
    "ModelError",
    "ParleyError",
    "PipelineError",
    "PlaybookError",
]
