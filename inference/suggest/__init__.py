"""Suggestions for objections: three planned moves, instant from templates and the playbook,
then written for this customer by a local model and checked before they are shown."""

from inference.suggest.config import SuggestConfig, SuggestionConfig
from inference.suggest.engine import SuggestionEngine
from inference.suggest.types import ContextLine, MoveTask, RefinedJob, RefinedPath, RefinedWriter

__all__ = [
    "ContextLine",
    "MoveTask",
    "RefinedJob",
    "RefinedPath",
    "RefinedWriter",
    "SuggestConfig",
    "SuggestionConfig",
    "SuggestionEngine",
]
