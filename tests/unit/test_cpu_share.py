"""CpuShare: the ASR worker's claim on the cores, read by the LLM between decode calls."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np

from audio.pace import Pace
from audio.source import AudioFrame
from inference.clock import SessionClock
from inference.cpu_share import CpuShare, idle_threads
from inference.pipeline import AsrConfig, run_audio
from tests.unit.asr_fakes import AmplitudeVad, ScriptedBackend, segment, silence, tone


def test_the_llm_gets_every_core_of_a_small_machine_only_while_asr_is_idle() -> None:
    share = CpuShare(busy_threads=1, idle=2)
    assert share.llm_threads() == 1  # busy until the ASR worker says otherwise
    share.set_asr_busy(False)
    assert share.llm_threads() == 2
    share.set_asr_busy(True)
    assert share.llm_threads() == 1
    assert idle_threads(2) == 2 and idle_threads(4) == 4 and idle_threads(16) == 8


def test_a_read_ahead_gets_no_thread_while_a_speech_decode_runs_unless_a_job_does() -> None:
    share = CpuShare(busy_threads=1, idle=2)
    share.set_asr_busy(True)
    share.set_asr_decoding(True)
    assert share.llm_threads() == 0  # reading ahead waits for the decode
    share.set_llm_job(True)
    assert share.llm_threads() == 1  # a suggestion being written shares the cores
    share.set_llm_job(False)
    share.set_asr_decoding(False)
    assert share.llm_threads() == 1  # the customer speaks: one core between decodes
    larger = CpuShare(busy_threads=4, idle=8)
    larger.set_asr_busy(True)
    larger.set_asr_decoding(True)
    assert larger.llm_threads() == 4  # the ASR has cores of its own: nothing waits


class RecordingShare(CpuShare):
    def __init__(self) -> None:
        super().__init__(busy_threads=1, idle=2)
        self.states: list[bool] = []

    def set_asr_busy(self, busy: bool) -> None:
        self.states.append(busy)
        super().set_asr_busy(busy)


class LiveSource:
    """A realtime source of one customer channel (frames as fast as they can be read)."""

    parties = ("customer",)
    pace = Pace.live()

    def __init__(self, audio: np.ndarray) -> None:
        self._audio = audio

    def frames(self) -> Iterator[AudioFrame]:
        for i in range(0, len(self._audio), 1600):
            yield AudioFrame(party="customer", start=i / 16000, samples=self._audio[i : i + 1600])

    def stop(self) -> None:
        pass


class Hub:
    def __init__(self) -> None:
        self.items: list = []

    def emit(self, event) -> None:
        self.items.append(event)

    def on_utterance(self, utterance) -> None:
        self.items.append(utterance)


def run(source, share: CpuShare) -> Hub:
    hub = Hub()
    run_audio(
        source,
        config=AsrConfig(model="scripted", language="en"),
        clock=SessionClock(),
        hub=hub,
        backend=ScriptedBackend(lambda d: [segment("words")]),
        vad_factory=AmplitudeVad,
        cpu=share,
    )
    return hub


def test_the_asr_worker_claims_the_cores_for_speech_and_releases_them_at_the_end() -> None:
    share = RecordingShare()
    run(LiveSource(np.concatenate([silence(1.0), tone(3.0), silence(2.0)])), share)
    assert True in share.states  # the utterance's decodes claimed the cores
    assert share.states[-1] is False and not share.asr_busy  # released when the stream ended


def test_a_silent_stream_never_claims_the_cores() -> None:
    share = RecordingShare()
    run(LiveSource(silence(3.0)), share)
    assert share.states[:-2] == [False] * len(share.states[:-2])
    assert share.states[-2:] == [True, False]  # only the closing step, then released


def test_while_the_llm_writes_only_the_asr_decodes_hold_the_cores() -> None:
    share = CpuShare(busy_threads=1, idle=2)
    share.set_asr_busy(True)  # the customer speaks
    share.set_llm_job(True)
    assert share.llm_threads() == 2  # between two partial decodes
    share.set_asr_decoding(True)
    assert share.llm_threads() == 1
    share.set_asr_decoding(False)
    share.set_llm_job(False)
    assert share.llm_threads() == 1  # no job: the customer's speech holds them again


def test_the_customers_final_decode_holds_off_every_prompt_chunk_job_or_not() -> None:
    share = CpuShare(busy_threads=1, idle=2)
    share.set_asr_busy(True)
    share.set_asr_decoding(True, final=True)
    assert share.llm_threads() == -1  # reads ahead and requests' prompt chunks wait
    share.set_llm_job(True)
    assert share.llm_threads() == -1  # a suggestion being written waits too
    share.set_asr_decoding(True)  # a partial decode
    assert share.llm_threads() == 1
    share.set_asr_decoding(False, final=True)  # nothing decodes: no hold is left behind
    assert share.llm_threads() == 2
    larger = CpuShare(busy_threads=4, idle=8)
    larger.set_asr_decoding(True, final=True)
    assert larger.llm_threads() == 4  # the ASR has cores of its own: nothing waits


class FinalsShare(CpuShare):
    def __init__(self) -> None:
        super().__init__(busy_threads=1, idle=2)
        self.decoding: list[tuple[bool, bool]] = []

    def set_asr_decoding(self, decoding: bool, *, final: bool = False) -> None:
        self.decoding.append((decoding, final))
        super().set_asr_decoding(decoding, final=final)


class TrickleSource(LiveSource):
    """Frames a few milliseconds apart, so the worker decodes while the call goes on."""

    def frames(self) -> Iterator[AudioFrame]:
        for frame in super().frames():
            time.sleep(0.005)
            yield frame


def test_the_worker_marks_the_customers_final_decodes_and_only_those() -> None:
    share = FinalsShare()
    run(TrickleSource(np.concatenate([silence(1.0), tone(3.0), silence(2.0)])), share)
    marked = [final for decoding, final in share.decoding if decoding]
    assert True in marked and False in marked  # the pause's second pass; the partials
    assert not any(final for decoding, final in share.decoding if not decoding)
