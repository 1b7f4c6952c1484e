"""How much a party's final text depends on where the stream happens to start and how it is
framed: one party's transcriber run over a rendered call with an ideal clock (decodes take no
session time), once per shift (milliseconds of silence put before the audio) and frame size.

A live capture starts at an arbitrary point of the audio and delivers blocks of its own size,
so the windows a live session decodes sit a few milliseconds away from a replay's. This shows
how many words that alone moves, call by call.

    PYTHONPATH=. .venv/bin/python scripts/asr_shift_bench.py --audio call.wav \
        --timeline call.json [--channel customer] [--shifts 0,11,23] [--frames-ms 100,20] \
        [--fractions 0,1,2 --offline]

`--fractions` delays the audio by thirds of a sample as well (soxr, through 48 kHz): a whole
number of samples the second pass's cuts absorb, a fraction no cut can, and a live capture
lands on one at random. `--offline` decodes each delayed copy whole too (the issue's offline
baseline: the same model on the whole channel, beam 5), so the streaming text is compared
with offline over the same copies instead of on one draw of the model's sensitivity.

Prints one JSON object: the error rate per (fraction, shift, frame size) and their spread.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
from pathlib import Path
from typing import Any

import numpy as np

from audio.file_source import read_channels
from audio.source import SAMPLE_RATE, AudioFrame
from desktop.commands.bench_asr import offline_text
from inference.asr.transcriber import StreamingTranscriber, TranscriberConfig
from inference.asr.vad import SileroVad
from inference.clock import SessionClock
from inference.events import TranscriptEvent
from inference.pipeline import AsrConfig, load_backend
from inference.scoring import score


def run_once(
    backend: Any, config: TranscriberConfig, audio: np.ndarray, party: Any, frame_ms: int
) -> str:
    """The party's final text, streamed in frames of `frame_ms` with an ideal clock."""
    clock = SessionClock()
    tr = StreamingTranscriber(party, backend=backend, vad=SileroVad(), config=config, clock=clock)
    n = max(1, round(frame_ms * SAMPLE_RATE / 1000))
    finals: list[str] = []

    def drain() -> None:
        while True:
            out = tr.process(clock.now())
            finals.extend(e.text for e in out if isinstance(e, TranscriptEvent) and e.final)
            if not out and not tr.has_final_due():
                return

    for i in range(0, len(audio), n):
        block = audio[i : i + n]
        clock.advance_to((i + len(block)) / SAMPLE_RATE)
        tr.insert_audio(AudioFrame(party, i / SAMPLE_RATE, block))
        drain()
    tr.finish()
    drain()
    return " ".join(finals)


def delay_thirds(audio: np.ndarray, thirds: int) -> np.ndarray:
    """`audio` delayed by `thirds` thirds of a 16 kHz sample (0: untouched), same length."""
    if thirds == 0:
        return audio
    import soxr

    up = soxr.resample(audio, SAMPLE_RATE, 3 * SAMPLE_RATE, quality="VHQ")
    up = np.concatenate([np.zeros(thirds, dtype=up.dtype), up])
    return soxr.resample(up, 3 * SAMPLE_RATE, SAMPLE_RATE, quality="VHQ")[: len(audio)]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--audio", required=True)
    p.add_argument("--timeline", required=True)
    p.add_argument("--channel", default="customer", choices=["customer", "rep"])
    p.add_argument("--model", default="asr-base")
    p.add_argument("--language", default="auto")
    p.add_argument("--shifts", default="0,11,23", help="ms of silence before the audio")
    p.add_argument("--frames-ms", default="100", help="frame sizes to feed, in ms")
    p.add_argument("--fractions", default="0", help="thirds of a sample to delay by")
    p.add_argument("--offline", action="store_true", help="also decode each copy whole")
    p.add_argument("--no-anchor", action="store_true", help="windows on the VAD's grid")
    p.add_argument("--lead", type=float, default=0.2, help="anchored: audio before the sound")
    p.add_argument("--tail", type=float, default=0.2, help="anchored: audio after the sound")
    args = p.parse_args()
    data = json.loads(Path(args.timeline).read_text(encoding="utf-8"))
    turns = data["turns"] if isinstance(data, dict) else data
    reference = " ".join(str(t["text"]) for t in turns if t.get("speaker") == args.channel)
    lang = str(data.get("lang", "en")) if isinstance(data, dict) else "en"
    audio = read_channels(args.audio, mono_party=args.channel)[args.channel]
    config = AsrConfig(model=args.model, language=args.language)
    backend = load_backend(config)
    tconfig = dataclasses.replace(
        config.transcriber_config(),
        anchor_edges=not args.no_anchor,
        lead_s=args.lead,
        tail_s=args.tail,
    )
    runs: list[dict[str, Any]] = []
    errors: list[float] = []
    offline: list[dict[str, Any]] = []
    for thirds in (int(f) for f in args.fractions.split(",")):
        copy = delay_thirds(audio, thirds).astype(np.float32)
        if args.offline:
            text = offline_text(backend, copy, lang)
            err = round(score(reference, text, lang), 4)
            offline.append({"thirds": thirds, "error": err, "text": text})
            print(f"{thirds}/3 sample, offline: {err:.4f}", file=sys.stderr)
        for frame_ms in (int(f) for f in args.frames_ms.split(",")):
            for shift in (int(s) for s in args.shifts.split(",")):
                pad = np.zeros(round(shift * SAMPLE_RATE / 1000), dtype=np.float32)
                text = run_once(
                    backend, tconfig, np.concatenate([pad, copy]), args.channel, frame_ms
                )
                err = round(score(reference, text, lang), 4)
                runs.append(
                    {"thirds": thirds, "shift_ms": shift, "frame_ms": frame_ms}
                    | {"error": err, "text": text}
                )
                errors.append(err)
                print(f"{thirds}/3 sample, shift {shift} ms, frames {frame_ms} ms: {err:.4f}",
                      file=sys.stderr)  # fmt: skip
    out = {
        "audio": Path(args.audio).name,
        "channel": args.channel,
        "anchor_edges": not args.no_anchor,
        "lead_s": args.lead,
        "tail_s": args.tail,
        "median_error": round(statistics.median(errors), 4),
        "spread": round(max(errors) - min(errors), 4),
        "distinct_texts": len({r["text"] for r in runs}),
        "mean_error": round(statistics.fmean(errors), 4),
        "runs": runs,
    }
    if offline:
        out["offline_mean_error"] = round(statistics.fmean(r["error"] for r in offline), 4)
        out["offline"] = offline
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
