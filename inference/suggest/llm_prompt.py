"""Prompts for the refined paths, and reading the model's answers back.

The prompt is laid out so that what changes least comes first, because the backend reuses the
longest cached token prefix: how to write a rep's line, worked examples from other products
and the playbook's rules (fixed for a session, evaluated at warm-up), then the conversation
(prefilled while the customer speaks), then the little the objection adds (its category, mood
and the people named). Each of the three branches is one planned move: it starts with a
forced `{"move":"<instruction>","fact":"<the move's playbook fact>","say":"` and a grammar
that allows a one-line string, so the model writes one focused line per move and the answer
always parses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from inference.llm.grammar import string_tail_grammar
from inference.llm.types import Branch, ChatMessage, Segment
from inference.playbook.model import PlaybookEntry
from inference.suggest.checker import states_fact
from inference.suggest.types import ContextLine, RefinedJob
from inference.text import split_sentences

# Cut marker: the prefill prompt is the full prompt's text up to the end of the conversation.
_CUT = "\u2063\u2063PARLEY-CUT\u2063\u2063"

_SYSTEM_EN = (
    "You help a sales rep on a live call. For each move you get a draft line built from the "
    "playbook. Rewrite the draft as the rep would say it to this customer, in the rep's own "
    "voice (I, we, you): take up what the customer just said (the person, number, rival or "
    "worry they named), keep the move's intent, and keep every fact and number of the draft "
    "exactly as written. One or two short sentences, under 25 words, easy to say in one "
    "breath. Add no fact, number, name, feature, certification, date, guarantee or discount "
    "that is not in the draft. Never speak as the customer and never praise or run down a "
    "competitor. A question stays one question."
)
_SYSTEM_ZH = (
    "你在一通正在进行的销售电话中帮助销售代表。每个招式都附有一句根据资料写好的草稿。"
    "把草稿改写成销售对这位客户说的话，以销售本人的口吻（我、我们、您）："
    "接住客户刚才说的话（他提到的人、数字、竞品或担心），保持招式的意图，草稿里的事实和数字一字不改。"
    "一到两句短句，50字以内，口语化，能一口气说完。不得添加草稿里没有的事实、数字、名称、功能、资质、日期、承诺或折扣。"
    "不要用客户的口吻说话，不要夸奖或贬低竞品。提问仍然只问一个问题。"
)

# Worked examples, written for Parley from products no playbook of ours sells: they show the
# shape of a good rewrite without lending it words (the checker rejects a near-copy of one).
_EXAMPLES_EN = (
    (
        "Our plant manager has to approve any new sensor vendor.",
        "Ask one question about what the person who decides will want to see to say yes.",
        "What will your plant manager want to see to sign off: the total cost, or what it saves your team?",
        "What would your plant manager need to see before approving a new vendor: install time, or downtime saved?",
    ),
    (
        "Solaris quoted us fifteen percent less for the panels.",
        "Agree the price is a fair concern, then say what the customer gets back for it.",
        "I hear you on the price. To put it in perspective, our inverters carry a 12-year warranty.",
        "Fair, Solaris is cheaper up front; with our inverters on a 12-year warranty, replacements are on us.",
    ),
    (
        "We got burned by our last payroll provider, they missed two pay runs.",
        "Offer a way to check our promise before committing.",
        "You don't have to take my word for it: the first payroll run is done in parallel with your old system.",
        "After two missed pay runs I'd be wary too, so your first payroll runs in parallel with your old system.",
    ),
)
_EXAMPLES_ZH = (
    (
        "新设备供应商都得我们厂长批。",
        "提一个问题：做决定的人需要看到什么才会同意。",
        "你们厂长那边最看重什么：总投入，还是能给团队省下多少？",
        "厂长批新供应商之前，最想先看到安装周期，还是能少停几次机？",
    ),
    (
        "别家的光伏板报价比你们低百分之十五。",
        "先认可价格是合理的顾虑，再说清客户能得到什么回报。",
        "价格的顾虑我理解，换个角度看，逆变器质保12年。",
        "比价很正常，不过我们的逆变器质保12年，以后换件的钱都省了。",
    ),
    (
        "上一家做工资的服务商连着两个月发错工资，我们真的怕了。",
        "给客户一个在承诺之前验证我们的方式。",
        "不用光听我说，第一次发薪与原系统并行运行。",
        "连着两个月出错确实让人后怕，所以第一次发薪我们和原系统并行跑。",
    ),
)


@dataclass(frozen=True, slots=True)
class PromptLimits:
    """How much of each input goes into a prompt (prompt tokens cost time on 2 cores).

    Attributes:
        context_lines: recent utterances shown: up to twice this many, as the suggestion
            engine keeps them (it drops the oldest in chunks, so the prompt's conversation
            grows append-only and its cached prefix stays valid).
        line_chars: characters kept of each utterance.
        draft_chars: characters kept of a move's draft (its instant line).
        instruction_chars: characters kept of a move's instruction.
        max_tokens: tokens a path may take.
    """

    context_lines: int = 6
    line_chars: int = 200
    draft_chars: int = 220
    instruction_chars: int = 160
    max_tokens: int = 56


def examples(lang: str) -> tuple[str, ...]:
    """The example replies the model is shown for `lang` (the checker rejects copies)."""
    table = _EXAMPLES_ZH if is_chinese(lang) else _EXAMPLES_EN
    return tuple(e[3] for e in table)


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


def _branch_json(instruction: str, fact: str) -> str:
    return (
        "{"
        + f'"move":{json.dumps(instruction, ensure_ascii=False)},"fact":{json.dumps(fact, ensure_ascii=False)},"say":"'
    )


def system_prompt(lang: str, rules: Sequence[str]) -> str:
    """Everything fixed for a session, in the call's language: how to write a rep's line,
    worked examples and the playbook's rules (all cached in the KV prefix)."""
    zh = is_chinese(lang)
    table = _EXAMPLES_ZH if zh else _EXAMPLES_EN
    said = "客户" if zh else "Customer"
    sep = "：" if zh else ": "
    shots = "\n".join(
        f'{said}{sep}{customer}\n{_branch_json(move, fact)}{reply}"}}'
        for customer, move, fact, reply in table
    )
    intro = "示例（其他产品）：" if zh else "Examples (other products):"
    text = f"{_SYSTEM_ZH if zh else _SYSTEM_EN}\n\n{intro}\n{shots}"
    if rules:
        title = "销售必须遵守的规定：" if zh else "Rules the rep must follow:"
        lines = "\n".join(f"- {_clip(r, 200)}" for r in rules[:8])
        text += f"\n\n{title}\n{lines}"
    return text


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
_CATEGORY_EN: dict[str, str] = {
    "price": "the price",
    "budget": "no budget right now",
    "timing": "the timing",
    "competitor": "a competitor",
    "authority": "someone else decides",
    "need": "no need",
    "trust": "trust in us",
    "implementation": "the effort of switching",
    "security": "data security",
}


