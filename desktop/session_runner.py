"""One session (replay or live) wired end to end, for the command line and the app alike.

The runner builds the components from `SessionOptions`, runs the pipeline in background
threads and hands every event to the sinks it was given (console, `--events` file, the Qt
bridge, the session store, the audit log). It is the only place that knows all components.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from audio.pace import WallPacer
from audio.playback import PlaybackControl
from desktop.session_options import SessionOptions
from inference.bus import EventBus, Sink
from inference.clock import SessionClock
from inference.conversation import ConversationHub
from inference.errors import USER_ERRORS
from inference.events import ErrorEvent, StatusEvent
from inference.session import TimedTranscriptSource
from inference.timed_transcript import looks_like_timed_transcript

if TYPE_CHECKING:
    from audio.file_source import FileSource
    from audio.live_source import LiveSource
    from audio.recorder import RecordingWriter
    from desktop.privacy.keys import DataKey
    from inference.suggest.engine import SuggestionEngine

log = logging.getLogger(__name__)


WARMUP_LIMIT_S = 180.0  # a paced replay starts after this long even if the LLM is not ready


class RunningSession:
    """A session running in background threads; events reach `sinks` as they happen.

    Args:
        options: what to run.
        sinks: callables that receive every event (called from the bus's dispatcher thread).
    """

    def __init__(self, options: SessionOptions, *, sinks: Sequence[Sink]) -> None:
        self.options = options
        self.session_id = time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
        self.clock = SessionClock()
        self.bus = EventBus(list(sinks))
        self.error: Exception | None = None
        self.choices: list[tuple[str, int]] = []
        self.choice_listeners: list[Callable[[str, int], None]] = []
        self.store_session_id: str | None = None
        # Live only: makes the writer the call is recorded with (set by `attach_store`).
        self.recording_factory: Callable[[], RecordingWriter] | None = None
        # Called once in the session thread after everything was processed (store closing).
        self.on_finished: list[Callable[[], None]] = []
        self._stop = threading.Event()
        self._done = threading.Event()
        self.control = PlaybackControl()
        self._source: FileSource | LiveSource | None = None
        self._hub: ConversationHub | None = None
        self._thread = threading.Thread(target=self._run, name="parley-session", daemon=True)

    # -- control -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the pipeline in the background; returns at once."""
        self._thread.start()

    def stop(self) -> None:
        """Ask the session to end; what it produced so far is kept."""
        self._stop.set()
        self.control.release()
        source = self._source
        if source is not None:
            source.stop()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the session to end; True when it did."""
        return self._done.wait(timeout)

    def run(self) -> None:
        """Run in the calling thread until the session ends."""
        self._run()

    def pause(self) -> None:
        """Hold a paced replay where it is (live capture cannot pause)."""
        if self.options.pace.pausable:
            self.control.pause()

    def resume(self) -> None:
        self.control.resume()

    @property
    def paused(self) -> bool:
        return self.control.paused

    def record_choice(self, objection_utterance_id: str, path_index: int) -> None:
        """The rep picked path `path_index` (0-2) for an objection (keys 1/2/3)."""
        self.choices.append((objection_utterance_id, path_index))
        for listener in self.choice_listeners:
            listener(objection_utterance_id, path_index)

    @property
    def decision_map(self) -> dict[str, int]:
        return self._hub.decision_map if self._hub is not None else {}

    @property
    def second_opinion_latencies(self) -> list[float]:
        """Session seconds from each customer utterance's end to its second opinion."""
        return list(self._hub.second_latencies) if self._hub is not None else []

    @property
    def second_opinion_tokens(self) -> list[int]:
        """Tokens each second opinion read after the utterance's final (the rest was read
        while it was said)."""
        return list(self._hub.second_tokens) if self._hub is not None else []

    # -- the pipeline --------------------------------------------------------------------

    def _status(self, component: str, state: str, detail: str = "") -> None:
        self.bus.emit(
            StatusEvent(t=self.clock.now(), component=component, state=state, detail=detail)
        )

    def _run(self) -> None:
        hub: ConversationHub | None = None
        second = None
        try:
            from desktop import components
            from inference.cpu_share import CpuShare

            cpu = CpuShare()  # ASR's claim on the cores, read by the LLM between decodes
            playbook = components.load_playbook(self.options)
            detectors = components.build_detectors(self.options, playbook)
            suggester = components.build_suggester(
                self.options,
                playbook,
                bus=self.bus,
                clock=self.clock,
                status=self._status,
                cpu=cpu,
            )
            second = components.build_second_reader(self.options, cpu)
            hub = ConversationHub(
                bus=self.bus,
                clock=self.clock,
                detectors=detectors,
                suggester=suggester,
                synchronous=self.options.pace.synchronous,
                second=second,
            )
            self._hub = hub
            opts = self.options
            # Load the detectors' models now, not when the customer's first line closes.
            if detectors is not None:
                langs = (opts.language,) if opts.language in ("en", "zh") else ("en", "zh")
                hub.call(lambda: detectors.warm(langs))
            if opts.pace.warms_up and opts.warmup:
                cpu.set_asr_busy(False)  # ASR starts after the warm-up: both cores for it
                self._warm_up(suggester)
                cpu.set_asr_busy(True)
            if (
                opts.mode == "replay"
                and opts.input is not None
                and opts.input_audio is None
                and looks_like_timed_transcript(opts.input)
            ):
                cpu.set_asr_busy(False)  # no speech to recognise
                transcript = TimedTranscriptSource(
                    opts.input, pace=opts.pace, start_at=opts.start_at
                )
                transcript.play(hub, clock=self.clock, stop=self._stop, pacer=self._pacer())
            else:
                recording = None
                if opts.mode == "live" and self.recording_factory is not None:
                    recording = self.recording_factory()
                self._source = components.build_source(
                    opts, control=self.control, recording=recording
                )
                if self._stop.is_set():
                    self._source.stop()
                components.run_asr(
                    self._source,
                    opts,
                    playbook=playbook,
                    clock=self.clock,
                    hub=hub,
                    stop=self._stop,
                    cpu=cpu,
                )
            hub.drain()
        except USER_ERRORS as e:
            self.error = e
            self.bus.emit(ErrorEvent(t=self.clock.now(), component="session", message=str(e)))
        except Exception as e:  # report, keep what the session produced
            log.exception("session failed")
            self.error = e
            self.bus.emit(
                ErrorEvent(
                    t=self.clock.now(),
                    component="session",
                    message=f"the session stopped on an unexpected error ({e}); "
                    "what it produced so far is kept",
                )
            )
        finally:
            if hub is not None:
                hub.close()
            if second is not None:
                second.close()
            self.bus.flush()  # the store has every event before it closes
            for callback in self.on_finished:
                try:
                    callback()
                except Exception:
                    log.exception("finishing the session failed")
            self.bus.close()
            self._done.set()

    def _warm_up(self, suggester: SuggestionEngine | None) -> None:
        """Hold a paced replay until the LLM has its fixed prompt cached (see `warmup`)."""
        if suggester is None:
            return
        if suggester.wait_ready(0):
            return
        self._status("llm", "loading", "reading the playbook before the replay starts")
        began = time.monotonic()
        while not self._stop.is_set() and time.monotonic() - began < WARMUP_LIMIT_S:
            if suggester.wait_ready(0.25):
                break
        waited = time.monotonic() - began
        ready = suggester.wait_ready(0)
        log.info("warm-up took %.1f s%s", waited, "" if ready else " (gave up)")
        self._status(
            "llm",
            "ready",
            f"playbook read in {waited:.1f} s; the replay starts"
            if ready
            else f"not ready after {waited:.0f} s; the replay starts anyway",
        )

    def _pacer(self) -> WallPacer | None:
        """The wall-clock pacer of a paced replay (None otherwise), handed to its source."""
        pace = self.options.pace
        return WallPacer(pace.speed, control=self.control) if pace.kind == "paced" else None


def attach_store(
    session: RunningSession,
    *,
    enabled: bool = True,
    warn: Callable[[str], object] | None = None,
    key: DataKey | None = None,
) -> None:
    """Keep the session in the encrypted store and the audit log until it finishes.

    The command line and the app both call it (so the app needs nothing of the command line).
    Without a key (no keyring, no PARLEY_PASSPHRASE, no terminal) the session is kept in memory
    only and `warn` says so (default: stderr). A wrong passphrase raises, so the session does
    not start and nothing stored changes. `key` is a data key already opened (the app's
    passphrase dialog); without it the key comes from the keyring or `PARLEY_PASSPHRASE`.
    """
    if not enabled:
        return
    from desktop.store import start_session
    from desktop.store.recording import StoreRecording

    options = session.options
    say = warn or (lambda text: print(f"parley: {text}", file=sys.stderr))
    source = options.input.name if options.input is not None else "live call"
    info = {
        "input": str(options.input) if options.input is not None else None,
        "playbooks": [str(p) for p in options.playbooks],
        "mic": options.mic,
        "loopback": options.loopback,
    }
    private = start_session(options.mode, title=source, info=info, notify=session.bus.emit, key=key)
    for warning in private.warnings:
        say(warning)
    for sink in private.sinks:
        session.bus.add_sink(sink)
    session.choice_listeners.append(private.writer.record_choice)
    session.store_session_id = private.session_id
    if options.record is not None:
        private.audit.record_plain_recording(private.session_id, str(options.record))
    recordings: list[StoreRecording] = []
    if options.record_store and options.mode == "live":
        if private.persistent:

            def make_recording() -> StoreRecording:
                recordings.append(StoreRecording(private.writer))
                return recordings[-1]

            session.recording_factory = make_recording
        else:
            say(
                "the call is not recorded: without a key nothing is kept, recordings included "
                "(set PARLEY_PASSPHRASE, or use --record-to FILE.wav for a plain file)"
            )

    def close() -> None:
        for recording in recordings:  # normally closed when capture stopped
            recording.close()
        if not private.close():
            say("part of this session could not be saved (see the warnings above)")

    session.on_finished.append(close)
