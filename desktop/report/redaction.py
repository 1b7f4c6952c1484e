"""Redaction of a whole timeline before it is exported or reported.

The rules live in `desktop.privacy.redact` (`redact(text) -> str`: Chinese ID numbers, card
numbers, e-mail addresses and phone numbers); this module applies them to every free text of a
`Timeline`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from desktop.report.timeline import ReviewNote, Timeline, Utterance
from inference.events import SuggestionPath

Redactor = Callable[[str], str]


def redactor() -> Redactor:
    """The project's redaction function (imported lazily: exports are rare)."""
    from desktop.privacy.redact import redact

    return redact


def redact_timeline(timeline: Timeline, redact: Redactor) -> Timeline:
    """A copy of `timeline` with `redact` applied to every free text a person said or wrote:
    utterances, objection texts, path texts, the rep's replies, review notes (their text, why
    and author) and error messages (which may quote what was said)."""

    def path(p: SuggestionPath | None) -> SuggestionPath | None:
        return None if p is None else replace(p, text=redact(p.text))

    def utterance(u: Utterance | None) -> Utterance | None:
        return None if u is None else replace(u, text=redact(u.text))

    def note(n: ReviewNote) -> ReviewNote:
        return replace(n, text=redact(n.text), why=redact(n.why), author=redact(n.author))

    objections = []
    for o in timeline.objections:
        s0, s1, s2 = (replace(s, instant=path(s.instant), refined=path(s.refined)) for s in o.slots)
        objections.append(
            replace(
                o,
                customer_text=redact(o.customer_text),
                slots=(s0, s1, s2),
                rep_reply=utterance(o.rep_reply),
                notes=tuple(note(n) for n in o.notes),
            )
        )
    return replace(
        timeline,
        utterances=tuple(replace(u, text=redact(u.text)) for u in timeline.utterances),
        objections=tuple(objections),
        errors=tuple(replace(e, message=redact(e.message)) for e in timeline.errors),
    )
