"""Fan-out of events to sinks, with a session clock that never runs backwards."""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable

from inference.events import Event

Sink = Callable[[Event], None]
log = logging.getLogger(__name__)


class EventBus:
    """Thread-safe delivery of events to every sink, in emission order.

    `t` of an emitted event is raised to the last emitted `t` if it is smaller, so readers see
    a clock that never decreases even when two threads emit. A sink that raises is logged and
    skipped for that event; the others still receive it.
    """

    def __init__(self, sinks: list[Sink] | None = None) -> None:
        self._sinks: list[Sink] = list(sinks or [])
        self._lock = threading.RLock()
        self._last_t = 0.0

    def add_sink(self, sink: Sink) -> None:
        with self._lock:
            self._sinks.append(sink)

    def emit(self, event: Event) -> Event:
        """Send `event` to every sink; returns the event as sent (with its clamped `t`)."""
        with self._lock:
            if event.t < self._last_t:
                event = dataclasses.replace(event, t=self._last_t)
            self._last_t = event.t
            for sink in self._sinks:
                try:
                    sink(event)
                except Exception:
                    log.exception("event sink %r failed", sink)
            return event
