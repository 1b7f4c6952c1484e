"""The streaming transcriber's state machine with a scripted backend and an amplitude VAD."""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from inference.asr.transcriber import DecodePolicy, StreamingTranscriber, TranscriberConfig
from inference.asr.types import Segment, Word
from inference.events import ClosedUtterance, TranscriptEvent
from tests.unit.asr_fakes import (
    AmplitudeVad,
    ManualClock,
    ScriptedBackend,
    frames,
    segment,
    silence,
    tone,
)

SENTENCE = "we have about thirty agents and a shared inbox for tickets"


def growing(dur: float) -> list:
    """A hypothesis that grows with the window: about three words a second."""
    n = max(1, int(dur * 3))
    return [segment(" ".join(SENTENCE.split()[:n]))]


def run(transcriber: StreamingTranscriber, clock: ManualClock, audio: np.ndarray, party="customer"):
    out = []
    for frame in frames(audio, party):
        clock.advance_to(frame.end)
        transcriber.insert_audio(frame)
        out += transcriber.process(clock.now())
    transcriber.finish()
    out += transcriber.process(clock.now())
    return out


def make(backend, **config) -> tuple[StreamingTranscriber, ManualClock]:
    clock = ManualClock()
    t = StreamingTranscriber(
        "customer",
        backend=backend,
        vad=AmplitudeVad(),
        config=TranscriberConfig(**config),
        clock=clock,
    )
    return t, clock


def test_one_final_per_utterance_replaces_stable_partials_that_never_repeat() -> None:
    backend = ScriptedBackend(growing)
    t, clock = make(backend)
    out = run(t, clock, np.concatenate([silence(0.5), tone(4.0), silence(1.0)]))
    events = [e for e in out if isinstance(e, TranscriptEvent)]
    finals = [e for e in events if e.final]
    stables = [e for e in events if e.stable]
    closed = [e for e in out if isinstance(e, ClosedUtterance)]
    assert len(closed) == 1 and len(finals) == 1
    assert stables and not any(e.final for e in stables)  # committed while speaking
    joined = " ".join(e.text for e in stables).split()
    assert len(joined) == len(set(joined))  # no stable word sent twice
    assert finals[0].text == closed[0].text == SENTENCE
    assert events[-1] is finals[0]  # nothing of the utterance follows its final
    assert out[-1] is closed[0]  # the utterance closes after its final text
    assert {e.utterance_id for e in events} == {"c1"}
    assert closed[0].audio is not None
    assert abs(len(closed[0].audio) / 16000 - (closed[0].end - closed[0].start)) < 0.01


def test_tentative_events_carry_the_uncommitted_tail() -> None:
    t, clock = make(ScriptedBackend(growing))
    out = run(t, clock, np.concatenate([tone(3.0), silence(1.0)]))
    committed: list[str] = []
    tentatives = 0
    for e in out:
        if not isinstance(e, TranscriptEvent):
            continue
        if e.stable:
            committed += e.text.split()
        elif e.text and not e.final:
            tentatives += 1
            # committed words followed by the tail read as the hypothesis: nothing twice
            assert SENTENCE.startswith(" ".join([*committed, e.text]))
    assert tentatives >= 2 and committed


def test_the_close_commits_the_tail_without_waiting_for_agreement() -> None:
    # Every hypothesis differs, so LocalAgreement never commits; the VAD close must.
    calls = {"n": 0}

    def unstable(dur: float) -> list:
        calls["n"] += 1
        return [segment(f"variant{calls['n']} words here")]

    t, clock = make(ScriptedBackend(unstable))
    out = run(t, clock, np.concatenate([tone(3.0), silence(1.0)]))
    finals = [e for e in out if isinstance(e, TranscriptEvent) and e.final]
    assert len(finals) == 1
    assert finals[0].text == f"variant{calls['n']} words here"


def test_silence_never_reaches_the_backend() -> None:
    backend = ScriptedBackend(lambda d: [segment("thank you for watching")])
    t, clock = make(backend)
    out = run(t, clock, silence(30.0))
    assert backend.calls == []
    assert out == []


