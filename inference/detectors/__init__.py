"""Customer signals: objections, emotion (with arousal and trend), terminology and roles.

`SignalDetectors` implements `inference.conversation.Detectors`; `detect_text` serves
`parley detect`. Chinese and English are both first-class: lexicons and rules for each
language (Chinese segmented with jieba), prosody from numpy. Objection and valence come from
small linear models (`model.py`, weights in `model_{en,zh}.json`, trained offline by
`scripts/train_detectors.py` on the labelled lines in `data/`) that read the words, word
families (`concepts.json`) and the rule evidence together. Emotion data serves the live
conversation only; it is never turned into a score of the rep.
"""

from __future__ import annotations

from inference.detectors.emotion import EmotionTrend
from inference.detectors.signals import DetectorConfig, SignalDetectors, TextDetection

__all__ = ["DetectorConfig", "EmotionTrend", "SignalDetectors", "TextDetection"]
