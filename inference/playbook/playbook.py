"""The loaded playbook: entries, rules, terms and a bilingual retrieval index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from inference.playbook.index import Bm25Index, Hit
from inference.playbook.loader import RulesBlock, collect
from inference.playbook.model import PlaybookEntry, Rule
from inference.playbook.rules import competitor_names, extract_rules, held_certifications
from inference.playbook.rules_block import apply_blocks
from inference.playbook.terms import extract_terms


@dataclass(frozen=True, slots=True)
class Playbook:
    """What a rep brings to a call.

    Attributes:
        entries: every section of every file, product material first as found on disk.
        rules: machine-checkable rules, each with the sentence it came from.
        terms: industry terms and names, for detectors and ASR hotwords.
        certifications: certifications the playbook states as held.
        competitors: competitor names from its competitor section(s).
        files: the files read, relative to their playbook folder.
        move_files: `moves_<lang>.json` files of the folder as (name, text): moves that extend
            Parley's move library (see `inference.suggest.moves`).
    """

    entries: tuple[PlaybookEntry, ...]
    rules: tuple[Rule, ...]
    terms: tuple[str, ...]
    certifications: tuple[str, ...] = ()
    competitors: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    move_files: tuple[tuple[str, str], ...] = ()
    _index: Bm25Index = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", Bm25Index(self.entries))

    def search(
        self, query: str, k: int = 5, lang: str | None = None
    ) -> list[tuple[PlaybookEntry, float]]:
        """The `k` entries that best match `query`, best first, with their BM25 scores.

        `lang` ("en"/"zh") ranks entries in that language first; others are still returned.
        """
        return [(h.entry, h.score) for h in self._index.search(query, k, lang)]

    def hits(self, query: str, k: int = 5, lang: str | None = None) -> list[Hit]:
        """Like `search`, with the query coverage of each hit (a match quality in [0, 1])."""
        return self._index.search(query, k, lang)

    def coverage(self, query: str, entry: PlaybookEntry) -> float:
        """How much of `query` (idf-weighted share of its tokens) `entry` contains, in [0, 1]."""
        return self._index.coverage(query, entry)

    def idf(self, token: str) -> float:
        """How rare a retrieval token is across the entries (0 for a token no entry has)."""
        return self._index.idf(token)

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def build_playbook(
    entries: tuple[PlaybookEntry, ...],
    *,
    files: tuple[str, ...] = (),
    blocks: Sequence[RulesBlock] = (),
    move_files: tuple[tuple[str, str], ...] = (),
) -> Playbook:
    """A playbook from entries already read (tests, pasted text)."""
    held = held_certifications(entries)
    rules, held = apply_blocks(extract_rules(entries), tuple(blocks), held=held)
    return Playbook(
        entries=entries,
        rules=tuple(rules),
        terms=extract_terms(entries),
        certifications=tuple(held),
        competitors=tuple(competitor_names(entries)),
        files=files,
        move_files=move_files,
    )


def load_playbook(dirs: Sequence[Path | str]) -> Playbook:
    """Read playbook folders (or single files) into one playbook.

    Raises:
        PlaybookError: a folder is missing or empty, a file is unreadable, or the rules block
            is malformed; the message says which and what to do.
    """
    loaded = collect([Path(d) for d in dirs])
    return build_playbook(
        loaded.entries, files=loaded.files, blocks=loaded.blocks, move_files=loaded.move_files
    )
