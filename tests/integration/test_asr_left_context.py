"""The second pass's left context with the real asr-tiny-en model: the previous piece's audio
before the piece, its text forced as the decoder's start, and only the new text coming back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from audio.file_source import FileSource, read_channels
from inference.clock import SessionClock
from inference.events import TranscriptEvent
from inference.pipeline import AsrConfig, load_backend, run_audio
from inference.scoring import wer

# Our own sentences (nothing from the evaluation set).
FIRST = "Good morning, I am calling about the new office chairs."
SECOND = "We need forty of them before the end of the month."
THIRD = "Can you send me a price by email today?"


@pytest.fixture(scope="module")
def tiny():
    return load_backend(AsrConfig(model="asr-tiny-en", language="en"))


@pytest.fixture(scope="module")
def call(tmp_path_factory) -> tuple[Path, list]:
    """Three customer turns with rep turns between them, rendered by Parley's renderer."""
    from desktop.samples.render import render_call

    out = tmp_path_factory.mktemp("context")
    turns = [
        {"speaker": "customer", "text": FIRST},
        {"speaker": "rep", "text": "Good to hear from you."},
        {"speaker": "customer", "text": SECOND},
        {"speaker": "rep", "text": "Of course, happy to help."},
        {"speaker": "customer", "text": THIRD},
    ]
    script = out / "call.json"
    script.write_text(json.dumps({"id": "own_context_call", "lang": "en", "turns": turns}))
    wav = out / "call.wav"
    rendered = render_call(script, wav)
    return wav, rendered


def _customer_span(rendered: list, i: int) -> tuple[float, float]:
    turn = [t for t in rendered if t.speaker == "customer"][i]
    return turn.start, turn.end


def test_a_forced_prefix_comes_back_as_only_what_follows_it(tiny, call) -> None:
    wav, rendered = call
    audio = read_channels(wav)["customer"]
    (s0, e0), (s1, e1) = _customer_span(rendered, 0), _customer_span(rendered, 1)
    first = audio[int((s0 - 0.2) * 16000) : int((e0 + 0.2) * 16000)]
    second = audio[int((s1 - 0.2) * 16000) : int((e1 + 0.2) * 16000)]
    alone = tiny.transcribe(first, language="en", prompt=None, hotwords=None, beam_size=5)
    heard_first = "".join(s.text for s in alone.segments).strip()
    assert wer(FIRST, heard_first) <= 0.3, heard_first
    both = np.concatenate([first, second])
    for full_window in (False, True):
        result = tiny.transcribe(
            both,
            language="en",
            prompt=None,
            hotwords="office chairs",
            beam_size=5,
            prefix=heard_first,
            full_window=full_window,
        )
        text = "".join(s.text for s in result.segments).strip()
        assert wer(SECOND, text) <= 0.3, text  # the second sentence, and not the first again
        assert "chairs" not in text.lower() and "morning" not in text.lower(), text
        words = [w for s in result.segments for w in s.words]
        assert words and "".join(w.text for w in words).strip() == text
        # Times count from the start of the audio handed in: the words lie in the second part.
        assert min(w.start for w in words) >= len(first) / 16000 - 0.5


def _finals(path: Path, backend, **config) -> list[TranscriptEvent]:
    items: list = []

    class Hub:
        def emit(self, event) -> None:
            items.append(event)

        def on_utterance(self, utt) -> None:
            pass

    calls: list[dict] = []

    class Recording:
        multilingual = backend.multilingual
        device_name = backend.device_name
        batch_decoding = False

        def transcribe(self, audio, **kwargs):
            calls.append(kwargs)
            return backend.transcribe(audio, **kwargs)

    run_audio(
        FileSource(path, speed=None),
        config=AsrConfig(model="asr-tiny-en", language="en", streaming=True, **config),
        clock=SessionClock(),
        hub=Hub(),
        backend=Recording(),
    )
    finals = [e for e in items if isinstance(e, TranscriptEvent) and e.final]
    return finals, calls


@pytest.fixture(scope="module")
def session(tiny, call) -> tuple[list[TranscriptEvent], list[dict]]:
    """The rendered call through the streaming pipeline (asr-tiny-en): finals and decodes."""
    return _finals(call[0], tiny)


def test_each_final_holds_its_own_words_once_with_the_previous_turn_as_context(
    call, session
) -> None:
    _, rendered = call
    finals, calls = session
    finals = [f for f in finals if f.speaker == "customer"]
    assert len(finals) == 3, [f.text for f in finals]
    # The second and third turns were decoded after the turn before them.
    prefixed = [c for c in calls if c.get("prefix")]
    assert len(prefixed) >= 2 and not any(c.get("full_window") for c in calls)
    for final, ref, i in zip(finals, (FIRST, SECOND, THIRD), range(3), strict=True):
        assert wer(ref, final.text) <= 0.3, final.text
        start, end = _customer_span(rendered, i)
        assert abs(final.start - start) <= 0.5 and abs(final.end - end) <= 0.5, (final, start, end)
    joined = " ".join(f.text for f in finals)
    assert wer(f"{FIRST} {SECOND} {THIRD}", joined) <= 0.2, joined


def test_the_reps_finals_decoded_once_after_their_context_span_their_own_speech(
    call, session
) -> None:
    # The rep's utterances are decoded once, at the close, without word times (English):
    # the second one after the first as its left context. Its words must still lie in its
    # own turn, not at the window's end.
    _, rendered = call
    finals, calls = session
    reps = [f for f in finals if f.speaker == "rep"]
    turns = [t for t in rendered if t.speaker == "rep"]
    assert len(reps) == 2, [f.text for f in reps]
    assert any(c.get("prefix") and c.get("word_timestamps") is False for c in calls), calls
    for final, turn in zip(reps, turns, strict=True):
        assert abs(final.start - turn.start) <= 0.5 and abs(final.end - turn.end) <= 0.5, (
            final,
            turn,
        )
