"""The streaming transcriber of one party: a clock-driven state machine.

Audio goes in with `insert_audio`, work happens in `process`, which returns transcript events
and closed utterances. There are no threads, sleeps or wall-clock reads here: the caller owns
time (the session clock), so live capture, paced replay and offline runs share this code.

Policy: Silero VAD opens and closes utterances (Whisper never sees silence); while an utterance
is open, its window is re-decoded every `step_s` seconds of new audio and the words on which two
consecutive hypotheses agree become stable partials (LocalAgreement-2); when the speaker pauses,
the utterance is decoded with a beam and the words before the pause become stable at once.

Two passes. That pause decode is also the second pass: it hears the utterance's whole audio
(not the trimmed streaming window), with the party's earlier text as prompt. When the VAD
closes the utterance, its one final event carries the second pass's text: the pause's decode
when it already heard all the speech, else a decode of the whole utterance made then. A long
utterance is refined in pieces cut at its pauses (`split_s`), each piece decoded once, so no
single decode grows with the utterance and the worker can serve the other party in between.

Left context. Each second-pass decode also hears the end (`context_s`, cut between two
words) of the party's last finalized piece of speech before the audio it refines, and the
decoder is forced to begin with those words' final text: a sentence decoded right after the
one before it, as in a whole-recording decode, instead of alone from silence. Only what
follows the forced text is taken.

Edges. The second pass's windows start and end a fixed margin from the sound itself (found in
the samples by `edges`), not on the VAD's chunk grid or at the last frame that arrived, so the
same speech is decoded from the same samples however the stream was started and framed.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from audio.source import SAMPLE_RATE, AudioFrame, Party
from inference import log_text
from inference.asr import edges
from inference.asr.guards import GuardConfig, guarded_words
from inference.asr.hypothesis_buffer import HypothesisBuffer
from inference.asr.text import ZH_PROMPT, join_words
from inference.asr.types import AsrBackend, Transcription, Word
from inference.asr.vad import CHUNK, SpeechProbability, VadConfig, VadSegmenter
from inference.clock import Clock
from inference.events import ClosedUtterance, TranscriptEvent

log = logging.getLogger(__name__)
Mode = Literal["stream", "coarse", "once", "skip"]
Output = TranscriptEvent | ClosedUtterance
_PROMPT_WORDS = 40
_TRIM_KEEP_S = 1.0  # committed audio left at the start of a trimmed window
_PAUSE_S = 0.15  # silence inside an utterance that counts as a pause to split it at
_HEARD_ALL_S = 0.15  # a pause's decode that ends this near the utterance's end heard it all
CHUNK_S = CHUNK / SAMPLE_RATE


@dataclass(frozen=True, slots=True)
class TranscriberConfig:
    """How one party is transcribed.

    Attributes:
        language: "en", "zh" or "auto" (detected on the party's first utterance, then kept).
        hotwords: terms the user supplied (playbook terms), given to Whisper as hints.
        step_s: new audio between two decodes of an open utterance.
        coarse_step_s: the same while the worker is lagging.
        min_window_s: an open utterance is first decoded when it is this long.
        early_final_s: once the speaker has paused this long, the utterance is decoded with
            the final beam; if the VAD then closes it with no more speech, that hypothesis is
            committed at once instead of decoding again (the pause overlaps the decode).
        pause_commit: that early decode also commits at once the words that began before
            the pause, without waiting for a second hypothesis to agree: they were heard
            whole, and speech after a pause seldom changes them.
        load_factor: partial decodes are spaced at least this many times the recent decode
            time apart (measured on the session clock), so a slow machine keeps the worker
            free for the finals; 0 turns it off.
        shared_load_factor: `load_factor` while the LLM writes suggestions beside the worker
            (`sharing`): partials come less often, so the LLM gets both cores between them.
        trim_s: the decoded window is cut between committed words when longer than this,
            keeping its last second of committed words (decoding cost follows the window).
        split_s: the second pass decodes at most about this much audio at once: past it, a
            piece is closed at the speaker's next pause (its decode's words are final) and
            the rest of the utterance is refined from there.
        context_s: the second pass hears this much of the party's previous finalized piece
            before what it decodes (cut between two words; a piece decoded without word
            times only whole, if no longer), its final text forced as the decoder's start;
            0 turns the left context off. Each second of it costs encoder time.
        final_full_window: second-pass decodes encode Whisper's whole 30 s window (the audio
            padded as in training) instead of the trimmed context partials use: about twice
            a short decode's cost, paid once per piece, and fewer misheard words.
        final_beam_size: beam of the decode that closes an utterance.
        partial_beam_size: beam of the partial decodes (their agreed words are committed).
        partial_word_times: align words in partial decodes too; when False, English partials
            skip the alignment pass and share their segment's span out among the words
            (finals, early finals and Chinese always carry the model's word times).
        anchor_edges: the second pass's windows start `lead_s` before the sound of the
            utterance begins and end `tail_s` after it stops, and a long utterance is cut 75 ms
            after the sound before a pause, all found in the samples (`edges`), not on the
            VAD's chunk grid or at the last frame that arrived: the same speech is cut the same
            way however the stream was started and framed (a live capture and a replay of one
            call). Where no clear edge is found (noise, speech going on), the grid's points
            are kept.
        lead_s: audio kept before the sound's start (anchored windows).
        tail_s: audio kept after the sound's end (anchored windows).
        vad: the segmenter's thresholds.
        guard: the hallucination guards.
    """

    language: str = "auto"
    hotwords: tuple[str, ...] = ()
    step_s: float = 1.0
    coarse_step_s: float = 2.5
    min_window_s: float = 1.0
    early_final_s: float = 0.15
    pause_commit: bool = True
    load_factor: float = 1.2
    shared_load_factor: float = 2.0
    trim_s: float = 5.0
    split_s: float = 10.0
    context_s: float = 4.0
    final_full_window: bool = False
    final_beam_size: int = 5
    partial_beam_size: int = 1
    partial_word_times: bool = True
    anchor_edges: bool = True
    lead_s: float = 0.2
    tail_s: float = 0.2
    vad: VadConfig = field(default_factory=VadConfig)
    guard: GuardConfig = field(default_factory=GuardConfig)


@dataclass(frozen=True, slots=True)
class DecodePolicy:
    """How much of its work a transcriber does now; the worker's lag controller hands each
    transcriber one per lag level (`StreamingTranscriber.apply`), never its parts one by one.

    Attributes:
        mode: "stream" (partials every `step_s`), "coarse" (every `coarse_step_s`), "once"
            (each utterance decoded when it closes) or "skip" (utterances dropped undecoded).
        partials: whether tentative tails are decoded and emitted.
        final_beam: overrides `TranscriberConfig.final_beam_size` (and the partial beam) when
            lagging; None keeps the config's beams.
        sharing: the LLM writes suggestions meanwhile: partials are spaced wider
            (`TranscriberConfig.shared_load_factor`).
    """

    mode: Mode = "stream"
    partials: bool = True
    final_beam: int | None = None
    sharing: bool = False


@dataclass(frozen=True, slots=True)
class CommittedWords:
    """Words made stable by one stable partial event (for latency measurements)."""

    party: Party
    utterance_id: str
    t: float
    words: tuple[Word, ...]


@dataclass(frozen=True, slots=True)
class HeardSoFar:
    """What a pause's decode heard of an open utterance, from its start to `end` (session
    clock): the main model's text at the final beam, so the text the utterance's final most
    likely begins with (the live text may come from the draft model and read otherwise). Not
    shown: the second opinion reads it ahead (`ConversationHub.heard`)."""

    party: Party
    utterance_id: str
    text: str
    end: float
    lang: str


@dataclass(frozen=True, slots=True)
class ClosedWindow:
    """A closed utterance handed out for a batched decode (see `take_closed`)."""

    party: Party
    end: float
    language: str
    audio: np.ndarray  # the rest of the utterance to decode (its second pass)
    prompt: str | None
    utterance: _Utterance
    start: float  # session time of audio[0]


@dataclass(frozen=True, slots=True)
class _Context:
    """The party's last finalized piece of speech: its audio and its final words."""

    audio: np.ndarray
    words: int  # how many words its text has (the tail of the party's prompt words)
    text: str


