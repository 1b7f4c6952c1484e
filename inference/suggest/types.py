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


@dataclass(frozen=True, slots=True)
class MoveTask:
    """One planned move as the writer gets it.

    Attributes:
        move_id: the move's id in the library (the path's `strategy`).
        family: "acknowledge", "question" or "evidence" (what the path must do).
        instruction: what the model is asked to write, in the call's language.
        label: the move's name in the call's language.
        fact_sentence: the move's playbook fact as the playbook states it ("" = no fact); the
            draft already carries it woven in, a reply that states it may stop early.
        rewrite: the model writes this move; False keeps its instant line (the writer
            generates nothing for it).
    """

    move_id: str
    family: str
    instruction: str
    label: str = ""
    fact_sentence: str = ""
    rewrite: bool = True


@dataclass(frozen=True, slots=True)
class ContextLine:
    """One closed utterance of the recent transcript."""

    speaker: str
    text: str
    utterance_id: str


@dataclass(frozen=True, slots=True)
class RefinedJob:
    """Everything the writer needs to write the three planned moves of one objection.

    Attributes:
        job_id: increasing id; a newer job supersedes every older one.
        objection: the objection event.
        utterance_text: what the customer said (the objection utterance).
        lang: the customer's language ("en", "zh"); every path must be written in it.
        context: recent transcript, oldest first, the objection utterance last.
        emotion: the customer's emotion on that utterance, if known.
        roles: decision-makers mentioned so far in the call (most recent first).
        moves: the three planned moves, slot 0..2, one path each.
        instant: the instant paths already shown, slot 0..2.
        rules: rule sentences the path must respect (for the prompt; the guard enforces them).
        person: how a path names the decider the customer named ("your CFO"), or "".
    """

    job_id: int
    objection: ObjectionEvent
    utterance_text: str
    lang: str
    context: tuple[ContextLine, ...]
    emotion: EmotionEvent | None
    roles: tuple[str, ...]
    moves: tuple[MoveTask, MoveTask, MoveTask]
    instant: tuple[SuggestionPath, SuggestionPath, SuggestionPath]
    rules: tuple[str, ...]
    person: str = ""


@dataclass(frozen=True, slots=True)
class RefinedPath:
    """One finished path from the writer.

    Attributes:
        slot: 0..2, the move it writes (job.moves[slot]).
        text: at most two sentences, in job.lang.
    """

    slot: int
    text: str


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

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until the writer can start a job at once (its model loaded and fixed prompt
        cached); True when it can (a writer that loads nothing returns True at once)."""
        ...

    def close(self) -> None:
        """Stop the thread and free the model; idempotent."""
        ...
