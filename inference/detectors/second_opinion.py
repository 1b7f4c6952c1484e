"""A second opinion on the objection category from the local LLM: one constrained choice.

The lexicon model is fast and knows the phrasings it was written with; a chat model has read
far more ways of saying things. Here the LLM answers one question — which of the ten labels
fits the customer's line — under a grammar that allows only those labels, so it costs one
short prompt (the fixed instructions stay in llama.cpp's prefix cache) and two or three
generated tokens. It is measured against the lexicon by `scripts/second_opinion_bench.py`;
it is not wired into the live session (the refined writer owns the LLM there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from inference.events import OBJECTION_CATEGORIES
from inference.llm.grammar import choice_grammar
from inference.llm.types import ChatMessage

LABELS: tuple[str, ...] = ("none", *OBJECTION_CATEGORIES)

# The label guide in our own words; the instructions never change, so they stay cached.
INSTRUCTIONS = """You label one line a customer said on a sales call. Answer with one label:
price - our cost is too high or negotiable, or a rival offers the same for less
budget - money is not available (no budget, spending freeze), whoever says so
timing - not now, later, wrong moment
competitor - they stay with, signed with, use or are trialling another supplier (no price point)
authority - someone else must approve or decide
need - they do not need it, what they have is enough
trust - doubts about our reliability, support, after-sales service or promises, or a bad experience with an earlier vendor
implementation - effort, installation, migration, training, downtime
security - data protection, privacy, a legal or compliance review of data handling
none - no objection: questions, small talk, describing their business or equipment, interest, or what a manager wants without objecting
If the line raises two concerns, pick the one that blocks them now."""


@dataclass(frozen=True, slots=True)
class Opinion:
    """The LLM's label for one line (`None` for "none") and the seconds it took."""

    category: str | None
    seconds: float


class SecondOpinion:
    """Asks a loaded `LlamaBackend` for one label per customer line.

    Args:
        backend: an `inference.llm.backend.LlamaBackend` (loaded on first use).
    """

    def __init__(self, backend: Any) -> None:
        self._backend = backend
        self._grammar = choice_grammar(LABELS)

    def prompt(self, text: str, context: Sequence[str] = ()) -> str:
        """The chat prompt for one line; `context` is the few lines said before it."""
        said = "\n".join(f"- {c}" for c in context[-3:])
        user = (f"Earlier in the call:\n{said}\n\n" if said else "") + f"Customer: {text}\nLabel:"
        return str(
            self._backend.render_chat(
                [ChatMessage("system", INSTRUCTIONS), ChatMessage("user", user)]
            )
        )

    def choose(self, text: str, context: Sequence[str] = ()) -> Opinion:
        """The label the LLM picks for `text` (greedy, grammar-constrained)."""
        import time

        t0 = time.perf_counter()
        out = "".join(
            self._backend.stream(self.prompt(text, context), grammar=self._grammar, max_tokens=6)
        ).strip()
        label = out if out in LABELS else "none"
        return Opinion(None if label == "none" else label, time.perf_counter() - t0)


def combine(
    lexicon: str | None, confidence: float, llm: str | None, *, threshold: float
) -> str | None:
    """The combined category: the lexicon where it is sure, the LLM where it is not."""
    return lexicon if confidence >= threshold else llm
