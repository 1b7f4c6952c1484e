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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from audio.pace import Pace, WallPacer
from audio.playback import PlaybackControl
from inference.bus import EventBus, Sink
from inference.clock import SessionClock
from inference.conversation import ConversationHub
from inference.errors import USER_ERRORS
from inference.events import ClosedUtterance, ErrorEvent, Speaker, StatusEvent, TranscriptEvent
from inference.text import guess_lang
from inference.timed_transcript import load_timed_transcript, looks_like_timed_transcript

if TYPE_CHECKING:
    from audio.file_source import FileSource
    from audio.live_source import LiveSource
    from audio.recorder import RecordingWriter
    from desktop.privacy.keys import DataKey
    from inference.suggest.engine import SuggestionEngine

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SessionOptions:
    """What to run.

    Attributes:
        mode: "replay" (a recording or timed transcript) or "live" (devices).
        input: replay input: an audio file or a timed transcript `.json`.
        mic: live microphone device (a name `parley devices` lists), None = default.
        loopback: live system-audio source, None = the default monitor.
        playbooks: playbook folders.
        speed: replay pace (1.0, 2.0), None = as fast as possible.
        use_llm: write refined suggestions with the local LLM.
        hotwords: extra ASR hotwords besides the playbook's terms.
        mono_party: the party of a one-channel recording.
        record: live only: a plain, unencrypted WAV to record the call to (`--record-to`;
            off when None).
        record_store: live only: keep the recording encrypted in the session store,
            registered to the session (`--record`).
        input_audio: replay only: the audio itself, in memory (a stored session's decrypted
            recording); `input` is then only its name.
        duration: live only: stop after this many seconds.
        asr_pack: the ASR model pack (or a path to a CTranslate2 Whisper folder).
        llm_pack: the LLM model pack (or a path to a GGUF file).
        language: "auto", "en" or "zh".
        device: "auto", "cpu" or "cuda".
        start_at: replay only: seconds into the recording or transcript to start from (seek).
        warmup: paced replay only: start the recording once the LLM is loaded and has read
            the session's fixed prompt (instructions, rules, a small playbook), as it has
            when the rep opens Parley before the call; at most `WARMUP_LIMIT_S`.
    """

    mode: Literal["replay", "live"]
    input: Path | None = None
    mic: str | None = None
    loopback: str | None = None
    playbooks: tuple[Path, ...] = ()
    speed: float | None = 1.0
    use_llm: bool = True
    hotwords: tuple[str, ...] = ()
    mono_party: Speaker = "customer"
    record: Path | None = None
    record_store: bool = False
    input_audio: bytes | None = field(default=None, repr=False)
    duration: float | None = None
    asr_pack: str = "asr-base"
    llm_pack: str = "llm-default"
    language: str = "auto"
    device: str = "auto"
    start_at: float = 0.0
    warmup: bool = True

    @property
    def pace(self) -> Pace:
        """How fast the input arrives: every decision about speed asks this."""
        return Pace.live() if self.mode == "live" else Pace.from_speed(self.speed)


_TICK_S = 0.05  # a paced timed transcript moves the clock this often between turns
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

    # -- the pipeline --------------------------------------------------------------------

    def _status(self, component: str, state: str, detail: str = "") -> None:
        self.bus.emit(
            StatusEvent(t=self.clock.now(), component=component, state=state, detail=detail)
        )

    def _run(self) -> None:
        hub: ConversationHub | None = None
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
            hub = ConversationHub(
                bus=self.bus,
                clock=self.clock,
                detectors=detectors,
                suggester=suggester,
                synchronous=self.options.pace.synchronous,
            )
            self._hub = hub
            opts = self.options
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
                self._run_timed_transcript(opts.input, hub)
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

    def _run_timed_transcript(self, path: Path, hub: ConversationHub) -> None:
        """Each turn becomes a final utterance at t = end, paced by the session's `Pace`."""
        turns, file_lang = load_timed_transcript(path)
        pace = self.options.pace
        pacer = WallPacer(pace.speed, control=self.control) if pace.kind == "paced" else None
        counters = {"rep": 0, "customer": 0}
        start_at = self.options.start_at
        for turn in turns:
            if turn.end < start_at:
                continue
            if pacer is not None:
                played = turn.end - start_at
                delay = pacer.delay(played)
                stopped = False
                while delay > 0:
                    # The clock runs between turns too, so that what happens meanwhile (a
                    # refined suggestion) is stamped with its time, not the last turn's end.
                    if self._stop.wait(min(delay, _TICK_S)):
                        stopped = True
                        break
                    self.clock.advance_to(min(turn.end, start_at + pacer.position()))
                    delay = pacer.remaining(played)
                if stopped:
                    break
            elif self._stop.is_set():
                break
            self.clock.advance_to(turn.end)
            counters[turn.speaker] += 1
            uid = f"{'c' if turn.speaker == 'customer' else 'r'}{counters[turn.speaker]}"
            lang = file_lang or guess_lang(turn.text)
            speaker: Speaker = "customer" if turn.speaker == "customer" else "rep"
            hub.emit(
                TranscriptEvent(
                    t=self.clock.now(),
                    speaker=speaker,
                    utterance_id=uid,
                    start=turn.start,
                    end=turn.end,
                    text=turn.text,
                    final=True,
                    lang=lang,
                )
            )
            hub.on_utterance(
                ClosedUtterance(
                    speaker=speaker,
                    utterance_id=uid,
                    start=turn.start,
                    end=turn.end,
                    text=turn.text,
                    lang=lang,
                )
            )


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