def task_block(job: RefinedJob, limits: PromptLimits) -> str:
    """What only the objection brings: what it is about, the mood, the people named."""
    zh = is_chinese(job.lang)
    category = job.objection.category
    mood = ""
    if job.emotion is not None:
        mood = job.emotion.label or job.emotion.valence
    last = job.context[-1] if job.context else None
    repeated = last is not None and last.utterance_id == job.objection.utterance_id
    said = "" if repeated else _clip(job.utterance_text, limits.line_chars)
    if zh:
        about = f"客户的顾虑：{_CATEGORY_ZH.get(category, category)}"
        if mood:
            about += f"；情绪：{mood}"
        if job.person:
            about += f"；提到的决策人：{job.person.removeprefix('你们')}"
        if said:
            about += f"；原话：“{said}”"
        return f"{about}\n把每个招式的草稿改写成销售对这位客户说的话（简体中文）。"
    about = f"The customer's concern: {_CATEGORY_EN.get(category, category)}"
    if mood:
        about += f"; they sound {mood}"
    if job.person:
        about += f"; the person they named: {job.person.removeprefix('your ')}"
    if said:
        about += f'; they said: "{said}"'
    return f"{about}\nRewrite each move's draft as the rep's line to this customer (in English)."


def user_message(context: Sequence[ContextLine], lang: str, task: str, limits: PromptLimits) -> str:
    """The user turn: conversation, then the task (empty for a prefill)."""
    return conversation_block(context, lang, limits) + task


