"""The move planner: three different moves for one situation, each with its own fact.

Candidates are the library's moves for the objection's category, the general ones, the
decision-maker moves when the customer named a decider, and "answer first" when they asked a
question. Each is scored on how well it fits the situation (a move written for the category,
a template that can use the person, rival, amount or deadline they named, a playbook fact that
bears on the concern, a calm acknowledgement first for an upset customer, not the move the
previous objection already got) and the best move of each family is taken, so the three paths
acknowledge, ask and give evidence; no two paths rest on the same fact. Each planned move
carries its instant text, rendered from the first of its templates whose slots are known and
that passes the checker.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from inference.guard import ComplianceGuard
from inference.playbook import Playbook
from inference.playbook.text import tokens
from inference.suggest.checker import PathChecker, near_copy, states_fact
from inference.suggest.concerns import fact_cues
from inference.suggest.facts import (
    GENERIC_STEMS,
    Fact,
    FactFinder,
    ScoredFact,
    is_price,
    is_security,
    with_verb,
)
from inference.suggest.moves import Move, MoveLibrary, library_for
from inference.suggest.situation import Situation

_SLOT = re.compile(r"\{\??(\w+)\}")
# Worries about data that a security fact answers, whatever the objection was read as.
DATA_CONCERNS = frozenset({"location", "access", "control"})
# Roles that decide or approve spending; legal and IT review, they do not sign.
DECIDERS = frozenset({"ceo", "cfo", "board", "manager"})
# An evidence move whose best fact bears on the worry the customer named, or does not.
CONCERN_FIT = 0.6
CONCERN_MISS = 0.7
UPSET_PROOF = 0.5
OFF_CUE_PROOF = 0.2


@dataclass(frozen=True, slots=True)
class PlannedMove:
    """One move of a set, ready to show and to refine.

    Attributes:
        move: the library move.
        fact: the playbook fact it rests on (None for a move without one).
        text: its instant text.
        specific: the text uses something the customer named (person, rival, amount, date).
        score: how well the move fits the situation (for confidence).
    """

    move: Move
    fact: ScoredFact | None
    text: str
    specific: bool
    score: float


@dataclass(frozen=True, slots=True)
class Plan:
    """Three planned moves for one objection, slot order."""

    situation: Situation
    moves: tuple[PlannedMove, PlannedMove, PlannedMove]


def render(template: str, slots: dict[str, str]) -> str | None:
    """The template with its slots filled, or None when a slot is unknown."""
    names = _SLOT.findall(template)
    if any(not slots.get(n) for n in names):
        return None
    text = template
    for n in names:  # {?flag} asks that the situation holds, and says nothing
        text = text.replace("{?" + n + "}", "").replace("{" + n + "}", slots[n])
    return text[:1].upper() + text[1:] if text[:1].isalpha() else text


@dataclass(slots=True)
class _Candidate:
    move: Move
    score: float
    facts: list[ScoredFact]
    told: frozenset[str] = frozenset()  # facts the rep already told them in this call


class MovePlanner:
    """Plans the three moves of each objection.

    Args:
        playbook: the loaded playbook (facts; its move files extend the library).
        guard: facts that would break a rule are never used.
        checker: each instant text must pass it.
    """

    def __init__(self, playbook: Playbook, *, guard: ComplianceGuard, checker: PathChecker) -> None:
        self.playbook = playbook
        self.finder = FactFinder(playbook, guard=guard)
        self.checker = checker
        self._libraries: dict[str, MoveLibrary] = {}

    def library(self, lang: str) -> MoveLibrary:
        key = "zh" if lang == "zh" else "en"
        if key not in self._libraries:
            self._libraries[key] = library_for(key, self.playbook.move_files)
        return self._libraries[key]

    def plan(self, situation: Situation, *, context: Sequence[str] = ()) -> Plan:
        """Three different moves for `situation`, slot order; `context` is the recent
        conversation (its numbers and names may be said)."""
        lib = self.library(situation.lang)
        candidates = self._candidates(situation, lib)
        answered = any(c.move.id == "any.answer_question" for c in candidates)
        order = _family_order(situation, answered=answered)
        chosen: list[PlannedMove] = []
        used_facts: set[str] = set()
        used_ids: set[str] = set()

        def take(pool: list[_Candidate]) -> bool:
            for cand in sorted(pool, key=lambda c: c.score, reverse=True):
                if cand.move.id in used_ids:
                    continue
                if "any.answer_question" in used_ids and cand.move.id.endswith(".answer_fact"):
                    continue  # the same move: answering with the facts
                planned = self._realise(
                    cand, situation, used_facts, [p.text for p in chosen], context
                )
                if planned is None:
                    continue
                chosen.append(planned)
                used_ids.add(cand.move.id)
                if planned.fact is not None:
                    used_facts.add(planned.fact.fact.sentence)
                return True
            return False

        for family in order:
            take([c for c in candidates if c.move.family == family])
        while len(chosen) < 3:
            if not take(candidates):
                break
        while len(chosen) < 3:  # a library without enough moves: the general ones, as they are
            general = lib.for_category("")
            move = general[len(chosen) % len(general)] if general else lib.moves[0]
            chosen.append(PlannedMove(move, None, move.templates[-1], False, 0.0))
        return Plan(situation, (chosen[0], chosen[1], chosen[2]))

    # -- scoring ---------------------------------------------------------------------------

    def _candidates(self, s: Situation, lib: MoveLibrary) -> list[_Candidate]:
        moves: list[tuple[Move, float]] = []
        deciders = set(s.roles_here) & DECIDERS
        for m in lib.moves:
            if s.signoff and "authority" in m.categories:
                moves.append((m, 1.6))  # who signs off decides what helps, whatever the category
            elif (
                s.rival_offer
                and s.category not in ("price", "budget")
                and "competitor" in m.categories
            ):
                moves.append((m, 1.5))  # a rival's offer on the table, however it was read
            elif s.category in m.categories:
                moves.append((m, 1.0))
            elif "*" in m.categories:
                moves.append((m, 0.45))
            elif deciders and "authority" in m.categories and m.family != "evidence":
                moves.append((m, 0.85))  # a decider named with another concern
        note = self.finder.rival_note(s.competitor) if s.competitor else ""
        cues = fact_cues(s.concerns, s.lang)
        out: list[_Candidate] = []
        for move, base in moves:
            score = base
            facts: list[ScoredFact] = []
            rep_said: set[str] = set()
            if move.wants_fact:
                # A general move ("answer first") looks where the category's moves look.
                query = move.fact_query or " ".join(
                    m.fact_query for m in lib.moves if s.category in m.categories
                )
                kind = move.fact_kind
                if s.criteria and not cues and move.id == "authority.help_decider":
                    kind = "any"  # what the decider weighs decides the fact, not a case
                facts = self.finder.rank(
                    customer=s.text,
                    query=query,
                    kind=kind,
                    lang=s.lang,
                    extra=note if move.family != "question" else "",
                    cues=cues,
                )
                if move.fact_must is not None:
                    facts = [f for f in facts if move.fact_must.search(f.fact.sentence)]
                # Let down by promises before, or still angry about a bad experience: another
                # customer's result sounds like one more pitch.
                no_case = s.burned or (s.upset and s.bad_experience)
                avoid = set(move.fact_avoid) | ({"proof"} if no_case else set())
                facts = [
                    f for f in facts if f.fact.kind not in avoid and (f.said or not move.fact_said)
                ]
                facts = _on_topic(facts, move, s, cues)
                if (
                    not {"price", "budget"} & set(move.categories)
                    and move.id != "any.answer_question"
                    and s.category not in ("price", "budget")
                ):
                    facts = [f for f in facts if not is_price(f.fact.sentence)]  # no price list
                # A fact said earlier in the call gives way, unless the customer asks for it.
                # So does a fact the rep already told them ("the drone survey we did").
                said_before = set(() if s.is_question else s.earlier_facts)
                rep_said = {f.fact.sentence for f in facts if _rep_said_it(f.fact, s)}
                said_before |= rep_said
                fresh = [f for f in facts if f.fact.sentence not in said_before]
                facts = fresh + [f for f in facts if f.fact.sentence in said_before]
                if move.fact_prefer is not None:  # a trial said before still beats a fresh plan
                    prefer = move.fact_prefer
                    facts.sort(key=lambda f: not prefer.search(f.fact.sentence))
                if facts:
                    score += min(0.5, 0.5 * facts[0].coverage + 0.1)
                    if facts[0].fact.sentence in said_before:
                        score -= 0.2  # said already in this call
                elif not any("{fact}" not in t for t in move.templates):
                    continue
                else:
                    score -= 0.4
            on_concern = bool(facts) and any(c.search(facts[0].fact.sentence) for c in cues)
            if cues and move.family == "evidence" and move.wants_fact:
                # The customer named a worry: evidence is the fact on it, or it is a paste.
                score += CONCERN_FIT if on_concern else -CONCERN_MISS
                if facts and not on_concern and facts[0].fact.kind == "proof":
                    score -= OFF_CUE_PROOF  # off the worry, a trial to test us beats a case
            if move.id == "any.speak_to_concern" and not on_concern:
                continue
            if move.id == "any.answer_question":
                if not (s.is_question and facts and facts[0].coverage >= 0.3):
                    continue
                score += 2.0
            if any(
                _uses_situation(t, s)
                and ("{fact}" not in t or facts)
                and ("{?cue}" not in t or on_concern)
                for t in move.templates
            ):  # a sentence for what they named that can be said: not one without its fact
                score += 0.3
            if s.valence == "negative" and move.family == "acknowledge":
                score += 0.2
            if (s.bad_experience or s.label == "frustrated") and move.fact_kind == "proof":
                score -= UPSET_PROOF  # an upset customer hears another customer's result as a pitch
            if move.id in s.earlier_moves:
                score -= 0.5
            out.append(_Candidate(move, score, facts, frozenset(rep_said)))
        return out

    def _realise(
        self,
        cand: _Candidate,
        s: Situation,
        used_facts: set[str],
        others: list[str],
        context: Sequence[str],
    ) -> PlannedMove | None:
        """The candidate's instant text with its best unused fact, or None when no template
        renders and passes the checker."""
        facts: list[ScoredFact | None] = []
        facts.extend(
            f
            for f in cand.facts
            if not any(same_fact(f.fact.sentence, used) for used in used_facts)
        )
        cues = fact_cues(s.concerns, s.lang)
        if cues and any("{?cue}" in t for t in cand.move.templates):
            # A move with a sentence written for the concern tries the facts on it first.
            facts.sort(key=lambda f: f is None or not any(c.search(f.fact.sentence) for c in cues))
        del facts[3:]
        slots = s.slots()
        factless = [
            t for t in cand.move.templates if "{fact}" not in t and render(t, slots) is not None
        ]
        if any(t.startswith("{?c_") or "{weighs}" in t for t in factless):
            # A sentence written for the worry they named (or what the decider weighs) beats a
            # fact that is not on it.
            weighs = set(tokens(s.weighs))
            on_cue = [
                f
                for f in facts
                if f is not None
                and (
                    any(c.search(f.fact.sentence) for c in cues)
                    or weighs & set(tokens(f.fact.sentence))
                )
            ]
            facts = [*on_cue, None]
        elif not any("{fact}" in t for t in cand.move.templates) or not facts:
            facts.append(None)
        elif factless and any(f is not None and f.fact.sentence in cand.told for f in facts):
            # What the rep already told them gives way to the move's own sentence.
            told = [f for f in facts if f is not None and f.fact.sentence in cand.told]
            facts = [f for f in facts if f not in told] + [None, *told]
        for fact in facts:
            filled = dict(slots)
            if fact is not None:
                filled["fact"] = fact.fact.clause
                if any(c.search(fact.fact.sentence) for c in cues):
                    filled["cue"] = "yes"  # {?cue}: the fact bears on the concern they named
            for template in cand.move.templates:
                if ("{fact}" in template) != (fact is not None):
                    continue
                text = render(template, filled)
                if text is None:
                    continue
                if fact is not None and not sayable(text, s.lang):
                    head = short_clause(fact.fact.clause, s.lang, customer=s.text)
                    shorter = render(template, {**filled, "fact": head}) if head else None
                    if shorter is not None and states_fact(shorter, fact.fact.sentence):
                        text = shorter  # the fact's head says it in one breath
                    elif not sayable(text, s.lang, slack=True):
                        continue  # far past one breath: another template or fact
                verdict = self.checker.check(
                    text,
                    family=cand.move.family,
                    lang=s.lang,
                    conversation=context,
                    customer=s.text,
                    rep_said=s.rep_said,
                    others=others,
                    earlier=s.earlier,
                    fact=fact.fact.sentence if fact is not None else "",
                    keep=s.named(),
                )
                if verdict.ok:
                    specific = _uses_situation(template, s) or "{?cue}" in template
                    return PlannedMove(cand.move, fact, text, specific, cand.score)
        return None


SAYABLE_WORDS = 24  # one breath, English words
SAYABLE_CHARS_ZH = 46
# How far past one breath a path with a fact may run when its fact has no shorter head.
SLACK_WORDS = 8
SLACK_CHARS_ZH = 12


def sayable(text: str, lang: str, *, slack: bool = False) -> bool:
    """Short enough to say in one breath (`slack`: or not far past it)."""
    if lang == "zh":
        return len(text) <= SAYABLE_CHARS_ZH + (SLACK_CHARS_ZH if slack else 0)
    return len(text.split()) <= SAYABLE_WORDS + (SLACK_WORDS if slack else 0)


_HEAD_END = re.compile(
    r"\s*(?:[:;；：(（—]|, with |, and then |, (?:encrypted|plus|including|backed up) |"
    r"，(?:传输|全程|并且|另外|同时))"
)


def short_clause(clause: str, lang: str, *, customer: str = "") -> str:
    """The head of a long fact, cut before its details ("setup takes 3 weeks: one week ..."
    -> "setup takes 3 weeks"); "" when the head is too short to stand alone. Of two halves
    joined by ";" the one that shares more of the `customer`'s words is kept ("readings go
    over LTE; nothing touches the plant network" to "does it touch our network?")."""
    m = _HEAD_END.search(clause)
    if not m and lang == "zh":  # a Chinese fact runs on with commas: its first clause
        m = re.search("，", clause)
    if not m:
        return ""
    head = clause[: m.start()].strip(" ,，")
    parts = [head]
    if clause[m.start() : m.end()].strip() in (";", "；") and customer:
        rest = clause[m.end() :]
        n = _HEAD_END.search(rest)
        parts.append((rest[: n.start()] if n else rest).strip(" ,，"))
    said = set(tokens(customer))

    def stands(part: str) -> bool:
        return len(part) >= 6 if lang == "zh" else len(part.split()) >= 3

    if not stands(head):
        return ""
    if lang != "zh":  # a head without a verb ("driver app for Android and iOS") gets one
        head = with_verb(head)
    tail = parts[1] if len(parts) > 1 and stands(parts[1]) else ""
    shared = len(said & set(tokens(tail)))
    # The second half only when it clearly holds more of their words.
    return tail if tail and shared >= 2 and shared > len(said & set(tokens(head))) else head