def test_a_short_click_is_not_decoded() -> None:
    backend = ScriptedBackend(lambda d: [segment("uh")])
    t, clock = make(backend)
    out = run(t, clock, np.concatenate([silence(1.0), tone(0.1), silence(2.0)]))
    assert backend.calls == [] and out == []


def test_no_speech_segments_and_repetition_loops_are_dropped() -> None:
    def script(dur: float) -> list:
        return [
            segment("phantom words", no_speech_prob=0.9, avg_logprob=-0.9),
            segment("go go go go go go go go now"),
        ]

    t, clock = make(ScriptedBackend(script), step_s=100.0)
    out = run(t, clock, np.concatenate([tone(2.0), silence(1.0)]))
    text = " ".join(e.text for e in out if isinstance(e, TranscriptEvent) and e.final)
    assert "phantom" not in text
    assert text.split().count("go") <= 3 and text.endswith("now")


def test_ids_are_unique_per_party_and_events_carry_the_clock() -> None:
    t, clock = make(ScriptedBackend(lambda d: [segment("hello there")]), step_s=100.0)
    out = run(t, clock, np.concatenate([tone(1.5), silence(1.0), tone(1.5), silence(1.0)]))
    closed = [e for e in out if isinstance(e, ClosedUtterance)]
    assert [c.utterance_id for c in closed] == ["c1", "c2"]
    finals = [e for e in out if isinstance(e, TranscriptEvent) and e.final]
    assert finals and all(f.t >= f.end for f in finals)  # stamped once the words were heard
    assert all(f.t <= closed[0].end + 0.5 for f in finals if f.utterance_id == "c1")


def test_language_is_detected_once_then_kept_and_chinese_is_joined_without_spaces() -> None:
    backend = ScriptedBackend(lambda d: [segment("广州 市")], language="zh")
    t, clock = make(backend, step_s=100.0)
    out = run(t, clock, np.concatenate([tone(1.5), silence(1.0), tone(1.5), silence(1.0)]))
    assert backend.calls[0]["language"] is None
    assert all(c["language"] == "zh" for c in backend.calls[1:])
    assert str(backend.calls[1]["prompt"]).startswith("以下是")
    closed = [e for e in out if isinstance(e, ClosedUtterance)]
    assert closed[0].text == "广州市" and closed[0].lang == "zh"


def test_committed_text_becomes_the_prompt_and_hotwords_are_passed() -> None:
    backend = ScriptedBackend(lambda d: [segment("hello there")])
    t, clock = make(
        backend, step_s=100.0, language="en", hotwords=("Acme", " Widget "), context_s=0.0
    )
    run(t, clock, np.concatenate([tone(1.5), silence(1.0), tone(1.5), silence(1.0)]))
    assert backend.calls[0]["hotwords"] == "Acme, Widget"
    assert backend.calls[0]["prompt"] is None
    assert backend.calls[1]["prompt"] == "hello there"
    assert backend.calls[1]["prefix"] is None


def test_the_second_pass_hears_the_previous_piece_with_its_text_as_the_decoders_start() -> None:
    texts = iter(["first one", "second one", "third one"])
    backend = ScriptedBackend(lambda d: [segment(next(texts))])
    t, clock = make(backend, step_s=100.0, language="en", context_s=10.0)
    out = run(
        t,
        clock,
        np.concatenate([tone(1.5), silence(1.0), tone(2.0), silence(1.0), tone(1.0), silence(1)]),
    )
    first, second, third = backend.calls
    assert first["prefix"] is None and first["prompt"] is None
    # The piece before is heard again and its final text is the forced start; the prompt
    # holds only what came before that piece.
    assert second["prefix"] == "first one" and second["prompt"] is None
    assert third["prefix"] == "second one" and third["prompt"] == "first one"
    # Both utterances' speech, each with the VAD's padding and the pause's decode margin.
    assert 1.5 + 2.0 < float(second["dur"]) < 1.5 + 2.0 + 1.0
    finals = [e for e in out if isinstance(e, TranscriptEvent) and e.final]
    assert [e.text for e in finals] == ["first one", "second one", "third one"]
    # Word times stay on the session clock, inside the utterance they belong to.
    assert finals[1].start >= 2.5 - 0.25 and finals[1].end <= 4.5 + 0.25


