"""Prompts for the refined paths, and reading the model's answers back.

The prompt is laid out so that what changes least comes first, because the backend reuses the
longest cached token prefix: instructions and the playbook's rules (fixed for a session), then
the conversation (prefilled while the customer speaks), then what only the objection brings
(its text, retrieved entries, strategies). Each of the three branches then starts with a
forced `{"strategy": "<id>", "entry": ` and a grammar that allows only an entry number, then
`, "text": "` and a one-line string, so the answer always parses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from inference.llm.grammar import choice_grammar, string_tail_grammar
from inference.llm.types import Branch, ChatMessage, Segment
from inference.playbook.model import PlaybookEntry
from inference.suggest.types import STRATEGIES, ContextLine, RefinedJob, Strategy

# Cut marker: the prefill prompt is the full prompt's text up to the end of the conversation.
_CUT = "\u2063\u2063PARLEY-CUT\u2063\u2063"
MAX_ENTRIES = 6  # entry numbers stay single digits (one token each)
MAX_LIBRARY = 9  # the same for a playbook placed whole in the prompt

_SYSTEM_EN = (
    "You coach a sales rep during a live call. When the customer raises an objection, you "
    "write what the rep can say next: natural spoken sentences in the rep's own voice "
    '("we", "our"), friendly and confident. Use only facts found in the numbered playbook '
    "entries, copied as written: never compute or invent numbers, features, certifications, "
    "dates or discounts, and never disparage a competitor. Write only what the rep says to "
    "the customer; never repeat the customer's words. Answer with one JSON object."
)
_SYSTEM_ZH = (
    "你在一通正在进行的销售电话中辅导销售代表。客户提出异议时，你替销售写出下一句可以直接说的话："
    "口语化、以销售本人的口吻（“我们”），友好而自信。只使用编号资料中出现的事实；"
    "数字照原样引用，不得自行计算或编造数字、功能、资质、日期或折扣，不得贬低竞品。"
    "只写销售对客户说的话，不要复述客户的话。只回答一个JSON对象。"
)

# Short names of the built-in strategies in prompts and in the forced JSON of each branch:
# forced tokens are evaluated about as slowly as generated ones on a CPU (a few at a time),
# so every token of a branch's framing delays its answer.
_PROMPT_NAMES: dict[str, str] = {
    "acknowledge_value": "acknowledge",
    "ask_question": "ask",
    "offer_evidence": "evidence",
}


def prompt_name(strategy: Strategy) -> str:
    """The strategy's name in prompts (its id unless a shorter one is known)."""
    return _PROMPT_NAMES.get(strategy.id, strategy.id)


_STRATEGY_ZH: dict[str, str] = {
    "acknowledge_value": "先认可客户的顾虑，再重申对这位客户最重要的价值。",
    "ask_question": "提一个开放式问题，弄清异议背后的真实顾虑。",
    "offer_evidence": "给出具体证据（案例、数字、资质）或一个替代方案。",
}
_CATEGORY_ZH: dict[str, str] = {
    "price": "价格",
    "budget": "预算",
    "timing": "时机",
    "competitor": "竞品",
    "authority": "决策权",
    "need": "需求",
    "trust": "信任",
    "implementation": "实施",
    "security": "安全",
}
_ROLE_EN: dict[str, str] = {"ceo": "CEO", "cfo": "CFO", "cto": "CTO", "it": "IT"}
_ROLE_ZH: dict[str, str] = {
    "ceo": "CEO",
    "cfo": "财务负责人",
    "cto": "技术负责人",
    "procurement": "采购",
    "legal": "法务",
    "it": "IT部门",
    "board": "董事会",
    "manager": "部门主管",
}


