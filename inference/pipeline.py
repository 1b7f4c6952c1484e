"""The ASR side of a session: an audio source in, transcript events and closed utterances out.

`run_audio` owns two threads: a reader that pulls frames from the source into a bounded queue
(and advances the session clock as audio is captured), and the calling thread, the one ASR
worker, which serves both parties, customer first. When the worker falls behind by more than a
bound it coarsens its work and says so in a status event, so the lag stays bounded.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

import numpy as np

from audio.source import SAMPLE_RATE, AudioFrame, AudioSource, Party, SourceNote
from inference.asr.transcriber import (
    ClosedWindow,
    CommittedWords,
    DecodePolicy,
    StreamingTranscriber,
    TranscriberConfig,
)
from inference.asr.types import AsrBackend, Transcription
from inference.asr.vad import SileroVad, SpeechProbability, VadConfig
from inference.clock import SessionClock
from inference.cpu_share import CpuShare
from inference.events import ClosedUtterance, Event, StatusEvent, TranscriptEvent

if TYPE_CHECKING:
    from inference.asr.whisper_backend import WhisperBackend

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AsrConfig:
    """Settings of the transcription side of a session.

    Attributes:
        model: a model pack name ("asr-base", "asr-tiny-en") or a model folder.
        language: "en", "zh" or "auto" (detected once per party).
        hotwords: terms from the playbook, given to Whisper as hints.
        device: "auto", "cpu" or "cuda".
        cpu_threads: CTranslate2 threads.
        streaming: False decodes each utterance once when it closes; a session takes it from
            its `Pace` (`pace.streaming`: off at --speed max).
        lag_bound_s: lag (captured audio whose due work is not done) that makes the worker
            coarsen its work.
        queue_frames: bound of the frame queue; the oldest frame is dropped when it is full.
        step_s: new audio between two partial decodes of an utterance.
        rep_partials: decode the rep's open utterances too (tentative text and early commits);
            by default the rep's utterances are decoded once, when they close, so the single
            worker's time goes to the customer, whose words are the latency-critical ones.
        batch_size: with `streaming` off on a source consumed as fast as possible (replay at
            max speed), closed utterances are decoded this many at a time in one batch.
        draft_model: a smaller English model (pack or folder) for the partial decodes of an
            English party's open utterance (the words on screen while they speak, the LLM's
            reads ahead); every final, and language detection, stays `model`'s. None (or the
            pack not installed) decodes the partials with `model` too; not loaded for a
            Chinese session, without streaming, or when it is `model` itself.
        vad: the segmenter's thresholds.
    """

    model: str = "asr-base"
    language: str = "auto"
    hotwords: tuple[str, ...] = ()
    device: str = "auto"
    cpu_threads: int = 2
    streaming: bool = True
    lag_bound_s: float = 3.0
    queue_frames: int = 600
    step_s: float = 1.0
    rep_partials: bool = False
    batch_size: int = 8
    draft_model: str | None = "asr-tiny-en"
    vad: VadConfig = field(default_factory=VadConfig)

    def transcriber_config(self) -> TranscriberConfig:
        return TranscriberConfig(
            language=self.language, hotwords=self.hotwords, step_s=self.step_s, vad=self.vad
        )


class Hub(Protocol):
    """Where results go (`inference.conversation.ConversationHub` in a session)."""

    def emit(self, event: Event) -> None: ...

    def on_utterance(self, utterance: ClosedUtterance) -> None: ...


class AsrObserver(Protocol):
    """Optional probe for benchmarks: committed words and lag as they happen."""

    def on_commit(self, words: CommittedWords) -> None: ...

    def on_lag(self, now: float, lag: float) -> None: ...


def load_backend(config: AsrConfig) -> WhisperBackend:
    """Load the Whisper model the config names.

    Raises:
        ModelError: the pack is not installed or the model does not load.
    """
    from inference.asr.whisper_backend import WhisperBackend, resolve_model_dir

    return WhisperBackend(
        resolve_model_dir(config.model), device=config.device, cpu_threads=config.cpu_threads
    )


def load_draft(config: AsrConfig) -> WhisperBackend | None:
    """The draft model of `config` for English partials, warmed up; None where there is none
    to use: not asked for, no streaming, a Chinese session, the main model itself, or the pack
    not installed or unusable (logged with what to do: partials then use the main model, and
    nothing else changes)."""
    name = config.draft_model
    if not name or not config.streaming or config.language == "zh" or name == config.model:
        return None
    from models.errors import ModelError, ModelNotInstalledError

    try:
        draft = load_backend(replace(config, model=name))
        _warm(draft)
    except ModelNotInstalledError as e:
        log.info("no draft model for live text (%s); partials use %s", e, config.model)
        return None
    except ModelError as e:
        log.warning("draft model %s unusable (%s); partials use %s", name, e, config.model)
        return None
    return draft


def _warm(backend: AsrBackend) -> None:
    """The first call of a fresh model is slow; pay it while "loading", not on speech."""
    backend.transcribe(
        np.zeros(SAMPLE_RATE, dtype=np.float32), language="en", prompt=None, hotwords=None
    )


_END = object()
_HOLD_S = 10.0  # session seconds a coarser level is kept before it may recover
_LEVELS = {
    1: "customer partials every few seconds, the rep decoded once per utterance",
    2: "every utterance decoded once",
    3: "the rep's speech is skipped until the customer's is caught up",
}


def level_policy(level: int, party: Party, config: AsrConfig) -> DecodePolicy:
    """What a party's transcriber does at lag level `level` (0: all; 3: the rep skipped).

    The customer keeps streaming at level 1 with its beams; the rep is decoded once per
    utterance unless `config.rep_partials` asks for its partials at level 0, with the greedy
    beam once lagging. Without `config.streaming` every utterance is decoded once.
    """
    rep = party == "rep"
    beam = 1 if rep and level >= 1 else None  # the customer keeps its beam
    if level >= 3 and rep:
        return DecodePolicy(mode="skip", partials=False, final_beam=beam)
    rep_partials = level == 0 and config.rep_partials
    if not config.streaming or level >= 2 or (rep and not rep_partials):
        return DecodePolicy(mode="once", partials=False, final_beam=beam)
    return DecodePolicy(mode="coarse" if level == 1 else "stream", final_beam=beam)


class _FrameQueue:
    """Bounded frame queue: a paced producer drops the oldest frame when it is full, an
    unpaced one waits."""

    def __init__(self, maxsize: int) -> None:
        self._items: deque[object] = deque()
        self._max = maxsize
        self._cond = threading.Condition()
        self.dropped = 0
        self.dropped_s = 0.0

    def put(self, item: object, *, drop_oldest: bool, stop: threading.Event) -> None:
        with self._cond:
            while len(self._items) >= self._max and item is not _END:
                if drop_oldest:
                    old = self._items.popleft()
                    self.dropped += 1
                    if isinstance(old, AudioFrame):
                        self.dropped_s += old.end - old.start
                    break
                if stop.is_set():
                    return
                self._cond.wait(0.1)
            self._items.append(item)
            self._cond.notify_all()

    def get_batch(self, limit: int, timeout: float) -> list[object]:
        with self._cond:
            if not self._items:
                self._cond.wait(timeout)
            out: list[object] = []
            while self._items and len(out) < limit:
                out.append(self._items.popleft())
            self._cond.notify_all()
            return out


def run_audio(
    source: AudioSource,
    *,
    config: AsrConfig,
    clock: SessionClock,
    hub: Hub,
    stop: threading.Event | None = None,
    backend: AsrBackend | None = None,
    vad_factory: Callable[[], SpeechProbability] | None = None,
    observer: AsrObserver | None = None,
    cpu: CpuShare | None = None,
    draft: AsrBackend | None = None,
) -> None:
    """Transcribe `source` until it ends or `stop` is set; blocks.

    Emits StatusEvent(asr: loading, ready, lagging, recovered), transcript events through
    `hub.emit` and each closed utterance through `hub.on_utterance` (after its final text).
    Open utterances are flushed at the end.

    Args:
        source: the audio (a `FileSource`, live devices, ...). A source whose `pace` is not
            realtime (an unpaced replay) is consumed as fast as the worker goes, and the clock
            follows consumption.
        config: model, language, hotwords, device, lag bound.
        clock: the session clock; advanced here as audio is captured or consumed.
        hub: receives events and closed utterances.
        stop: set it to end the session early (what is open is still finalized).
        backend: a recogniser to use instead of loading `config.model` (tests).
        draft: the recogniser of English partials; with `backend` None it is loaded from
            `config.draft_model` (`load_draft`), otherwise only this one is used.
        vad_factory: speech-probability model per party (default Silero).
        observer: benchmark probe.
        cpu: told when the worker needs its cores (the customer speaks or a final decode is
            due), so that the LLM can use them otherwise.

    Raises:
        ModelError: the model could not be loaded.
        AudioError: the source failed.
    """
    stop = stop or threading.Event()
    hub.emit(StatusEvent(t=clock.now(), component="asr", state="loading", detail=config.model))
    if backend is None:
        backend = load_backend(config)
        _warm(backend)
        draft = draft or load_draft(config)
    make_vad = vad_factory or SileroVad
    tconfig = config.transcriber_config()
    parties: list[Party] = [p for p in ("customer", "rep") if p in source.parties]
    # Decode durations are measured on the session clock, which the reader thread advances
    # while a decode runs on paced input (see `StreamingTranscriber`'s `timer`).
    workers = {
        p: StreamingTranscriber(
            p,
            backend=backend,
            vad=make_vad(),
            config=tconfig,
            clock=clock,
            timer=clock,
            draft=draft,
        )
        for p in parties
    }
    hub.emit(StatusEvent(t=clock.now(), component="asr", state="ready", detail=backend.device_name))
    worker = _Worker(source, config, clock, hub, stop, workers, observer, cpu)
    if backend.batch_decoding and not config.streaming and not worker.realtime:
        worker.batcher = _Batcher(backend.transcribe_batch, config, workers)
    worker.run()


class _Batcher:
    """Replay at max speed: closed utterances of both parties are collected and decoded
    together, `batch_size` at a time, which about doubles Whisper's throughput on a CPU."""

    def __init__(
        self,
        decode: Callable[..., list[Transcription]],
        config: AsrConfig,
        workers: dict[Party, StreamingTranscriber],
    ) -> None:
        self._decode = decode
        self._config = config
        self._workers = workers
        self._pending: list[ClosedWindow] = []

    def step(self, *, final: bool) -> list[tuple[Party, list[TranscriptEvent | ClosedUtterance]]]:
        """Take what closed; decode when a batch is full (or at the end). Returns each
        utterance's outputs in the order the utterances ended."""
        for worker in self._workers.values():
            self._pending.extend(worker.take_closed())
        if not self._pending or (len(self._pending) < self._config.batch_size and not final):
            return []
        todo, self._pending = sorted(self._pending, key=lambda w: w.end), []
        results: dict[int, Transcription] = {}
        for language in {w.language for w in todo}:
            group = [w for w in todo if w.language == language]
            decoded = self._decode(
                [w.audio for w in group],
                language=language,
                prompts=[w.prompt for w in group],
                hotwords=", ".join(self._config.hotwords) or None,
                beam_size=5,
            )
            results.update({id(w): r for w, r in zip(group, decoded, strict=True)})
        return [(w.party, self._workers[w.party].finish_decoded(w, results[id(w)])) for w in todo]