def test_only_second_pass_decodes_ask_for_the_full_window_when_configured() -> None:
    for full in (False, True):
        backend = ScriptedBackend(growing)
        t, clock = make(backend, language="en", final_full_window=full)
        run(t, clock, np.concatenate([tone(3.0), silence(1.0), tone(2.0), silence(1.0)]))
        beams = {(c["beam"], c["full_window"]) for c in backend.calls}
        assert beams == ({(1, False), (5, full)}), beams


def test_a_long_previous_piece_gives_its_last_words_as_context() -> None:
    spread = Segment(0.0, 3.0, " one two three four five six", -0.2, 0.01, 1.2,
                     tuple(Word(0.2 + i * 0.5, 0.65 + i * 0.5, f" {w}")
                           for i, w in enumerate(["one", "two", "three", "four", "five", "six"])))  # fmt: skip
    answers = iter([[spread], [segment("seven eight")]])
    backend = ScriptedBackend(lambda d: next(answers))
    t, clock = make(backend, step_s=100.0, language="en", context_s=1.8)
    run(t, clock, np.concatenate([tone(3.0), silence(1.0), tone(1.0), silence(1.0)]))
    _, second = backend.calls
    # The pause's decode aligned six words over 3 s: the context is the words that begin
    # in its last 1.8 s (cut between two words), and the prompt keeps those before them.
    assert second["prefix"] == "four five six", second
    assert second["prompt"] == "one two three"
    assert 1.0 + 1.0 < float(second["dur"]) < 1.0 + 0.6 + 1.8 + 0.2


def test_a_final_decoded_after_its_context_without_word_times_spans_its_own_speech() -> None:
    # faster-whisper gives the text after a forced prefix, decoded without word times, the
    # window's end as its start: the words must still be shared out over the piece itself.
    def script(dur: float) -> list:
        return [Segment(dur, dur, " and then some more words", -0.2, 0.01, 1.2, ())]

    backend = ScriptedBackend(script)
    t, clock = make(backend, language="en", context_s=10.0)
    t.apply(DecodePolicy(mode="once", partials=False))
    out = run(t, clock, np.concatenate([tone(1.5), silence(1.0), tone(2.0), silence(1.0)]))
    assert [c["word_timestamps"] for c in backend.calls] == [False, False]
    assert backend.calls[1]["prefix"] == "and then some more words"
    _, second = [e for e in out if isinstance(e, TranscriptEvent) and e.final]
    assert second.text == "and then some more words"
    # The second utterance's speech is 2.5-4.5 s (with the VAD's padding around it).
    assert 2.5 - 0.25 <= second.start < 3.0 and 4.0 < second.end <= 4.5 + 0.25, second


def test_no_left_context_when_the_previous_piece_is_longer_than_context_s() -> None:
    backend = ScriptedBackend(lambda d: [segment("some words")])
    t, clock = make(backend, step_s=100.0, language="en", context_s=1.0)
    run(t, clock, np.concatenate([tone(1.5), silence(1.0), tone(1.5), silence(1.0)]))
    assert [c["prefix"] for c in backend.calls] == [None, None]
    assert backend.calls[1]["prompt"] == "some words"


def test_once_mode_decodes_each_utterance_once() -> None:
    backend = ScriptedBackend(growing)
    t, clock = make(backend)
    t.apply(DecodePolicy(mode="once", partials=False))
    run(t, clock, np.concatenate([tone(5.0), silence(1.0), tone(3.0), silence(1.0)]))
    assert len(backend.calls) == 2


