"""The main window: session control, devices, model status, transcript, signals, problems.

Everything the pipeline says arrives through the one `EventBridge` as queued signals, so the
GUI thread only ever updates widgets. The overlay, tray icon and hotkeys hang off this window.
"""

from __future__ import annotations

import dataclasses
import functools
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from audio.pace import Pace
from desktop.bridge import EventBridge
from desktop.session_options import SessionOptions
from desktop.ui import i18n
from desktop.ui.devices import DeviceChoices, DeviceLister, list_device_choices
from desktop.ui.empty_state import EmptyState
from desktop.ui.i18n import tr
from desktop.ui.model_setup import Installer, ModelSetupPanel
from desktop.ui.problems import ProblemBanner
from desktop.ui.session_control import (
    SessionController,
    SessionFactory,
    SessionRequest,
    default_session_factory,
)
from desktop.ui.settings import AppSettings, SettingsStore
from desktop.ui.setup_panel import SetupPanel
from desktop.ui.signal_strip import SignalStrip
from desktop.ui.transcript_view import TranscriptView
from desktop.ui.tray import TrayIcon
from desktop.ui.widgets import ModelStatusRow, parse_level
from inference.events import ErrorEvent, ObjectionEvent, StatusEvent
from overlays.capture_exclusion import LINUX_NOTE, capture_exclusion_supported
from overlays.global_hotkeys import GlobalHotkeys
from overlays.overlay_window import SuggestionOverlay
from overlays.qt_compat import emit

if TYPE_CHECKING:
    from desktop.privacy.keys import DataKey

REPLAY_FILTER = (
    "Recordings, timed transcripts, events (*.wav *.flac *.mp3 *.m4a *.ogg *.json *.jsonl)"
)
BANNER_STATES = ("no_customer_audio", "device_lost", "clipping")
NOTICE_STATES = ("lagging", "recovered", "device_restored", "superseded")
QUOTE_WORDS = 7


