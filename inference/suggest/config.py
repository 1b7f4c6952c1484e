"""Configuration of the suggestion engine."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SuggestionConfig:
    """How the suggestion engine retrieves and keeps context.

    Attributes:
        retrieval_k: playbook entries retrieved per objection (and handed to the writer).
        context_utterances: closed utterances kept as recent transcript: the oldest are
            dropped in chunks, keeping between this many and twice this many, so the
            conversation in the writer's prompt grows append-only between two drops (its
            cached prefix stays valid) instead of shifting by a line with every utterance.
        roles_kept: decision-maker mentions remembered for the writer.
        rewrite_facts: let the local model rewrite every move, not only the generic ones.
            Off by default: judged blind on the dev sets, the default model's rewrites of
            fact-bearing lines were usable less often than the planned lines they replaced
            (it alters facts: "overtime" became "costs", a yearly plan a free trial), and so
            were its rewrites of sentences written for what the customer named (a joint call
            with their CFO turned into a statement, a contract worry into "we can't break the
            contract"); it rewrites the generic lines (docs/suggestions.md).
    """

    retrieval_k: int = 5
    context_utterances: int = 6
    roles_kept: int = 6
    rewrite_facts: bool = False


SuggestConfig = SuggestionConfig  # the name the first interface note used