@dataclass(frozen=True, slots=True)
class PromptLimits:
    """How much of each input goes into a prompt (prompt tokens cost time on 2 cores).

    Attributes:
        context_lines: recent utterances shown: up to twice this many, as the suggestion
            engine keeps them (it drops the oldest in chunks, so the prompt's conversation
            grows append-only and its cached prefix stays valid).
        line_chars: characters kept of each utterance.
        max_entries: playbook entries shown (at most 6).
        entry_chars_en: characters kept of each entry in an English prompt.
        entry_chars_zh: characters kept of each entry in a Chinese prompt.
        max_tokens: tokens a path may take.
        library_tokens: a playbook whose entries fit in about this many tokens goes whole
            into the session's fixed prompt prefix (evaluated once, at load), so an objection
            only adds the numbers of its retrieved entries.
        library_chars_en: characters kept of each entry there, English.
        library_chars_zh: the same, Chinese.
    """

    context_lines: int = 6
    line_chars: int = 200
    max_entries: int = 3
    entry_chars_en: int = 240
    entry_chars_zh: int = 110
    max_tokens: int = 48
    library_tokens: int = 900
    library_chars_en: int = 420
    library_chars_zh: int = 170


def _clean(text: str) -> str:
    """Text safe to place in a prompt: one line, no chat-template control sequences."""
    text = " ".join(text.split())
    for token in ("<|", "|>", "</s>", "<s>", "[INST]", "[/INST]"):
        text = text.replace(token, " ")
    return text.strip()


def _clip(text: str, limit: int) -> str:
    text = _clean(text)
    if len(text) <= limit:
        return text
    cut = text[:limit]
    for mark in ("。", "；", ". ", "; ", "，", ", ", " "):
        at = cut.rfind(mark)
        if at > limit // 2:
            return cut[: at + len(mark)].rstrip() + " …"
    return cut + "…"


def is_chinese(lang: str) -> bool:
    """Whether a language code means Chinese."""
    return lang.lower().startswith("zh")


def single_language(entries: Sequence[PlaybookEntry]) -> str | None:
    """ "zh" or "en" when every entry is in that language, else None."""
    langs = {"zh" if is_chinese(e.lang) else "en" for e in entries}
    return langs.pop() if len(langs) == 1 else None


def system_prompt(
    lang: str,
    rules: Sequence[str],
    strategies: Sequence[Strategy] = STRATEGIES,
    library: Sequence[PlaybookEntry] = (),
    limits: PromptLimits | None = None,
) -> str:
    """Everything fixed for a session, in the customer's language: the role, the three
    strategies, the reply format, the playbook's rules and, when it is small enough, the
    playbook itself (all cached in the KV prefix)."""
    zh = is_chinese(lang)
    if zh:
        listed = "\n".join(
            f"- {prompt_name(s)}：{_STRATEGY_ZH.get(s.id, s.instruction)}" for s in strategies
        )
        text = (
            f"{_SYSTEM_ZH}\n\n策略：\n{listed}\n\n"
            "回答要求：用简体中文，一到两句短句（共50字以内），"
            "包含所引用资料中的一个具体事实（数字、名称或资质），"
            "数字照资料原样写。"
            'JSON格式：{"strategy":策略,"entry":资料编号,"text":回答}'
        )
    else:
        listed = "\n".join(f"- {prompt_name(s)}: {s.instruction}" for s in strategies)
        text = (
            f"{_SYSTEM_EN}\n\nStrategies:\n{listed}\n\n"
            "The reply: in English, one or two short sentences (under 25 words in all), "
            "stating one concrete fact (a number, a name or a certification) from the entry it "
            "cites, numbers copied exactly. "
            'JSON: {"strategy":<strategy>,"entry":<entry number>,"text":<reply>}'
        )
    if rules:
        title = "销售必须遵守的规定：" if zh else "Rules the rep must follow:"
        lines = "\n".join(f"- {_clip(r, 200)}" for r in rules[:8])
        text += f"\n\n{title}\n{lines}"
    if library:
        limits = limits or PromptLimits()
        chars = limits.library_chars_zh if zh else limits.library_chars_en
        title = "编号资料：" if zh else "Numbered playbook entries:"
        text += f"\n\n{title}\n" + _numbered(library, chars)
    return text


def _numbered(entries: Sequence[PlaybookEntry], chars: int) -> str:
    return "\n".join(
        f"[{i + 1}] {_clean(e.heading) or _clean(e.file)}: {_clip(e.text, chars)}"
        for i, e in enumerate(entries)
    )


