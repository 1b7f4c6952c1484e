"""Starting and stopping a session from the GUI without ever blocking it.

`SessionController` builds a running session through a factory (the real
`desktop.session_runner.RunningSession` by default, a fake in tests), gives it the bridge as its
sink, and watches for its end with a timer that polls `wait(0)`. Exceptions become sentences on
`problem`; a failed start leaves the window as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.session_options import SessionOptions
from desktop.ui.i18n import tr
from inference.events import Event
from models.errors import ParleyError
from overlays.qt_compat import emit

if TYPE_CHECKING:
    from desktop.privacy.keys import DataKey

log = logging.getLogger(__name__)
Sink = Callable[[Event], None]
POLL_MS = 200


@dataclass(frozen=True, slots=True)
class SessionRequest:
    """What the user asked for in the window: the session's options, and how it is kept.

    Attributes:
        options: the session (live or replay, input, devices, playbooks, models, pace); the
            same `SessionOptions` the command line fills in.
        store: keep the session in the encrypted store (False: memory only, as the demo).
        key: the data key the window already opened (its passphrase dialog), or None.
    """

    options: SessionOptions
    store: bool = True
    key: DataKey | None = field(default=None, repr=False)


class SessionLike(Protocol):
    """The part of `desktop.session_runner.RunningSession` the GUI uses."""

    session_id: str

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def wait(self, timeout: float | None = None) -> bool: ...
    def record_choice(self, objection_utterance_id: str, path_index: int) -> None: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...

    @property
    def paused(self) -> bool: ...


SessionFactory = Callable[[SessionRequest, list[Sink]], SessionLike]


def default_session_factory(request: SessionRequest, sinks: list[Sink]) -> SessionLike:
    """A real `RunningSession` for `request` (imported on first use, off the startup path).

    Replaying an events file (`.jsonl`, as `parley replay --events` writes) shows that recorded
    session again without models.
    """
    options = request.options
    if options.mode == "replay" and options.input is not None and options.input.suffix == ".jsonl":
        from desktop.ui.event_file_session import EventFileSession

        return EventFileSession(
            options.input, sinks=sinks, speed=options.speed, start_at=options.start_at
        )
    from desktop.session_runner import RunningSession

    session = RunningSession(options, sinks=sinks)
    # Sessions from the app are kept in the encrypted store like the command line's; what the
    # user must know (no passphrase: memory only) reaches the window as a sentence.
    from desktop.session_runner import attach_store
    from inference.events import ErrorEvent

    attach_store(
        session,
        enabled=request.store,
        warn=lambda text: session.bus.emit(
            ErrorEvent(t=session.clock.now(), component="store", message=text)
        ),
        key=request.key,
    )
    return session


class SessionController(QObject):
    """Owns at most one running session on behalf of the window."""

    started = Signal(str)  # session id
    finished = Signal()
    problem = Signal(str)  # a sentence for the user

    def __init__(
        self,
        sink: Sink,
        *,
        factory: SessionFactory = default_session_factory,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._sink = sink
        self._factory = factory
        self._session: SessionLike | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._check_finished)

    @property
    def running(self) -> bool:
        return self._session is not None

    @property
    def session(self) -> SessionLike | None:
        return self._session

    def start(self, request: SessionRequest) -> bool:
        """Start a session; False (and a `problem`) when it could not start."""
        if self._session is not None:
            return False
        try:
            session = self._factory(request, [self._sink])
            session.start()
        except ModuleNotFoundError as e:
            if e.name and e.name.startswith("desktop.session_runner"):
                emit(
                    self.problem,
                    tr("The session runner is not available in this build. Reinstall Parley."),
                )
            else:
                emit(self.problem, tr("Could not start the session: ") + _sentence(e))
            return False
        except ParleyError as e:
            emit(self.problem, str(e))
            return False
        except Exception as e:  # the window must survive whatever the pipeline raises
            log.exception("session failed to start")
            emit(self.problem, tr("Could not start the session: ") + _sentence(e))
            return False
        self._session = session
        self._poll.start()
        emit(self.started, session.session_id)
        return True

    def stop(self) -> None:
        """Ask the session to stop; `finished` follows once its threads are done."""
        if self._session is None:
            return
        try:
            self._session.stop()
        except Exception as e:
            log.exception("session failed to stop")
            emit(self.problem, tr("The session stopped with a problem: ") + _sentence(e))

    def record_choice(self, objection_utterance_id: str, path_index: int) -> None:
        """The rep picked a path; the session keeps it for review."""
        if self._session is None:
            return
        try:
            self._session.record_choice(objection_utterance_id, path_index)
        except Exception as e:
            log.exception("could not record a choice")
            emit(self.problem, _sentence(e))

    def _check_finished(self) -> None:
        session = self._session
        if session is None:
            self._poll.stop()
            return
        try:
            done = session.wait(0)
        except Exception as e:
            emit(self.problem, tr("The session stopped with a problem: ") + _sentence(e))
            done = True
        if done:
            self._poll.stop()
            self._session = None
            emit(self.finished)


def _sentence(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text if text.endswith((".", "。", "!", "?")) else text + "."
