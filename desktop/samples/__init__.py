"""Parley's own samples, shipped inside the app: a playbook and a demo call per language.

- `playbook_en/`, `playbook_zh/`: playbooks of two made-up products (facts, objection answers,
  case studies, rules with a discount cap and a forbidden claim).
- `demo_call_zh.json`: a Chinese call as a timed transcript (no Chinese voice is needed).
- `demo_call_en.json`: an English call as a script; `python -m desktop.samples.render` turns it
  into `demo_call_en.wav` (espeak-ng) at setup or build time, and `parley demo` renders it into
  a temporary folder when the recording is not there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parent
LANGS = ("en", "zh")


@dataclass(frozen=True, slots=True)
class DemoSample:
    """One language's demo: its playbook folder and its call."""

    lang: str
    playbook: Path
    call: Path  # the timed transcript (zh) or the script to render (en)
    recording: Path | None  # the rendered recording, for a scripted call

    @property
    def needs_audio(self) -> bool:
        return self.recording is not None


def demo_sample(lang: str) -> DemoSample:
    """The sample of `lang` ("en" or "zh")."""
    if lang not in LANGS:
        raise ValueError(f"no demo in {lang!r}; choose one of {', '.join(LANGS)}")
    call = SAMPLES_DIR / f"demo_call_{lang}.json"
    recording = SAMPLES_DIR / f"demo_call_{lang}.wav" if lang == "en" else None
    return DemoSample(lang, SAMPLES_DIR / f"playbook_{lang}", call, recording)


def demo_input(sample: DemoSample, workdir: Path) -> Path:
    """What to replay: the timed transcript, the recording rendered at setup time, or the
    script rendered now into `workdir` (raises `ParleyError` without espeak-ng)."""
    if sample.recording is None:
        return sample.call
    if sample.recording.is_file():
        return sample.recording
    from desktop.samples.render import render_call

    out = workdir / sample.recording.name
    render_call(sample.call, out)
    return out
