"""Fixtures for the GUI tests: settings on a temp INI file, a fake session runner."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from desktop.ui import i18n
from desktop.ui.devices import DeviceChoices
from desktop.ui.session_control import SessionRequest
from desktop.ui.settings import SettingsStore
from inference.events import Event


class FakeSession:
    """Stands in for `desktop.session_runner.RunningSession`; the test pushes events."""

    def __init__(self, request: SessionRequest, sinks: list[Callable[[Event], None]]) -> None:
        self.request = request
        self.sinks = sinks
        self.session_id = "fake-session"
        self.started = False
        self.done = False
        self.choices: list[tuple[str, int]] = []

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.done = True

    def wait(self, timeout: float | None = None) -> bool:
        return self.done

    def record_choice(self, objection_utterance_id: str, path_index: int) -> None:
        self.choices.append((objection_utterance_id, path_index))

    paused = False

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False

    def emit(self, event: Event) -> None:
        for sink in self.sinks:
            sink(event)


class FakeFactory:
    def __init__(self) -> None:
        self.sessions: list[FakeSession] = []

    def __call__(
        self, request: SessionRequest, sinks: list[Callable[[Event], None]]
    ) -> FakeSession:
        session = FakeSession(request, sinks)
        self.sessions.append(session)
        return session


@pytest.fixture(autouse=True)
def english_ui() -> Iterator[None]:
    i18n.set_language("en")
    yield
    # Collect the test's Qt objects here, in the GUI thread: a later collection could run in a
    # pipeline thread of another test and destroy widgets there, which crashes Qt.
    gc.collect()


@pytest.fixture
def settings_path(tmp_path: Path) -> Path:
    return tmp_path / "parley.ini"


@pytest.fixture
def store(settings_path: Path) -> SettingsStore:
    return SettingsStore(QSettings(str(settings_path), QSettings.Format.IniFormat))


@pytest.fixture
def factory() -> FakeFactory:
    return FakeFactory()


@pytest.fixture
def window(qtbot, store: SettingsStore, factory: FakeFactory, tmp_path: Path):  # type: ignore[no-untyped-def]
    from desktop.ui.main_window import MainWindow

    win = MainWindow(
        store=store,
        session_factory=factory,
        device_lister=lambda: DeviceChoices(
            mics=("Built-in mic",), loopbacks=("call_out.monitor",)
        ),
    )
    qtbot.addWidget(win)
    win.load_devices()
    win.show()
    yield win
    for session in factory.sessions:
        session.stop()
    win.overlay.close()
    win.close()
