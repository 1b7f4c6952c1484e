"""Hallucination guards: drop segments the model was not hearing, cut repetition loops."""

from __future__ import annotations

from dataclasses import dataclass

from inference.asr.text import word_key
from inference.asr.types import Segment, Word


@dataclass(frozen=True, slots=True)
class GuardConfig:
    """When a decoded segment is thrown away.

    Attributes:
        no_speech_prob: a segment above this whose avg_logprob is under
            `no_speech_logprob` is silence or noise.
        no_speech_logprob: see above.
        min_avg_logprob: any segment under this is dropped.
        max_compression_ratio: a segment more compressible than this is a loop.
        max_repeats: a phrase repeated back to back more often is cut to one occurrence.
    """

    no_speech_prob: float = 0.6
    no_speech_logprob: float = -0.6
    min_avg_logprob: float = -1.4
    max_compression_ratio: float = 2.4
    max_repeats: int = 3


def keep_segment(seg: Segment, config: GuardConfig) -> bool:
    """Whether a segment is believable speech."""
    if seg.no_speech_prob > config.no_speech_prob and seg.avg_logprob < config.no_speech_logprob:
        return False
    if seg.avg_logprob < config.min_avg_logprob:
        return False
    return seg.compression_ratio <= config.max_compression_ratio


def cut_repeats(words: list[Word], max_repeats: int) -> list[Word]:
    """Collapse an n-gram (n <= 6) repeated back to back more than `max_repeats` times."""
    keys = [word_key(w.text) for w in words]
    out: list[Word] = []
    out_keys: list[str] = []
    i = 0
    while i < len(words):
        cut = False
        for n in range(1, 7):
            gram = keys[i : i + n]
            if len(gram) < n:
                break
            reps = 1
            while keys[i + reps * n : i + (reps + 1) * n] == gram:
                reps += 1
            if reps > max_repeats:
                out.extend(words[i : i + n])
                out_keys.extend(gram)
                i += reps * n
                cut = True
                break
        if not cut:
            out.append(words[i])
            out_keys.append(keys[i])
            i += 1
    return out


def segment_words(seg: Segment) -> tuple[Word, ...]:
    """The segment's words; when it was decoded without word timestamps, its text split at
    spaces with the segment's span shared out by length (an estimate good enough for the
    agreement of partial hypotheses; finals are decoded with the model's word times)."""
    if seg.words or not seg.text.strip():
        return seg.words
    parts: list[str] = []
    for piece in seg.text.split(" "):
        if piece:
            parts.append(" " + piece if parts or seg.text.startswith(" ") else piece)
    total = sum(len(p) for p in parts) or 1
    span = max(0.0, seg.end - seg.start)
    out: list[Word] = []
    at = seg.start
    for part in parts:
        end = at + span * len(part) / total
        out.append(Word(at, end, part))
        at = end
    return tuple(out)


def guarded_words(
    segments: tuple[Segment, ...], config: GuardConfig, *, estimate: bool = False
) -> list[Word]:
    """The words of the believable segments, with repetition loops cut; `estimate` splits
    segments decoded without word timestamps into words (`segment_words`)."""
    words = [
        w
        for seg in segments
        if keep_segment(seg, config)
        for w in (segment_words(seg) if estimate else seg.words)
    ]
    return cut_repeats(words, config.max_repeats)