_MAX_CONTEXT_WINDOW_S = 28.0  # context plus piece: one Whisper window, with room to spare


class _Utterance:
    def __init__(self, start: float) -> None:
        self.start = start
        self.end: float | None = None
        self.id: str | None = None
        self.lang = ""
        self.hb = HypothesisBuffer()
        self.window_start = start
        self.last_decode_end = start
        self.tentative = ""
        self.words: list[Word] = []  # everything made stable in this utterance
        self.audio: np.ndarray | None = None  # its samples, once handed out for a batch
        # The second pass: `refined` are final words of the pieces decoded so far, which
        # cover the audio up to `refine_start`; `second` is what a pause's decode heard of
        # the rest, up to `second_to`; `pauses` are points inside the speaker's pauses.
        self.refined: list[Word] = []
        self.refine_start = start
        self.second: list[Word] = []
        self.second_to = start
        self.pauses: list[float] = []
        self.paused: float | None = None  # the VAD pause whose second-pass decode was made
        self.paused_at: float | None = None  # the last VAD pause recorded in `pauses`
        self.loud = edges.FLOOR  # what counts as sound in its audio (`edges.threshold`)


class _Audio:
    """Contiguous samples of one party from `start` on."""

    def __init__(self) -> None:
        self.start = 0.0
        self.samples = np.zeros(0, dtype=np.float32)

    @property
    def end(self) -> float:
        return self.start + len(self.samples) / SAMPLE_RATE

    def append(self, samples: np.ndarray) -> None:
        self.samples = np.concatenate([self.samples, samples.astype(np.float32, copy=False)])

    def index(self, t: float) -> int:
        return max(0, round((t - self.start) * SAMPLE_RATE))

    def time(self, i: int) -> float:
        return self.start + i / SAMPLE_RATE

    def slice(self, t0: float, t1: float) -> np.ndarray:
        i0 = self.index(t0)
        i1 = max(i0, self.index(t1))
        return self.samples[i0:i1].copy()

    def trim_before(self, t: float) -> None:
        n = max(0, round((t - self.start) * SAMPLE_RATE))
        if n > 0:
            self.samples = self.samples[n:]
            self.start += n / SAMPLE_RATE


