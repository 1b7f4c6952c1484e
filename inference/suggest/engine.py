"""The suggestion engine: three guarded paths per objection, instant then refined.

On an objection (pipeline thread) the engine at once emits the `instant` stage: three paths
composed from the playbook (`InstantComposer`), checked by the `ComplianceGuard`. It then hands
a `RefinedJob` to the writer (the local LLM, on the writer's own thread). Each time the writer
finishes a path, the engine guards it, rates its confidence and emits a `refined` event with
the finished paths `complete=True` and the others still the instant ones (`complete=False`).
A newer objection cancels an unfinished job and emits `status` `llm` `superseded`.

Confidence of every path comes from evidence (see `inference.suggest.confidence`): how clear
the objection was, how well the cited entry matched it, whether the path states a fact found in
an entry it cites.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace

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
from inference.playbook.index import Hit
from inference.playbook.text import guess_lang, tokens
from inference.suggest.confidence import grounding, path_confidence
from inference.suggest.config import SuggestionConfig
from inference.suggest.instant import InstantComposer
from inference.suggest.llm_prompt import single_language
from inference.suggest.types import STRATEGIES, ContextLine, RefinedJob, RefinedPath, RefinedWriter

log = logging.getLogger(__name__)
__all__ = ["SuggestionConfig", "SuggestionEngine"]
Paths = tuple[SuggestionPath, SuggestionPath, SuggestionPath]


@dataclass(slots=True)
class _JobState:
    job: RefinedJob
    hits: tuple[Hit, ...]
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
        self.composer = InstantComposer(playbook, guard=self.guard, k=config.retrieval_k)
        self._emit = emit
        self._clock = clock
        self._writer = writer
        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)
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
        """A customer transcript event of an open utterance. Its committed words so far, as
        the conversation's last line, let the writer feed the conversation into its cache
        while the customer speaks. Tentative tails are not fed: they change with every
        partial decode, and each change would be evaluated again (on a CPU a few tokens cost
        about as much as generating them) while speech recognition needs the cores."""
        if self._writer is None or self._closed:
            return
        with self._lock:
            uid = event.utterance_id
            if uid != self._open_id:
                self._open_id, self._open_final = uid, ""
            if not event.final:
                return
            self._open_final = join_pieces(self._open_final, event.text)
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
        with self._lock:
            if self._closed:
                return
            stale = self._supersede(objection)
            for role in roles:
                if role in self._roles:
                    self._roles.remove(role)
                self._roles.appendleft(role)
            lang = _lang_of(utterance.lang, utterance.text)
            hits = self.composer.retrieve(utterance.text, objection.category, lang)
            raw = self.composer.compose(
                text=utterance.text,
                category=objection.category,
                lang=lang,
                utterance_id=objection.utterance_id,
                objection_confidence=objection.confidence,
                hits=hits,
            )
            instant = self._guard_all(objection.utterance_id, raw, fallbacks=None)
            self._emit_suggestion(objection, "instant", instant)
            writer = self._writer
            if writer is None:
                return
            self._next_id += 1
            context = tuple(self._context)
            if not context or context[-1].utterance_id != utterance.utterance_id:
                context = (
                    *context,
                    ContextLine("customer", utterance.text, utterance.utterance_id),
                )
            job = RefinedJob(
                job_id=self._next_id,
                objection=objection,
                utterance_text=utterance.text,
                lang=lang,
                context=context,
                emotion=emotion,
                roles=tuple(self._roles),
                entries=tuple(h.entry for h in hits),
                strategies=STRATEGIES,
                instant=instant,
                rules=tuple(r.sentence for r in self.playbook.rules),
            )
            self._current = _JobState(job, hits, [replace(p, complete=False) for p in instant])
            self._outstanding.add(job.job_id)
        # The writer is called outside the engine's lock: its thread may be delivering a path.
        if stale is not None:
            writer.cancel(stale)
        writer.submit(job, self._on_path, self._on_done)

    def _supersede(self, objection: ObjectionEvent) -> int | None:
        """Mark the running job superseded; returns its id for the writer to cancel."""
        state = self._current
        if state is None or state.done or state.superseded:
            return None
        state.superseded = True
        self.superseded += 1
        self._emit(
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
            self._emit(
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
        self._emit(
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
        with self._lock:
            state = self._current
            if (
                self._closed
                or state is None
                or state.job.job_id != job.job_id
                or state.superseded
                or not 0 <= refined.slot < 3
                or not refined.text.strip()
            ):
                return
            instant = replace(job.instant[refined.slot], complete=True)
            text = refined.text.strip()
            others = [
                state.slots[i].text for i in state.finished if i != refined.slot
            ]  # refined paths already shown in the other slots
            if any(_echoes(text, line) for line in (job.utterance_text, *job_lines(job))):
                shown = instant  # a path that only repeats what was said helps nobody
            elif any(_echoes(text, other) for other in others):
                shown = instant  # the same answer twice is not a second way to answer
            else:
                draft = replace(instant, text=text)
                result = self.guard.check(draft, fallback=instant)
                self._emit_guard(job.objection.utterance_id, refined.slot, result.fired)
                if any(action == "blocked" for _, action in result.fired):
                    shown = result.path
                else:  # rated on what is shown, after any rewrite
                    shown, grounded = self._refined_path(
                        state, replace(refined, text=result.path.text)
                    )
                    if grounded < 1.0:
                        # The model stated no fact of the entries it rests on: the retrieved
                        # path, which quotes them, is the better answer for this slot.
                        shown = instant
            state.slots[refined.slot] = replace(shown, complete=True)
            state.finished.add(refined.slot)
            s = state.slots
            self._emit_suggestion(job.objection, "refined", (s[0], s[1], s[2]))

    def _refined_path(self, state: _JobState, refined: RefinedPath) -> tuple[SuggestionPath, float]:
        """The shown form of a refined path, and how well it is grounded (see `grounding`)."""
        job = state.job
        idx = [i for i in dict.fromkeys(refined.entry_indices) if 0 <= i < len(job.entries)]
        cited = [state.hits[i] for i in idx]
        grounded = grounding(refined.text, [h.entry for h in cited], self.playbook.terms)
        if not cited and state.hits:
            # The writer cited nothing: cite what it was given, but say so in the confidence.
            best = max(
                state.hits,
                key=lambda h: grounding(refined.text, [h.entry], self.playbook.terms),
            )
            cited = [best]
            grounded = grounding(refined.text, [best.entry], self.playbook.terms) * 0.5
        retrieval = max((h.coverage for h in cited), default=0.0)
        confidence = path_confidence(
            objection=job.objection.confidence, retrieval=retrieval, grounded=grounded
        )
        sources = (
            *tuple(h.entry.source() for h in cited),
            Source(utterance_id=job.objection.utterance_id),
        )
        path = SuggestionPath(
            strategy=job.strategies[refined.slot].id,
            text=refined.text.strip(),
            confidence=confidence,
            sources=sources,
            complete=True,
        )
        return path, grounded

    def _on_done(self, job: RefinedJob, error: Exception | None) -> None:
        """The writer finished, was cancelled or failed on `job` (its thread)."""
        with self._lock:
            self._outstanding.discard(job.job_id)
            state = self._current
            if state is not None and state.job.job_id == job.job_id:
                state.done = True
                if error is not None and not state.superseded and not self._closed:
                    self._emit(
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
        without a writer, or for a writer that does not say); False if `timeout` passed."""
        wait = getattr(self._writer, "wait_ready", None)
        return True if wait is None else bool(wait(timeout))

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


def job_lines(job: RefinedJob) -> list[str]:
    """The recent transcript lines the writer saw (either party)."""
    return [line.text for line in job.context]


def _echoes(text: str, utterance: str) -> bool:
    """Whether `text` is mostly the customer's own words (a model echoing its input)."""
    said = set(tokens(utterance))
    words = tokens(text)
    if not words or not said:
        return False
    return sum(w in said for w in words) >= 0.8 * len(words)


def _lang_of(lang: str, text: str) -> str:
    return lang if lang in ("en", "zh") else guess_lang(text)