def test_an_early_final_in_the_pause_is_committed_at_the_close_without_another_decode() -> None:
    backend = ScriptedBackend(growing)
    t, clock = make(backend, final_beam_size=5, partial_beam_size=1)
    out = run(t, clock, np.concatenate([tone(3.0), silence(1.0)]))
    beams = [c["beam"] for c in backend.calls]
    assert beams[-1] == 5 and beams.count(5) == 1  # one final-beam decode, during the pause
    assert all(b == 1 for b in beams[:-1])  # partials are greedy
    closed = [e for e in out if isinstance(e, ClosedUtterance)]
    assert closed[0].text == " ".join(SENTENCE.split()[: int(backend.calls[-1]["dur"] * 3)])


def test_partials_may_skip_word_alignment_but_finals_keep_it() -> None:
    backend = ScriptedBackend(growing)
    t, clock = make(backend, language="en", partial_word_times=False)
    out = run(t, clock, np.concatenate([tone(4.0), silence(1.0)]))
    partial = [c for c in backend.calls if c["beam"] == 1]
    final = [c for c in backend.calls if c["beam"] == 5]
    assert partial and final
    assert all(c["word_timestamps"] is False for c in partial)
    assert all(c["word_timestamps"] is True for c in final)
    assert any(isinstance(e, ClosedUtterance) for e in out)


def test_partials_are_spaced_by_the_measured_decode_time_under_load() -> None:
    def spaced(load_factor: float, *, sharing: bool = False) -> list[float]:
        clock = ManualClock()
        backend = ScriptedBackend(growing, on_call=lambda: clock.advance_to(clock.t + 1.0))
        t = StreamingTranscriber(
            "customer",
            backend=backend,
            vad=AmplitudeVad(),
            config=TranscriberConfig(
                language="en", load_factor=load_factor, shared_load_factor=3.0, trim_s=100.0
            ),
            clock=clock,
        )
        t.apply(DecodePolicy(sharing=sharing))  # an LLM job runs beside the worker
        run(t, clock, np.concatenate([tone(12.0), silence(1.0)]))
        return [c["dur"] for c in backend.calls if c["beam"] == 1]

    plain, loaded = spaced(0.0), spaced(2.0)
    assert len(loaded) < len(plain)
    gaps = [b - a for a, b in pairwise(loaded)]
    assert gaps and min(gaps) >= 2.0 - 0.11  # two decode times of new audio between partials
    shared = spaced(2.0, sharing=True)
    assert 0 < len(shared) < len(loaded)
    assert min(b - a for a, b in pairwise(shared)) >= 3.0 - 0.11


def test_final_is_imminent_only_during_a_pause_of_an_open_utterance() -> None:
    t, clock = make(ScriptedBackend(growing), language="en")
    states = []
    for frame in frames(np.concatenate([tone(1.0), silence(0.2), tone(0.5), silence(1.0)])):
        clock.advance_to(frame.end)
        t.insert_audio(frame)
        states.append(t.final_imminent())
        t.process(clock.now())
    assert states[5] is False  # speaking
    assert True in states  # the short pause
    assert states[-1] is False  # closed


def test_a_pause_commits_the_words_before_it_without_a_second_hypothesis() -> None:
    def script(dur: float) -> list:
        if 1.5 < dur < 2.1:  # the partial just before the pause garbles its last words
            return [segment("we have about thirty agent send")]
        return growing(dur)

    def committed_during_pause(pause_commit: bool) -> list[str]:
        t, clock = make(ScriptedBackend(script), language="en", pause_commit=pause_commit)
        out = run(t, clock, np.concatenate([tone(2.0), silence(0.3), tone(1.0), silence(1.0)]))
        return [
            w
            for e in out
            if isinstance(e, TranscriptEvent) and e.stable and e.t < 2.3
            for w in e.text.split()
        ]

    with_pause = committed_during_pause(True)
    without = committed_during_pause(False)
    # Words start every 0.3 s: all those begun before the pause at 2.0 s are committed in it.
    assert with_pause == SENTENCE.split()[:6]
    assert len(without) < len(with_pause)  # agreement alone waits for the next hypothesis


