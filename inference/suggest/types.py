"""The contract between the suggestion engine and a refined-path writer (the local LLM).

The engine builds one `RefinedJob` per objection and hands it to a `RefinedWriter`. The writer
runs the job on its own thread and reports each finished path through `on_path`, then calls
`on_done` exactly once (finished, cancelled or failed). The engine guards every path, scores its
confidence and emits the `refined` suggestion events; the writer never emits events itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from inference.events import EmotionEvent, ObjectionEvent, SuggestionPath
from inference.playbook.model import PlaybookEntry


@dataclass(frozen=True, slots=True)
class Strategy:
    """One way of answering an objection.

    Attributes:
        id: short stable name shown on the card ("acknowledge_value", "ask_question",
            "offer_evidence").
        instruction: what the path must do, in English, for a prompt.
    """

    id: str
    instruction: str


STRATEGIES: tuple[Strategy, Strategy, Strategy] = (
    Strategy(
        "acknowledge_value",
        "Acknowledge the concern, then restate the value that matters to this customer.",
    ),
    Strategy(
        "ask_question",
        "Ask one open question that uncovers the real concern behind the objection.",
    ),
    Strategy(
        "offer_evidence",
        "Offer concrete evidence (a proof point, a number, a certification) or an alternative.",
    ),
)


@dataclass(frozen=True, slots=True)
class ContextLine:
    """One closed utterance of the recent transcript."""

    speaker: str
    text: str
    utterance_id: str


@dataclass(frozen=True, slots=True)
class RefinedJob:
    """Everything the writer needs to write three paths for one objection.

    Attributes:
        job_id: increasing id; a newer job supersedes every older one.
        objection: the objection event.
        utterance_text: what the customer said (the objection utterance).
        lang: the customer's language ("en", "zh"); every path must be written in it.
        context: recent transcript, oldest first, the objection utterance last.
        emotion: the customer's emotion on that utterance, if known.
        roles: decision-makers mentioned so far in the call (most recent first).
        entries: playbook entries retrieved for this objection, best first; a path cites them
            by index into this tuple.
        strategies: the three strategies, slot 0..2, one path each.
        instant: the instant paths already shown, slot 0..2.
        rules: rule sentences the path must respect (for the prompt; the guard enforces them).
    """

    job_id: int
    objection: ObjectionEvent
    utterance_text: str
    lang: str
    context: tuple[ContextLine, ...]
    emotion: EmotionEvent | None
    roles: tuple[str, ...]
    entries: tuple[PlaybookEntry, ...]
    strategies: tuple[Strategy, Strategy, Strategy]
    instant: tuple[SuggestionPath, SuggestionPath, SuggestionPath]
    rules: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RefinedPath:
    """One finished path from the writer.

    Attributes:
        slot: 0..2, the strategy slot it fills (job.strategies[slot]).
        text: at most two sentences, in job.lang.
        entry_indices: indices into job.entries of the entries it rests on (may be empty;
            the engine then cites the best retrieved entry and lowers the confidence).
    """

    slot: int
    text: str
    entry_indices: tuple[int, ...] = ()


PathCallback = Callable[[RefinedJob, RefinedPath], None]
DoneCallback = Callable[[RefinedJob, "Exception | None"], None]


class RefinedWriter(Protocol):
    """Writes refined paths on its own thread (implemented in `inference.suggest.llm_writer`).

    All methods are called from the pipeline thread and must return at once.
    """

    def prefill(self, context: tuple[ContextLine, ...], lang: str) -> None:
        """A hint: the conversation so far (may end with a tentative customer line, whose
        utterance_id is the one still open). The writer may feed it into the KV cache ahead of
        an objection, or ignore it."""
        ...

    def submit(self, job: RefinedJob, on_path: PathCallback, on_done: DoneCallback) -> None:
        """Start writing the three paths of `job`. `on_path` is called (from the writer's
        thread) once per finished path, in any order; `on_done(job, None)` once when the job
        finished or was cancelled, `on_done(job, error)` when it failed."""
        ...

    def cancel(self, job_id: int) -> None:
        """Stop job `job_id` between tokens if it is still running (no more on_path calls for
        it after cancel returns is NOT guaranteed; the engine drops stale ones)."""
        ...

    def close(self) -> None:
        """Stop the thread and free the model; idempotent."""
        ...
