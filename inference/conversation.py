"""The pipeline thread: closed utterances in, signals and suggestions out.

The ASR side (or a timed transcript) hands over transcript events and closed utterances; this
hub publishes the events, runs the detectors on each customer utterance as it closes and gives
objections to the suggestion engine. It owns one thread and a bounded inbox, so the ASR worker
never waits on detectors or on the LLM.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from inference import log_text
from inference.asr.text import join_pieces
from inference.asr.transcriber import HeardSoFar
from inference.bus import EventBus
from inference.clock import Clock
from inference.events import (
    ClosedUtterance,
    EmotionEvent,
    ErrorEvent,
    Event,
    ObjectionEvent,
    RolesEvent,
    TermsEvent,
    TranscriptEvent,
)
from inference.suggest.concerns import names_worry
from inference.text import guess_lang
from inference.text.discourse import describes_pain, is_question

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Signals:
    """What the detectors found in one customer utterance."""

    emotion: EmotionEvent | None
    terms: TermsEvent | None
    roles: RolesEvent | None
    objection: ObjectionEvent | None

    def events(self) -> list[Event]:
        return [e for e in (self.emotion, self.terms, self.roles, self.objection) if e is not None]


class Detectors(Protocol):
    """Customer-signal detectors (implemented in `inference.detectors`)."""

    def analyze(self, utterance: ClosedUtterance, *, t: float) -> Signals: ...


class Suggester(Protocol):
    """The suggestion engine (implemented in `inference.suggest`)."""

    def observe(self, utterance: ClosedUtterance) -> None: ...

    def observe_partial(self, event: TranscriptEvent) -> None:
        """A customer transcript event (final or tentative) of an utterance still open."""
        ...

    def on_objection(
        self,
        objection: ObjectionEvent,
        *,
        utterance: ClosedUtterance,
        emotion: EmotionEvent | None,
        roles: tuple[str, ...],
    ) -> None: ...

    def wait_idle(self, timeout: float | None = None) -> bool: ...

    def close(self) -> None: ...


_STOP = object()
_SAME_WORD_S = 0.05  # a stable piece ending this near a pause's text is inside it


class SecondReader(Protocol):
    """The LLM reader of the second opinion (`inference.detectors.llm_reader.SecondReader`)."""

    def has_head(self, lang: str) -> bool: ...

    def shift(self, low: str, lang: str, backend: Any = None) -> Mapping[str, float] | None: ...

    def prefetch(
        self, low: str, lang: str, backend: Any, stop: threading.Event | None = None
    ) -> None: ...


class ConversationHub:
    """Receives what ASR produced (from any thread) and drives detectors and suggestions.

    Args:
        bus: where every event goes.
        clock: the session clock; detector events are stamped with it.
        detectors: customer-signal detectors, or None to skip them.
        suggester: the suggestion engine, or None to skip suggestions.
        inbox_size: bound of the inbox; utterances are never dropped (the ASR thread waits),
            tentative transcript events are dropped first when it is full.
        synchronous: `on_utterance` returns only after the utterance was analysed and any
            suggestion it caused is complete. Replay at maximum speed uses it, so that every
            objection gets its refined paths instead of being superseded by the next one.
        second: the LLM reader of the second opinion, or None. It reads each customer
            utterance of a language it has a head for on the LLM's thread, after the instant
            suggestions are out and before the refined job starts (`run_on_llm`), or here on
            the pipeline thread when the suggester has no LLM; when it reads the line
            differently, a new objection event for the utterance (`second_opinion`) replaces
            the first and, if it stands, gets suggestions of its own. While the customer
            speaks, what they said so far is read ahead into the reader's context as spare
            work on the LLM's thread (`_read_ahead`), so the read after the final is short.
    """

    def __init__(
        self,
        *,
        bus: EventBus,
        clock: Clock,
        detectors: Detectors | None = None,
        suggester: Suggester | None = None,
        inbox_size: int = 512,
        synchronous: bool = False,
        second: SecondReader | None = None,
    ) -> None:
        self._bus = bus
        self._clock = clock
        self._detectors = detectors
        self._suggester = suggester
        self._inbox: queue.Queue[object] = queue.Queue(maxsize=inbox_size)
        self._thread = threading.Thread(target=self._run, name="parley-pipeline", daemon=True)
        self._decision_map: dict[str, int] = {}
        self.dropped_tentative = 0
        self._synchronous = synchronous
        self._pending: ObjectionEvent | None = None  # a tentative objection awaiting the next turn
        self._rep_asked = False  # the last utterance was the rep's, and a question
        self._second = second
        self._last_customer = ""  # the utterance id of the last customer line analysed
        self._looks = 0  # second opinions asked for and not yet settled
        self._looks_cv = threading.Condition()
        self.second_opinions = 0  # objection events the second opinion changed
        # Session seconds from each utterance's end to its second opinion being settled.
        self.second_latencies: list[float] = []
        # Tokens each second opinion had left to read after the final (the rest was read ahead).
        self.second_tokens: list[int] = []
        # An open customer utterance's stable words, and up to when a pause's text has them.
        self._said: tuple[str, str, float] = ("", "", 0.0)
        self._ahead_stop = threading.Event()  # set: the running read ahead stops
        self._thread.start()

    @property
    def decision_map(self) -> dict[str, int]:
        """How often each decision-maker role was mentioned so far."""
        return dict(self._decision_map)

    def emit(self, event: Event) -> None:
        """Publish an event produced upstream (transcripts, status). Thread-safe."""
        if isinstance(event, TranscriptEvent) and not event.final and not event.stable:
            try:
                self._inbox.put_nowait(event)
            except queue.Full:
                self.dropped_tentative += 1
            return
        self._inbox.put(event)

    def call(self, fn: Callable[[], object]) -> None:
        """Run `fn()` on the pipeline thread, in order with what was handed over before it
        (the session warms the detectors this way before the first utterance). Thread-safe."""
        self._inbox.put(fn)

    def on_utterance(self, utterance: ClosedUtterance) -> None:
        """An utterance closed (its final text already emitted). Thread-safe."""
        self._inbox.put(utterance)
        if self._synchronous:
            self.drain()

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until everything handed over so far is processed, every second opinion asked
        for is settled, and suggestions are done."""
        done = threading.Event()
        self._inbox.put(done.set)
        if not done.wait(timeout):
            return False
        with self._looks_cv:
            if not self._looks_cv.wait_for(lambda: self._looks == 0, timeout):
                return False
        if self._suggester is not None:
            return self._suggester.wait_idle(timeout)
        return True

    def close(self) -> None:
        """Stop the thread after the inbox is processed, and close the suggestion engine."""
        self._inbox.put(_STOP)
        self._thread.join()
        if self._suggester is not None:
            self._suggester.close()

    def _run(self) -> None:
        while True:
            item = self._inbox.get()
            if item is _STOP:
                return
            try:
                self._handle(item)
            except Exception as e:  # one bad utterance must not end the session
                # No call words in the log or the message: the item's type, id and size only.
                log.error(
                    "pipeline failed on %s: %s",
                    log_text.describe_item(item),
                    log_text.error_summary(e),
                    exc_info=log_text.enabled(),
                )
                self._bus.emit(
                    ErrorEvent(
                        t=self._clock.now(),
                        component="pipeline",
                        message=(
                            f"analysis of one utterance failed ({log_text.error_summary(e)}); "
                            "the session goes on"
                        ),
                    )
                )

    def _handle(self, item: object) -> None:
        if isinstance(item, ClosedUtterance):
            self._handle_utterance(item)
        elif isinstance(item, TranscriptEvent):
            self._bus.emit(item)
            if item.speaker == "customer" and self._suggester is not None:
                self._suggester.observe_partial(item)
                self._read_ahead(item)
        elif isinstance(item, HeardSoFar):  # the words up to a pause, as the final hears them
            self._said = (item.utterance_id, item.text, item.end)
            self._prefetch(item.utterance_id, item.text, item.lang)
        elif callable(item):
            item()
        else:
            self._bus.emit(item)  # type: ignore[arg-type]

    def _handle_utterance(self, utterance: ClosedUtterance) -> None:
        self._ahead_stop.set()  # the line has ended: its own read goes first
        if self._suggester is not None:
            self._suggester.observe(utterance)
        asked, self._rep_asked = self._rep_asked, False
        if utterance.speaker != "customer":
            text = utterance.text
            self._rep_asked = bool(text.strip()) and is_question(text, guess_lang(text))
            return
        if self._detectors is None or not utterance.text.strip():
            return
        signals = self._detectors.analyze(utterance, t=self._clock.now())
        for event in signals.events():
            if event is not signals.objection:  # published by `_confirm`
                self._bus.emit(event)
        if signals.roles is not None:
            for role in signals.roles.roles:
                self._decision_map[role] = self._decision_map.get(role, 0) + 1
        objection = self._confirm(signals.objection, utterance.text, answers_question=asked)
        roles = signals.roles.roles if signals.roles else ()
        self._last_customer = utterance.utterance_id
        later = self._ask_second(utterance, objection, signals.emotion, roles, asked)
        if objection is not None and not objection.tentative and self._suggester is not None:
            self._suggester.on_objection(
                objection, utterance=utterance, emotion=signals.emotion, roles=roles
            )
        if later is not None:
            later()

    def _read_ahead(self, event: TranscriptEvent) -> None:
        """While the customer speaks, let the LLM's thread read what they said so far (the
        stable words and the tentative tail) into the second opinion's context when no job
        runs (`SecondReader.prefetch`): the model is causal, so when the utterance closes only
        the tokens after the beginning its final text shares with that are read, and the
        second opinion comes that much sooner after the end of the speech. Where a pause's
        decode heard the line (`heard`), its text stands for the words up to that pause: the
        final is decoded the same way, so it shares more of its beginning with that text than
        with the live words (which may come from the draft model)."""
        if event.final:
            return
        uid, said, until = self._said
        if uid != event.utterance_id:
            said, until = "", 0.0
        if event.stable:
            if event.end > until + _SAME_WORD_S:  # not already in a pause's text
                said = join_pieces(said, event.text)
                self._said = (event.utterance_id, said, until)
        else:  # the tentative tail: read too, the common beginning is kept when it changes
            self._said = (event.utterance_id, said, until)
            if event.start >= until - _SAME_WORD_S:
                said = join_pieces(said, event.text)
        self._prefetch(event.utterance_id, said, event.lang)

    def heard(self, heard: HeardSoFar) -> None:
        """What a pause's decode heard of an open utterance (`StreamingTranscriber.take_heard`):
        the customer's is read ahead in its stable words' place. Thread-safe; it is dropped
        when the inbox is full (it only saves time; counted in `dropped_tentative`)."""
        if heard.party != "customer" or not heard.text.strip():
            return
        try:
            self._inbox.put_nowait(heard)
        except queue.Full:
            self.dropped_tentative += 1

    def _prefetch(self, uid: str, said: str, lang_hint: str) -> None:
        """Hand the customer's line so far to the LLM's thread as spare work (see
        `_read_ahead`); a newer call stops a running one between its pieces."""
        reader, lowered = self._second, getattr(self._detectors, "lowered_text", None)
        if reader is None or lowered is None or self._suggester is None:
            return
        lang, low = lowered(said, lang_hint)
        if not low.strip() or not reader.has_head(lang):
            return
        stop = threading.Event()
        self._ahead_stop.set()  # a running read ahead of older text stops for this one
        self._ahead_stop = stop

        def ahead(backend: Any) -> None:  # on the LLM's thread
            read0 = _tokens_read(backend)
            reader.prefetch(low, lang, backend, stop)
            log.debug("read ahead of %s: %d tokens", uid, _tokens_read(backend) - read0)

        run = getattr(self._suggester, "run_on_llm", None)
        if run is not None:
            run(ahead, spare=True)

    def _ask_second(
        self,
        utterance: ClosedUtterance,
        first: ObjectionEvent | None,
        emotion: EmotionEvent | None,
        roles: tuple[str, ...],
        asked: bool,
    ) -> Callable[[], None] | None:
        """Ask the second opinion on a customer utterance: on the LLM's thread when there is
        one (returns None), else a callable to run here once the instant paths are out."""
        reader, detectors = self._second, self._detectors
        lowered = getattr(detectors, "lowered", None)
        if reader is None or lowered is None:
            return None
        lang, low = lowered(utterance)
        if not reader.has_head(lang):
            return None
        needs = getattr(detectors, "needs_second", None)
        if needs is not None and not needs(utterance):
            return None  # the words are sure: the readers would not be heard

        def settle(shift: Mapping[str, float] | None) -> None:
            try:
                if shift is not None:
                    self.second_latencies.append(self._clock.now() - utterance.end)
                    self._second_look(utterance, first, shift, emotion, roles, asked)
            finally:
                with self._looks_cv:
                    self._looks -= 1
                    self._looks_cv.notify_all()

        asked_at = self._clock.now()

        def look(backend: Any) -> None:  # on the LLM's thread
            began = self._clock.now()
            read0 = _tokens_read(backend)
            try:
                shift = reader.shift(low, lang, backend)
            except Exception:
                settle(None)
                raise
            self.second_tokens.append(_tokens_read(backend) - read0)
            log.debug(
                "second opinion on %s: asked %.2f s after the speech ended, began %.2f s "
                "later, read in %.2f s (%d tokens; the rest was read while it was said)",
                utterance.utterance_id,
                asked_at - utterance.end,
                began - asked_at,
                self._clock.now() - began,
                _tokens_read(backend) - read0,
            )
            done = threading.Event()

            def deliver() -> None:  # on the pipeline thread
                try:
                    settle(shift)
                finally:
                    done.set()

            self._inbox.put(deliver)
            # Hold the LLM's thread until the hub has settled the read, so a refined job for
            # a category the second opinion corrects is dropped before it starts.
            done.wait(2.0)

        with self._looks_cv:
            self._looks += 1
        run = getattr(self._suggester, "run_on_llm", None)
        if run is not None and run(look):
            return None
        return lambda: settle(reader.shift(low, lang))

    def _second_look(
        self,
        utterance: ClosedUtterance,
        first: ObjectionEvent | None,
        shift: Mapping[str, float],
        emotion: EmotionEvent | None,
        roles: tuple[str, ...],
        asked: bool,
    ) -> None:
        """Publish the second opinion's read of an utterance when it differs from the first.

        A read that stands (not tentative) and names another category than the first read
        that stood, or stands where the first did not, replaces the first: a new objection
        event (`second_opinion`) and suggestions for it. A tentative read replaces a first
        read that did not stand, and waits for the next line like any other. A first read
        that stood is never taken back: the second opinion corrects a category or adds an
        objection, it does not retract one the rep already sees.
        """
        if utterance.utterance_id != self._last_customer:
            return  # the customer has spoken again: the moment has passed
        reread = getattr(self._detectors, "reread", None)
        if reread is None:
            return
        new = reread(utterance, shift, t=self._clock.now())
        if new is None:
            return
        new = dataclasses.replace(self._settle(new, utterance.text, asked), second_opinion=True)
        stood = first is not None and not first.tentative
        if not new.tentative:
            if stood and first is not None and first.category == new.category:
                return
        elif stood or (first is not None and first.category == new.category):
            return
        self.second_opinions += 1
        self._pending = new if new.tentative else None
        self._bus.emit(new)
        if not new.tentative and self._suggester is not None:
            self._suggester.on_objection(new, utterance=utterance, emotion=emotion, roles=roles)

    def _confirm(
        self, objection: ObjectionEvent | None, text: str, *, answers_question: bool = False
    ) -> ObjectionEvent | None:
        """Publish the objection of a customer utterance, confirming or dropping a tentative one.

        A tentative objection (below the detectors' confirmation threshold) raises no
        suggestion. A line that answers the rep's question by describing what goes wrong today
        (`inference.text.discourse.describes_pain`) makes its objection tentative too: a pain
        is why they might buy, not a reason not to. Any other line that names a concrete worry
        in the customer's own words (where the data sits, an outage, losing history:
        `inference.suggest.concerns.WORRIES`) confirms a tentative objection at once, except a
        competitor candidate (a rival named while describing their setup). Otherwise the
        customer's next utterance decides: the same category again, however
        sure, confirms it (a new event with `tentative` false for the new utterance, spanning
        both, its confidence the two combined); anything else lets it drop.
        """
        pending, self._pending = self._pending, None
        if objection is None:
            return None
        objection = self._settle(objection, text, answers_question)
        if objection.tentative and pending is not None and pending.category == objection.category:
            joint = 1.0 - (1.0 - pending.confidence) * (1.0 - objection.confidence)
            objection = dataclasses.replace(
                objection, start=pending.start, confidence=round(joint, 3), tentative=False
            )
        if objection.tentative:
            self._pending = objection
        self._bus.emit(objection)
        return objection

    @staticmethod
    def _settle(objection: ObjectionEvent, text: str, answers_question: bool) -> ObjectionEvent:
        """The line's own say on whether its objection stands (see `_confirm`)."""
        lang = guess_lang(text)
        # A pain says nothing about the offer or a worry (`describes_pain` rules those out), so
        # a concern word in it ("our support team", an outage last week) describes today.
        pain = answers_question and describes_pain(text, lang)
        if pain:
            return dataclasses.replace(objection, tentative=True)
        if (
            objection.tentative
            and objection.category != "competitor"  # a name alone is context until confirmed
            and names_worry(text, lang)
        ):
            return dataclasses.replace(objection, tentative=False)
        return objection


def _tokens_read(backend: Any) -> int:
    """How many tokens the LLM backend has read for sentence vectors so far."""
    return int(getattr(getattr(backend, "stats", None), "embed_tokens_read", 0))


EmitFn = Callable[[Event], None]
