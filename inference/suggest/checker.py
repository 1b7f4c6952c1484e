"""The checker: every path, instant or refined, is read before it is shown.

A path must be something the rep can say as it stands: in the rep's voice (not the customer's,
not about the customer in the third person); in the call's language; one or two sayable
sentences; doing what its move promises (a question path asks the customer one question, an
evidence path states a fact of the playbook); stating no number or name that neither the
playbook nor the conversation holds; promoting no rival; and not a near-copy of another path
of the set, of what the rep or the customer just said, of an earlier suggestion or of the
examples the model was shown. A refined path that fails keeps its move's instant path, so the
refined stage never makes a set worse; the reason is reported as a guard event
(`check:<reason>`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from inference.playbook import Playbook
from inference.playbook.text import tokens
from inference.text import HAN_RUN, cjk_ratio

_EN_CUSTOMER_VOICE = re.compile(
    r"\byour (?:product|price|pricing|solution|tool|software|platform|company|offer|quote|"
    r"service|system|case stud(?:y|ies)|team's offer)\b"
    r"|\bcan you (?:tell|send|show|give|explain) (?:me|us)\b|\btell me more about\b"
    r"|\bwe(?:'re| are) (?:already )?(?:using|with|happy with|locked in)\b"
    r"|\bour (?:budget|cfo|ceo|boss|current (?:tool|vendor|supplier|system)|contract with)\b"
    r"|\bI (?:can't|cannot) (?:promise|afford|approve)\b"
    r"|\b(?:quote[sd]?|offered|gave|charges?|sold) us\b",
    re.I,
)
# Words of the prompt itself: a line that says them talks about its instructions.
_PROMPT_WORDS = re.compile(
    r"\b(?:in the fact|the draft|this draft|the move|this move)\b|草稿|招式|这条事实", re.I
)
DRIFT_MIN = 0.25  # least share of words a rewrite keeps in common with its draft
FACT_KEPT_MIN = 0.5  # least share of its fact's words a rewrite keeps
DRIFT_MIN_QUESTION = 0.12
_ZH_CUSTOMER_VOICE = re.compile(
    r"你们的(?:产品|价格|方案|系统|服务|报价|案例)|(?:能不能|可以|麻烦)给我们|我们(?:的)?(?:预算|老板|财务|领导)(?:说|不|没)|"
    r"我们现在用的|我们已经(?:用|签)|给我们报|报给我们|对我们来说|这对我们|我们得先|"
    r"我们(?:现在|目前)(?:的|用的)(?:办法|系统|做法|方式|工具|流程)"
)
# A promise the playbook and the draft do not make ("we guarantee", "保证").
_EN_CLAIM = re.compile(
    r"\b(?:guarantee[sd]?|promise[sd]?|always|never (?:fails?|goes? down|breaks?)|100 ?%|best|"
    r"fastest|cheapest|the only)\b",
    re.I,
)
_ZH_CLAIM = re.compile(r"保证|承诺|一定|绝对|最好|最快|最便宜|永不|唯一")
_EN_THIRD_PERSON = re.compile(
    r"\b(?:the customer|the client|the prospect|the buyer)\b|\b(?:she|he) (?:said|says|wants|needs|mentioned|is worried)\b"
    r"|\blets? them\b|\bfor them\b|\bgive them\b|\bshow them\b",
    re.I,
)
_ZH_THIRD_PERSON = re.compile(r"客户(?:说|觉得|想|需要|担心|提到|表示)|对方(?:说|觉得|想)")
_QUESTION_MARK = re.compile(r"[?？]")
_SENTENCE = re.compile(r"[.!?。！？]+(?=\s|$)|[。！？]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"\b[A-Z][A-Za-z0-9&+\-]*(?:\s+[A-Z0-9][A-Za-z0-9&+\-]*)*")
_PRAISE_RIVAL = re.compile(
    r"\b(?:better|best|great|excellent|recommend|go with|stick with|switch to|superior|stronger)\b"
    r"|更好|最好|推荐|不错|更强|优秀",
    re.I,
)
_FRAGMENT = re.compile(r"[；;，,、:：]\s*[。.]$|[：:]\s*$|\.\.\.$|…$|\(\s*$")
_COMMON_WORDS = (
    "I I'd I'll I'm We We'd We'll We're Our You You'd You're Your The This That It It's And But "
    "So If What How Why When Where Which Who Would Could Can Let Let's Happy Great Sure Thanks "
    "Thank Absolutely Fair Good Understood Makes Makes Sense Rather Since Once One Two Three "
    "Yes No Okay OK Honestly Compared Apart After Before For From In On At To A An Is Are Do Does "
    "Not Any Many Most Some Every Each Whoever Whatever Switching Being Given Once Why Without "
    "Monday Tuesday Wednesday Thursday Friday January February March April May June July August "
    "September October November December CEO CFO CTO IT VP"
)
_COMMON = frozenset(_COMMON_WORDS.split())
MAX_WORDS_EN = 42
MAX_CHARS_ZH = 80


@dataclass(frozen=True, slots=True)
class Verdict:
    """A path's check: `ok`, or the reason it fails ("not_a_question", "invented_fact", ...)."""

    ok: bool
    reason: str = ""


