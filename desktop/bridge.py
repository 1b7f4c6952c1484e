"""The one bridge between the pipeline's threads and the Qt GUI thread.

`EventBridge` is a sink: the session calls it (from any thread) with each event, and it
re-emits the event as a typed Qt signal. The bridge lives in the GUI thread, so Qt queues
signals emitted from other threads and delivers them in the GUI thread, in order; the pipeline
never touches a widget and never waits for the GUI.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from inference.events import (
    EmotionEvent,
    ErrorEvent,
    Event,
    GuardEvent,
    ObjectionEvent,
    RolesEvent,
    StatusEvent,
    SuggestionEvent,
    TermsEvent,
    TranscriptEvent,
)
from overlays.qt_compat import emit


class EventBridge(QObject):
    """A thread-safe sink that turns pipeline events into Qt signals.

    Every event goes out on `event_received` and on the signal of its type. Connect with the
    default (auto) connection: slots then run in the receiver's (GUI) thread.
    """

    event_received = Signal(object)
    transcript_received = Signal(object)  # TranscriptEvent
    emotion_received = Signal(object)  # EmotionEvent
    terms_received = Signal(object)  # TermsEvent
    roles_received = Signal(object)  # RolesEvent
    objection_received = Signal(object)  # ObjectionEvent
    suggestion_received = Signal(object)  # SuggestionEvent
    guard_received = Signal(object)  # GuardEvent
    status_received = Signal(object)  # StatusEvent
    error_received = Signal(object)  # ErrorEvent

    def __call__(self, event: Event) -> None:
        """The sink: safe to call from any thread; returns at once."""
        emit(self.event_received, event)
        signal = {
            TranscriptEvent: self.transcript_received,
            EmotionEvent: self.emotion_received,
            TermsEvent: self.terms_received,
            RolesEvent: self.roles_received,
            ObjectionEvent: self.objection_received,
            SuggestionEvent: self.suggestion_received,
            GuardEvent: self.guard_received,
            StatusEvent: self.status_received,
            ErrorEvent: self.error_received,
        }.get(type(event))
        if signal is not None:
            emit(signal, event)
