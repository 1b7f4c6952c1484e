"""Streaming speech recognition: Silero VAD gating, Whisper, LocalAgreement-2 commits."""

from inference.asr.hypothesis_buffer import HypothesisBuffer
from inference.asr.transcriber import CommittedWords, StreamingTranscriber, TranscriberConfig
from inference.asr.types import AsrBackend, Segment, Transcription, Word
from inference.asr.vad import SileroVad, VadConfig, VadSegmenter

__all__ = [
    "AsrBackend",
    "CommittedWords",
    "HypothesisBuffer",
    "Segment",
    "SileroVad",
    "StreamingTranscriber",
    "TranscriberConfig",
    "Transcription",
    "VadConfig",
    "VadSegmenter",
    "Word",
]