def fit_library(
    entries: Sequence[PlaybookEntry], lang: str, limits: PromptLimits
) -> tuple[PlaybookEntry, ...]:
    """The entries of the customer's language (all entries when none is), if there are at
    most nine (entry numbers are one token) and they fit in `limits.library_tokens`
    (estimated: 4 characters a token in English, 1.3 in Chinese); else () and each
    objection brings its retrieved entries' text instead."""
    zh = is_chinese(lang)
    same = [e for e in entries if is_chinese(e.lang) == zh] or list(entries)
    chars = limits.library_chars_zh if zh else limits.library_chars_en
    size = sum(len(_clip(e.heading + " " + e.text, chars)) + 8 for e in same)
    tokens = size / (1.3 if zh else 4.0)
    fits = 0 < len(same) <= MAX_LIBRARY and tokens <= limits.library_tokens
    return tuple(same) if fits else ()


def conversation_block(context: Sequence[ContextLine], lang: str, limits: PromptLimits) -> str:
    """The recent conversation, oldest first."""
    zh = is_chinese(lang)
    names = {"customer": "客户", "rep": "销售"} if zh else {"customer": "Customer", "rep": "Rep"}
    sep = "：" if zh else ": "
    recent = list(context)[-2 * limits.context_lines :]  # the engine drops old lines in chunks
    lines = [
        f"{names.get(c.speaker, c.speaker)}{sep}{_clip(c.text, limits.line_chars)}"
        for c in recent
        if c.text.strip()
    ]
    title = "目前的对话：" if zh else "Conversation so far:"
    return title + "\n" + "\n".join(lines) + "\n\n"


def task_block(job: RefinedJob, limits: PromptLimits, numbers: Sequence[int] | None = None) -> str:
    """What only the objection brings: its category, mood, decision-makers and the entries
    (their text, or with `numbers` only their numbers in the prompt's playbook)."""
    zh = is_chinese(job.lang)
    entries = job.entries[: min(limits.max_entries, MAX_ENTRIES)]
    chars = limits.entry_chars_zh if zh else limits.entry_chars_en
    if numbers:
        numbered = ("、" if zh else ", ").join(f"[{n}]" for n in numbers)
    else:
        numbered = _numbered(entries, chars)
    category = job.objection.category
    mood = ""
    if job.emotion is not None:
        mood = job.emotion.label or job.emotion.valence
    # The objection is usually the conversation's last line already: then not repeated.
    last = job.context[-1] if job.context else None
    repeated = last is not None and last.utterance_id == job.objection.utterance_id
    said = "" if repeated else _clip(job.utterance_text, limits.line_chars)
    if zh:
        about = f"类别：{_CATEGORY_ZH.get(category, category)}"
        if mood:
            about += f"；情绪：{mood}"
        if job.roles:
            about += "；提到的决策人：" + "、".join(_ROLE_ZH.get(r, r) for r in job.roles)
        head = f"客户的异议（{about}）：“{said}”" if said else f"客户最后一句是异议（{about}）。"
        label = "最相关的资料：" if numbers else "资料：\n"
        return f"{head}\n{label}{numbered or '（无）'}\n按JSON中的策略写销售的回答（简体中文）。"
    about = f"category: {category}"
    if mood:
        about += f"; they sound {mood}"
    if job.roles:
        about += "; decision-makers mentioned: " + ", ".join(_ROLE_EN.get(r, r) for r in job.roles)
    if said:
        head = f'The customer\'s objection ({about}): "{said}"'
    else:
        head = f"The customer's last line is an objection ({about})."
    label = "Most relevant entries: " if numbers else "Playbook entries:\n"
    return (
        f"{head}\n{label}{numbered or '(none)'}\n"
        "Write the rep's reply (in English) for the strategy in the JSON."
    )


def user_message(context: Sequence[ContextLine], lang: str, task: str, limits: PromptLimits) -> str:
    """The user turn: conversation, then the task (empty for a prefill)."""
    return conversation_block(context, lang, limits) + task