def _rep_said_it(fact: Fact, s: Situation) -> bool:
    """The rep's recent lines already carry most of this fact's words, or, for an offer, three
    of its own words ("did the drone survey team turn up? ... on the roof": the free roof
    survey with a drone is done)."""
    words = set(tokens(fact.sentence))
    said = set(tokens(" ".join(s.rep_said)))
    if fact.kind == "offer" and len((words & said) - GENERIC_STEMS) >= 3:
        return True
    return len(words) >= 3 and len(words & said) >= 0.6 * len(words)


def same_fact(a: str, b: str) -> bool:
    """Two playbook lines that state the same fact (the same sentence, one inside the other,
    most words shared, or the same numbers), as a product sheet and its approved answers do."""
    if a == b or near_copy(a, b, threshold=0.5):
        return True
    na, nb = set(re.findall(r"\d+(?:\.\d+)?", a)), set(re.findall(r"\d+(?:\.\d+)?", b))
    return len(na) >= 2 and na == nb


def _uses_situation(template: str, s: Situation) -> bool:
    """The template takes up something this customer named (a person, rival, amount, date,
    comparison, or a flag such as a bad experience or a concern) and all its slots are known."""
    slots = s.slots()
    names = _SLOT.findall(template)
    return any(n not in ("fact", "cue") for n in names) and all(
        n in ("fact", "cue") or slots.get(n) for n in names
    )


