"""The user's playbook: entries for retrieval, rules for the guard, terms for detectors."""

from inference.playbook.model import PlaybookEntry, Rule
from inference.playbook.playbook import Playbook, build_playbook, load_playbook

__all__ = ["Playbook", "PlaybookEntry", "Rule", "build_playbook", "load_playbook"]