def branches_for(
    job: RefinedJob, limits: PromptLimits, numbers: Sequence[int] | None = None
) -> tuple[Branch, ...]:
    """One branch per strategy: forced keys, a grammar-chosen entry number (one of
    `numbers` when the playbook is in the prompt), the reply text."""
    n_entries = len(numbers) if numbers else min(len(job.entries), limits.max_entries, MAX_ENTRIES)
    bodies = [_body(e) for e in job.entries[: min(limits.max_entries, MAX_ENTRIES)]]
    out = []
    for s in job.strategies:
        head = "{" + f'"strategy":{json.dumps(prompt_name(s))},'
        tail = Segment(
            '"text":"' if n_entries == 0 else ',"text":"',
            grammar=string_tail_grammar("}"),
            max_tokens=limits.max_tokens,
            stop='"}',
            stop_when=enough_said(bodies),
        )
        if n_entries == 0:
            out.append(Branch((replace(tail, prefix=head + tail.prefix),)))
            continue
        options = (
            tuple(str(n) for n in numbers)
            if numbers
            else tuple(str(i + 1) for i in range(n_entries))
        )
        pick = Segment(head + '"entry":', grammar=choice_grammar(options), max_tokens=1)
        out.append(Branch((pick, tail)))
    return tuple(out)


def messages_for(
    context: Sequence[ContextLine],
    lang: str,
    rules: Sequence[str],
    task: str,
    limits: PromptLimits,
    strategies: Sequence[Strategy] = STRATEGIES,
    library: Sequence[PlaybookEntry] = (),
) -> tuple[ChatMessage, ChatMessage]:
    """The system and user messages of a prompt."""
    return (
        ChatMessage("system", system_prompt(lang, rules, strategies, library, limits)),
        ChatMessage("user", user_message(context, lang, task, limits)),
    )


def cut_prefix(rendered_with_cut: str) -> str:
    """The prefill prompt: the rendered text before the cut marker."""
    at = rendered_with_cut.find(_CUT)
    return rendered_with_cut[:at] if at >= 0 else ""


CUT_MARKER = _CUT


# -- reading answers back ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedPath:
    """What one branch said: its reply and the entry number it chose (0-based, or None)."""

    text: str
    entry: int | None


_TEXT_RE = re.compile(r'"text"\s*:\s*"(.*)', re.DOTALL)
_ENTRY_RE = re.compile(r'"entry"\s*:\s*(\d+)')
_SENTENCE_END = re.compile(r"(?<=[。！？!?])|(?<=\.)(?=\s|$)")
_SPEAKER_PREFIX = re.compile(r"^\s*(rep|sales ?rep|销售|销售代表)\s*[:：]\s*", re.IGNORECASE)


def parse_branch(output: str) -> ParsedPath | None:
    """Read a branch's JSON; a reply cut by the token limit is kept up to its last sentence."""
    text: str | None = None
    entry: int | None = None
    try:
        data = json.loads(output)
        text = str(data.get("text", ""))
        raw_entry = data.get("entry")
        entry = int(raw_entry) - 1 if raw_entry is not None else None
    except (ValueError, TypeError, AttributeError):
        m = _TEXT_RE.search(output)
        if m:
            text = last_whole_sentences(m.group(1).rstrip('"}'))
        e = _ENTRY_RE.search(output)
        entry = int(e.group(1)) - 1 if e else None
    if not text:
        return None
    text = _SPEAKER_PREFIX.sub("", text.strip())
    text = first_sentences(text, 2)
    return ParsedPath(text=text, entry=entry) if text else None


_SENTENCE_BREAK = re.compile(r"[。！？]|[.!?](?=\s)")


def has_sentences_beyond(n: int) -> Callable[[str], bool]:
    """A stop test: True once `n` sentences are complete and another has begun.

    A path keeps at most two sentences, so decoding a third is wasted time.
    """

    def test(text: str) -> bool:
        ends = list(_SENTENCE_BREAK.finditer(text))
        return len(ends) >= n and bool(text[ends[n - 1].end() :].strip())

    return test