class _Worker:
    def __init__(
        self,
        source: AudioSource,
        config: AsrConfig,
        clock: SessionClock,
        hub: Hub,
        stop: threading.Event,
        workers: dict[Party, StreamingTranscriber],
        observer: AsrObserver | None,
        cpu: CpuShare | None = None,
    ) -> None:
        self._cpu = cpu
        self._source = source
        self._config = config
        self._clock = clock
        self._hub = hub
        self._stop = stop
        self._workers = workers
        self._observer = observer
        self._realtime = source.pace.realtime
        self.batcher: _Batcher | None = None
        self._queue = _FrameQueue(config.queue_frames)
        self._error: BaseException | None = None
        self._level = 0
        self._level_since = 0.0
        self._reported_drops = 0
        self._committed = {p: 0 for p in workers}
        self._sharing = False  # an LLM job runs beside the worker (its partials are spaced wider)
        self._set_level(0)

    def _read(self) -> None:
        try:
            for item in self._source.frames():
                if self._stop.is_set():
                    break
                if isinstance(item, SourceNote):
                    detail = f"{item.party}: {item.detail}" if item.detail else item.party
                    self._hub.emit(
                        StatusEvent(
                            t=max(item.t, self._clock.now()),
                            component="audio",
                            state=item.state,
                            detail=detail,
                        )
                    )
                    continue
                if self._realtime:
                    self._clock.advance_to(item.end)
                self._queue.put(item, drop_oldest=self._realtime, stop=self._stop)
        except BaseException as e:  # handed to the worker thread, which raises it
            self._error = e
        finally:
            self._queue.put(_END, drop_oldest=True, stop=self._stop)

    def run(self) -> None:
        reader = threading.Thread(target=self._read, name="parley-audio-reader", daemon=True)
        reader.start()
        order = list(self._workers.values())
        limit = 10_000 if self._realtime else 2 * len(order)
        ended = False
        try:
            while not ended:
                if self._stop.is_set():
                    self._source.stop()
                for item in self._queue.get_batch(limit, timeout=0.2):
                    if item is _END:
                        ended = True
                    elif isinstance(item, AudioFrame) and item.party in self._workers:
                        if not self._realtime:
                            self._clock.advance_to(item.end)
                        self._workers[item.party].insert_audio(item)
                if ended:
                    break
                self._control_lag()
                self._claim_cores()
                self._decoding(True)
                try:
                    if self.batcher is not None:
                        self._batch(final=False)
                    for worker in order:  # customer first; re-read the queue after any decode
                        if worker.party != "customer" and self._customer_final_imminent(worker):
                            continue  # never start other work while the customer's final is near
                        before = worker.decodes
                        self._publish(worker, worker.process(self._clock.now()))
                        if worker.decodes != before:
                            break
                finally:
                    self._decoding(False)
        finally:
            self._source.stop()
            reader.join(timeout=5)
        if self._cpu is not None:
            self._cpu.set_asr_busy(True)  # the closing decodes
        for worker in order:
            worker.finish()
            if self.batcher is not None:
                self._batch(final=False)
            self._publish(worker, worker.process(self._clock.now()))
        if self.batcher is not None:
            self._batch(final=True)
        if self._cpu is not None:
            self._cpu.set_asr_busy(False)
        if self._error is not None:
            raise self._error

    def _claim_cores(self) -> None:
        """Tell the CPU share whether transcription needs the cores now: while the customer
        speaks (partials every second) or a final decode is due. At max speed the worker
        waits on the analysis of each utterance, so it never claims them there."""
        if self._cpu is None:
            return
        customer = self._workers.get("customer")
        busy = self._realtime and (
            (customer is not None and customer.speaking)
            or any(w.has_final_due() for w in self._workers.values())
        )
        self._cpu.set_asr_busy(busy)

    def _decoding(self, active: bool) -> None:
        """Tell the CPU share when this worker's decodes run (they hold the cores while an LLM
        job runs) and space partials wider while such a job runs."""
        if self._cpu is None or not self._realtime:
            return
        customer = self._workers.get("customer")
        final = customer is not None and (customer.final_imminent() or customer.has_final_due())
        self._cpu.set_asr_decoding(active, final=active and final)
        if active and self._cpu.llm_job != self._sharing:
            self._sharing = self._cpu.llm_job
            self._hand_policies()

    @property
    def realtime(self) -> bool:
        return self._realtime

    def _batch(self, *, final: bool) -> None:
        assert self.batcher is not None
        for party, outputs in self.batcher.step(final=final):
            self._publish(self._workers[party], outputs)

    def _customer_final_imminent(self, other: StreamingTranscriber) -> bool:
        """The customer paused inside an utterance (their final is due within the VAD's
        closing silence) and their audio is still arriving (a stalled customer stream must
        not hold the other party back)."""
        customer = self._workers.get("customer")
        if customer is None or not customer.final_imminent():
            return False
        return customer.audio_end >= other.audio_end - 1.0

    def _publish(
        self, worker: StreamingTranscriber, outputs: list[TranscriptEvent | ClosedUtterance]
    ) -> None:
        for out in outputs:
            if isinstance(out, ClosedUtterance):
                self._hub.on_utterance(out)
            else:
                self._hub.emit(out)
        heard = getattr(self._hub, "heard", None)
        for so_far in worker.take_heard():  # taken even by a hub without `heard`: none pile up
            if heard is not None:
                heard(so_far)
        if self._observer is not None:
            log_ = worker.committed_log
            for item in log_[self._committed[worker.party] :]:
                self._observer.on_commit(item)
            self._committed[worker.party] = len(log_)

    def _control_lag(self) -> None:
        now = self._clock.now()
        lag = max(0.0, now - min(w.ready_position() for w in self._workers.values()))
        if self._observer is not None:
            self._observer.on_lag(now, lag)
        bound = self._config.lag_bound_s
        drops = self._queue.dropped
        if lag > bound and self._level < 3:
            level = 1 if lag <= 2 * bound else 2 if lag <= 4 * bound else 3
            if level > self._level:
                self._set_level(level)
                self._status("lagging", f"{lag:.1f} s behind; {_LEVELS[level]}")
        elif self._level > 0 and lag < bound / 2 and now - self._level_since >= _HOLD_S:
            self._set_level(0)
            self._status("recovered", f"{lag:.1f} s behind")
        if drops != self._reported_drops:
            self._reported_drops = drops
            self._status("lagging", f"{self._queue.dropped_s:.1f} s of audio dropped so far")

    def _set_level(self, level: int) -> None:
        self._level = level
        self._level_since = self._clock.now()
        self._hand_policies()

    def _hand_policies(self) -> None:
        """Give each transcriber its frozen policy for the current level and CPU sharing."""
        for party, worker in self._workers.items():
            policy = level_policy(self._level, party, self._config)
            worker.apply(replace(policy, sharing=self._sharing))

    def _status(self, state: str, detail: str) -> None:
        log.info("asr %s: %s", state, detail)
        self._hub.emit(
            StatusEvent(t=self._clock.now(), component="asr", state=state, detail=detail)
        )
