"""Each party's WER live through a private PulseAudio server against `parley replay --speed 1`
of the same two-channel recording (issue #19: within 2 points, median of 3 live runs).

    PYTHONPATH=. .venv/bin/python scripts/live_vs_replay.py --audio call.wav \
        --timeline call.json [--runs 3]

Plays the rep's channel into the virtual microphone and the customer's into the call's output
(each resampled to 48 kHz with sox, as a call app and a microphone deliver it) while `parley
live --no-llm --no-store` captures them (asr-base, English, no playbook), then replays the
file. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from audio.pulse_sandbox import pulse_server
from inference.scoring import wer

ROOT = Path(__file__).resolve().parents[1]
PARLEY = [sys.executable, "-m", "desktop"]
COMMON = ["--no-llm", "--no-store", "--quiet", "--asr-model", "asr-base", "--language", "en"]


def _finals(events: Path, party: str) -> str:
    rows = [json.loads(x) for x in events.read_text().splitlines() if x.strip()]
    return " ".join(
        e["text"]
        for e in rows
        if e["type"] == "transcript" and e["final"] and e["speaker"] == party
    )


def _live(env: dict[str, str], parts: dict[str, Path], seconds: float, out: Path) -> None:
    events = out / "live.jsonl"
    cmd = [*PARLEY, "live", "--mic", "virtual_mic", "--loopback", "call_out.monitor"]
    cmd += ["--duration", f"{seconds:.0f}", "--events", str(events), *COMMON]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (events.exists() and '"level"' in events.read_text()):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(
                f"parley live did not start: {proc.stderr.read() if proc.stderr else ''}"
            )
        time.sleep(0.2)  # polling a file written by another process
    players = [
        subprocess.Popen(["paplay", "-d", sink, str(parts[party])], env=env)
        for sink, party in (("mic_feed", "rep"), ("call_out", "customer"))
    ]
    for p in players:
        p.wait(600)
    _, err = proc.communicate(timeout=600)
    if proc.returncode != 0:
        raise SystemExit(f"parley live failed: {err}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--audio", required=True)
    p.add_argument("--timeline", required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--play-rate", type=int, default=48000,
                   help="play each side at this rate (0: the file's own)")  # fmt: skip
    args = p.parse_args()
    data = json.loads(Path(args.timeline).read_text(encoding="utf-8"))
    refs = {
        party: " ".join(str(t["text"]) for t in data["turns"] if t["speaker"] == party)
        for party in ("rep", "customer")
    }
    work = Path(tempfile.mkdtemp(prefix="parley-lvr-"))
    parts = {"rep": work / "rep.wav", "customer": work / "customer.wav"}
    # Each side is played at the sinks' own rate (48 kHz), as a call app and a microphone
    # deliver it: a 16 kHz file would pass the sound server's own upsampler first.
    for party, channel in (("rep", "1"), ("customer", "2")):
        sox = ["sox", args.audio, str(parts[party]), "remix", channel]
        subprocess.run([*sox, *(["rate", "-v", str(args.play_rate)] if args.play_rate else [])],
                       check=True)  # fmt: skip
    seconds = float(subprocess.run(["soxi", "-D", args.audio], capture_output=True, text=True,
                                   check=True).stdout) + 6  # fmt: skip
    live: dict[str, list[float]] = {"rep": [], "customer": []}
    with pulse_server() as env:
        for k in range(args.runs):
            run = work / f"live{k}"
            run.mkdir()
            _live(env, parts, seconds, run)
            for party in live:
                live[party].append(round(wer(refs[party], _finals(run / "live.jsonl", party)), 4))
            print(f"live run {k}: {[v[-1] for v in live.values()]}", file=sys.stderr)
    events = work / "replay.jsonl"
    subprocess.run([*PARLEY, "replay", args.audio, "--speed", "1", "--events", str(events),
                    *COMMON], cwd=ROOT, check=True)  # fmt: skip
    replay = {party: round(wer(refs[party], _finals(events, party)), 4) for party in live}
    out: dict[str, Any] = {"audio": Path(args.audio).name, "replay": replay, "live": live}
    out["live_median"] = {party: statistics.median(v) for party, v in live.items()}
    out["median_minus_replay"] = {
        party: round(out["live_median"][party] - replay[party], 4) for party in live
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
