"""The one sentence split, for playbooks, rules, the guard and the writer's paths."""

from __future__ import annotations

import re

# After Chinese end marks always; after . ! ? only before a space and a sentence's start
# (so "3.5", "e.g. this" and "v2.1" stay whole); with `semicolons`, after ; and ； too.
_EN_END = r"(?<=[.!?])\s+(?=[^a-z\s])"
_ZH_END = r"(?<=[。！？])(?![。！？!?”」』）)])"
_SENTENCE_END = re.compile(f"{_EN_END}|{_ZH_END}")
_CLAUSE_END = re.compile(f"{_EN_END}|{_ZH_END}|(?<=[；;])")


def split_sentences(text: str, *, semicolons: bool = False) -> list[str]:
    """Sentences of English or Chinese `text`, stripped; every line break ends one.

    Args:
        text: prose, a bullet list, a path's text.
        semicolons: also end a sentence at ";" and "；" (a playbook's rule items).
    """
    pattern = _CLAUSE_END if semicolons else _SENTENCE_END
    out: list[str] = []
    for line in text.splitlines():
        out.extend(p.strip() for p in pattern.split(line) if p.strip())
    return out
