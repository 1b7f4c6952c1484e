"""Builds the pipeline's components from `SessionOptions` (used by the session runner only).

Each builder imports its component lazily, so starting the app or a command stays fast and a
session without, say, an LLM never loads llama.cpp.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from inference.bus import EventBus
from inference.clock import SessionClock
from inference.conversation import ConversationHub

if TYPE_CHECKING:
    from audio.file_source import FileSource
    from audio.live_source import LiveSource
    from audio.playback import PlaybackControl
    from audio.recorder import RecordingWriter
    from audio.source import AudioSource
    from desktop.session_options import SessionOptions
    from inference.cpu_share import CpuShare
    from inference.detectors import SignalDetectors
    from inference.detectors.llm_reader import SecondReader
    from inference.playbook import Playbook
    from inference.suggest.engine import SuggestionEngine

StatusFn = Callable[[str, str, str], None]


def load_playbook(options: SessionOptions) -> Playbook | None:
    """The playbook of the session, or None when no folder was given."""
    if not options.playbooks:
        return None
    from inference.playbook import load_playbook as load

    return load(list(options.playbooks))


def build_detectors(options: SessionOptions, playbook: Playbook | None) -> SignalDetectors:
    """The customer-signal detectors; the playbook's terms join the glossary and the
    competitors it names become evidence of a competitor objection."""
    from inference.detectors import SignalDetectors

    glossary = list(playbook.terms) if playbook is not None else []
    detectors = SignalDetectors(glossary=glossary)
    if playbook is not None:
        detectors.add_competitors(playbook.competitors)
    return detectors


def build_second_reader(
    options: SessionOptions, cpu: CpuShare | None = None
) -> SecondReader | None:
    """The second opinion's LLM reader (`inference.detectors.llm_reader`): on whenever the
    LLM writes suggestions (it reads the same GGUF, on the LLM's thread), off without it."""
    if not (options.use_llm and options.second_opinion):
        return None
    from inference.detectors.llm_reader import LlmEncoder, SecondReader

    threads_fn = cpu.llm_threads if cpu is not None else None
    return SecondReader(LlmEncoder(options.llm_pack, threads_fn=threads_fn))


def build_suggester(
    options: SessionOptions,
    playbook: Playbook | None,
    *,
    bus: EventBus,
    clock: SessionClock,
    status: StatusFn,
    cpu: CpuShare | None = None,
) -> SuggestionEngine | None:
    """The suggestion engine, with the LLM writer when asked for; None without a playbook."""
    if playbook is None:
        status(
            "suggestions", "ready", "no playbook given: suggestions are off (use --playbook DIR)"
        )
        return None
    from inference.suggest.engine import SuggestionConfig, SuggestionEngine

    writer = None
    if options.use_llm:
        from desktop.batch import resident
        from inference.suggest.llm_writer import build_writer

        threads_fn = cpu.llm_threads if cpu is not None else None
        writer = build_writer(
            options.llm_pack,
            device=options.device,
            status=status,
            rules=tuple(rule.sentence for rule in playbook.rules),
            threads_fn=threads_fn,
            library=tuple(playbook.entries),
            on_job=cpu.set_llm_job if cpu is not None else None,
            # A batch worker's model stays loaded between files (None otherwise).
            backend=resident.llm_backend(
                options.llm_pack, device=options.device, threads_fn=threads_fn
            ),
        )
    return SuggestionEngine(
        SuggestionConfig(), playbook=playbook, emit=bus.emit, clock=clock, writer=writer
    )


def build_source(
    options: SessionOptions,
    *,
    control: PlaybackControl | None = None,
    recording: RecordingWriter | None = None,
) -> FileSource | LiveSource:
    """The audio source: a recording for replay, the devices for a live session.

    `recording` (live): the writer the call is recorded with (the store's encrypted one);
    else `options.record` names a plain WAV, or nothing is recorded."""
    if options.mode == "replay":
        from audio.file_source import FileSource

        assert options.input is not None
        return FileSource(
            options.input,
            speed=options.pace.replay_speed,
            mono_party=options.mono_party,
            start_at=options.start_at,
            control=control,
            stream=io.BytesIO(options.input_audio) if options.input_audio is not None else None,
        )
    from audio.live_source import LiveSource

    return LiveSource(
        mic=options.mic,
        loopback=options.loopback,
        duration=options.duration,
        record=options.record if recording is None else None,
        writer=recording,
    )


def run_asr(
    source: AudioSource,
    options: SessionOptions,
    *,
    playbook: Playbook | None,
    clock: SessionClock,
    hub: ConversationHub,
    stop: threading.Event,
    cpu: CpuShare | None = None,
) -> None:
    """Stream the source through ASR into the hub until the source ends or `stop` is set;
    `cpu` (a `CpuShare`) learns when transcription needs the cores."""
    from inference.asr.hotwords import select_hotwords
    from inference.pipeline import AsrConfig, run_audio

    hotwords = tuple(options.hotwords)  # the user's own, as given
    if playbook is not None:
        picked = select_hotwords(
            playbook.terms,
            names=playbook.competitors,
            headings=[entry.heading for entry in playbook.entries],
        )
        hotwords += tuple(t for t in picked if t not in hotwords)
    config = AsrConfig(
        model=options.asr_pack,
        draft_model=options.asr_draft,
        language=options.language,
        hotwords=hotwords,
        device=options.device,
        streaming=options.pace.streaming,
    )
    from desktop.batch import resident
    from inference.llm.types import available_cores

    # A batch worker's model stays loaded between files (None otherwise: loaded here).
    backend = resident.asr_backend(config, threads=available_cores())
    run_audio(source, config=config, clock=clock, hub=hub, stop=stop, cpu=cpu, backend=backend)