def test_a_pause_hands_out_what_its_final_beam_decode_heard_of_the_line() -> None:
    backend = ScriptedBackend(growing)
    t, clock = make(backend, language="en", final_beam_size=5, partial_beam_size=1)
    heard, out = [], []
    audio = np.concatenate([tone(2.0), silence(0.3), tone(1.0), silence(1.0)])
    for frame in frames(audio, "customer"):
        clock.advance_to(frame.end)
        t.insert_audio(frame)
        out += t.process(clock.now())
        heard += [(clock.now(), h) for h in t.take_heard()]
    t.finish()
    out += t.process(clock.now())
    assert t.take_heard() == []  # taken once
    finals = [c for c in backend.calls if c["beam"] == 5]
    assert len(heard) == len(finals) >= 2  # the pause inside the line, and the one after it
    (at, first), (_, last) = heard[0], heard[-1]
    assert first.party == "customer" and first.utterance_id == "c1" and first.lang == "en"
    assert 2.0 <= first.end <= at < 2.3  # heard during the pause, up to the sound's end
    # The final beam's text of the line so far (the scripted words grow with the window),
    # and the last pause's is the utterance's final text.
    assert first.text == " ".join(SENTENCE.split()[: int(finals[0]["dur"] * 3)])
    closed = [e for e in out if isinstance(e, ClosedUtterance)]
    assert last.text == closed[0].text


def test_a_rejected_decode_keeps_the_last_hypothesis_for_agreement() -> None:
    def script(dur: float) -> list:
        if dur < 1.5:
            return [segment("we have")]
        if dur < 2.5:  # a repetition loop: the guards drop it
            return [segment("we we we we we we we we", compression_ratio=3.5)]
        return [segment("we have about thirty")]

    t, clock = make(ScriptedBackend(script), language="en", pause_commit=False)
    out = run(t, clock, np.concatenate([tone(3.2), silence(1.0)]))
    stables = [e for e in out if isinstance(e, TranscriptEvent) and e.stable]
    assert stables[0].text == "we have" and stables[0].t < 3.2  # agreed before the close


def test_the_final_is_the_second_pass_over_the_whole_utterance() -> None:
    """Greedy partials over a trimmed window garble a word; the pause's beam decode hears the
    whole utterance with the party's earlier text as prompt, and its text is the final."""
    backend = ScriptedBackend(lambda d: [])

    def script(dur: float) -> list:
        words = SENTENCE.split()[: max(1, int(dur * 3))]
        if backend.calls[-1]["beam"] == 1:
            words = ["wee" if w == "agents" else w for w in words]
        return [segment(" ".join(words))]

    backend.script = script
    t, clock = make(backend, language="en", trim_s=2.0, context_s=0.0)  # no left context
    audio = np.concatenate([tone(1.5), silence(1.0), tone(4.0), silence(1.0)])
    out = run(t, clock, audio)
    finals = [e for e in out if isinstance(e, TranscriptEvent) and e.final]
    closed = [e for e in out if isinstance(e, ClosedUtterance)]
    assert [f.utterance_id for f in finals] == ["c1", "c2"]
    assert [f.text for f in finals] == [c.text for c in closed]
    stable = " ".join(e.text for e in out if isinstance(e, TranscriptEvent) and e.stable)
    assert "wee" in stable and "wee" not in finals[1].text  # the second pass fixed it
    second = [c for c in backend.calls if c["beam"] == 5]
    partial = [c for c in backend.calls if c["beam"] == 1]
    # Each utterance's second pass heard all of it (padding included), partials a window.
    assert abs(second[-1]["dur"] - (closed[1].end - closed[1].start) + 0.2) < 0.25
    assert max(c["dur"] for c in partial) < second[-1]["dur"]
    assert second[-1]["prompt"] == closed[0].text  # earlier text, not this utterance's


def _pieces_script(backend: ScriptedBackend, pieces: list[float]):
    """Beam decodes answer two words named after the decode, spread over the window."""

    def script(dur: float) -> list:
        if backend.calls[-1]["beam"] != 5:
            return growing(dur)
        pieces.append(dur)
        k = len(pieces)
        return [segment(f"p{k}a p{k}b", start=0.2), segment(f"p{k}c", start=dur - 0.6)]

    return script


