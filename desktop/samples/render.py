"""Renders a scripted sample call to two-channel audio with espeak-ng (rep left, customer right).

A script is a `.json` with `turns` (`speaker`: "rep" or "customer", `text`) and optional
`voices` (espeak-ng voice per party) and `lang`. Each turn is spoken by espeak-ng, the turns
follow one another with a short pause, and the other party's channel is silent meanwhile, as a
two-channel call recording is. The turn times are returned (and written with `--timeline`).

    python -m desktop.samples.render SCRIPT.json OUT.wav [--timeline OUT.json]

Needs the `espeak-ng` program (Debian: `apt-get install espeak-ng`).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import wave
from dataclasses import asdict, dataclass
from pathlib import Path

from models.errors import ParleyError

GAP_S = 0.6  # silence between turns
LEAD_S = 0.5  # silence before the first turn
DEFAULT_VOICES = {
    "en": {"rep": "en-us", "customer": "en-gb"},
    "zh": {"rep": "cmn", "customer": "cmn"},
}
WORDS_PER_MINUTE = 150


@dataclass(frozen=True, slots=True)
class RenderedTurn:
    speaker: str
    start: float
    end: float
    text: str


def espeak_path() -> str:
    """The espeak-ng program, or a `ParleyError` that says how to get it."""
    found = shutil.which("espeak-ng")
    if found is None:
        raise ParleyError(
            "espeak-ng is not installed, so the English demo call cannot be rendered: install it "
            "(Debian/Ubuntu: apt-get install espeak-ng) or run `parley demo --lang zh`."
        )
    return found


def _speak(program: str, text: str, voice: str, out: Path) -> tuple[int, bytes]:
    """One turn as mono 16-bit PCM: (sample rate, frames)."""
    try:
        subprocess.run(
            [program, "-v", voice, "-s", str(WORDS_PER_MINUTE), "-w", str(out), text],
            check=True,
            capture_output=True,
            timeout=60,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as e:
        raise ParleyError(f"espeak-ng could not speak a turn with voice {voice!r} ({e}).") from e
    with wave.open(str(out), "rb") as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1:
            raise ParleyError(f"espeak-ng wrote an unexpected WAV format ({out.name}).")
        return w.getframerate(), w.readframes(w.getnframes())


def load_script(path: Path) -> dict:
    try:
        script = json.loads(path.read_text(encoding="utf-8"))
        turns = script["turns"]
        if not turns or not all(t["speaker"] in ("rep", "customer") and t["text"] for t in turns):
            raise ValueError("every turn needs speaker rep/customer and text")
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ParleyError(f"{path} is not a call script ({e}).") from e
    return script


def render_call(script_path: Path, out: Path) -> list[RenderedTurn]:
    """Render the script at `script_path` to the two-channel WAV `out`; the turns' times."""
    script = load_script(script_path)
    program = espeak_path()
    voices = dict(DEFAULT_VOICES.get(script.get("lang", "en"), DEFAULT_VOICES["en"]))
    voices.update(script.get("voices") or {})
    rate = 0
    left, right = bytearray(), bytearray()
    timeline: list[RenderedTurn] = []
    with tempfile.TemporaryDirectory(prefix="parley-render-") as tmp:
        for i, turn in enumerate(script["turns"]):
            turn_rate, frames = _speak(
                program, turn["text"], voices[turn["speaker"]], Path(tmp) / f"t{i}.wav"
            )
            if rate == 0:
                rate = turn_rate
                left += bytes(2 * int(LEAD_S * rate))
                right += bytes(2 * int(LEAD_S * rate))
            elif turn_rate != rate:
                raise ParleyError("espeak-ng spoke the turns at different sample rates.")
            start = len(left) / 2 / rate
            own, other = (left, right) if turn["speaker"] == "rep" else (right, left)
            own += frames
            other += bytes(len(frames))
            timeline.append(
                RenderedTurn(
                    turn["speaker"], round(start, 2), round(len(left) / 2 / rate, 2), turn["text"]
                )
            )
            gap = bytes(2 * int(GAP_S * rate))
            left += gap
            right += gap
    stereo = bytearray(len(left) * 2)
    for ch, data in ((0, left), (1, right)):
        view = memoryview(data)
        for k in range(2):
            stereo[ch * 2 + k :: 4] = view[k::2]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_name(out.name + ".part")
    with wave.open(str(tmp_out), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(stereo))
    tmp_out.replace(out)
    return timeline


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m desktop.samples.render", description=__doc__)
    p.add_argument("script", type=Path, help="a call script .json")
    p.add_argument("out", type=Path, help="the two-channel .wav to write")
    p.add_argument("--timeline", type=Path, help="also write the turns' times as .json")
    args = p.parse_args(argv)
    try:
        turns = render_call(args.script, args.out)
    except ParleyError as e:
        print(f"render: {e}", file=sys.stderr)
        return 1
    if args.timeline is not None:
        args.timeline.write_text(
            json.dumps([asdict(t) for t in turns], ensure_ascii=False, indent=1), encoding="utf-8"
        )
    print(f"rendered {len(turns)} turns, {turns[-1].end:.1f} s: {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