def branches_for(job: RefinedJob, limits: PromptLimits) -> tuple[Branch, ...]:
    """One branch per planned move: the move's instruction and its instant line as the draft
    are forced, then the model writes the line for this customer."""
    out = []
    for move, draft in zip(job.moves, job.instant, strict=True):
        facts = [move.fact_sentence] if move.fact_sentence else []
        out.append(
            Branch(
                (
                    Segment(
                        _branch_json(
                            _clip(move.instruction or move.label, limits.instruction_chars),
                            _clip(draft.text, limits.draft_chars),
                        ),
                        grammar=string_tail_grammar("}"),
                        max_tokens=limits.max_tokens,
                        stop='"}',
                        stop_when=(
                            question_asked if move.family == "question" else enough_said(facts)
                        ),
                    ),
                )
            )
        )
    return tuple(out)


def messages_for(
    context: Sequence[ContextLine],
    lang: str,
    rules: Sequence[str],
    task: str,
    limits: PromptLimits,
) -> tuple[ChatMessage, ChatMessage]:
    """The system and user messages of a prompt."""
    return (
        ChatMessage("system", system_prompt(lang, rules)),
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
    """What one branch said: the rep's line."""

    text: str


_TEXT_RE = re.compile(r'"say"\s*:\s*"(.*)', re.DOTALL)
_SPEAKER_PREFIX = re.compile(r"^\s*(rep|sales ?rep|销售|销售代表)\s*[:：]\s*", re.IGNORECASE)


def parse_branch(output: str) -> ParsedPath | None:
    """Read a branch's JSON; a reply cut by the token limit is kept up to its last sentence."""
    text: str | None = None
    try:
        data = json.loads(output)
        text = str(data.get("say", ""))
    except (ValueError, TypeError, AttributeError):
        m = _TEXT_RE.search(output)
        if m:
            text = last_whole_sentences(m.group(1).rstrip('"}'))
    if not text:
        return None
    text = _SPEAKER_PREFIX.sub("", text.strip())
    text = first_sentences(text, 2)
    return ParsedPath(text=text) if text else None


_SENTENCE_BREAK = re.compile(r"[。！？]|[.!?](?=\s)")


def has_sentences_beyond(n: int) -> Callable[[str], bool]:
    """A stop test: True once `n` sentences are complete and another has begun.

    A path keeps at most two sentences, so decoding a third is wasted time.
    """

    def test(text: str) -> bool:
        ends = list(_SENTENCE_BREAK.finditer(text))
        return len(ends) >= n and bool(text[ends[n - 1].end() :].strip())

    return test


_QUESTION_END = re.compile(r"？|\?(?=\s)")


def question_asked(text: str) -> bool:
    """A stop test for a question move: its question is complete and another sentence has
    begun (what follows the question would bury it; the reply keeps the question)."""
    end = _QUESTION_END.search(text)
    return end is not None and bool(text[end.end() :].strip())


def enough_said(facts: Sequence[str]) -> Callable[[str], bool]:
    """A stop test: two sentences are complete and another has begun, or one is complete,
    states one of `facts` (the move's playbook fact, `checker.states_fact`) and another has
    begun.

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
        first = text[: end.end()]
        return any(states_fact(first, fact) for fact in facts)

    return test


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