LONG = np.concatenate([*[np.concatenate([tone(3.0), silence(0.3)]) for _ in range(7)], silence(1)])


def test_a_long_utterance_is_refined_in_pieces_cut_at_its_pauses() -> None:
    backend = ScriptedBackend(lambda d: [])
    pieces: list[float] = []
    backend.script = _pieces_script(backend, pieces)
    t, clock = make(backend, language="en", split_s=8.0, context_s=0.0)  # pieces alone
    out = run(t, clock, LONG)
    finals = [e for e in out if isinstance(e, TranscriptEvent) and e.final]
    closed = [e for e in out if isinstance(e, ClosedUtterance)]
    assert len(closed) == 1 and len(finals) == 1  # one utterance: the pauses are short
    assert closed[0].end - closed[0].start > 20
    assert max(pieces) < 8.0 + 3.5  # no decode of the second pass hears it all
    text = finals[0].text.split()
    used = sorted({int(w[1:-1]) for w in text})
    assert len(used) >= 2  # several pieces make up the final
    assert text == [f"p{k}{x}" for k in used for x in "abc"]  # each piece once, in order
    assert abs(sum(pieces[k - 1] for k in used) - (closed[0].end - closed[0].start)) < 0.5


def test_once_mode_refines_a_long_utterance_one_piece_per_call() -> None:
    backend = ScriptedBackend(lambda d: [])
    pieces: list[float] = []
    backend.script = _pieces_script(backend, pieces)
    t, clock = make(backend, language="en", split_s=8.0, context_s=0.0)  # pieces alone
    t.apply(DecodePolicy(mode="once", partials=False))
    for frame in frames(LONG):
        clock.advance_to(frame.end)
        t.insert_audio(frame)
    t.finish()
    steps: list[list] = []
    while not steps or not steps[-1]:
        steps.append(t.process(clock.now()))
        assert len(steps) < 10
    # Each call decodes one piece (the worker may serve the other party in between); the
    # last one gives the final and the closed utterance.
    assert len(pieces) >= 3 and len(steps) == len(pieces)
    final, closed = steps[-1]
    assert isinstance(final, TranscriptEvent) and final.final
    assert isinstance(closed, ClosedUtterance) and closed.text == final.text
    assert max(pieces) <= 8.0 + 0.1
    assert [c["prompt"] for c in backend.calls][:2] == [None, "p1a p1b p1c"]


def test_a_second_pass_the_guards_reject_keeps_the_words_streaming_heard() -> None:
    backend = ScriptedBackend(lambda d: [])

    def script(dur: float) -> list:
        if backend.calls[-1]["beam"] == 5:  # the beam decode loops: the guards drop it
            return [segment("so so so so so so so so so", compression_ratio=3.5)]
        return growing(dur)

    backend.script = script
    t, clock = make(backend, language="en")
    out = run(t, clock, np.concatenate([tone(3.0), silence(1.0)]))
    stable = " ".join(e.text for e in out if isinstance(e, TranscriptEvent) and e.stable)
    (final,) = [e for e in out if isinstance(e, TranscriptEvent) and e.final]
    assert stable and final.text.startswith(stable) and "so so" not in final.text


class _Heard(ScriptedBackend):
    """Keeps the audio of every second-pass (beam 5) decode."""

    def __init__(self) -> None:
        super().__init__(growing)
        self.heard: list[np.ndarray] = []

    def transcribe(self, audio: np.ndarray, **kwargs):  # type: ignore[override]
        if kwargs.get("beam_size") == 5:
            self.heard.append(audio.copy())
        return super().transcribe(audio, **kwargs)


