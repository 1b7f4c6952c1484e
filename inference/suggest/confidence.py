"""How sure a path is, from evidence.

    confidence = 0.05 + 0.9 * (0.40 * objection + 0.35 * retrieval + 0.25 * grounded)

- `objection`: the detector's confidence that this utterance is an objection of its category.
- `retrieval`: how well the best playbook entry the path cites matches the objection:
  0.6 x the idf-weighted share of the customer's own words found in the entry + 0.4 x the
  share of the category's keywords (see `InstantComposer.retrieve`), scaled by 1.5 and capped
  at 1, so that a good partial match already counts as strong. A path that cites nothing
  retrieved for this objection scores 0 here.
- `grounded`: 1 when the path states a fact found in an entry it cites (a number, a
  certification or name, a term of the playbook), 0.5 when it only shares some content words
  with a cited entry, 0 when it states nothing found there.

So a clear objection answered with a well-matched, factual entry scores about 0.9; a vague
utterance with weak retrieval and an ungrounded path falls towards 0.1.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from inference.playbook.model import PlaybookEntry
from inference.playbook.rules import cert_names
from inference.playbook.text import tokens

W_OBJECTION, W_RETRIEVAL, W_GROUNDED = 0.40, 0.35, 0.25
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def path_facts(text: str, terms: Iterable[str] = ()) -> set[str]:
    """Facts a text states: numbers, certification-like names, and playbook terms it contains."""
    facts = {n.replace(",", "") for n in _NUMBER.findall(text)}
    facts.update(n.lower() for n in cert_names(text))
    low = text.lower()
    facts.update(
        t.lower() for t in terms if len(t) >= 2 and not _NUMBER.fullmatch(t) and t.lower() in low
    )
    return facts


def grounding(text: str, entries: Iterable[PlaybookEntry], terms: Iterable[str] = ()) -> float:
    """1.0 if `text` states a fact found in one of `entries`, 0.5 if it shares content words
    with them, else 0.0."""
    entries = list(entries)
    terms = [t for t in terms if not _NUMBER.fullmatch(t)]
    facts = path_facts(text, terms)
    for entry in entries:
        body = f"{entry.heading}\n{entry.text}"
        entry_numbers = {n.replace(",", "") for n in _NUMBER.findall(body)}
        low = body.lower()
        if any(f in entry_numbers or (not f.isdigit() and f in low) for f in facts):
            return 1.0
    text_tokens = set(tokens(text))
    for entry in entries:
        shared = text_tokens & set(tokens(entry.text))
        if len(shared) >= 3:
            return 0.5
    return 0.0


def path_confidence(*, objection: float, retrieval: float, grounded: float) -> float:
    """The confidence of one path (see the module docstring)."""
    retrieval = min(1.0, max(0.0, 1.5 * retrieval))
    objection = min(1.0, max(0.0, objection))
    value = 0.05 + 0.9 * (W_OBJECTION * objection + W_RETRIEVAL * retrieval + W_GROUNDED * grounded)
    return round(min(0.95, max(0.05, value)), 3)
