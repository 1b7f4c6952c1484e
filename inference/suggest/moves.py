"""The move library: the ways forward a rep can take after an objection, as data.

Each language has a JSON file in `inference/suggest/moves/` (`en.json`, `zh.json`); a playbook
folder may add moves, or replace built-in ones by id, with `moves_en.json` / `moves_zh.json`
(`Playbook.move_files`). A move says which objection categories it fits ("*" = any), its
family (what the checker holds it to: an `acknowledge` path names the concern and a value, a
`question` path asks the customer one question, an `evidence` path states a playbook fact),
what playbook fact it rests on, sentence templates for the instant stage and the instruction
the local model is given to write it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from inference.errors import PlaybookError

FAMILIES = ("acknowledge", "question", "evidence")
FACT_KINDS = ("offer", "proof", "spec", "any")


@dataclass(frozen=True, slots=True)
class Move:
    """One way forward after an objection.

    Attributes:
        id: stable id ("price.ask_gap"), the path's `strategy` in events.
        family: "acknowledge", "question" or "evidence".
        categories: objection categories it fits; "*" fits any.
        label: the move's name in the library's language (the card's title).
        instruction: what the local model is asked to write, in that language.
        templates: instant sentences with slots ({fact}, {person}, {competitor}, {number},
            {deadline}); the first whose slots are all known is used.
        fact_query: retrieval words for the move's fact ("" = the customer's words alone).
        fact_kind: the fact it wants: "offer", "proof", "spec", "any"; "" = no fact.
        fact_must: a pattern its fact must contain ("trial|pilot" for a move that invites a
            side-by-side test), or None.
        fact_prefer: a pattern that puts a fact first among those it may use (a trial before a
            yearly plan for a move that lowers the risk), or None.
        fact_avoid: fact kinds it never rests on (a start plan is never another customer's
            result: ("proof",)).
        fact_said: its fact must take up something the customer said (a word of theirs, of the
            playbook's note on their rival, or the worry they named), not only the move's own
            retrieval words: "where we differ is that ..." needs a real difference.
    """

    id: str
    family: str
    categories: tuple[str, ...]
    label: str
    instruction: str
    templates: tuple[str, ...]
    fact_query: str = ""
    fact_kind: str = ""
    fact_must: re.Pattern[str] | None = None
    fact_prefer: re.Pattern[str] | None = None
    fact_avoid: tuple[str, ...] = ()
    fact_said: bool = False

    @property
    def wants_fact(self) -> bool:
        return bool(self.fact_kind)

    def fits(self, category: str) -> bool:
        return category in self.categories or "*" in self.categories


@dataclass(frozen=True, slots=True)
class MoveLibrary:
    """The moves of one language, in library order."""

    lang: str
    moves: tuple[Move, ...]

    def get(self, move_id: str) -> Move | None:
        return next((m for m in self.moves if m.id == move_id), None)

    def for_category(self, category: str) -> tuple[Move, ...]:
        """Moves written for `category` first, then the general ones."""
        own = [m for m in self.moves if category in m.categories]
        general = [m for m in self.moves if "*" in m.categories and m not in own]
        return (*own, *general)

    def extended(self, moves: Iterable[Move]) -> MoveLibrary:
        """This library with `moves` added; a move with a known id replaces the built-in one."""
        by_id = {m.id: m for m in self.moves}
        for m in moves:
            by_id[m.id] = m
        return MoveLibrary(self.lang, tuple(by_id.values()))


def parse_moves(text: str, *, source: str) -> tuple[str, tuple[Move, ...]]:
    """The language and moves of one library file.

    Raises:
        PlaybookError: the file is not valid JSON or a move lacks a field; the message names
            the file and the move.
    """
    try:
        data = json.loads(text)
    except ValueError as e:
        raise PlaybookError(f"{source} is not valid JSON ({e}); fix it or remove it.") from e
    if not isinstance(data, dict) or not isinstance(data.get("moves"), list):
        raise PlaybookError(f'{source} must be a JSON object with a "moves" list.')
    lang = str(data.get("lang", "en"))
    moves: list[Move] = []
    for i, raw in enumerate(data["moves"]):
        where = f"{source}, move {i + 1}"
        if not isinstance(raw, dict):
            raise PlaybookError(f"{where} is not an object.")
        missing = [k for k in ("id", "family", "categories", "label", "templates") if k not in raw]
        if missing:
            raise PlaybookError(f"{where} lacks {', '.join(missing)}.")
        family = str(raw["family"])
        if family not in FAMILIES:
            raise PlaybookError(f"{where}: family must be one of {', '.join(FAMILIES)}.")
        fact = raw.get("fact") or {}
        kind = str(fact.get("kind", "")) if isinstance(fact, dict) else ""
        if kind and kind not in FACT_KINDS:
            raise PlaybookError(f"{where}: fact kind must be one of {', '.join(FACT_KINDS)}.")
        patterns: dict[str, re.Pattern[str] | None] = {}
        for name in ("must", "prefer"):
            value = fact.get(name) if isinstance(fact, dict) else None
            try:
                patterns[name] = re.compile(str(value), re.I) if value else None
            except re.error as exc:
                raise PlaybookError(
                    f"{where}: fact {name} is not a valid pattern ({exc})."
                ) from exc
        avoid = tuple(str(k) for k in (fact.get("avoid") or ())) if isinstance(fact, dict) else ()
        if any(k not in FACT_KINDS for k in avoid):
            raise PlaybookError(f"{where}: fact avoid lists kinds among {', '.join(FACT_KINDS)}.")
        templates = tuple(str(t) for t in raw["templates"] if str(t).strip())
        if not templates:
            raise PlaybookError(f"{where} has no template.")
        moves.append(
            Move(
                id=str(raw["id"]),
                family=family,
                categories=tuple(str(c) for c in raw["categories"]),
                label=str(raw["label"]),
                instruction=str(raw.get("instruction", raw["label"])),
                templates=templates,
                fact_query=str(fact.get("query", "")) if isinstance(fact, dict) else "",
                fact_kind=kind,
                fact_must=patterns["must"],
                fact_prefer=patterns["prefer"],
                fact_avoid=avoid,
                fact_said=bool(fact.get("said")) if isinstance(fact, dict) else False,
            )
        )
    return lang, tuple(moves)


@lru_cache(maxsize=4)
def builtin_library(lang: str) -> MoveLibrary:
    """The library shipped with Parley for "en" or "zh" (English for any other code)."""
    name = "zh.json" if lang.lower().startswith("zh") else "en.json"
    text = resources.files("inference.suggest").joinpath("moves", name).read_text("utf-8")
    code, moves = parse_moves(text, source=f"built-in moves/{name}")
    return MoveLibrary(code, moves)


def library_for(lang: str, playbook_files: Iterable[tuple[str, str]] = ()) -> MoveLibrary:
    """The built-in library of `lang` extended by the playbook's move files of that language
    (`(name, text)` pairs named `moves_<lang>.json`)."""
    base = builtin_library(lang)
    extra: list[Move] = []
    for name, text in playbook_files:
        file_lang, moves = parse_moves(text, source=name)
        if file_lang[:2] == base.lang[:2]:
            extra.extend(moves)
    return base.extended(extra) if extra else base
