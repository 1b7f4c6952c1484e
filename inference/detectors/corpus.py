"""The labelled training corpus of the learned detectors (`data/{en,zh}_*.tsv`).

Each line: industry, objection (a category or "none"), valence (neg/neu/pos) and the
customer's words, separated by tabs; "#" starts a comment line. Written for Parley across
many industries, never taken from the evaluation data. Whole industries in `HELD_OUT` are kept
out of training so that their accuracy measures how the models do on unseen industries.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
HELD_OUT = frozenset({"energy", "hospitality", "agriculture", "automotive"})
_VALENCE = {"neg": "negative", "neu": "neutral", "pos": "positive"}


@dataclass(frozen=True, slots=True)
class Row:
    """One labelled customer line."""

    industry: str
    lang: str
    objection: str | None
    valence: str
    text: str


def load_corpus(lang: str, data_dir: Path = DATA_DIR) -> list[Row]:
    """Every labelled training-corpus line of `lang` ("en" or "zh"), in file order."""
    rows: list[Row] = []
    for path in sorted(data_dir.glob(f"{lang}_*.tsv")):
        rows += load_file(path, lang)
    return rows


BLIND_FILES = ("blind", "blind2", "blind3", "blind4")


def load_blind(lang: str, data_dir: Path = DATA_DIR) -> list[Row]:
    """The blind checks of `lang`: whole industries written after the model design (in four
    rounds), never trained on; the shipped models are measured on them."""
    rows: list[Row] = []
    for name in BLIND_FILES:
        rows += load_file(data_dir / f"{name}_{lang}.tsv", lang)
    return rows


# Blind checks written for issue #18, never trained on and measured apart from the four above:
# blunt objections in sales-training style (short brush-offs and stalls, every line an
# objection) and null context lines as ASR writes whole calls (no line an objection).
BLUNT_BLIND = "blunt_blind"
NULL_BLIND = "null_blind"

# Round 4 of issue #18 (objections as other people say them): ten industries per language of
# short, colloquial, indirect lines; three drawn aside by a seeded draw before any score are
# `blind5` (never trained on, never read for the word families), the other seven are `read4`,
# read to extend the English stance families of `concepts.json` (the Chinese ones gained nothing
# blind and were taken out) and not trained on either (training on them lowered the English
# corpus blind files and raised false alarms on calls).
READ4 = "read4"
BLIND5 = "blind5"

# Round 6 (2026-12-06): the third batch of new training lines (the same objections in many
# customers' voices, 24 industries) moved no own file when trained on, so it was kept aside,
# never trained on: a measure written after the shipped models (`voices6_{en,zh}.tsv`).
VOICES6 = "voices6"


# Lines taught to the valence model only (`valence_<lang>_<n>.tsv`, same columns): positive and
# neutral look-alikes as customers say them (agreement to a next step, praise, thanks against
# noncommittal okays and polite stalls). Trained on for objections too, they cost objection reads
# on the own files (round 8), so the objection model never sees them; their objection column is
# kept as written.
VALENCE_ONLY = "valence"


def load_valence_only(lang: str, data_dir: Path = DATA_DIR) -> list[Row]:
    """The lines of `lang` that train the valence model and nothing else, in file order."""
    rows: list[Row] = []
    for path in sorted(data_dir.glob(f"{VALENCE_ONLY}_{lang}_*.tsv")):
        rows += load_file(path, lang)
    return rows


# Valence as three readers heard it (`valence_panel_<lang>.jsonl`, the `--data` JSONL shape plus
# `panel`, the three labels, and `writer_valence`, the label of the line's writer; `valence` is
# the panel's majority): 320 lines per language from `frozen4`, `frozen3` and a seeded draw of
# `voices6`, labelled in round 9 by helper sessions that read only the lines and the label
# guide's sentence. For measuring only, never trained on.
VALENCE_PANEL = "valence_panel"


def load_named(name: str, lang: str, data_dir: Path = DATA_DIR) -> list[Row]:
    """The lines of one named corpus file, `<name>_<lang>.tsv`."""
    return load_file(data_dir / f"{name}_{lang}.tsv", lang)


def load_file(path: Path, lang: str) -> list[Row]:
    """The labelled lines of one corpus file."""
    rows: list[Row] = []
    if path.is_file():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 4 or parts[2] not in _VALENCE:
                raise ValueError(f"{path.name}:{n}: expected industry, objection, valence, text")
            industry, objection, valence, text = parts
            rows.append(
                Row(
                    industry,
                    lang,
                    None if objection == "none" else objection,
                    _VALENCE[valence],
                    text,
                )
            )
    return rows
