"""The customer's concern in their own terms: where the data sits, who sees it, an outage, the
business stopping for the switch, ease of use, losing history, money up front, a contract
they are in, after-sales support, the numbers a decider wants, control over their systems.

The category says what kind of objection it is ("security"); the concern says what this
customer is worried about within it ("where is it stored?" is not "who can see it?"). Each
concern is data (`moves/concerns.json`): how a customer says it and how a playbook fact that
bears on it reads, per language. A concern the customer names sets the template flag
`{?c_<id>}` (a move's template written for it) and ranks the facts that fit it first, so the
answer to "where is it stored?" is the playbook's hosting line, not its certification.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Concern:
    """One concern: what the customer says (`said`) and what a fact on it holds (`fact`), per
    language ("en", "zh"); `fact` may be None (a concern no fact answers, such as liking a
    rival's demo)."""

    id: str
    said: dict[str, re.Pattern[str]]
    fact: dict[str, re.Pattern[str] | None]


@lru_cache(maxsize=1)
def concerns() -> tuple[Concern, ...]:
    """The built-in concerns, in file order."""
    text = (
        resources.files("inference.suggest").joinpath("moves", "concerns.json").read_text("utf-8")
    )
    out: list[Concern] = []
    for raw in json.loads(text)["concerns"]:
        said: dict[str, re.Pattern[str]] = {}
        fact: dict[str, re.Pattern[str] | None] = {}
        for lang in ("en", "zh"):
            spec = raw[lang]
            said[lang] = re.compile(spec["said"], re.I)
            fact[lang] = re.compile(spec["fact"], re.I) if spec.get("fact") else None
        out.append(Concern(str(raw["id"]), said, fact))
    return tuple(out)


def _lang(lang: str) -> str:
    return "zh" if lang.startswith("zh") else "en"


def concerns_in(text: str, lang: str) -> tuple[str, ...]:
    """Ids of the concerns the customer names in `text`, the first named first (the main
    question of "where is it stored and who can access it?" is where)."""
    key = _lang(lang)
    found = [
        (m.start(), i, c.id) for i, c in enumerate(concerns()) if (m := c.said[key].search(text))
    ]
    return tuple(cid for _, _, cid in sorted(found))


def fact_cues(ids: Iterable[str], lang: str) -> tuple[re.Pattern[str], ...]:
    """What a fact that bears on the concerns `ids` contains, one pattern per concern, in the
    order of `ids`."""
    key = _lang(lang)
    by_id = {c.id: c.fact[key] for c in concerns()}
    return tuple(p for i in ids if (p := by_id.get(i)) is not None)


# Concerns that are worries in themselves ("where is it stored?", "if it goes down ..."), as
# opposed to ones a customer also names when describing their setup (a contract, being busy,
# liking a tool): a line with a worry is an objection even when its words are few.
WORRIES = frozenset(
    {
        "location",
        "access",
        "outage",
        "disruption",
        "migration",
        "support",
        "control",
        "upfront",
        "volume",
    }
)


def names_worry(text: str, lang: str) -> bool:
    """The customer names one of the `WORRIES` in `text`."""
    return any(c in WORRIES for c in concerns_in(text, lang))
