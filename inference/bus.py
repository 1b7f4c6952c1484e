"""One bounded outbox of events, drained by a single dispatcher thread into the sinks.

Producers (the ASR worker, the pipeline hub, the LLM writer, the store's writer) only stamp and
enqueue; the sinks (the `--events` file, the console, the Qt bridge, the store) run on the
dispatcher thread alone. So a slow stdout or disk never stalls transcription or generation, and a
producer that emits while holding its own lock never calls into a sink under it.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from inference.events import Event, TranscriptEvent
from inference.log_text import error_summary

Sink = Callable[[Event], None]
log = logging.getLogger(__name__)

OUTBOX_SIZE = 1024  # events waiting for the sinks; about a minute of a busy call
WAIT_LIMIT_S = 2.0  # how long a producer of a kept event waits for room before it overfills


@dataclass(frozen=True, slots=True)
class BusStats:
    """What the outbox had to do when the sinks fell behind.

    Attributes:
        delivered: events handed to the sinks.
        dropped_tentative: tentative transcript events dropped because the outbox was full.
        waits: times a producer of a kept event waited for room.
        overfilled: kept events enqueued past the bound after `WAIT_LIMIT_S` (never dropped).
    """

    delivered: int
    dropped_tentative: int
    waits: int
    overfilled: int


def _tentative(event: Event) -> bool:
    """A tentative tail (a stable partial is kept: its words are not sent again)."""
    return isinstance(event, TranscriptEvent) and not event.final and not event.stable


class EventBus:
    """Thread-safe delivery of events to every sink, in emission order, on one thread.

    `t` of an emitted event is raised to the last emitted `t` if it is smaller, in the same step
    that enqueues it, so every sink sees a clock that never decreases even when two threads emit.
    When the outbox is full a tentative transcript event is dropped (a newer one follows within a
    second); any other event waits up to `wait_limit_s` for room and is then enqueued anyway.
    A sink that raises is logged and skipped for that event; the others still receive it.
    Call `close()` at the end of a session: it delivers everything still queued. After it,
    events are delivered on the emitting thread.

    Args:
        sinks: the first sinks (more with `add_sink`).
        capacity: bound of the outbox.
        wait_limit_s: the longest a producer of a kept event waits for room.
    """

    def __init__(
        self,
        sinks: list[Sink] | None = None,
        *,
        capacity: int = OUTBOX_SIZE,
        wait_limit_s: float = WAIT_LIMIT_S,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"the outbox needs room for at least one event, got {capacity}")
        self._sinks: list[Sink] = list(sinks or [])
        self._capacity = capacity
        self._wait_limit_s = wait_limit_s
        self._cond = threading.Condition(threading.RLock())
        self._outbox: deque[Event] = deque()
        self._last_t = 0.0
        self._busy = False  # the dispatcher holds events taken from the outbox
        self._closed = False
        self._thread: threading.Thread | None = None
        self._delivered = 0
        self._dropped = 0
        self._waits = 0
        self._overfilled = 0

    def add_sink(self, sink: Sink) -> None:
        with self._cond:
            self._sinks.append(sink)

    def emit(self, event: Event) -> Event:
        """Queue `event` for every sink; returns the event as queued (with its clamped `t`).

        Returns at once unless the outbox is full (see the class docstring).
        """
        with self._cond:
            if self._closed:
                event = self._stamp(event)
                sinks = list(self._sinks)
                self._delivered += 1
            else:
                if len(self._outbox) >= self._capacity and not self._wait_for_room(event):
                    return event
                event = self._stamp(event)
                self._outbox.append(event)
                self._start()
                self._cond.notify_all()
                return event
        self._deliver([event], sinks)
        return event

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every event queued so far reached the sinks; True when it did.

        From a sink (the dispatcher thread) it returns False at once: it cannot wait on itself.
        """
        if threading.current_thread() is self._thread:
            return False
        with self._cond:
            return self._cond.wait_for(lambda: not self._outbox and not self._busy, timeout)

    def close(self, timeout: float | None = None) -> bool:
        """Deliver everything still queued and stop the dispatcher; True when all was delivered.

        Events emitted afterwards go to the sinks on the emitting thread.
        """
        drained = self.flush(timeout)
        with self._cond:
            self._closed = True
            thread, self._thread = self._thread, None
            self._cond.notify_all()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        if self._dropped or self._overfilled:
            log.info("event outbox: %s", self.stats())
        return drained

    def stats(self) -> BusStats:
        with self._cond:
            return BusStats(
                delivered=self._delivered,
                dropped_tentative=self._dropped,
                waits=self._waits,
                overfilled=self._overfilled,
            )

    # -- inside ---------------------------------------------------------------------------

    def _stamp(self, event: Event) -> Event:
        if event.t < self._last_t:
            event = dataclasses.replace(event, t=self._last_t)
        self._last_t = event.t
        return event

    def _wait_for_room(self, event: Event) -> bool:
        """Called full, with the lock held; False when `event` is dropped."""
        if _tentative(event):
            self._dropped += 1
            return False
        if threading.current_thread() is self._thread:
            # A sink that emits (the store reporting a failed save) must not wait on itself.
            self._overfilled += 1
            return True
        self._waits += 1
        if not self._cond.wait_for(
            lambda: len(self._outbox) < self._capacity or self._closed, self._wait_limit_s
        ):
            self._overfilled += 1
        return True

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._dispatch, name="parley-events", daemon=True
            )
            self._thread.start()

    def _dispatch(self) -> None:
        me = threading.current_thread()
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._outbox or self._closed or self._thread is not me)
                if not self._outbox:
                    return
                batch = list(self._outbox)
                self._outbox.clear()
                self._busy = True
                sinks = list(self._sinks)
                self._cond.notify_all()  # room for waiting producers
            self._deliver(batch, sinks)
            with self._cond:
                self._busy = False
                self._delivered += len(batch)
                self._cond.notify_all()

    @staticmethod
    def _deliver(batch: list[Event], sinks: list[Sink]) -> None:
        for event in batch:
            for sink in sinks:
                try:
                    sink(event)
                except Exception as exc:  # the message may quote call words: summarised
                    log.error("event sink %r failed: %s", sink, error_summary(exc))