OK = Verdict(True)


def near_copy(a: str, b: str, *, threshold: float = 0.6) -> bool:
    """Whether two texts say the same thing: one contains the other, or their word (Chinese:
    character-bigram) sets overlap by `threshold` or more (Jaccard)."""
    x, y = _norm(a), _norm(b)
    if not x or not y:
        return False
    if len(x) >= 12 and len(y) >= 12 and (x in y or y in x):
        return True
    sx, sy = _units(a), _units(b)
    if not sx or not sy:
        return False
    return len(sx & sy) / len(sx | sy) >= threshold


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def _units(text: str) -> set[str]:
    if cjk_ratio(text) >= 0.3:
        chars = "".join(HAN_RUN.findall(text))
        return {chars[i : i + 2] for i in range(len(chars) - 1)}
    return set(re.findall(r"[a-z0-9']+", text.lower()))


class PathChecker:
    """Checks paths against the playbook and the conversation.

    Args:
        playbook: the loaded playbook (its numbers, names and rivals are what a path may state).
    """

    def __init__(self, playbook: Playbook) -> None:
        body = " ".join(f"{e.heading} {e.text}" for e in playbook.entries)
        self._numbers = {n.replace(",", "") for n in _NUMBER.findall(body)}
        self._body_low = body.lower()
        self._rivals = tuple(c for c in playbook.competitors if c)

    def check(
        self,
        text: str,
        *,
        family: str,
        lang: str,
        conversation: Sequence[str] = (),
        customer: str = "",
        rep_said: Sequence[str] = (),
        others: Iterable[str] = (),
        earlier: Iterable[str] = (),
        examples: Iterable[str] = (),
        fact: str = "",
        draft: str = "",
        keep: Sequence[str] = (),
    ) -> Verdict:
        """Whether `text` may be shown as a path of `family` in a call in `lang`.

        Args:
            conversation: recent lines of both parties (their numbers and names may be said).
            customer: the objection utterance.
            rep_said: the rep's recent lines.
            others: the other paths of this set.
            earlier: paths shown for earlier objections of this call.
            examples: the example replies the model was shown.
            fact: the playbook sentence the path rests on (evidence paths must state it).
            draft: for a refined path, the instant line it rewrites: it may add no number
                the draft and the conversation lack, and must keep the fact.
            keep: what the customer named that the draft takes up (person, rival, amount):
                a rewrite that drops it answers them less well.
        """
        text = text.strip()
        if len(text) < 4:
            return Verdict(False, "empty")
        zh = lang == "zh"
        ratio = cjk_ratio(text)
        if (zh and ratio < 0.5) or (not zh and ratio > 0.1):
            return Verdict(False, "language")
        if _FRAGMENT.search(text) or text.count("“") != text.count("”"):
            return Verdict(False, "fragment")
        sentences = [s for s in _SENTENCE.split(text) if s.strip()]
        too_long = len(text) > MAX_CHARS_ZH if zh else len(text.split()) > MAX_WORDS_EN
        if len(sentences) > 2 or too_long:
            return Verdict(False, "too_long")
        if (_ZH_CUSTOMER_VOICE if zh else _EN_CUSTOMER_VOICE).search(text):
            return Verdict(False, "customer_voice")
        if (_ZH_THIRD_PERSON if zh else _EN_THIRD_PERSON).search(text):
            return Verdict(False, "third_person")
        asks = len(_QUESTION_MARK.findall(text))
        if family == "question" and asks == 0:
            return Verdict(False, "not_a_question")
        if family == "question" and asks > 1:
            return Verdict(False, "two_questions")
        if family == "question" and not re.search(r"[?？]\W*$", text):
            return Verdict(False, "question_not_last")
        said = " ".join([*conversation, customer, *rep_said])
        invented = self.invented(text, said)
        if invented:
            return Verdict(False, "invented_fact")
        if self.promotes_rival(text):
            return Verdict(False, "promotes_rival")
        if family == "evidence" and fact and not states_fact(text, fact):
            return Verdict(False, "no_fact")
        if customer and (
            near_copy(text, customer, threshold=0.5)
            or any(
                near_copy(a, b)
                for a in _sentences(text)
                for b in _sentences(customer)
                # a sentence of theirs said back, not a short answer nor a name they used
                if len(_units(a)) >= 6 and len(_units(b)) >= 6
            )
        ):
            return Verdict(False, "echoes_customer")
        if any(near_copy(text, r) for r in rep_said):
            return Verdict(False, "repeats_rep")
        if any(near_copy(text, o) for o in others):
            return Verdict(False, "duplicate")
        if any(near_copy(text, e) and not _names_anew(text, e, keep) for e in earlier):
            return Verdict(False, "repeats_earlier")
        known = " ".join([said, draft, fact])
        if any(near_copy(text, e, threshold=0.5) or borrows(text, e, known) for e in examples):
            return Verdict(False, "copies_example")
        if _PROMPT_WORDS.search(text):
            return Verdict(False, "leaks_prompt")
        if draft:
            # A question states nothing: it may be reworded more freely than a fact.
            if _overlap(text, draft) < (DRIFT_MIN_QUESTION if family == "question" else DRIFT_MIN):
                return Verdict(False, "drifted")
            claim = (_ZH_CLAIM if zh else _EN_CLAIM).search(text)
            if claim and claim.group(0).lower() not in " ".join([draft, fact, said]).lower():
                return Verdict(False, "new_claim")
            allowed = set(_numbers(draft)) | set(_numbers(said))
            if any(n not in allowed for n in _numbers(text)):
                return Verdict(False, "new_number")
            if fact and fact_kept(text, fact) < FACT_KEPT_MIN:
                return Verdict(False, "fact_changed")
            low = text.lower()
            for named in keep:
                if named and named.lower() in draft.lower() and named.lower() not in low:
                    return Verdict(False, "lost_detail")
                lead = re.sub(r"^(?:your |你们)", "", low)
                if named and lead.startswith(named.lower()) and _VOCATIVE.match(lead[len(named) :]):
                    return Verdict(False, "addresses_absent")  # "黄校长，我们约上你和我"
            if customer and _taken_up(text, customer) < _taken_up(draft, customer):
                return Verdict(False, "less_specific")  # the draft took up more of their words
        return OK

    def invented(self, text: str, said: str) -> str:
        """The first number or name in `text` found neither in the playbook nor in `said`."""
        said_numbers = {n.replace(",", "") for n in _NUMBER.findall(said)}
        for n in _NUMBER.findall(text):
            n = n.replace(",", "")
            if n not in self._numbers and n not in said_numbers:
                return n
        said_low = said.lower()
        for m in _NAME.finditer(text):
            words = [w for w in m.group(0).split() if w.strip("'") not in _COMMON]
            if not words:
                continue
            name = " ".join(words).lower()
            if len(name) < 3 or name in self._body_low or name in said_low:
                continue
            if m.start() == 0 or text[max(0, m.start() - 2) : m.start()].strip() in (".", "?", "!"):
                continue  # a sentence's first word is capitalised anyway
            return m.group(0)
        return ""

    def promotes_rival(self, text: str) -> bool:
        """A rival named next to praise ("X is the better choice")."""
        low = text.lower()
        for name in self._rivals:
            at = low.find(name.lower())
            if at >= 0 and _PRAISE_RIVAL.search(text[max(0, at - 30) : at + len(name) + 30]):
                return True
        return False