class MainWindow(QMainWindow):
    """Parley's main window.

    Args:
        store: where settings live (tests pass one on a temporary INI file).
        session_factory: builds the running session (tests pass a fake).
        device_lister: lists audio devices for the pickers (tests pass a fake).
        key_provider: asked once, before the first stored session, for the data key (the app
            passes the passphrase dialog's `ask_data_key`); None (tests): the session start
            finds the key itself, or keeps the session in memory.
    """

    settings_applied = Signal(object)  # AppSettings
    devices_listed = Signal(object)  # DeviceChoices, from the listing thread

    def __init__(
        self,
        *,
        store: SettingsStore,
        session_factory: SessionFactory = default_session_factory,
        device_lister: DeviceLister = list_device_choices,
        key_provider: Callable[[QWidget], DataKey | None] | None = None,
    ) -> None:
        super().__init__()
        self._key_provider = key_provider
        self._data_key: DataKey | None = None
        self._key_asked = False
        self._demo_dir: str | None = None
        # While set, the demo's call and playbook are what the window shows (not the user's).
        self.demo_shown: tuple[str, str] | None = None
        self.model_panel: ModelSetupPanel | None = None
        self.store = store
        self.settings = store.load()
        i18n.set_language(self.settings.language)
        self._device_lister = device_lister
        self._texts: list[tuple[Callable[[str], None], str]] = []
        self._shortcuts: list[QShortcut] = []
        self.replay_speed: float | None = 1.0
        self.setWindowTitle("Parley")
        self.resize(1100, 720)

        self.bridge = EventBridge(self)
        self.controller = SessionController(self.bridge, factory=session_factory, parent=self)
        self.overlay = SuggestionOverlay(
            settings=store.qsettings, tr=tr, quiet_s=self.settings.overlay_quiet_s
        )
        self.global_hotkeys = GlobalHotkeys(self)
        self.global_hotkeys.activated.connect(self._on_hotkey)
        self._build()
        self._connect()
        self.tray = TrayIcon(self)
        self.apply_settings(self.settings, save=False)

    # --- building ------------------------------------------------------------------------

    def _t(self, setter: Callable[[str], None], key: str) -> None:
        """Set a text now and again whenever the language changes."""
        self._texts.append((setter, key))
        setter(tr(key))

    def _build(self) -> None:
        self.mode = QComboBox()
        self.mode.addItem("", True)
        self.mode.addItem("", False)
        self.mode.setCurrentIndex(0 if self.settings.live else 1)
        self.file_button = QPushButton()
        self._t(self.file_button.setText, "Choose file…")
        self.file_label = QLabel()
        self.file_label.setMinimumWidth(160)
        self.start_button = QPushButton()
        self.start_button.setDefault(True)
        self.settings_button = QPushButton()
        self._t(self.settings_button.setText, "Settings…")
        self.pause_button = QPushButton()
        self._t(self.pause_button.setText, "Pause")
        self.jump_button = QPushButton()
        self._t(self.jump_button.setText, "Jump to…")
        self.start_at = 0.0
        self._restart_pending = False
        self.review_button = QPushButton()
        self._t(self.review_button.setText, "Review sessions…")
        self._review_window: QWidget | None = None
        self.overlay_button = QPushButton()
        self._t(self.overlay_button.setText, "Show/hide overlay")
        if not capture_exclusion_supported():
            self.overlay_button.setToolTip(LINUX_NOTE)
        top = QHBoxLayout()
        top.addWidget(self.mode)
        top.addWidget(self.file_button)
        top.addWidget(self.file_label, 1)
        top.addWidget(self.start_button)
        top.addWidget(self.pause_button)
        top.addWidget(self.jump_button)
        top.addWidget(self.overlay_button)
        top.addWidget(self.review_button)
        top.addWidget(self.settings_button)

        self.setup = SetupPanel()
        setup = self.setup
        # Shortcuts to the setup column's widgets.
        self.mic_combo, self.loop_combo = setup.mic_combo, setup.loop_combo
        self.mic_meter, self.loop_meter = setup.mic_meter, setup.loop_meter
        self.devices_note, self.refresh_devices_button = (
            setup.devices_note,
            setup.refresh_devices_button,
        )
        self.playbook_button, self.use_llm = setup.playbook_button, setup.use_llm
        self.asr_status, self.llm_status = setup.asr_status, setup.llm_status

        self.transcript = TranscriptView()
        transcript_box = QGroupBox()
        self._t(transcript_box.setTitle, "Transcript")
        self.empty_state = EmptyState()
        self.transcript_stack = QStackedWidget()
        self.transcript_stack.addWidget(self.empty_state)
        self.transcript_stack.addWidget(self.transcript)
        QVBoxLayout(transcript_box).addWidget(self.transcript_stack)
        self.signals = SignalStrip()

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(transcript_box)
        right.addWidget(self.signals)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(setup)
        body.addWidget(right)
        body.setStretchFactor(1, 3)
        body.setSizes([300, 800])

        self.problems = ProblemBanner()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(top)
        layout.addWidget(self.problems)
        layout.addWidget(body, 1)
        self._layout = layout
        self.setCentralWidget(central)
        self.state_label = QLabel()
        self.statusBar().addPermanentWidget(self.state_label)
        self._update_session_ui()

    def _connect(self) -> None:
        b = self.bridge
        b.transcript_received.connect(self._show_transcript)
        b.transcript_received.connect(self.transcript.add_event)
        b.emotion_received.connect(self.signals.add_emotion)
        b.terms_received.connect(self.signals.add_terms)
        b.roles_received.connect(self.signals.add_roles)
        b.objection_received.connect(self._on_objection)
        b.suggestion_received.connect(self.overlay.show_suggestion)
        b.guard_received.connect(self.overlay.apply_guard)
        b.status_received.connect(self._on_status)
        b.error_received.connect(self._on_error)
        c = self.controller
        c.started.connect(self._on_started)
        c.finished.connect(self._on_finished)
        c.problem.connect(self.problems.add)
        self.overlay.path_chosen.connect(self._on_path_chosen)
        self.mode.currentIndexChanged.connect(self._on_mode_changed)
        self.start_button.clicked.connect(self.toggle_session)
        self.file_button.clicked.connect(self.choose_replay_file)
        self.playbook_button.clicked.connect(self.choose_playbook)
        self.refresh_devices_button.clicked.connect(self.load_devices_in_background)
        self.devices_listed.connect(self.set_devices)
        self.settings_button.clicked.connect(self.open_settings)
        self.review_button.clicked.connect(self.open_review)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.jump_button.clicked.connect(self.ask_jump)
        self.overlay_button.clicked.connect(self.overlay.toggle)
        self.empty_state.demo_requested.connect(self.start_demo)

    def offer_model_setup(
        self, packs: list[str], *, installer: Installer | None = None
    ) -> ModelSetupPanel | None:
        """Show the panel that installs `packs` (a source install's missing models)."""
        if not packs or self.model_panel is not None:
            return self.model_panel
        panel = ModelSetupPanel(packs, installer=installer)
        panel.finished.connect(self._on_models_installed)
        self._layout.insertWidget(self._layout.indexOf(self.problems) + 1, panel)
        panel.show()
        self.model_panel = panel
        return panel

    def _on_models_installed(self, complete: bool) -> None:
        if complete and self.model_panel is not None:
            self.model_panel.hide()
            self.statusBar().showMessage(tr("Installed"), 8000)

    def open_review(self) -> None:
        """The trainer's review window for stored sessions (one at a time)."""
        from desktop.ui.review_window import open_review_window

        if self._review_window is not None:
            self._review_window.raise_()
            self._review_window.activateWindow()
            return
        window = open_review_window(parent=None)
        self._review_window = window
        window.destroyed.connect(self._forget_review_window)

    def _forget_review_window(self) -> None:
        self._review_window = None

    # --- session -------------------------------------------------------------------------

    def request(self) -> SessionRequest | None:
        """The session the window's choices describe; None (and a problem) if incomplete."""
        s = self.settings
        live = bool(self.mode.currentData())
        if not live and not s.replay_file:
            self.problems.add(tr("Choose a recording or a timed transcript to replay first."))
            return None
        options = SessionOptions(
            mode="live" if live else "replay",
            input=None if live else Path(s.replay_file),
            mic=self.mic_combo.currentData() or None,
            loopback=self.loop_combo.currentData() or None,
            playbooks=(Path(s.playbook_dir),) if s.playbook_dir else (),
            speed=1.0 if live else self.replay_speed,
            start_at=0.0 if live else self.start_at,
        )
        return SessionRequest(self._with_models(options))

    def _with_models(self, options: SessionOptions) -> SessionOptions:
        """`options` with the speech and language models the settings name (the LLM off when
        none is chosen or the checkbox is cleared)."""
        s = self.settings
        llm = s.llm_model if self.use_llm.isChecked() else ""
        return dataclasses.replace(
            options,
            asr_pack=s.asr_model or options.asr_pack,
            llm_pack=llm or options.llm_pack,
            use_llm=bool(llm),
        )

    def toggle_session(self) -> None:
        if self.controller.running:
            self.controller.stop()
            self.state_label.setText(tr("Session stopping…"))
            return
        request = self.request()
        if request is None:
            return
        self._remember_choices()
        self.demo_shown = None
        self._begin(dataclasses.replace(request, key=self._key_for_storing()))

    def _key_for_storing(self) -> DataKey | None:
        """The data key from the passphrase dialog, asked for once per run of the app."""
        if self._key_provider is not None and not self._key_asked:
            self._key_asked = True
            self._data_key = self._key_provider(self)
        return self._data_key

    def start_demo(self, lang: str | None = None) -> bool:
        """Replay the sample call of `lang` (default: the UI language) with its sample
        playbook; nothing is stored and the user's own choices are left as they were."""
        from desktop.samples import demo_input, demo_sample
        from models.errors import ParleyError

        if self.controller.running:
            return False
        lang = lang or ("zh" if i18n.language() == "zh" else "en")
        sample = demo_sample(lang)
        if self._demo_dir is None:
            self._demo_dir = tempfile.mkdtemp(prefix="parley-demo-")
        try:
            call = demo_input(sample, Path(self._demo_dir))
        except ParleyError as e:
            self.problems.add(str(e))
            return False
        options = SessionOptions(
            mode="replay",
            input=call,
            playbooks=(sample.playbook,),
            speed=self.replay_speed,
            language=lang,
        )
        request = SessionRequest(self._with_models(options), store=False)
        self.demo_shown = (call.name, str(sample.playbook))
        self._begin(request)
        if not self.controller.running:
            self.demo_shown = None
            self._update_session_ui()
            return False
        return True

    def _show_transcript(self, *_args: object) -> None:
        """The empty state gives way to the transcript once a call has begun."""
        if self.transcript_stack.currentWidget() is not self.transcript:
            self.transcript_stack.setCurrentWidget(self.transcript)

    def _begin(self, request: SessionRequest) -> None:
        self._show_transcript()
        self.transcript.clear_transcript()
        self.signals.clear()
        self.problems.clear()
        if not request.options.use_llm:
            self.llm_status.set_state("off")
        self.controller.start(request)
        self._update_session_ui()

    # Bound methods, not lambdas that capture `self`: a lambda in a connection makes a reference
    # cycle, and a cycle may then be collected (and Qt objects destroyed) in a pipeline thread.
    def _on_started(self, _session_id: str) -> None:
        self._update_session_ui()

    def _on_mode_changed(self, _index: int) -> None:
        self._update_session_ui()

    def _on_finished(self) -> None:
        self._update_session_ui()
        self.state_label.setText(tr("Session ended"))
        if self._restart_pending:
            self._restart_pending = False
            self.toggle_session()

    # --- pause and seek (replay) -----------------------------------------------------------

    def toggle_pause(self) -> None:
        """Hold or continue a paced replay."""
        session = self.controller.session
        if session is None or not hasattr(session, "pause"):
            return
        if session.paused:
            session.resume()
        else:
            session.pause()
        self._update_session_ui()

    def ask_jump(self) -> None:
        text, ok = QInputDialog.getText(
            self, tr("Jump to…"), tr("Position in the recording (m:ss)")
        )
        if not ok:
            return
        seconds = parse_position(text)
        if seconds is None:
            self.problems.add(tr("Give the position as minutes:seconds, for example 2:30."))
            return
        self.jump_to(seconds)

    def jump_to(self, seconds: float) -> None:
        """Replay from `seconds` into the recording (restarts a running replay there)."""
        self.start_at = max(0.0, seconds)
        if self.controller.running:
            self._restart_pending = True
            self.controller.stop()
        else:
            self.toggle_session()

    def _update_session_ui(self) -> None:
        running = self.controller.running
        live = bool(self.mode.currentData())
        self.start_button.setText(tr("Stop") if running else tr("Start"))
        session = self.controller.session
        paused = session is not None and session.paused
        self.pause_button.setText(tr("Resume") if paused else tr("Pause"))
        pace = Pace.live() if live else Pace.from_speed(self.replay_speed)
        self.pause_button.setEnabled(running and pace.pausable and session is not None)
        self.jump_button.setEnabled(not live)
        self.mode.setEnabled(not running)
        self.file_button.setEnabled(not running and not live)
        self.setup.set_enabled_for(
            running=running, live=live, llm_available=bool(self.settings.llm_model)
        )
        self.state_label.setText(tr("Session running") if running else tr("Idle"))
        if self.demo_shown is not None and not live:
            self.file_label.setText(f"{tr('Demo call')}: {self.demo_shown[0]}")
            self.setup.set_playbook(self.demo_shown[1])
            return
        name = Path(self.settings.replay_file).name if self.settings.replay_file else ""
        self.file_label.setText("" if live else (name or tr("No file chosen")))
        self.setup.set_playbook(self.settings.playbook_dir)

    def _on_path_chosen(self, objection_id: str, index: int) -> None:
        self.controller.record_choice(objection_id, index)
        self.statusBar().showMessage(f"{tr('Suggestions')} {index + 1} ✓", 4000)

    # --- events --------------------------------------------------------------------------

    def _on_objection(self, event: ObjectionEvent) -> None:
        if event.tentative:
            # No suggestion follows a tentative objection: a quiet hint, not an overlay card.
            self.statusBar().showMessage(f"{tr('Possible objection')}: {event.category}", 6000)
            return
        final, _ = self.transcript.utterance_text(event.utterance_id)
        words = final.split()
        quote = " ".join(words[:QUOTE_WORDS]) if len(words) > 1 else final[:16]
        self.overlay.show_objection(event, quote=quote)

    def _on_status(self, event: StatusEvent) -> None:
        if event.state == "level":
            parsed = parse_level(event.component, event.detail)
            if parsed is not None:
                self.setup.set_level(*parsed)
            return
        row = self._model_row(event.component)
        if row is not None and event.state in ("loading", "ready"):
            row.set_state(event.state, event.detail)
        elif event.state in BANNER_STATES:
            self.problems.add(_with_detail(tr(f"status:{event.state}"), event.detail))
        elif event.state in NOTICE_STATES:
            self.statusBar().showMessage(tr(f"status:{event.state}"), 8000)
        elif event.detail and event.state in ("loading", "ready"):
            self.statusBar().showMessage(f"{event.component}: {event.detail}", 8000)

    def _on_error(self, event: ErrorEvent) -> None:
        row = self._model_row(event.component)
        if row is not None:
            row.set_state(tr("Failed"), event.message)
        self.problems.add(event.message)

    def _model_row(self, component: str) -> ModelStatusRow | None:
        name = component.lower()
        if name.startswith("asr"):
            return self.asr_status
        if name.startswith("llm"):
            return self.llm_status
        return None

    # --- devices, files, settings ----------------------------------------------------------

    def load_devices(self) -> None:
        """Fill the device pickers now (blocks while the audio stack is asked)."""
        self.set_devices(self._device_lister())

    def load_devices_in_background(self) -> None:
        """Fill the device pickers from a thread; the GUI never waits for the audio stack."""
        lister = self._device_lister
        signal = self.devices_listed
        threading.Thread(
            target=lambda: emit(signal, lister()), name="parley-devices", daemon=True
        ).start()

    def set_devices(self, choices: DeviceChoices) -> None:
        self.setup.set_devices(choices, mic=self.settings.mic, loopback=self.settings.loopback)

    def choose_replay_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, tr("Replay a file"), self.settings.replay_file, REPLAY_FILTER
        )
        if path:
            self.set_replay_file(path)

    def set_replay_file(self, path: str) -> None:
        self.demo_shown = None
        self._store(dataclasses.replace(self.settings, replay_file=path, live=False))
        self.mode.setCurrentIndex(1)
        self._update_session_ui()

    def choose_playbook(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self, tr("Playbook folder"), self.settings.playbook_dir
        )
        if path:
            self.demo_shown = None
            self._store(dataclasses.replace(self.settings, playbook_dir=path))
            self._update_session_ui()

    def open_settings(self) -> None:
        from desktop.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self)
        if dialog.exec():
            self.apply_settings(dialog.chosen())
        dialog.deleteLater()

    def apply_settings(self, settings: AppSettings, *, save: bool = True) -> None:
        """Make `settings` current: language, overlay, hotkeys; persist them if `save`."""
        if save:
            self._store(settings)
        self.settings = settings
        i18n.set_language(settings.language)
        self.use_llm.setChecked(bool(settings.llm_model))
        overlay = self.overlay
        overlay.setWindowOpacity(settings.overlay_opacity)
        overlay.set_quiet_period(settings.overlay_quiet_s)
        if overlay.click_through != settings.click_through:
            overlay.set_click_through(settings.click_through)
        if settings.overlay_corner != "remember":
            overlay.move_to_corner(settings.overlay_corner)
        self._bind_hotkeys(settings)
        self.retranslate()
        emit(self.settings_applied, settings)

    def _store(self, settings: AppSettings) -> None:
        self.settings = settings
        self.store.save(settings)

    def _remember_choices(self) -> None:
        self._store(
            dataclasses.replace(
                self.settings,
                live=bool(self.mode.currentData()),
                mic=str(self.mic_combo.currentData() or ""),
                loopback=str(self.loop_combo.currentData() or ""),
            )
        )

    def _bind_hotkeys(self, settings: AppSettings) -> None:
        """System-wide hotkeys where the OS allows (Windows), else application shortcuts."""
        for shortcut in self._shortcuts:
            shortcut.setEnabled(False)
            shortcut.deleteLater()
        self._shortcuts = []
        self.global_hotkeys.unregister_all()
        bindings = [("toggle", settings.toggle_hotkey)]
        bindings += [(f"pick{i}", keys) for i, keys in enumerate(settings.pick_hotkeys)]
        for name, keys in bindings:
            if self.global_hotkeys.register(name, keys):
                continue
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
            shortcut.activated.connect(functools.partial(self._on_hotkey, name))
            self._shortcuts.append(shortcut)

    def _on_hotkey(self, name: str) -> None:
        if name == "toggle":
            self.overlay.toggle()
        elif name.startswith("pick"):
            self.overlay.choose(int(name[4:]))

    def retranslate(self) -> None:
        for setter, key in self._texts:
            setter(tr(key))
        self.mode.setItemText(0, tr("Live call"))
        self.mode.setItemText(1, tr("Replay a file"))
        self.setup.retranslate()
        self.empty_state.retranslate()
        if self.model_panel is not None:
            self.model_panel.retranslate()
        self.signals.retranslate()
        self.transcript.retranslate()
        self.overlay.set_translator(tr)
        self.tray.retranslate()
        self.problems.retranslate()
        self._update_session_ui()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.controller.running:
            self.controller.stop()
            session = self.controller.session
            if session is not None:
                session.wait(3.0)  # let it keep what it has; bounded, only at exit
        self.global_hotkeys.unregister_all()
        if self._demo_dir is not None:
            shutil.rmtree(self._demo_dir, ignore_errors=True)
        self.overlay.remember_position()
        self.overlay.close()
        self.tray.hide()
        super().closeEvent(event)


def _with_detail(sentence: str, detail: str) -> str:
    return f"{sentence} ({detail})" if detail else sentence


def parse_position(text: str) -> float | None:
    """'2:30' or '150' or '1:02:03' as seconds; None when it is not a position."""
    parts = text.strip().split(":")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        return None
    if not values or len(values) > 3 or any(v < 0 for v in values):
        return None
    seconds = 0.0
    for value in values:
        seconds = seconds * 60 + value
    return seconds
