"""Industry terms and names of a playbook, for the terms detector and ASR hotwords.

Found without a lexicon: short headings, bolded phrases, capitalised multi-word names
("Microsoft Teams"), capitalised words inside sentences, acronyms and marks with numbers
("ISO 27001", "AES-256"), Latin tokens inside Chinese text, numbers with units ("99.9%",
"$49", "220元", "30天"), names in competitor lists and Chinese list items ("钉钉、飞书").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import regex

from inference.playbook.model import PlaybookEntry
from inference.playbook.rules import cert_names, competitor_names
from inference.playbook.text import EN_STOP
from inference.text import has_han

_BOLD = re.compile(r"(?:\*\*|__)(.+?)(?:\*\*|__)")
_CAP_SEQ = re.compile(
    r"(?<![\w.])([A-Z][A-Za-z0-9&'\-]*(?:\s+(?:of\s+|&\s+)?[A-Z][A-Za-z0-9&'\-]*)+)"
)
_CAP_WORD = re.compile(r"(?<=[a-z0-9,;:(] )([A-Z][a-zA-Z0-9\-]{2,})\b")
_LATIN_IN_ZH = re.compile(r"[A-Za-z][A-Za-z0-9.+\-]*(?:\s?\d+)?")
_NUM_UNIT = re.compile(
    r"(?:[$€£¥]\s?\d[\d,.]*[kKmM]?|\d[\d,.]*\s?(?:%|元|万元|万|天|个月|小时|分钟|年|"
    r"(?:hours?|days?|weeks?|months?|years?|minutes?|agents?|seats?|users?)\b))"
)
_ZH_LIST = regex.compile(r"([\p{Han}A-Za-z0-9]{2,8})(?=[、，,]|以及|和|$)")
_GENERIC_WORDS = (
    "The This That These Those A An And Or But If We You They It Our Your Their Do Don't Not "
    "No Never Free For With Standard List Annual Data Anything Any All Each Every"
)
_GENERIC = frozenset(_GENERIC_WORDS.split())


def _add(out: dict[str, None], term: str) -> None:
    term = term.strip(" .,;:()[]\"'，。；：（）")
    if len(term) < 2 or term.lower() in EN_STOP or term in _GENERIC:
        return
    if len(term) > 40:
        return
    out.setdefault(term, None)


def extract_terms(entries: Iterable[PlaybookEntry]) -> tuple[str, ...]:
    """Terms in the order they first appear, without duplicates."""
    entries = list(entries)
    out: dict[str, None] = {}
    for name in competitor_names(entries):
        _add(out, name)
    for entry in entries:
        heading = re.sub(r"[（(][^)）]*[)）]?", "", entry.heading).strip()
        if (
            heading
            and heading != Path(entry.file).stem
            and len(heading.split()) <= 4
            and len(heading) <= 30
        ):
            _add(out, heading)
        text = entry.text
        for m in _BOLD.finditer(text):
            _add(out, m.group(1))
        for line in text.splitlines():
            if has_han(line):
                for m in _LATIN_IN_ZH.finditer(line):
                    _add(out, m.group(0))
                for m in re.finditer(r"[（(]?(?:如|例如|包括|：|:)?([^：:。；（）()]{2,})", line):
                    chunk = m.group(1)
                    if "、" in chunk:
                        for item in re.split(r"[、，,]|以及|和", chunk):
                            item = re.sub(r"^(如|例如|包括|集成|支持|的)", "", item.strip())
                            if 2 <= len(item) <= 6 and has_han(item):
                                _add(out, item)
            else:
                spans = []
                for m in _CAP_SEQ.finditer(line):
                    words = m.group(1).split()
                    while words and words[0] in _GENERIC:
                        words = words[1:]
                    if len(words) >= 2:
                        _add(out, " ".join(words))
                        spans.append((m.start(), m.end()))
                for m in _CAP_WORD.finditer(line):
                    if not any(a <= m.start() < b for a, b in spans):
                        _add(out, m.group(1))
            for name in cert_names(line):
                _add(out, name)
            for m in _NUM_UNIT.finditer(line):
                _add(out, m.group(0))
    return tuple(out)