_VOCATIVE = re.compile(r"^\s*[,，]")  # right after the name: spoken to, not about


def _taken_up(text: str, customer: str) -> int:
    """How many of the customer's content words `text` takes up."""
    return len(set(tokens(text)) & set(tokens(customer)))


def _sentences(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[.!?。！？,，;；]+", text) if p.strip()]


def _names_anew(text: str, earlier: str, named: Sequence[str]) -> bool:
    """`text` takes up someone or something this objection named that `earlier` did not (the
    same offer of a joint call, now with the CFO instead of the head of support)."""
    low, before = text.lower(), earlier.lower()
    return any(n and n.lower() in low and n.lower() not in before for n in named)


def _numbers(text: str) -> list[str]:
    return [n.replace(",", "") for n in _NUMBER.findall(text)]


def _overlap(a: str, b: str) -> float:
    """Jaccard of the content words (Chinese: words and bigrams) of two texts."""
    x, y = set(tokens(a)), set(tokens(b))
    return len(x & y) / len(x | y) if x and y else 0.0


def fact_kept(text: str, fact: str) -> float:
    """The share of the fact's content words (Chinese: words and bigrams) a text keeps."""
    words = set(tokens(fact))
    return len(words & set(tokens(text))) / len(words) if words else 1.0


def borrows(text: str, example: str, known: str) -> bool:
    """Whether `text` takes a run of words from `example` (4 words; 6 Chinese characters)
    that neither the conversation, the draft nor the fact holds."""
    if cjk_ratio(text) >= 0.3:
        a = "".join(HAN_RUN.findall(text))
        b = "".join(HAN_RUN.findall(example))
        k = "".join(HAN_RUN.findall(known))
        runs = {b[i : i + 6] for i in range(len(b) - 5)}
        return any(a[i : i + 6] in runs and a[i : i + 6] not in k for i in range(len(a) - 5))
    aw = re.findall(r"[a-z0-9']+", text.lower())
    bw = re.findall(r"[a-z0-9']+", example.lower())
    k = " " + " ".join(re.findall(r"[a-z0-9']+", known.lower())) + " "
    grams = {" ".join(bw[i : i + 4]) for i in range(len(bw) - 3)}
    for i in range(len(aw) - 3):
        g = " ".join(aw[i : i + 4])
        if g in grams and f" {g} " not in k:
            return True
    return False


def states_fact(text: str, fact: str) -> bool:
    """Whether `text` states something of `fact`: one of its numbers, or (no number) a fair
    share of its content words."""
    numbers = {n.replace(",", "") for n in _NUMBER.findall(fact)}
    said = {n.replace(",", "") for n in _NUMBER.findall(text)}
    if numbers:
        return bool(numbers & said)
    fact_words = set(tokens(fact))
    return bool(fact_words) and len(fact_words & set(tokens(text))) >= max(1, len(fact_words) // 3)


_EN_ASKING = re.compile(
    r"^(?:so,? |and |but )?(?:what|which|how|when|where|who|why|would|could|can|do|does|did|is|are|"
    r"will|have|has|should|shall)\b",
    re.I,
)
_ZH_ASKING = re.compile(
    r"吗|呢|什么|哪|怎么|怎样|多少|多久|多长|是否|能否|有没有|是不是|会不会|要不要"
)


def ask_mark(text: str, lang: str) -> str:
    """A question the model wrote with a full stop ("您最担心哪一块。", "What would help.")
    ends with a question mark; anything else is returned as it was."""
    if _QUESTION_MARK.search(text):
        return text
    body = text.rstrip().rstrip(".。!！")
    last = re.split(r"(?<=[.!?。！？])\s*", body)[-1].strip()
    asking = _ZH_ASKING.search(last) if lang == "zh" else _EN_ASKING.match(last)
    if not asking or not body:
        return text
    return body + ("？" if lang == "zh" else "?")
