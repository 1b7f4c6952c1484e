"""`parley bench asr`: streaming transcription figures against a reference, JSON on stdout.

Streaming WER (CER for Chinese), the offline WER of the same model on the same audio in the
same run, turn-final latency (`inference.metrics.turn_final_latencies`: end of a timeline turn
-> `t` of the last final event of the channel overlapping it; each utterance has one final, its
second pass), word commit latency (a word's end -> `t` of the stable partial making it
stable), real-time factor (decode seconds per audio second, the draft model's included) and
lag (captured audio whose due work is not done).
Percentiles interpolate linearly between ranks (`inference.metrics.percentile`).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from desktop.commands.common import add_draft_option, draft_value

if TYPE_CHECKING:
    from inference.asr.whisper_backend import WhisperBackend
    from inference.pipeline import AsrConfig


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("asr", help="streaming ASR accuracy, latency and lag (JSON on stdout)")
    p.add_argument("--audio", required=True, help="recording (wav, flac, mp3, m4a, ogg)")
    ref = p.add_mutually_exclusive_group(required=True)
    ref.add_argument("--reference", help="reference text of the channel")
    ref.add_argument("--timeline", help="timeline JSON from render_call.py (turns with times)")
    p.add_argument("--model", default="asr-base", help="model pack or folder (default asr-base)")
    add_draft_option(p)
    p.add_argument("--speed", default="1", choices=["1", "2", "max"], help="pacing (default 1)")
    p.add_argument("--channel", default="customer", choices=["customer", "rep"])
    p.add_argument("--language", default="auto", choices=["auto", "en", "zh"])
    p.add_argument("--hotwords", default="", help='comma-separated terms, e.g. "A,B"')
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--threads", type=int, default=2, help="CTranslate2 CPU threads")
    p.add_argument("--loops", type=int, default=1, help="play the recording this many times")
    p.add_argument("--no-offline", action="store_true", help="skip the offline baseline")
    p.add_argument(
        "--words-out", help="also write each committed word with its end and commit time (JSONL)"
    )
    p.set_defaults(func=run)


@dataclass
class _Recorder:
    """Hub and observer in one: keeps everything the run produced."""

    events: list[Any] = field(default_factory=list)
    utterances: list[Any] = field(default_factory=list)
    commits: list[Any] = field(default_factory=list)
    lags: list[tuple[float, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def emit(self, event: Any) -> None:
        with self.lock:
            self.events.append(event)

    def on_utterance(self, utterance: Any) -> None:
        self.utterances.append(utterance)

    def on_commit(self, words: Any) -> None:
        self.commits.append(words)

    def on_lag(self, now: float, lag: float) -> None:
        self.lags.append((now, lag))


class _TimedBackend:
    """Counts the seconds spent decoding."""

    def __init__(self, inner: WhisperBackend) -> None:
        self.inner = inner
        self.seconds = 0.0
        self.calls = 0

    @property
    def multilingual(self) -> bool:
        return self.inner.multilingual

    @property
    def device_name(self) -> str:
        return self.inner.device_name

    @property
    def batch_decoding(self) -> bool:
        return self.inner.batch_decoding

    def transcribe(self, audio: np.ndarray, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return self.inner.transcribe(audio, **kwargs)
        finally:
            self.seconds += time.perf_counter() - t0
            self.calls += 1

    def transcribe_batch(self, audios: list[np.ndarray], **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return self.inner.transcribe_batch(audios, **kwargs)
        finally:
            self.seconds += time.perf_counter() - t0
            self.calls += 1


class _LoopedSource:
    """A file source played `loops` times back to back on one session timeline."""

    def __init__(self, make: Any, loops: int) -> None:
        self._make = make
        self._loops = loops
        self._current = make()
        self.parties = self._current.parties
        self.pace = self._current.pace
        self._stopped = False

    def frames(self) -> Any:
        from dataclasses import replace

        offset = 0.0
        for i in range(self._loops):
            if self._stopped:
                return
            src = self._current if i == 0 else self._make()
            self._current = src
            end = offset
            for item in src.frames():
                if hasattr(item, "samples"):
                    item = replace(item, start=item.start + offset)
                    end = max(end, item.end)
                yield item
            offset = end

    def stop(self) -> None:
        self._stopped = True
        self._current.stop()


def _score(reference: str, hypothesis: str, lang: str) -> float:
    from inference.scoring import score

    return round(score(reference, hypothesis, lang), 4)


def _join(texts: list[str], lang: str) -> str:
    from inference.asr.text import join_pieces

    out = ""
    for text in texts:
        out = out + text.strip() if lang == "zh" else join_pieces(out, text)
    return out


@dataclass(frozen=True)
class _Transcribed:
    """One streaming run over the recording (its loops) and what it took."""

    rec: _Recorder
    backend: _TimedBackend
    draft: _TimedBackend | None
    load_s: float
    wall_s: float
    audio_s: float


def run(args: argparse.Namespace) -> int:
    from audio.pace import Pace
    from desktop.commands.common import speed_value
    from inference.pipeline import AsrConfig

    pace = Pace.from_speed(speed_value(args.speed))
    hotwords = tuple(h.strip() for h in args.hotwords.split(",") if h.strip())
    loops = max(1, args.loops)
    turns, reference = _turns_and_reference(args, loops)
    config = AsrConfig(
        model=args.model,
        language=args.language,
        hotwords=hotwords,
        device=args.device,
        cpu_threads=args.threads,
        streaming=pace.streaming,
        draft_model=draft_value(args.asr_draft),
    )
    done = _transcribe(args, config, pace.replay_speed, loops)
    out = _report(args, done, turns=turns, reference=reference, hotwords=hotwords, loops=loops)
    if not args.no_offline:
        out |= _offline(args, done.backend, reference, out["language"], hotwords)
        if "offline_error" in out:
            out["streaming_minus_offline"] = round(out["streaming_error"] - out["offline_error"], 4)
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


def _turns_and_reference(args: argparse.Namespace, loops: int) -> tuple[list[dict[str, Any]], str]:
    """The channel's timeline turns, repeated for each loop (none with `--reference`), and the
    reference text of one play of the recording."""
    from audio.file_source import read_channels

    if not args.timeline:
        return [], args.reference
    period = 0.0
    if loops > 1:
        period = max(len(v) for v in read_channels(args.audio, mono_party=args.channel).values())
        period /= 16000
    data = json.loads(Path(args.timeline).read_text(encoding="utf-8"))
    one = [
        t
        for t in (data["turns"] if isinstance(data, dict) else data)
        if t.get("speaker") == args.channel
    ]
    turns = [
        {**t, "start": float(t["start"]) + k * period, "end": float(t["end"]) + k * period}
        for k in range(loops)
        for t in one
    ]
    return turns, " ".join(str(t["text"]) for t in one)


def _transcribe(
    args: argparse.Namespace, config: AsrConfig, speed: float | None, loops: int
) -> _Transcribed:
    """Load the model, then stream the recording `loops` times through `run_audio`."""
    from audio.file_source import FileSource
    from inference.clock import SessionClock
    from inference.pipeline import load_backend, load_draft, run_audio

    t_load = time.perf_counter()
    backend = _TimedBackend(load_backend(config))
    loaded = load_draft(config)
    draft = _TimedBackend(loaded) if loaded is not None else None
    load_s = time.perf_counter() - t_load

    def make() -> FileSource:
        return FileSource(args.audio, speed=speed, mono_party=args.channel)

    rec = _Recorder()
    clock = SessionClock()
    wall0 = time.perf_counter()
    source = _LoopedSource(make, loops)
    run_audio(
        source, config=config, clock=clock, hub=rec, backend=backend, observer=rec, draft=draft
    )
    return _Transcribed(rec, backend, draft, load_s, time.perf_counter() - wall0, clock.now())


def _report(
    args: argparse.Namespace,
    done: _Transcribed,
    *,
    turns: list[dict[str, Any]],
    reference: str,
    hotwords: tuple[str, ...],
    loops: int,
) -> dict[str, Any]:
    """The figures of the streaming run (accuracy of the first loop, latencies, lag)."""
    from inference.metrics import TurnSpan, distribution, turn_final_latencies

    rec, audio_s = done.rec, done.audio_s
    finals = [
        e
        for e in rec.events
        if getattr(e, "final", False) and getattr(e, "speaker", None) == args.channel
    ]
    lang = next((e.lang for e in finals), args.language if args.language != "auto" else "en")
    first_loop_end = audio_s / loops
    hyp_first = _join([e.text for e in finals if e.start < first_loop_end], lang)
    commits = [c for c in rec.commits if c.party == args.channel]
    word_lat = [c.t - w.end for c in commits for w in c.words]
    if args.words_out:
        _write_words(args.words_out, commits)
    per_turn = turn_final_latencies(
        [TurnSpan.from_dict(t) for t in turns], rec.events, speaker=args.channel
    )
    turn_lat = [x for x in per_turn if x is not None]
    missed = len(per_turn) - len(turn_lat)
    lags = [lag for _, lag in rec.lags]
    decode_s = done.backend.seconds + (done.draft.seconds if done.draft else 0.0)
    out: dict[str, Any] = {
        "audio": str(args.audio),
        "channel": args.channel,
        "model": args.model,
        "device": done.backend.device_name or "cpu",
        "threads": args.threads,
        "speed": args.speed,
        "loops": loops,
        "language": lang,
        "hotwords": list(hotwords),
        "metric": "cer" if lang == "zh" else "wer",
        "streaming_error": _score(reference, hyp_first, lang),
        "streaming_text": hyp_first,
        "turn_final_latency_s": {**distribution(turn_lat), "missed_turns": missed}
        if turns
        else None,
        "word_commit_latency_s": distribution(word_lat),
        "rtf": round(decode_s / audio_s, 3) if audio_s else None,
        "decode_calls": done.backend.calls,
        "draft_model": draft_value(args.asr_draft) if done.draft else None,
        "draft_calls": done.draft.calls if done.draft else 0,
        "lag_s": {**distribution(lags), "max": round(max(lags), 3) if lags else None},
        "audio_s": round(audio_s, 2),
        "wall_s": round(done.wall_s, 2),
        "load_s": round(done.load_s, 2),
        "status": [
            {"t": round(e.t, 2), "state": e.state, "detail": e.detail}
            for e in rec.events
            if type(e).__name__ == "StatusEvent" and e.state in ("lagging", "recovered")
        ][:50],
    }
    if loops > 1 and turns:
        window = 300.0
        paired = [(x, t["end"]) for x, t in zip(per_turn, turns, strict=True) if x is not None]
        first = [x for x, end in paired if end < window]
        last = [x for x, end in paired if end > audio_s - window]
        out["turn_final_latency_first_5min_p95"] = distribution(first)["p95"]
        out["turn_final_latency_last_5min_p95"] = distribution(last)["p95"]
    return out


def _write_words(path: str, commits: list[Any]) -> None:
    """Each committed word with its end and commit time, one JSON line each."""
    with open(path, "w", encoding="utf-8") as f:
        for c in commits:
            for w in c.words:
                row = {"utterance": c.utterance_id, "word": w.text, "start": round(w.start, 3)}
                row |= {"end": round(w.end, 3), "t": round(c.t, 3)}
                f.write(json.dumps(row, ensure_ascii=False) + "\n")


def offline_text(whisper: Any, audio: np.ndarray, lang: str, hotwords: tuple[str, ...] = ()) -> str:
    """The offline baseline's text: the whole channel decoded at once by the same model
    (`WhisperBackend.transcribe_whole`), its segments joined."""
    from inference.asr.text import ZH_PROMPT

    result = whisper.transcribe_whole(
        audio,
        language=lang,
        prompt=ZH_PROMPT if lang == "zh" else None,
        hotwords=",".join(hotwords) or None,
    )
    return _join([s.text for s in result.segments], lang)


def _offline(
    args: argparse.Namespace,
    backend: _TimedBackend,
    reference: str,
    lang: str,
    hotwords: tuple[str, ...],
) -> dict[str, Any]:
    """The baseline: the whole channel decoded at once by the same model."""
    from audio.file_source import read_channels

    audio = read_channels(args.audio, mono_party=args.channel).get(args.channel)
    if audio is None or not len(audio):
        return {}
    t0 = time.perf_counter()
    text = offline_text(backend.inner, audio, lang, hotwords)
    return {
        "offline_error": _score(reference, text, lang),
        "offline_text": text,
        "offline_decode": "whole channel, same model, faster-whisper defaults (beam 5)",
        "offline_s": round(time.perf_counter() - t0, 2),
    }
