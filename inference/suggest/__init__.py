"""Suggestions for objections: instant paths from the playbook, refined ones from a writer."""

from inference.suggest.config import SuggestConfig, SuggestionConfig
from inference.suggest.engine import SuggestionEngine
from inference.suggest.types import STRATEGIES, ContextLine, RefinedJob, RefinedPath, RefinedWriter

__all__ = [
    "STRATEGIES",
    "ContextLine",
    "RefinedJob",
    "RefinedPath",
    "RefinedWriter",
    "SuggestConfig",
    "SuggestionConfig",
    "SuggestionEngine",
]
