"""Customer signals: objections, emotion (with arousal and trend), terminology and roles.

`SignalDetectors` implements `inference.conversation.Detectors`; `detect_text` serves
`parley detect`. Chinese and English are both first-class: lexicons and rules for each
language (Chinese segmented with jieba), prosody from numpy. Emotion data serves the live
conversation only; it is never turned into a score of the rep.
"""

from __future__ import annotations

from inference.detectors.emotion import EmotionTrend
from inference.detectors.signals import DetectorConfig, SignalDetectors, TextDetection

__all__ = ["DetectorConfig", "EmotionTrend", "SignalDetectors", "TextDetection"]