class StreamingTranscriber:
    """Streaming transcription of one party.

    Args:
        party: "customer" or "rep"; utterance ids are "c1", "c2", ... or "r1", ...
        backend: the recogniser (Whisper in production, scripted in tests).
        vad: speech probability per 512-sample chunk (a `SileroVad` of its own).
        config: the settings (the worker's lag controller hands in a `DecodePolicy` on top).
        clock: the session clock; events are stamped with it when they are produced.
        timer: what decode durations (`decode_s`, which spaces partials under load) are
            measured on; by default `clock`. In a session that is the session clock, which
            the audio reader advances while a decode runs on paced or live input; unpaced
            input's clock stands still during a decode (durations read 0), and its
            utterances are decoded once (no partials are spaced by them).
        draft: a smaller English model for the partial decodes of the utterance still being
            said, once the party's language is English (display and reads ahead only: every
            second pass, and so every final, is `backend`'s; so is language detection).
    """

    def __init__(
        self,
        party: Party,
        *,
        backend: AsrBackend,
        vad: SpeechProbability,
        config: TranscriberConfig,
        clock: Clock,
        timer: Clock | None = None,
        draft: AsrBackend | None = None,
    ) -> None:
        self.party: Party = party
        self._policy = DecodePolicy()
        self.skipped = 0  # utterances dropped undecoded in "skip" mode
        self.decodes = 0
        self.decode_s = 0.0  # running mean of a decode's duration on `timer`
        self._backend = backend
        self._draft = draft if draft is not backend else None
        self._config = config
        self._clock = clock
        self._timer = timer or clock
        self._vad = VadSegmenter(vad, config.vad)
        self._audio = _Audio()
        self._open: _Utterance | None = None
        self._closed: deque[_Utterance] = deque()
        self._count = 0
        self._history: list[str] = []  # committed words of the party, for the prompt
        self._context: _Context | None = None  # left context of the second pass
        self._hotwords = ", ".join(h.strip() for h in config.hotwords if h.strip()) or None
        lang = config.language
        self._lang: str | None = None if lang == "auto" else lang
        if not backend.multilingual:
            self._lang = "en"
        self.committed_log: list[CommittedWords] = []
        self._heard: list[HeardSoFar] = []  # see `take_heard`
        self._started = False

    @property
    def policy(self) -> DecodePolicy:
        return self._policy

    def apply(self, policy: DecodePolicy) -> None:
        """Work to `policy` from the next `process` on (the worker's thread only)."""
        self._policy = policy

    # ---- input ---------------------------------------------------------------------------

    @property
    def audio_end(self) -> float:
        return self._audio.end

    def insert_audio(self, frame: AudioFrame) -> None:
        """Append one frame of this party (gaps are filled with silence, overlaps cut)."""
        samples = frame.samples
        if not self._started:
            self._started = True
            self._audio.start = frame.start
            self._vad.jump(frame.start)
        gap = frame.start - self._audio.end
        if gap > 1.0 / SAMPLE_RATE:
            self._feed(np.zeros(round(gap * SAMPLE_RATE), dtype=np.float32))
        elif gap < -1.0 / SAMPLE_RATE:
            samples = samples[min(len(samples), round(-gap * SAMPLE_RATE)) :]
        if len(samples):
            self._feed(samples)

    def _feed(self, samples: np.ndarray) -> None:
        self._audio.append(samples)
        for turn in self._vad.feed(samples):
            self._on_turn(turn.kind, turn.start, turn.end, silent=turn.silent)
        u, pause = self._open, self._vad.pause_start()
        silence = self._vad.trailing_silence()
        if u is not None and pause is not None and silence >= _PAUSE_S and u.paused_at != pause:
            u.paused_at = pause  # inside the pause: where a long utterance may be split
            edge = self._pause_edge(u, pause)
            at = pause if edge is None else edge - self._config.tail_s  # the sound's end
            u.pauses.append(at + _PAUSE_S / 2)
        if self._open is None and not self._closed:
            self._audio.trim_before(self._audio.end - 1.0)

    def _on_turn(self, kind: str, start: float, end: float, *, silent: bool = False) -> None:
        if kind == "open":  # `end`: the chunk where the VAD heard speech
            loud, at = edges.FLOOR, None
            if self._config.anchor_edges:
                loud = edges.threshold(self._audio.slice(end - 1.0, end))
                at = self._sound_start(end, loud)
            start = start if at is None else at - self._config.lead_s
            self._open = _Utterance(max(start, self._audio.start))
            self._open.loud = loud
            return
        u, self._open = self._open, None
        if u is None or kind == "discard":
            return
        u.end = min(end, self._audio.end)
        if silent and self._config.anchor_edges:  # `end`: the pause's start plus `pad_s`
            pause = end - self._config.vad.pad_s
            edge = self._sound_end(u, pause, pause + self._config.vad.min_silence_s)
            if edge is not None:
                u.end = min(edge, self._audio.end)
        self._closed.append(u)

    def _sound_start(self, heard: float, loud: float) -> float | None:
        """Where the sound the VAD heard in the chunk at `heard` began, if a quiet stretch
        before it is in the last second of audio."""
        i0 = self._audio.index(heard - 1.0)
        at = edges.onset(self._audio.slice(self._audio.time(i0), heard + CHUNK_S), loud)
        return None if at is None else self._audio.time(i0 + at)

    def _sound_end(self, u: _Utterance, pause: float, until: float) -> float | None:
        """`tail_s` past where the sound before the VAD's `pause` stopped, if quiet follows it
        up to `until`; None otherwise (speech went on, or the background is too loud)."""
        i0 = self._audio.index(max(u.start, pause - 0.5))
        at = edges.offset(self._audio.slice(self._audio.time(i0), until), u.loud)
        if at is None or self._audio.time(i0 + at) <= u.start:
            return None
        return self._audio.time(i0 + at) + self._config.tail_s

    def finish(self) -> None:
        """End of the stream: close the open utterance (process() then finalizes it)."""
        turn = self._vad.close()
        if turn is not None:
            self._on_turn(turn.kind, turn.start, turn.end)

    # ---- work ----------------------------------------------------------------------------

    def ready_position(self) -> float:
        """Session time up to which all due work is done (lag = now minus this)."""
        if self._closed:  # its final decode was due when the VAD closed it
            return self._closed[0].end or self._audio.end
        u = self._open
        streamed = self._policy.mode in ("stream", "coarse") and self._policy.partials
        if u is not None and streamed:
            return min(self._audio.end, u.last_decode_end + self._step())
        return self._audio.end

    @property
    def speaking(self) -> bool:
        """The VAD has an utterance of this party open."""
        return self._open is not None

    def has_final_due(self) -> bool:
        return bool(self._closed)

    def final_imminent(self) -> bool:
        """The open utterance is in a pause: its final (early or closing) decode and commit
        are due within the VAD's `min_silence_s`, so other work should wait."""
        return self._open is not None and self._vad.pause_start() is not None

    def take_heard(self) -> list[HeardSoFar]:
        """What the pauses' decodes heard since the last call (oldest first)."""
        heard, self._heard = self._heard, []
        return heard

    def process(self, now: float) -> list[Output]:
        """Do the work that is due at session time `now`: finalize closed utterances, then at
        most one partial decode of the open one. Returns what it produced, in order."""
        out: list[Output] = []
        while self._closed:
            closed = self._closed[0]
            if self._policy.mode == "skip" and closed.id is None:
                self._closed.popleft()
                self.skipped += 1
                continue
            if not self._refine(closed):
                return out  # one piece of a long utterance decoded: other work may go first
            self._closed.popleft()
            out.extend(self._close(closed))
        u = self._open
        if u is not None and self._partial_due(u, now):
            out.extend(self._partial(u))
        if self._open is None and not self._closed:
            self._audio.trim_before(self._audio.end - 1.0)
        return out

    @property
    def _live_draft(self) -> AsrBackend | None:
        """The draft model while partials go to it (the party speaks English), else None."""
        return self._draft if self._lang == "en" else None

    def _step(self) -> float:
        c, p = self._config, self._policy
        step = c.step_s if p.mode == "stream" else c.coarse_step_s
        factor = c.shared_load_factor if p.sharing else c.load_factor
        return max(step, factor * self.decode_s)

    def _partial_due(self, u: _Utterance, now: float) -> bool:
        if self._policy.mode in ("once", "skip") or not self._policy.partials:
            return False
        end = self._audio.end
        if end - u.start < self._config.min_window_s:
            return False
        pause = self._vad.pause_start()
        if pause is not None:  # the pause's second pass once it is long enough, once per pause
            if u.paused == pause or end - pause < self._config.early_final_s:
                return False
            edge = self._pause_edge(u, pause)
            return edge is None or end >= edge
        return end - u.last_decode_end >= self._step()

    def _pause_edge(self, u: _Utterance, pause: float) -> float | None:
        """Where the second-pass decode of the pause at `pause` ends: `tail_s` past the
        sound before it (None: at the last frame that arrived)."""
        if not self._config.anchor_edges:
            return None
        return self._sound_end(u, pause, self._audio.end)

    def _partial(self, u: _Utterance) -> list[Output]:
        end = self._audio.end
        pause = self._vad.pause_start()
        if pause is not None and end - pause < self._config.early_final_s:
            pause = None  # not yet a pause (no partial is due then: see `_partial_due`)
        drafted = pause is None and self._live_draft is not None
        if pause is not None:
            edge = self._pause_edge(u, pause)
            u.paused = pause
            to = edge if edge is not None and edge <= end else end
            words = self._second_pass(u, to)
            if words:
                text = self._join([*u.refined, *u.second], u.lang)
                self._heard.append(HeardSoFar(self.party, self._id(u), text, to, u.lang))
        else:
            beam = self._policy.final_beam or self._config.partial_beam_size
            align = self._config.partial_word_times or self._lang != "en"
            words = self._decode(u, u.window_start, end, beam=beam, word_timestamps=align)
        if log.isEnabledFor(logging.DEBUG):
            paused = f" (pause at {pause:.2f})" if pause is not None else ""
            paused = " (draft)" if drafted else paused
            if log_text.enabled():
                heard = join_words(f"{w.text}/{w.probability:.2f}" for w in words)
            else:  # no call words in the log: how many, and how sure
                sure = sum(w.probability for w in words) / len(words) if words else 0.0
                heard = f"<{len(words)} words, mean p {sure:.2f}>"
            log.debug("%s %s hypothesis to %.2f%s: %s", self.party, self._id(u), end, paused, heard)
        out: list[Output] = []
        if not words and u.hb.tail():
            return out  # the guards rejected this decode (a loop): keep the last hypothesis
        u.hb.insert(words)
        committed = u.hb.flush()
        if pause is not None and self._config.pause_commit:
            committed += u.hb.commit_before(pause)
        if committed:
            out.append(self._stable(u, committed))
        tail = u.hb.tail()
        text = join_words(w.text for w in tail)
        if text != u.tentative:
            u.tentative = text
            start = tail[0].start if tail else u.hb.last_committed_end or u.start
            out.append(self._event(u, start, tail[-1].end if tail else end, text, final=False))
        if end - u.window_start > self._config.trim_s and u.hb.committed:
            # Cut between committed words, keeping the last second of them in the window:
            # a window that starts right where the next word begins garbles that word, and
            # the words kept are matched against the next hypothesis and not committed twice.
            last = u.hb.committed[-1].end
            cuts = [w.end for w in u.hb.committed if w.end <= last - _TRIM_KEEP_S]
            if cuts and cuts[-1] > u.window_start:
                u.hb.pop_committed(cuts[-1])
                u.window_start = cuts[-1]
        return out

    def _second_pass(self, u: _Utterance, end: float) -> list[Word]:
        """A pause in the open utterance: decode all of it not yet refined, with the final
        beam. Returns the words (for the pause commit); they are the final text if the VAD
        closes the utterance with no more speech. A piece past `split_s` is final at once."""
        beam = self._policy.final_beam or self._config.final_beam_size
        words = self._decode(u, u.refine_start, end, beam=beam, second=True)
        u.second, u.second_to = words, end
        if end - u.refine_start > self._config.split_s and words:
            u.refined.extend(words)
            self._keep_context(u.refine_start, end, words)
            u.refine_start, u.second = end, []
        return words

    def _refine(self, u: _Utterance) -> bool:
        """The second pass of a closed utterance, one decode at a time: True once its final
        words are all in `u.refined`, False after decoding one piece of a long one."""
        assert u.end is not None
        if u.second_to >= u.end - _HEARD_ALL_S:
            # The pause's decode already heard all the speech.
            if u.second:  # a pause's decode: words with the model's times
                self._keep_context(u.refine_start, u.second_to, u.second)
            elif self._streamed(u):
                self._context = None  # streaming's words, not a decode of the piece
            u.refined.extend(u.second or self._streamed(u))
            u.second, u.refine_start = [], u.end
            return True
        if u.end - u.refine_start <= 0.1:
            return True
        cut = self._cut(u)
        beam = self._policy.final_beam or self._config.final_beam_size
        align = self._lang != "en" and u.lang != "en"
        words = self._decode(u, u.refine_start, cut, beam=beam, word_timestamps=align, second=True)
        if words:
            self._keep_context(u.refine_start, cut, words, aligned=align)
        elif cut >= u.end:
            words = self._streamed(u)
            if words:
                self._context = None  # streaming's words, not a decode of the piece
        u.refined.extend(words)
        u.refine_start, u.second, u.second_to = cut, [], cut
        return cut >= u.end

    def _streamed(self, u: _Utterance) -> list[Word]:
        """The guards rejected the second pass of the utterance's last piece (a loop, or
        what they took for no speech): keep the words streaming heard there, if any."""
        return [w for w in (*u.words, *u.hb.tail()) if w.start >= u.refine_start - 0.05]

    def _cut(self, u: _Utterance) -> float:
        """Where the next piece of a closed utterance's second pass ends: its end, or the
        last pause that keeps the piece within `split_s` (the first pause past it when none
        does); an utterance without pauses is decoded whole (the VAD bounds its length)."""
        assert u.end is not None
        limit = u.refine_start + self._config.split_s
        if u.end <= limit:
            return u.end
        pauses = [p for p in u.pauses if u.refine_start + 1.0 < p < u.end - 1.0]
        within = [p for p in pauses if p <= limit]
        return within[-1] if within else pauses[0] if pauses else u.end

    def _keep_context(
        self, t0: float, t1: float, words: list[Word], *, aligned: bool = True
    ) -> None:
        """The piece `t0`..`t1` was decoded to its final `words`: its last `context_s` is the
        left context of the next second-pass decode, cut between two words when the words
        carry the model's times (`aligned`); a longer piece without them leaves none."""
        limit = self._config.context_s
        if limit <= 0 or not words or (t1 - t0 > limit and not aligned):
            self._context = None
            return
        first: int | None = 0
        if t1 - t0 > limit:
            first = next((i for i, w in enumerate(words) if w.start >= t1 - limit), None)
        if first is None:  # its last word is longer than the limit
            self._context = None
            return
        kept = words[first:]
        cut = t0 if first == 0 else (words[first - 1].end + kept[0].start) / 2
        text = self._join(kept, self._lang or "")
        self._context = _Context(self._audio.slice(max(t0, cut), t1), len(kept), text)

    def _close(self, u: _Utterance) -> list[Output]:
        """The utterance's one final event (its second pass's text, replacing its partials)
        and, when it has words, the closed utterance the detectors read."""
        assert u.end is not None
        words = u.refined
        out: list[Output] = []
        if words or u.id is not None:  # an utterance that showed partials gets its final
            start, end = (words[0].start, words[-1].end) if words else (u.start, u.end)
            text = self._join(words, u.lang)
            out.append(self._event(u, start, end, text, final=True))
        if words:
            out.append(
                ClosedUtterance(
                    speaker=self.party,
                    utterance_id=self._id(u),
                    start=u.start,
                    end=u.end,
                    text=self._join(words, u.lang),
                    lang=u.lang,
                    audio=u.audio if u.audio is not None else self._audio.slice(u.start, u.end),
                )
            )
        self._history.extend(w.text for w in words)
        del self._history[:-_PROMPT_WORDS]
        if self._open is None and not self._closed:
            self._audio.trim_before(self._audio.end - 1.0)
        return out

    # ---- batched decoding (replay at max speed) --------------------------------------------

    def take_closed(self, max_s: float = 28.0) -> list[ClosedWindow]:
        """Hand out closed utterances for one batched decode; each comes back through
        `finish_decoded`. Only in "once" mode and once the party's language is known (the
        first utterance detects it the usual way); an utterance longer than `max_s` and those
        after it stay for `process`."""
        out: list[ClosedWindow] = []
        if self._policy.mode != "once" or self._lang is None:
            return out
        while self._closed:
            u = self._closed[0]
            assert u.end is not None
            if u.end - u.refine_start > max_s or u.second_to > u.refine_start:
                break
            self._closed.popleft()
            u.audio = self._audio.slice(u.start, u.end)
            rest = self._audio.slice(u.refine_start, u.end)
            prompt = self._refine_prompt(u)
            out.append(ClosedWindow(self.party, u.end, self._lang, rest, prompt, u, u.refine_start))
        if self._open is None and not self._closed:
            self._audio.trim_before(self._audio.end - 1.0)
        return out

    def finish_decoded(self, window: ClosedWindow, result: Transcription) -> list[Output]:
        """Close an utterance from `take_closed` with its batched decode (its second pass:
        the rest of the utterance, decoded once)."""
        u = window.utterance
        self.decodes += 1
        u.lang = u.lang or self._lang or result.language
        words = guarded_words(result.segments, self._config.guard, estimate=True)
        u.refined.extend(w.shifted(window.start) for w in words if w.text.strip())
        self._context = None  # batches decode without left context
        assert u.end is not None
        u.refine_start = u.end
        return self._close(u)

    def _decode(
        self,
        u: _Utterance,
        t0: float,
        end: float,
        *,
        beam: int | None = None,
        word_timestamps: bool = True,
        second: bool = False,
    ) -> list[Word]:
        """Decode the party's audio from `t0` to `end`: the streaming window, or with
        `second` a piece of the second pass (its own prompt, and the left context)."""
        audio = self._audio.slice(t0, end)
        ctx = self._context if second else None
        if ctx is not None and (len(ctx.audio) + len(audio)) / SAMPLE_RATE > _MAX_CONTEXT_WINDOW_S:
            ctx = None
        extra: dict[str, object] = {} if word_timestamps else {"word_timestamps": False}
        if second and self._config.final_full_window:
            extra["full_window"] = True
        offset = t0
        if ctx is not None:
            extra["prefix"] = ctx.text
            offset = t0 - len(ctx.audio) / SAMPLE_RATE
            audio_in = np.concatenate([ctx.audio, audio])
        else:
            audio_in = audio
        if second and log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s second pass %.3f-%.3f, context %.2f s, beam %s, aligned %s",
                self.party, self._id(u), t0, end, t0 - offset, beam, word_timestamps,
            )  # fmt: skip
        backend = (None if second else self._live_draft) or self._backend
        began = self._timer.now()
        result = backend.transcribe(
            audio_in,
            language=self._lang,
            prompt=self._refine_prompt(u, ctx.words if ctx else 0) if second else self._prompt(u),
            hotwords=self._hotwords,
            beam_size=beam,
            **extra,  # type: ignore[arg-type]
        )
        self.decodes += 1
        took = max(0.0, self._timer.now() - began)
        self.decode_s = took if self.decodes == 1 else 0.7 * self.decode_s + 0.3 * took
        u.last_decode_end = end
        if self._lang is None and len(audio) >= SAMPLE_RATE:
            self._lang = result.language if result.language in ("en", "zh") else "en"
        u.lang = u.lang or self._lang or result.language
        segments = result.segments
        if ctx is not None and not word_timestamps:
            # Without word times the text after the forced prefix has no span of its own
            # (faster-whisper gives it the window's end): it is the piece's.
            at = len(ctx.audio) / SAMPLE_RATE
            segments = tuple(
                s if s.words else replace(s, start=at, end=max(at, s.end)) for s in segments
            )
        words = guarded_words(segments, self._config.guard, estimate=not word_timestamps)
        out = [w.shifted(offset) for w in words if w.text.strip()]
        if ctx is not None:  # a word the alignment put in the context still belongs here
            out = [
                w if w.start >= t0 else Word(t0, max(t0, w.end), w.text, w.probability) for w in out
            ]
        return out

    def _prompt(self, u: _Utterance) -> str | None:
        """The streaming prompt: the party's earlier text and this utterance's stable words
        that are no longer in the window."""
        inside = {id(w) for w in u.hb.committed}
        return self._prompt_of(u, [w.text for w in u.words if id(w) not in inside])

    def _refine_prompt(self, u: _Utterance, context_words: int = 0) -> str | None:
        """The second pass's prompt: the party's earlier final text and the pieces of this
        utterance refined so far, less the last `context_words` (the left context's text,
        which the decoder is given as its forced start instead)."""
        return self._prompt_of(u, [w.text for w in u.refined], context_words)

    def _prompt_of(self, u: _Utterance, done: list[str], drop: int = 0) -> str | None:
        words = self._history + done
        words = words[: len(words) - drop][-_PROMPT_WORDS:]
        text = join_words(words) if (self._lang or u.lang) != "zh" else "".join(words).strip()
        if (self._lang or u.lang) == "zh":
            return ZH_PROMPT + text
        return text or None

    def _stable(self, u: _Utterance, words: list[Word]) -> TranscriptEvent:
        u.words.extend(words)
        text = self._join(words, u.lang)
        event = self._event(u, words[0].start, words[-1].end, text, final=False, stable=True)
        self.committed_log.append(
            CommittedWords(self.party, event.utterance_id, event.t, tuple(words))
        )
        return event

    def _event(
        self,
        u: _Utterance,
        start: float,
        end: float,
        text: str,
        *,
        final: bool,
        stable: bool = False,
    ) -> TranscriptEvent:
        return TranscriptEvent(
            t=self._clock.now(),
            speaker=self.party,
            utterance_id=self._id(u),
            start=start,
            end=end,
            text=text,
            final=final,
            lang=u.lang or self._lang or "en",
            stable=stable,
        )

    @staticmethod
    def _join(words: list[Word], lang: str) -> str:
        if lang == "zh":
            return "".join(w.text.strip() for w in words)
        return join_words(w.text for w in words)

    def _id(self, u: _Utterance) -> str:
        if u.id is None:
            self._count += 1
            u.id = f"{'c' if self.party == 'customer' else 'r'}{self._count}"
        return u.id