def enough_said(bodies: Sequence[str]) -> Callable[[str], bool]:
    """A stop test: two sentences are complete and another has begun, or one is complete,
    states a fact found in one of `bodies` (the job's entries) and another has begun.

    A reply that already made its point with a fact needs no second sentence: on a CPU every
    token of it delays the answer.
    """
    beyond_two = has_sentences_beyond(2)

    def test(text: str) -> bool:
        if beyond_two(text):
            return True
        end = _SENTENCE_BREAK.search(text)
        if end is None or not text[end.end() :].strip():
            return False
        first = text[: end.end()].replace(",", "")
        return any(_states(body, f) for f in facts_in(first) for body in bodies)

    return test


def split_sentences(text: str) -> list[str]:
    """Sentences of English or Chinese text (a decimal point does not end one)."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def first_sentences(text: str, n: int) -> str:
    """The first `n` sentences, joined as they were written."""
    parts = split_sentences(text)
    if len(parts) <= n:
        return text.strip()
    joiner = "" if any(p[-1] in "。！？" for p in parts[:n]) else " "
    return joiner.join(parts[:n])


def last_whole_sentences(text: str) -> str:
    """`text` without a trailing unfinished sentence (kept whole when it has no end mark)."""
    parts = split_sentences(text)
    if len(parts) > 1 and parts[-1][-1] not in ".!?。！？":
        parts = parts[:-1]
        joiner = "" if any(p[-1] in "。！？" for p in parts) else " "
        return joiner.join(parts)
    return text.strip()


# -- grounding -----------------------------------------------------------------------------

_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
_NAME_RE = re.compile(r"\b[A-Z][A-Za-z0-9+-]*(?:\s+[A-Z0-9][A-Za-z0-9+-]*)*")
_CJK_RE = re.compile(r"[\u4e00-\u9fff]{4,}")
_COMMON_NAMES = frozenset(
    [
        "I",
        "We",
        "Our",
        "You",
        "Your",
        "The",
        "This",
        "That",
        "It",
        "And",
        "But",
        "So",
        "If",
        "What",
        "How",
        "Why",
        "When",
        "Yes",
        "No",
        "Can",
        "Could",
        "Would",
        "Let",
        "Happy",
        "Great",
        "Sure",
        "Thanks",
        "Thank",
        "Absolutely",
        "Many",
        "Most",
        "Our",
        "Is",
        "Are",
        "Do",
        "Does",
    ]
)


def facts_in(text: str) -> set[str]:
    """Checkable facts a path states: numbers, names and acronyms, and Chinese 4-grams."""
    facts = {m.group(0).replace(",", "") for m in _NUMBER_RE.finditer(text)}
    for m in _NAME_RE.finditer(text):
        words = [w for w in m.group(0).split() if w not in _COMMON_NAMES]
        if words and (len(words) > 1 or len(words[0]) > 1):
            facts.add(" ".join(words))
    for m in _CJK_RE.finditer(text):
        run = m.group(0)
        facts.update(run[i : i + 4] for i in range(len(run) - 3))
    return facts


def _states(body: str, fact: str) -> bool:
    if fact[:1].isdigit():  # "1" must not match inside "10"
        return re.search(rf"(?<![\d.]){re.escape(fact)}(?![\d])", body) is not None
    return fact in body


def _body(entry: PlaybookEntry) -> str:
    """An entry's text as facts are looked up in it (thousands separators dropped)."""
    return (entry.heading + " " + entry.text).replace(",", "")


def grounded_entries(
    text: str, entries: Sequence[PlaybookEntry], chosen: int | None
) -> tuple[int, ...]:
    """Indices of the entries a path rests on: those containing a fact it states.

    The entry the model chose comes first when it holds such a fact; when none does, the
    chosen entry alone is returned (the engine then lowers the path's confidence).
    """
    facts = facts_in(text)
    hits: list[int] = []
    for i, e in enumerate(entries):
        body = _body(e)
        if any(_states(body, f) for f in facts):
            hits.append(i)
    if chosen is not None and chosen in hits:
        hits.remove(chosen)
        hits.insert(0, chosen)
    if hits:
        return tuple(hits)
    if chosen is not None and 0 <= chosen < len(entries):
        return (chosen,)
    return ()


def strategy_ids(strategies: Sequence[Strategy]) -> tuple[str, ...]:
    """The ids of the strategies, in slot order."""
    return tuple(s.id for s in strategies)
