"""Audio device names for the pickers, read through `audio.devices` when it is there."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeviceChoices:
    """Names for the microphone and system-audio pickers.

    Attributes:
        mics: input devices that are not loopback sources.
        loopbacks: loopback / monitor sources (the customer's side of a call).
        problem: a sentence when the list could not be read, else "".
    """

    mics: tuple[str, ...] = ()
    loopbacks: tuple[str, ...] = ()
    problem: str = ""


DeviceLister = Callable[[], DeviceChoices]


def list_device_choices() -> DeviceChoices:
    """Ask `audio.devices.list_devices()`; never raises (a problem becomes a sentence)."""
    try:
        from audio.devices import list_devices
    except ImportError:
        return DeviceChoices(
            problem="Audio device listing is not available in this build; "
            "the default devices will be used."
        )
    try:
        devices = list(list_devices())
    except Exception as e:  # a broken audio stack must not stop the window
        log.warning("listing audio devices failed", exc_info=True)
        return DeviceChoices(problem=f"{e} The default devices will be used.")
    mics = tuple(str(d.name) for d in devices if not getattr(d, "is_loopback", False))
    loops = tuple(str(d.name) for d in devices if getattr(d, "is_loopback", False))
    return DeviceChoices(mics=mics, loopbacks=loops)