def _on_topic(
    facts: list[ScoredFact], move: Move, s: Situation, cues: Sequence[re.Pattern[str]]
) -> list[ScoredFact]:
    """A security fact (hosting, encryption, certification) only where data is the topic: a
    security objection or a worry about where data sits or who sees it. A security move, in
    turn, states a security fact or one on the worry named, and only one on the worry when the
    customer named one."""
    data_topic = s.category == "security" or bool(DATA_CONCERNS & set(s.concerns))
    if "security" in move.categories and move.family == "evidence":
        if cues and DATA_CONCERNS & set(s.concerns):
            # They named the worry (no write access, where it is kept): a fact on another
            # point of security (hosting, a certificate) answers a question they did not ask.
            return [f for f in facts if any(c.search(f.fact.sentence) for c in cues)]
        return [
            f
            for f in facts
            if is_security(f.fact.sentence) or any(c.search(f.fact.sentence) for c in cues)
        ]
    if data_topic:
        return facts
    return [f for f in facts if not is_security(f.fact.sentence)]


def _family_order(s: Situation, *, answered: bool) -> tuple[str, ...]:
    """The families filled first, in slot order: when they asked, the answer, then a question,
    then the best other move (a second fact, say where the data sits when the answer said who
    sees it, rather than an acknowledgement that answers nothing); else acknowledge, ask,
    evidence."""
    if s.is_question and answered:
        return ("evidence", "question")
    return ("acknowledge", "question", "evidence")
