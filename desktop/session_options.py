"""What a session runs (`SessionOptions`): the one description the command line and the app
both fill in, and the session runner reads.

It imports nothing heavy (no models, no Qt), so the window can build one on its startup path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from audio.pace import Pace
from inference.events import Speaker


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
        second_opinion: with the LLM, let it read each customer line again for the objection
            (`inference.detectors.llm_reader`; languages with a head only).
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
        asr_draft: the smaller English model of the live text while the customer speaks
            (`AsrConfig.draft_model`); None decodes it with `asr_pack` too.
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
    second_opinion: bool = True
    hotwords: tuple[str, ...] = ()
    mono_party: Speaker = "customer"
    record: Path | None = None
    record_store: bool = False
    input_audio: bytes | None = field(default=None, repr=False)
    duration: float | None = None
    asr_pack: str = "asr-base"
    asr_draft: str | None = "asr-tiny-en"
    llm_pack: str = "llm-default"
    language: str = "auto"
    device: str = "auto"
    start_at: float = 0.0
    warmup: bool = True

    @property
    def pace(self) -> Pace:
        """How fast the input arrives: every decision about speed asks this."""
        return Pace.live() if self.mode == "live" else Pace.from_speed(self.speed)
