"""Errors of the audio layer (which depends on no other Parley package)."""

from __future__ import annotations


class AudioError(Exception):
    """Audio could not be read, decoded or captured; the message says what to do."""


class AudioFileError(AudioError):
    """A recording is missing, empty, truncated, corrupt or not audio."""


class AudioDeviceError(AudioError):
    """A capture device is missing, busy or disappeared."""
