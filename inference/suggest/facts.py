"""Playbook facts chosen per move: one sentence of the playbook that bears on the concern.

Every sentence of every product entry is a candidate, except rule sentences, internal
instructions to reps, what the playbook says about a rival (a path never repeats it), the
account notes (emails and notes about this customer, often in their words) and sentences that
would break a rule. A move asks for a kind of fact (an offer such as a pilot or
a plan, a proof such as a customer result, a spec such as hosting or rollout time); the finder
ranks the sentences of that kind by how well they match the customer's words and the move's
own retrieval words, and never returns a fact another path of the set already uses.

`as_clause` turns a playbook line into words a template can carry inside a sentence
("Pilot: 21 days free" -> "our pilot is 21 days free"), so a fact is woven in, not pasted.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import regex

from inference.guard import ComplianceGuard
from inference.playbook import Playbook, PlaybookEntry
from inference.playbook.rules import COMPETITOR_HEADING, cert_names
from inference.playbook.text import tokens
from inference.text import is_cjk

_INTERNAL = re.compile(
    r"\b(reps?|sales ?(?:people|reps?|director|vp|manager|lead|head)|head of sales|approval|"
    r"internal|confidential|fictional|evaluation|in writing)\b"
    r"|^(?:offer|ask|tell|mention|remind|point out|explain|suggest|say|use|lead with|stress)\b"
    r"|\b(?:tell|ask|remind|show|give|offer|send|let|help|walk|convince|reassure)\s+"
    r"(?:them|the customer|the client|the prospect)\b|\bthey'll\b|\bif (?:they|the customer)\b"
    r"|审批|内部|销售总监|销售在|销售最多|虚构|评测|书面|讲清|强调|提醒客户|告诉客户|^(?:告诉|提醒|说明|提出|主动)",
    re.I,
)
# "Acme is a platform for ...", "某某为中小学提供...": what the product is, not a fact that answers.
_DEFINITION = re.compile(r"^([A-Z][\w-]+(?: [A-Z][\w-]+)?) (?:is|are)\b")
_ZH_DEFINITION = regex.compile(
    r"^[\p{Han}A-Za-z]{2,8}(?:为|是(?:一款|一个|一套|一家|面向|专为|专门))\p{Han}"
)


def _definition(sentence: str, names: Collection[str]) -> bool:
    """What the product is ("Acme is practice software for ..."), not a fact that answers."""
    m = _DEFINITION.match(sentence)
    return bool((m and m.group(1) in names) or _ZH_DEFINITION.match(sentence))


MAX_FACT_WORDS = 28
# Stems too general to show that a fact takes up what the customer said ("it mostly works").
GENERIC_STEMS = frozenset(
    [
        "work",
        "use",
        "need",
        "want",
        "make",
        "take",
        "get",
        "go",
        "good",
        "big",
        "most",
        "much",
        "lot",
        "thing",
        "time",
        "one",
        "new",
        "way",
        "help",
        "just",
        "realli",
        "well",
        "right",
        "look",
        "see",
        "know",
        "think",
    ]
)
STRONG_MATCH = 2.5  # idf-weighted overlap with the customer's words that stands on its own
QUERY_CAP = 4.0  # the most the move's own words count for, so the customer's words decide
CONCERN_BONUS = 2.5  # a fact that bears on the concern the customer named (`concerns.py`)
RESULT_BONUS = 0.8  # a proof that tells what changed for a customer, over how many use it
MAX_FACT_CHARS_ZH = 48
# Sections that coach the rep ("Answering common objections", "常见异议应对", a heading that
# quotes an objection): their lines are advice in shorthand, not facts to say.
_COACHING_HEADING = re.compile(
    r"objection|answer|rebuttal|faq|talk ?track|异议|应对|话术|^\W*[\"'“「]", re.I
)
_RULES_HEADING = re.compile(
    r"\brules?\b|red ?lines?|do not|don't|must not|never|红线|禁止|规则|注意事项|不得", re.I
)
_PROOF_HEADING = re.compile(
    r"proof|case|customer|result|success|stor(?:y|ies)|reference|testimonial|案例|客户|成果|效果|证明",
    re.I,
)
_OFFER = re.compile(
    r"\b(trial|pilot|free|annual plan|yearly plan|discount|% off|money-back|guarantee|starter|"
    r"no contract|cancel any ?time|no up-?front|financ\w*|leas(?:e|ing)|pay monthly|monthly payments|"
    r"instal(?:l)?ments?|power purchase agreement|PPA)\b|试用|试点|免费|年付|折|优惠|套餐|不收费|随时取消|"
    r"分期|租赁|零首付",
    re.I,
)
_RESULT = re.compile(
    r"\b(cut|cuts|reduced?|raised?|saved?|saves|grew|increased?|improved?|from .+ to|lowered|"
    r"halved|doubled)\b|降低|提升|提高|节省|缩短|减少|下降|增长|从.+到",
    re.I,
)
_NUMBER = re.compile(r"\d")
_PRICE = re.compile(
    r"[$€£¥]\s?\d|\d[\d,.]*\s?(?:元|块钱|dollars|euros|pounds)|\blist price\b|\bpric(?:e|ing)\b|标准价|价格|报价",
    re.I,
)


_PAREN = re.compile(r"\s*[（(][^）)]*[）)]")


def _fits(sentence: str, lang: str) -> bool:
    """Short enough to stand as one fact."""
    if lang == "zh":
        return len(sentence) <= MAX_FACT_CHARS_ZH
    return len(sentence.split()) <= MAX_FACT_WORDS


# A fact about where data sits, who sees it and how it is protected. It answers a security
# question or a worry about data, and is a paste under any other move ("so the switch stays
# safe: your data is hosted in ...").
_SECURITY = re.compile(
    r"(?<![A-Za-z])(?:hosted|stored|data cent(?:er|re)s?|encrypt\w*|residency|privacy|"
    r"penetration test\w*|ISO ?\d{4,5}|SOC ?[12]|GDPR|HIPAA|TLS|SSL|two-factor|2FA|"
    r"single sign-on|SSO|access control|audit logs?|role-based|permissions?|third[- ]part\w+|"
    r"never (?:sells?|shares?|sold|shared)(?: or (?:sells?|shares?))?|not (?:sold|shared)|under NDA)(?![A-Za-z])|"
    r"存储|存放|机房|加密|等保|隐私|政务云|数据中心|私有云|私有化部署|不出(?:省|境)|商业用途|"
    r"挪作|不会出售|不出售|第三方|权限",
    re.I,
)


# Where a note about a rival turns from its strengths to its gaps.
_CONTRAST = re.compile(r"(?:\bbut\b|\bhowever\b|\bthough\b|但是|但|不过|然而)[,，\s]*(.+)$", re.I)


def is_security(sentence: str) -> bool:
    """The fact is about data protection (hosting, encryption, certification, privacy)."""
    return bool(_SECURITY.search(sentence))


def is_price(sentence: str) -> bool:
    """A line of the price list ("$140 per vet per month", "标准价：每月180元")."""
    return bool(_PRICE.search(sentence))


_ZH_CLAUSE = re.compile(r"^(?:可以|可|先|会|能|我们|只需|支持|提供|不|没有|已)")
_EN_CLAUSE = re.compile(
    r"\b(?:can|will|is|are|was|takes|runs|starts|lets|gives|keeps|stays|works|has|have|cut|saved)\b",
    re.I,
)
_LABEL = re.compile(r"^([^:：\d]{1,40}?)\s*[:：]\s*(.+)$")
_KEEP_CAPITAL = re.compile(r"^(?:[A-Z]{2,}|[A-Z][a-z]*[A-Z]|[A-Z][a-z]+\s+[A-Z])")


@dataclass(frozen=True, slots=True)
class Fact:
    """One playbook sentence a path can rest on.

    Attributes:
        sentence: as written in the playbook (what the checker compares against).
        clause: the same as words inside a sentence (no final stop, lower-case start).
        entry: the entry it comes from (the path's source).
        kind: "offer", "proof", "spec" or "plain".
        lang: the entry's language.
    """

    sentence: str
    clause: str
    entry: PlaybookEntry
    kind: str
    lang: str


@dataclass(frozen=True, slots=True)
class ScoredFact:
    """A fact with how well it matches one move of one situation (coverage in [0, 1]);
    `said`: it shares a word with the customer (or the playbook's note on their rival) or
    bears on the worry they named, rather than only on the move's own retrieval words."""

    fact: Fact
    score: float
    coverage: float
    said: bool = False


_IMPERATIVE = re.compile(
    r"^\W*(?:do not|don't|never|must not|avoid|refrain)\b|\b(?:must not|mustn't|may not|should not|"
    r"not allowed|not permitted|forbidden|prohibited)\b|\b(?:never|do not|don't) (?:say|promise|claim|"
    r"quote|offer|discount|go|disparage|mention|commit|guarantee)\b",
    re.I,
)
_ZH_IMPERATIVE = re.compile(r"不得|不可|不准|禁止|严禁|切勿|不要|不允许|避免|不许")


def _instruction(sentence: str) -> bool:
    """A rule or an instruction to reps rather than a fact ("never quote below ...")."""
    return bool(_IMPERATIVE.search(sentence) or _ZH_IMPERATIVE.search(sentence))


_VERB = re.compile(
    r"\b(?:is|are|was|were|can|will|takes?|runs?|starts?|lets?|gives?|keeps?|stays?|works?|has|"
    r"have|had|cut|saved?|reduced|raised|went|covers?|shows?|lasts?|warns?|mounts?|sends?|stores?|"
    r"avoided|found|grew|improved|increased|dropped|fell|gets?|includes?|comes?|supports?|"
    r"connects?|syncs?|needs?|uses?|offers?|provides?|handles?|trains?|learns?|pays?|"
    r"carry|carries|holds?|produces?)\b",
    re.I,
)


# A clause that opens with where or when it holds ("on flat roofs, ...", "after go-live, ...").
_LEAD_IN = r"(?:on|in|at|for|with|after|before|during|within|once|when|if|from|under|across)\s"


def with_verb(clause: str) -> str:
    """An English fact without a verb ("ISO 27001 certified", "SOC 2 report available under
    NDA", "99.9% uptime SLA", "servers in Frankfurt") as a clause that has one."""
    kept = re.match(
        r"((?:[a-z]+ )?(?:data|records|files|backups|images|recordings))\s+"
        r"((?:hosted|stored|kept|held|backed up|saved)\b.*)$",
        clause,
        re.I,
    )
    if kept:  # "data hosted in Frankfurt" -> "your data is hosted in Frankfurt"
        noun = kept.group(1).lower()
        verb = "are" if noun.endswith("s") else "is"
        return f"your {noun} {verb} {kept.group(2)}"
    where = re.match(r"([a-z]+s) ((?:in|at|on) [^;,]+)", clause)
    if where and not where.group(1).endswith("ss") and not _VERB.search(where.group(0)):
        return f"our {where.group(1)} are {where.group(2)}" + clause[where.end() :]
    head, sep, rest = clause.partition(";")
    if (
        sep
        and head[:1].islower()  # not a sentence led by a name ("Fernbrook Logistics put ...")
        and not _VERB.search(head)
        and _VERB.match(rest.strip())  # the second part starts with its verb ("works ...")
    ):
        # "driver app for Android and iOS; works offline" -> "our driver app ... works offline"
        return f"our {head.strip()} {rest.strip()}"
    if _VERB.search(clause) or re.match(r"(?:we|our|you|it|they|this|that)\b", clause, re.I):
        return clause
    if re.match(_LEAD_IN, clause, re.I) and "," in clause:
        # "on flat roofs, panels sit on ballast" is a sentence after its lead-in, not an offer
        return clause
    if re.search(r"\b(?:certified|compliant|accredited|audited)\b", clause, re.I):
        return "we are " + clause
    if re.search(r"\bavailable\b", clause, re.I):
        return re.sub(r"\s+available\b", " is available", clause, count=1, flags=re.I)
    if clause[:1].isupper():  # a name leads: a sentence about a customer, with its own verb
        return clause
    return "we offer " + clause


_FACT_END = regex.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[$€£\p{Han}])|(?<=[。！？])")


_ITEM = re.compile(r"^\s*(?:[-*•+]|\d+[.)])\s+|^\s*#|^\s*\|")


def _paragraphs(text: str) -> list[str]:
    """Bullet items and paragraphs, each on one line: a Markdown line wrapped inside an item
    ("... 24 chargers in its depot; its 18 vans now" / "start every shift full") is joined
    back to it."""
    out: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            out.append("")
        elif _ITEM.match(line) or not out or not out[-1]:
            out.append(line.strip())
        else:
            joiner = "" if is_cjk(out[-1][-1]) else " "
            out[-1] = out[-1] + joiner + line.strip()
    return [p for p in out if p]


def fact_sentences(text: str) -> list[str]:
    """The sentences and bullet items of an entry; a ";" does not end a fact ("GPS data is
    kept for 90 days; hosted in Dublin" stays whole), a wrapped line does not either."""
    out: list[str] = []
    for line in _paragraphs(text):
        out.extend(p.strip() for p in _FACT_END.split(line) if p.strip())
    return out


def classify(sentence: str, heading: str) -> str:
    """The kind of fact a sentence is."""
    if _OFFER.search(sentence):
        return "offer"
    if (_PROOF_HEADING.search(heading) and _NUMBER.search(sentence)) or (
        _RESULT.search(sentence) and _NUMBER.search(sentence)
    ):
        return "proof"
    if _NUMBER.search(sentence) or cert_names(sentence):
        return "spec"
    return "plain"


_YOU_VERB = {"has": "have", "does": "do", "is": "are", "was": "were"}


def _to_you(m: re.Match[str]) -> str:
    """ "the customer chooses" -> "you choose"."""
    verb = m.group(1)
    if not verb:
        return "you"
    if verb in _YOU_VERB:
        return "you " + _YOU_VERB[verb]
    if verb.endswith("s") and not verb.endswith("ss") and len(verb) > 3:
        return "you " + verb[:-1]
    return "you " + verb


def as_clause(sentence: str, lang: str, names: Collection[str] = ()) -> str:
    """A playbook line as words a template can carry ("Pilot: 21 days free, no contract." ->
    "our pilot is 21 days free, no contract"; "试用：21天免费。" -> "试用是21天免费"), said
    to the customer ("chosen by the customer" -> "chosen by you")."""
    s = sentence.strip().lstrip("-*• ").rstrip(" .。;；!！")
    if lang != "zh":
        s = re.sub(r"\bthe customer's\b", "your", s)
        s = re.sub(r"\b(?:the|each) customer(?: (\w+))?\b", _to_you, s)
    m = _LABEL.match(s)
    if lang == "zh":
        if m and len(m.group(1).strip()) <= 4 and not _ZH_CLAUSE.match(m.group(2).strip()):
            return f"{m.group(1).strip()}是{m.group(2).strip()}"
        return m.group(2).strip() if m else s
    if m and _EN_CLAUSE.search(m.group(2)):
        s = m.group(2).strip()  # the value is a sentence of its own
        m = None
    if m and len(m.group(1).split()) <= 4:
        label, value = m.group(1).strip(), m.group(2).strip()
        low = label if _KEEP_CAPITAL.match(label) or label in names else label.lower()
        verb = "are" if low.endswith("s") and not low.endswith("ss") else "is"
        owner = "" if low.startswith(("our ", "the ")) or label in names else "our "
        return f"{owner}{low} {verb} {value}"
    first = s.split(" ", 1)[0]
    if first and first[0].isupper() and not _KEEP_CAPITAL.match(s) and first not in names:
        s = s[0].lower() + s[1:]
    return with_verb(s)


class FactFinder:
    """Ranks the playbook's usable sentences for a move.

    Args:
        playbook: the loaded playbook.
        guard: sentences that would break a rule are never used.
    """

    def __init__(self, playbook: Playbook, *, guard: ComplianceGuard) -> None:
        self.playbook = playbook
        names = {t for t in playbook.terms if t[:1].isupper()} | set(playbook.competitors)
        rule_sentences = tuple(r.sentence for r in playbook.rules)
        self.facts: list[Fact] = []
        self._tokens: list[set[str]] = []
        self.rival_notes: list[tuple[str, str]] = []  # (sentence, lang) of competitor notes
        seen: set[str] = set()
        rivals = [c.lower() for c in playbook.competitors if c]
        for entry in playbook.entries:
            if entry.kind == "account" or _COACHING_HEADING.search(entry.heading):
                continue  # notes about this customer (their words), or advice to reps
            rival = bool(COMPETITOR_HEADING.search(entry.heading))
            for sentence in fact_sentences(entry.text):
                if rival or any(r in sentence.lower() for r in rivals):
                    self.rival_notes.append((sentence, entry.lang))
                    continue
                if len(sentence) < 8 or sentence in seen or _RULES_HEADING.search(entry.heading):
                    continue
                bare = sentence.strip("-*• ")
                if _instruction(sentence) or _INTERNAL.search(bare) or _definition(bare, names):
                    continue
                # A fact too long to say loses its brackets (opening hours, a model list)
                # before it is given up.
                said = sentence if _fits(sentence, entry.lang) else _PAREN.sub("", sentence)
                if not _fits(said, entry.lang):
                    continue
                if any(sentence in r or r in sentence for r in rule_sentences):
                    continue
                if guard.violations(sentence):
                    continue
                seen.add(sentence)
                kind = classify(sentence, entry.heading)
                self.facts.append(
                    Fact(sentence, as_clause(said, entry.lang, names), entry, kind, entry.lang)
                )
                self._tokens.append(set(tokens(sentence + " " + entry.heading)))

    def _weight(self, toks: Collection[str]) -> float:
        return sum(max(0.2, self.playbook.idf(t)) for t in toks)

    def rank(
        self,
        *,
        customer: str,
        query: str,
        kind: str,
        lang: str,
        exclude: Collection[str] = (),
        extra: str = "",
        cues: Sequence[re.Pattern[str]] = (),
    ) -> list[ScoredFact]:
        """Facts for one move, best first.

        Args:
            customer: the customer's words (and what frames them, such as a rival's note).
            query: the move's own retrieval words.
            kind: the fact kind the move wants ("any" for any).
            lang: the call's language (facts in it rank first).
            exclude: sentences already used by another path.
            extra: more words that count like the customer's (a rival's note).
            cues: what a fact on the customer's concerns contains (`concerns.fact_cues`):
                such a fact ranks first even when it shares no word with theirs.
        """
        said = set(tokens(customer + " " + extra))
        wanted = set(tokens(query))
        said_w = self._weight(said) or 1.0
        out: list[ScoredFact] = []
        for fact, toks in zip(self.facts, self._tokens, strict=True):
            if fact.sentence in exclude:
                continue
            if kind in ("offer", "proof") and fact.kind != kind:
                continue  # a move that offers a pilot or tells a result needs one
            hit_said = self._weight(said & toks)
            hit_query = self._weight(wanted & toks)
            # The concern named first weighs most (cues come in the order they were named).
            on_concern = sum(
                1.0 if i == 0 else 0.6 for i, c in enumerate(cues) if c.search(fact.sentence)
            )
            if (
                not on_concern
                and not hit_query
                and (hit_said < STRONG_MATCH or (not wanted and not hit_said) or cues)
            ):
                # Of the right kind, but not about what the move or customer needs (once they
                # named a worry, sharing a word with them is not enough).
                continue
            coverage = min(
                1.0,
                hit_said / said_w * 1.5 + (0.25 if hit_query else 0.0) + 0.3 * min(on_concern, 1),
            )
            # The customer's words and concern decide; the move's words say what kind of fact.
            score = (
                1.5 * hit_said
                + 0.6 * min(hit_query, QUERY_CAP)
                + CONCERN_BONUS * min(on_concern, 1.6)
            )
            if kind not in ("", "any") and fact.kind == kind:
                score += 0.5
                if kind == "proof" and _RESULT.search(fact.sentence):
                    score += RESULT_BONUS  # a result ("cut X by 30%"), not a head count
            elif kind == "spec" and fact.kind == "plain":
                score += 0.2
            if fact.lang != lang:
                score -= 3.0
            if score <= 0.3:
                continue
            takes_up = bool((said & toks) - GENERIC_STEMS) or bool(on_concern)
            out.append(ScoredFact(fact, score, coverage, takes_up))
        out.sort(key=lambda s: s.score, reverse=True)
        return out

    def rival_note(self, competitor: str) -> str:
        """What the playbook says about a rival (its words help find where we differ): the
        part after its "but" when it has one ("X: simple screens, but no sharing between
        clinics" -> "no sharing between clinics"), since that is where we differ."""
        low = competitor.lower()
        notes = [s for s, _ in self.rival_notes if low and low in s.lower()]
        gaps = [m.group(1) for s in notes if (m := _CONTRAST.search(s))]
        return " ".join(gaps or notes)
