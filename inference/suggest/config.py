"""Configuration of the suggestion engine."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SuggestionConfig:
    """How the suggestion engine retrieves and keeps context.

    Attributes:
        retrieval_k: playbook entries retrieved per objection (and handed to the writer).
        context_utterances: closed utterances kept as recent transcript.
        roles_kept: decision-maker mentions remembered for the writer.
    """

    retrieval_k: int = 5
    context_utterances: int = 8
    roles_kept: int = 6


SuggestConfig = SuggestionConfig  # the name the first interface note used