def _second_pass_audio(anchor: bool, shift_s: float, frame_s: float):
    """Two utterances, the stream started `shift_s` earlier and framed in `frame_s` blocks."""
    backend = _Heard()
    t, clock = make(backend, language="en", anchor_edges=anchor)
    speech = np.concatenate([silence(0.6), tone(2.0), silence(1.0), tone(1.3), silence(1.2)])
    out = []
    for frame in frames(np.concatenate([silence(shift_s), speech]), frame_s=frame_s):
        clock.advance_to(frame.end)
        t.insert_audio(frame)
        out += t.process(clock.now())
    t.finish()
    out += t.process(clock.now())
    return backend.heard, [e for e in out if isinstance(e, ClosedUtterance)]


def test_second_pass_windows_are_cut_at_the_sound_however_the_stream_is_framed() -> None:
    """A live capture starts anywhere and delivers blocks of its own size; the second pass
    must still hear the same samples as a replay, or Whisper hears some phrases otherwise."""
    variants = [(0.0, 0.1), (0.011, 0.1), (0.023, 0.02), (0.005, 0.032)]
    runs = [_second_pass_audio(True, s, f) for s, f in variants]
    first = runs[0][0]
    assert len(first) == 2  # one second pass per utterance (the pause's, final at the close)
    for (shift, _), (heard, utterances) in zip(variants, runs, strict=True):
        assert len(heard) == len(first)
        assert all(np.array_equal(a, b) for a, b in zip(heard, first, strict=True))
        # The window starts and ends `pad_s` (0.2 s) from the tone's own edges.
        assert abs(utterances[0].start - shift - 0.4) < 0.002
        assert abs(utterances[0].end - shift - 2.8) < 0.002
    assert abs(len(first[0]) / 16000 - 2.4) < 0.002
    # On the VAD's chunk grid and the frames' arrival, the same speech is cut otherwise.
    grid = [_second_pass_audio(False, s, f)[0] for s, f in variants]
    assert any(len(g[0]) != len(grid[0][0]) for g in grid[1:])


def _drafted(
    language: str, *, draft_says: str = "wee have"
) -> tuple[ScriptedBackend, ScriptedBackend, list]:
    main = ScriptedBackend(growing, language="en")
    draft = ScriptedBackend(lambda d: [segment(draft_says)], multilingual=False)
    clock = ManualClock()
    t = StreamingTranscriber(
        "customer",
        backend=main,
        vad=AmplitudeVad(),
        config=TranscriberConfig(language=language, context_s=0.0),
        clock=clock,
        draft=draft,
    )
    out = run(t, clock, np.concatenate([silence(0.5), tone(4.0), silence(1.0)]))
    return main, draft, out


def test_a_draft_model_decodes_english_partials_and_the_main_model_every_final() -> None:
    main, draft, out = _drafted("en")
    assert draft.calls and all(c["beam"] == 1 and c["language"] == "en" for c in draft.calls)
    assert main.calls and all(c["beam"] == 5 for c in main.calls)  # second passes only
    finals = [e for e in out if isinstance(e, TranscriptEvent) and e.final]
    closed = [e for e in out if isinstance(e, ClosedUtterance)]
    tentative = [e for e in out if isinstance(e, TranscriptEvent) and not e.final]
    assert any("wee" in e.text for e in tentative)  # the live text is the draft's
    assert [f.text for f in finals] == [c.text for c in closed] == [SENTENCE]


def test_the_draft_waits_for_the_language_and_never_decodes_chinese() -> None:
    main, draft, _ = _drafted("auto")
    assert main.calls[0]["language"] is None and main.calls[0]["beam"] == 1  # detection
    assert draft.calls and all(c["language"] == "en" for c in draft.calls)
    main_zh = ScriptedBackend(lambda d: [segment("广州 市")], language="zh")
    draft_zh = ScriptedBackend(lambda d: [segment("x")], multilingual=False)
    clock = ManualClock()
    t = StreamingTranscriber(
        "customer",
        backend=main_zh,
        vad=AmplitudeVad(),
        config=TranscriberConfig(language="auto"),
        clock=clock,
        draft=draft_zh,
    )
    run(t, clock, np.concatenate([tone(4.0), silence(1.0), tone(4.0), silence(1.0)]))
    assert len(main_zh.calls) > 2 and not draft_zh.calls
