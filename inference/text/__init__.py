"""Parley's one text toolkit for English and Chinese.

- `cjk`: the CJK test (`\\p{Han}` via `regex`; the wider set written without spaces);
- `lang`: the one language guess;
- `segment`: one jieba dictionary per process, one HMM setting, glossary-aware `Segmenter`;
- `sentences`: the one sentence split;
- `stem`: the one English stemmer (Snowball);
- `numbers`: numerals (Chinese via `cn2an`, English number words).
- `discourse`: what a line does in the conversation (a confident next step, a pain of today,
  a question), which keeps an objection read into it tentative.

Retrieval (`inference.playbook`), the detectors, the guard, the writer, the transcriber and the
desktop's transcript view all use these; nothing else writes out CJK ranges or language rules.
"""

from inference.text.cjk import HAN, HAN_RUN, han_count, has_cjk, has_han, is_cjk, is_han
from inference.text.lang import cjk_ratio, guess_lang
from inference.text.numbers import en_word_to_number, zh_to_number
from inference.text.segment import Segmenter, zh_words
from inference.text.sentences import split_sentences
from inference.text.stem import stem

__all__ = [
    "HAN",
    "HAN_RUN",
    "Segmenter",
    "cjk_ratio",
    "en_word_to_number",
    "guess_lang",
    "han_count",
    "has_cjk",
    "has_han",
    "is_cjk",
    "is_han",
    "split_sentences",
    "stem",
    "zh_to_number",
    "zh_words",
]
