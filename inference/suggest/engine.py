"""The suggestion engine: three planned moves per objection, instant then refined.

On an objection (pipeline thread) the engine reads the situation (`situation.py`: the
customer's own words, the people, rival, amount and deadline they named, their mood, what the
rep and Parley already said), plans three different moves for it (`planner.py`, from the move
library, each with its own playbook fact) and at once emits the `instant` stage: each move's
template sentence, checked by the `PathChecker` and the `ComplianceGuard`. It then hands a
`RefinedJob` to the writer (the local LLM, on its own thread), which writes each move for this
customer. Every refined path is checked again; one that fails keeps its move's instant path
(guard event `check:<reason>`), so the refined stage never makes a set worse. Each finished
path is emitted at once in a `refined` event, the unfinished slots still showing the instant
paths (`complete=False`). A newer objection cancels an unfinished job (`status` `llm`
`superseded`).

Events are never emitted under the engine's lock: a locked section queues them (`_queue`) and
they go out, in the order queued, once the lock is released (`_locked`).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from inference.asr.text import join_pieces
from inference.clock import Clock
from inference.events import (
    ClosedUtterance,
    EmotionEvent,
    ErrorEvent,
    Event,
    GuardAction,
    GuardEvent,
    ObjectionEvent,
    Source,
    Stage,
    StatusEvent,
    SuggestionEvent,
    SuggestionPath,
    TranscriptEvent,
)
from inference.guard import ComplianceGuard
from inference.playbook import Playbook
from inference.playbook.text import tokens
from inference.suggest.checker import PathChecker, ask_mark
from inference.suggest.confidence import path_confidence
from inference.suggest.config import SuggestionConfig
from inference.suggest.llm_prompt import examples, single_language
from inference.suggest.planner import MovePlanner, Plan, PlannedMove
from inference.suggest.situation import Situation, read_situation
from inference.suggest.types import ContextLine, MoveTask, RefinedJob, RefinedPath, RefinedWriter
from inference.text import guess_lang

log = logging.getLogger(__name__)
__all__ = ["SuggestionConfig", "SuggestionEngine"]
Paths = tuple[SuggestionPath, SuggestionPath, SuggestionPath]


@dataclass(slots=True)
class _JobState:
    job: RefinedJob
    plan: Plan
    slots: list[SuggestionPath]
    done: bool = False
    superseded: bool = False
    finished: set[int] = field(default_factory=set)


class SuggestionEngine:
    """Implements the pipeline's `Suggester` protocol.

    Args:
        config: retrieval and context settings.
        playbook: the loaded playbook (entries, rules).
        emit: where events go (usually `EventBus.emit`); called from the pipeline thread and
            from the writer's thread.
        clock: the session clock; `latency_s` = clock.now() - objection.end.
        writer: writes refined paths on its own thread; None shows instant paths only.
    """

    def __init__(
        self,
        config: SuggestionConfig,
        *,
        playbook: Playbook,
        emit: Callable[[Event], object],
        clock: Clock,
        writer: RefinedWriter | None = None,
    ) -> None:
        self.config = config
        self.playbook = playbook
        self.guard = ComplianceGuard(playbook.rules)
        self.checker = PathChecker(playbook)
        self.planner = MovePlanner(playbook, guard=self.guard, checker=self.checker)
        self._shown: deque[str] = deque(maxlen=12)  # texts of paths shown for earlier objections
        self._last_moves: tuple[str, ...] = ()
        self._used_facts: deque[str] = deque(maxlen=24)  # facts earlier objections rested on
        self._emit = emit
        self._clock = clock
        self._writer = writer
        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)
        self._out: deque[Event] = deque()  # queued under the lock, emitted after it
        self._emitting = False  # a thread is emitting `_out` (others leave theirs to it)
        self._context: list[ContextLine] = []
        self._roles: deque[str] = deque(maxlen=config.roles_kept)
        # The conversation's language: the customer's once they have spoken; before that the
        # rep's, or the playbook's when it is all in one language (the writer evaluated its
        # fixed prompt in that language: a hint in another would overwrite that cache).
        self._lang = single_language(playbook.entries) or "en"
        self._heard_customer = False
        self._current: _JobState | None = None
        self._outstanding: set[int] = set()
        self._next_id = 0
        self._closed = False
        self._warm_zh = any(e.lang == "zh" for e in playbook.entries)
        self.superseded = 0
        self._open_id = ""  # the customer's open utterance, as observe_partial saw it
        self._open_final = ""

    # ------------------------------------------------------------------ emission

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """The engine's lock; the events queued under it are emitted once it is released."""
        try:
            with self._lock:
                yield
        finally:
            self._send()

    def _queue(self, event: Event) -> None:
        """Queue `event` (lock held) for `_send`."""
        self._out.append(event)

    def _send(self) -> None:
        """Emit the queued events in order, without the lock. One thread emits at a time; a
        thread that finds another emitting leaves its events to it, so order is kept."""
        with self._lock:
            if self._emitting:
                return
            self._emitting = True
        try:
            while True:
                with self._lock:
                    if not self._out:
                        self._emitting = False
                        return
                    batch = list(self._out)
                    self._out.clear()
                for event in batch:
                    self._emit(event)
        except BaseException:
            with self._lock:
                self._emitting = False
            raise

    # ------------------------------------------------------------------ context

    def observe(self, utterance: ClosedUtterance) -> None:
        """A closed utterance of either party: kept as recent transcript context."""
        if not utterance.text.strip():
            return
        with self._lock:
            self._context.append(
                ContextLine(utterance.speaker, utterance.text, utterance.utterance_id)
            )
            keep = max(1, self.config.context_utterances)
            if len(self._context) > 2 * keep:
                del self._context[:-keep]
            if utterance.speaker == "customer" or not self._heard_customer:
                self._lang = _lang_of(utterance.lang, utterance.text)
                self._heard_customer = self._heard_customer or utterance.speaker == "customer"
                if self._lang == "zh" and not self._warm_zh:
                    tokens("预热")  # load the Chinese tokenizer now, not on the first objection
                    self._warm_zh = True
            context = tuple(self._context)
            lang = self._lang
        if self._writer is not None and not self._closed:
            self._writer.prefill(context, lang)

    def observe_partial(self, event: TranscriptEvent) -> None:
        """A customer transcript event of an open utterance. Its committed words so far (its
        stable partials; the final's text once it closes), as the conversation's last line,
        let the writer feed the conversation into its cache while the customer speaks.
        Tentative tails are not fed: they change with every partial decode, and each change
        would be evaluated again (on a CPU a few tokens cost about as much as generating
        them) while speech recognition needs the cores."""
        if self._writer is None or self._closed:
            return
        with self._lock:
            uid = event.utterance_id
            if uid != self._open_id:
                self._open_id, self._open_final = uid, ""
            if event.final:  # the second pass's whole text replaces the stable partials
                self._open_final = event.text
            elif event.stable:
                self._open_final = join_pieces(self._open_final, event.text)
            else:
                return
            text = self._open_final
            if not text.strip():
                return
            context = (*self._context, ContextLine(event.speaker, text, uid))
            lang = _lang_of(event.lang, text)
        self._writer.prefill(context, lang)

    # ------------------------------------------------------------------ objections

    def on_objection(
        self,
        objection: ObjectionEvent,
        *,
        utterance: ClosedUtterance,
        emotion: EmotionEvent | None,
        roles: tuple[str, ...],
    ) -> None:
        """Emit the instant paths now and start the refined ones."""
        log.debug(
            "objection %s (%s) at %.2f s, its utterance ended at %.2f s",
            objection.utterance_id,
            objection.category,
            self._clock.now(),
            utterance.end,
        )
        with self._locked():
            if self._closed:
                return
            stale = self._supersede(objection)
            for role in roles:
                if role in self._roles:
                    self._roles.remove(role)
                self._roles.appendleft(role)
            lang = _lang_of(utterance.lang, utterance.text)
            context = tuple(self._context)
            if not context or context[-1].utterance_id != utterance.utterance_id:
                context = (
                    *context,
                    ContextLine("customer", utterance.text, utterance.utterance_id),
                )
            situation = read_situation(
                text=utterance.text,
                lang=lang,
                category=objection.category,
                confidence=objection.confidence,
                valence=emotion.valence if emotion is not None else "neutral",
                label=emotion.label if emotion is not None else "",
                roles=tuple(self._roles),
                roles_here=roles,
                competitors=self.playbook.competitors,
                context=[(c.speaker, c.text) for c in context[:-1]],
                terms=self.playbook.terms,
                earlier=tuple(self._shown),
                earlier_moves=self._last_moves,
                earlier_facts=tuple(self._used_facts),
            )
            plan = self.planner.plan(situation, context=[c.text for c in context])
            p0, p1, p2 = (self._instant_path(objection, situation, p) for p in plan.moves)
            instant = self._guard_all(objection.utterance_id, (p0, p1, p2), fallbacks=None)
            self._emit_suggestion(objection, "instant", instant)
            self._last_moves = tuple(p.move.id for p in plan.moves)
            self._used_facts.extend(p.fact.fact.sentence for p in plan.moves if p.fact is not None)
            self._remember(instant)
            writer = self._writer
            if writer is None:
                return
            self._next_id += 1
            m0, m1, m2 = (_task(p, rewrite_facts=self.config.rewrite_facts) for p in plan.moves)
            job = RefinedJob(
                job_id=self._next_id,
                objection=objection,
                utterance_text=utterance.text,
                lang=lang,
                context=context,
                emotion=emotion,
                roles=tuple(self._roles),
                moves=(m0, m1, m2),
                instant=instant,
                rules=tuple(r.sentence for r in self.playbook.rules),
                person=situation.person,
            )
            # A move the model does not rewrite keeps its instant line, final from the start.
            slots = [
                replace(p, complete=not m.rewrite) for p, m in zip(instant, job.moves, strict=True)
            ]
            self._current = _JobState(job, plan, slots)
            self._outstanding.add(job.job_id)
        # The writer is called outside the engine's lock: its thread may be delivering a path.
        if stale is not None:
            writer.cancel(stale)
        writer.submit(job, self._on_path, self._on_done)

    def run_on_llm(self, fn: Callable[[Any], object], *, spare: bool = False) -> bool:
        """Run `fn(backend)` on the LLM's thread before its next job (the second opinion's
        reading of a line, which must not share the cores with a generation); `backend` is
        the loaded model or None. With `spare`, only when no job runs or waits, replacing
        earlier such work not yet begun (`LlmRefinedWriter.run_spare`). False without an
        LLM."""
        run = getattr(self._writer, "run_spare" if spare else "run_soon", None)
        if run is None or self._closed:
            return False
        run(fn)
        return True

    def _supersede(self, objection: ObjectionEvent) -> int | None:
        """Mark the running job superseded; returns its id for the writer to cancel."""
        state = self._current
        if state is None or state.done or state.superseded:
            return None
        state.superseded = True
        self.superseded += 1
        self._queue(
            StatusEvent(
                t=self._clock.now(),
                component="llm",
                state="superseded",
                detail=(
                    f"refined suggestions for {state.job.objection.utterance_id} stopped: "
                    f"a newer objection ({objection.utterance_id}) came in"
                ),
            )
        )
        return state.job.job_id

    def _guard_all(self, utterance_id: str, paths: Paths, *, fallbacks: Paths | None) -> Paths:
        out: list[SuggestionPath] = []
        for i, path in enumerate(paths):
            result = self.guard.check(path, fallback=fallbacks[i] if fallbacks else None)
            self._emit_guard(utterance_id, i, result.fired)
            out.append(result.path)
        return (out[0], out[1], out[2])

    def _emit_guard(
        self, utterance_id: str, slot: int, fired: tuple[tuple[str, GuardAction], ...]
    ) -> None:
        for rule_id, action in fired:
            self._queue(
                GuardEvent(
                    t=self._clock.now(),
                    objection_utterance_id=utterance_id,
                    path=slot,
                    rule=rule_id,
                    action=action,
                )
            )

    def _emit_suggestion(self, objection: ObjectionEvent, stage: Stage, paths: Paths) -> None:
        now = self._clock.now()
        self._queue(
            SuggestionEvent(
                t=now,
                objection_utterance_id=objection.utterance_id,
                stage=stage,
                paths=paths,
                latency_s=max(0.0, now - objection.end),
            )
        )

    # ------------------------------------------------------------------ writer callbacks

    def _on_path(self, job: RefinedJob, refined: RefinedPath) -> None:
        """A finished path from the writer's thread."""
        with self._locked():
            state = self._current
            if (
                self._closed
                or state is None
                or state.job.job_id != job.job_id
                or state.superseded
                or not 0 <= refined.slot < 3
                or not refined.text.strip()
                or not job.moves[refined.slot].rewrite
            ):
                return
            slot = refined.slot
            planned = state.plan.moves[slot]
            instant = replace(job.instant[slot], complete=True)
            text = refined.text.strip()
            if planned.move.family == "question":
                text = ask_mark(text, job.lang)
            s = state.plan.situation
            others = [state.slots[i].text for i in range(3) if i != slot]
            verdict = self.checker.check(
                text,
                family=planned.move.family,
                lang=job.lang,
                conversation=[c.text for c in job.context],
                customer=job.utterance_text,
                rep_said=s.rep_said,
                others=others,
                earlier=s.earlier,
                examples=examples(job.lang),
                fact=planned.fact.fact.sentence if planned.fact is not None else "",
                draft=instant.text,
                keep=s.named(),
            )
            if not verdict.ok:
                self._emit_guard(
                    job.objection.utterance_id, slot, ((f"check:{verdict.reason}", "blocked"),)
                )
                shown = instant
            else:
                confidence = _confidence(planned, s, text, refined=True)
                draft = replace(instant, text=text, confidence=confidence)
                result = self.guard.check(draft, fallback=instant)
                self._emit_guard(job.objection.utterance_id, slot, result.fired)
                shown = result.path
            state.slots[slot] = replace(shown, complete=True)
            state.finished.add(slot)
            self._shown.append(shown.text)
            sl = state.slots
            self._emit_suggestion(job.objection, "refined", (sl[0], sl[1], sl[2]))

    # ------------------------------------------------------------------ paths

    def _instant_path(
        self, objection: ObjectionEvent, situation: Situation, planned: PlannedMove
    ) -> SuggestionPath:
        sources: tuple[Source, ...] = ()
        if planned.fact is not None:
            sources = (planned.fact.fact.entry.source(),)
        return SuggestionPath(
            strategy=planned.move.id,
            text=planned.text,
            confidence=_confidence(planned, situation, planned.text, refined=False),
            sources=(*sources, Source(utterance_id=objection.utterance_id)),
            complete=True,
            label=planned.move.label,
        )

    def _remember(self, paths: Paths) -> None:
        for p in paths:
            self._shown.append(p.text)

    def _on_done(self, job: RefinedJob, error: Exception | None) -> None:
        """The writer finished, was cancelled or failed on `job` (its thread)."""
        with self._locked():
            self._outstanding.discard(job.job_id)
            state = self._current
            if state is not None and state.job.job_id == job.job_id:
                state.done = True
                if error is not None and not state.superseded and not self._closed:
                    self._queue(
                        ErrorEvent(
                            t=self._clock.now(),
                            component="llm",
                            message=(
                                f"The local model could not write refined suggestions ({error}); "
                                "the instant suggestions stay on screen."
                            ),
                        )
                    )
            self._idle.notify_all()

    # ------------------------------------------------------------------ lifecycle

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until the writer's model is loaded and its fixed prompt cached (at once
        without a writer); False if `timeout` passed."""
        return True if self._writer is None else self._writer.wait_ready(timeout)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no refined job is running; False if `timeout` passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._outstanding, timeout)

    def close(self) -> None:
        """Cancel any running job and close the writer; idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            state = self._current
            running = state.job.job_id if state is not None and not state.done else None
        if self._writer is not None:
            if running is not None:
                self._writer.cancel(running)
            self._writer.close()
        with self._idle:
            self._outstanding.clear()
            self._idle.notify_all()


def _task(planned: PlannedMove, *, rewrite_facts: bool) -> MoveTask:
    """A planned move as the writer gets it: a move that states a playbook fact, or whose
    sentence was written for what this customer named (their person, rival, amount, date or
    worry), keeps its planned line unless `rewrite_facts` (see `SuggestionConfig`)."""
    fact = planned.fact.fact if planned.fact is not None else None
    return MoveTask(
        move_id=planned.move.id,
        family=planned.move.family,
        instruction=planned.move.instruction,
        label=planned.move.label,
        fact_sentence=fact.sentence if fact is not None else "",
        rewrite=rewrite_facts or (fact is None and not planned.specific),
    )


def _confidence(planned: PlannedMove, s: Situation, text: str, *, refined: bool) -> float:
    """How likely a path is usable as it stands (see `inference.suggest.confidence`)."""
    named = (s.person, s.competitor, s.number, s.comparison, s.deadline)
    specific = planned.specific or any(n and n.lower() in text.lower() for n in named)
    return path_confidence(
        fit=planned.score, specific=specific, family=planned.move.family, refined=refined
    )


def _lang_of(lang: str, text: str) -> str:
    return lang if lang in ("en", "zh") else guess_lang(text)
