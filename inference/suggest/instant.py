"""Stage 1: three paths composed from the playbook in milliseconds, no model involved.

The customer's words plus the category's keywords (both languages) query the playbook; the
best-matching sentences of the retrieved entries are the facts. Each strategy gets its own
fact, from a different entry where the playbook allows:

- acknowledge_value: acknowledge the concern, then the best-matching fact;
- ask_question: a question that uncovers the real concern, with a fact for context;
- offer_evidence: a fact with a number or a proof point (case studies first).

Rule sentences and internal instructions ("a rep may offer...", "needs approval") are never
used as facts, and facts that break a rule are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from inference.events import Source, SuggestionPath
from inference.guard import ComplianceGuard
from inference.playbook import Playbook, PlaybookEntry
from inference.playbook.index import Hit
from inference.playbook.rules import COMPETITOR_HEADING, PROHIBIT
from inference.playbook.text import split_sentences, tokens
from inference.suggest.confidence import grounding, path_confidence
from inference.suggest.phrases import (
    ACK,
    CONTEXT_LEAD,
    EVIDENCE_LEAD,
    FACT_LEAD,
    OPTION_LEAD,
    QUERY_TERMS,
    QUESTION,
    phrase,
)
from inference.suggest.types import STRATEGIES

_INTERNAL = re.compile(
    r"\b(reps?|sales ?(?:people|reps?|director)|approval|internal|confidential|fictional|evaluation)\b"
    r"|审批|内部|销售总监|销售在|虚构|评测",
    re.I,
)
_PROOF_HEADING = re.compile(
    r"proof|case|customer|result|success|stor(?:y|ies)|reference|testimonial|案例|客户|成果|效果|证明",
    re.I,
)
_OFFER = re.compile(r"\b(trial|pilot|plan|option|package|bundle)\b|试用|年付|方案|套餐", re.I)
_RULES_HEADING = re.compile(r"\brules?\b|red ?lines?|do not|don't|红线|禁止|规则|注意事项", re.I)


@dataclass(frozen=True, slots=True)
class Fact:
    """One sentence of an entry, usable as a fact, with its match score."""

    text: str
    hit: Hit
    score: float
    has_number: bool


def _end(text: str, lang: str) -> str:
    text = text.strip()
    if not text:
        return text
    if text[-1] in ".!?。！？":
        return text
    return text + ("。" if lang == "zh" or text[-1] >= "\u3000" else ".")


class InstantComposer:
    """Builds the instant paths for an objection.

    Args:
        playbook: the loaded playbook.
        guard: used to skip facts that would break a rule.
        k: how many entries to retrieve.
    """

    def __init__(self, playbook: Playbook, *, guard: ComplianceGuard, k: int = 6) -> None:
        self.playbook = playbook
        self.guard = guard
        self.k = k
        self._rule_sentences = tuple(r.sentence for r in playbook.rules)
        self._langs = sorted({e.lang for e in playbook.entries})

    def query(self, text: str, category: str, lang: str | None = None) -> str:
        """The customer's words plus the category's keywords, in the customer's language when
        the playbook has entries in it, else in the playbook's languages."""
        extra = QUERY_TERMS.get(category, {})
        langs = [lang] if lang in self._langs else self._langs
        return " ".join([text, *(extra.get(x, "") for x in langs)])

    def retrieve(self, text: str, category: str, lang: str) -> tuple[Hit, ...]:
        """Entries for this objection, best first; never empty (falls back to the first
        product entries, with no match).

        Each hit's `coverage` is the match quality used for confidence: 60% how much of the
        customer's own words the entry covers, 40% how much of the category's keywords.
        """
        query = self.query(text, category, lang)
        hits = [
            h
            for h in self.playbook.hits(query, self.k + 4, lang)
            if not _RULES_HEADING.search(h.entry.heading)
        ][: self.k]
        if not hits:
            hits = [
                Hit(e, 0.0, 0.0)
                for e in self.playbook.entries
                if e.kind == "playbook" and not _RULES_HEADING.search(e.heading)
            ][:2] or [Hit(self.playbook.entries[0], 0.0, 0.0)]
        keywords = query[len(text) :]
        return tuple(
            Hit(
                h.entry,
                h.score,
                0.6 * self.playbook.coverage(text, h.entry)
                + 0.4 * self.playbook.coverage(keywords, h.entry),
            )
            for h in hits
        )

    def facts(self, hits: tuple[Hit, ...], query: str, lang: str | None = None) -> list[Fact]:
        """Usable sentences of the retrieved entries, best first (the customer's language
        first)."""
        q = set(tokens(query))
        out: list[Fact] = []
        for rank, hit in enumerate(hits):
            for sentence in split_sentences(hit.entry.text):
                if len(sentence) < 8 or PROHIBIT.search(sentence) or _INTERNAL.search(sentence):
                    continue
                if any(sentence in r or r in sentence for r in self._rule_sentences):
                    continue
                if self.guard.violations(sentence):
                    continue
                overlap = len(q & set(tokens(sentence)))
                number = bool(re.search(r"\d", sentence))
                score = hit.coverage + 0.15 * overlap + (0.2 if number else 0.0) - 0.05 * rank
                if lang and hit.entry.lang != lang:
                    score -= 1.0
                out.append(Fact(sentence, hit, score, number))
        out.sort(key=lambda f: f.score, reverse=True)
        return out

    def compose(
        self,
        *,
        text: str,
        category: str,
        lang: str,
        utterance_id: str,
        objection_confidence: float,
        hits: tuple[Hit, ...],
    ) -> tuple[SuggestionPath, SuggestionPath, SuggestionPath]:
        """Three instant paths, one per strategy, each citing its entry and the utterance."""
        facts = self.facts(hits, self.query(text, category, lang), lang)
        used_entries: list[PlaybookEntry] = []
        used_texts: list[str] = []

        def pick(
            prefer: Callable[[Fact], bool], key: Callable[[Fact], float], *, spread: bool = True
        ) -> Fact | None:
            fresh = sorted((f for f in facts if f.text not in used_texts), key=key, reverse=True)
            pools = (
                [f for f in fresh if prefer(f) and (f.hit.entry not in used_entries or not spread)],
                [f for f in fresh if prefer(f)],
                [f for f in fresh if f.hit.entry not in used_entries],
                fresh,
                facts,
            )
            for pool in pools:
                if pool:
                    used_entries.append(pool[0].hit.entry)
                    used_texts.append(pool[0].text)
                    return pool[0]
            return None

        def plain(f: Fact) -> float:
            return f.score

        def proof(f: Fact) -> float:  # numbers and case studies make evidence
            return f.score + (0.5 if _PROOF_HEADING.search(f.hit.entry.heading) else 0.0)

        def not_competitor(f: Fact) -> bool:
            return category in ("competitor", "price") or not COMPETITOR_HEADING.search(
                f.hit.entry.heading
            )

        # The value path takes the best fact; evidence the best fact with a number (a case study
        # first), from another entry where possible; the question's context what is left.
        value = pick(not_competitor, plain)
        evidence = pick(lambda f: f.has_number, proof, spread=False)
        context = pick(not_competitor, plain)
        fallback_hit = hits[0] if hits else None

        def path(slot: int, body: str, fact: Fact | None) -> SuggestionPath:
            hit = fact.hit if fact is not None else fallback_hit
            entries = (hit.entry,) if hit is not None else ()
            sources = (*tuple(e.source() for e in entries), Source(utterance_id=utterance_id))
            grounded = grounding(body, entries, self.playbook.terms) if fact is not None else 0.0
            conf = path_confidence(
                objection=objection_confidence,
                retrieval=hit.coverage if hit is not None else 0.0,
                grounded=grounded,
            )
            return SuggestionPath(STRATEGIES[slot].id, body, conf, sources, complete=True)

        ack = phrase(ACK, lang, category)
        space = "" if lang == "zh" else " "
        p0 = _end(ack, lang)
        if value is not None:
            p0 += space + _end(value.text, lang)
        p1 = phrase(QUESTION, lang, category)
        if context is not None:
            p1 += space + CONTEXT_LEAD.get(lang, CONTEXT_LEAD["en"]) + _end(context.text, lang)
        if evidence is None:
            p2 = _end(ack, lang)
        else:
            if _PROOF_HEADING.search(evidence.hit.entry.heading):
                lead = EVIDENCE_LEAD
            elif _OFFER.search(evidence.text):
                lead = OPTION_LEAD
            else:
                lead = FACT_LEAD
            p2 = lead.get(lang, lead["en"]) + _end(evidence.text, lang)
        return (path(0, p0, value), path(1, p1, context), path(2, p2, evidence))
