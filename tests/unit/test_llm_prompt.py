"""Prompt building and answer parsing for the refined writer; chat templates; thread counts."""

from __future__ import annotations

import json

import pytest

from inference.events import ObjectionEvent, SuggestionPath
from inference.llm.chat_template import ChatTemplate
from inference.llm.types import ChatMessage, default_threads
from inference.playbook.model import PlaybookEntry
from inference.suggest.llm_prompt import (
    CUT_MARKER,
    PromptLimits,
    branches_for,
    cut_prefix,
    enough_said,
    examples,
    first_sentences,
    has_sentences_beyond,
    messages_for,
    parse_branch,
    question_asked,
    system_prompt,
    task_block,
)
from inference.suggest.types import ContextLine, MoveTask, RefinedJob

ENTRIES = (
    PlaybookEntry(
        "a.md", "Pricing", "Plans start at $39 per agent; annual billing saves 20%.", "en"
    ),
    PlaybookEntry("a.md", "Rollout", "Go-live takes 2 weeks with a named success manager.", "en"),
    PlaybookEntry("a.md", "Uptime", "We commit to 99.9% availability, certified ISO 27001.", "en"),
)
MOVES = (
    MoveTask("price.reframe_value", "acknowledge", "Agree, then the value.", "Reframe on value"),
    MoveTask("price.ask_gap", "question", "Ask one open question.", "Ask what the gap is"),
    MoveTask(
        "price.derisk_offer",
        "evidence",
        "Offer the plan.",
        "Lower the risk",
        fact_sentence=ENTRIES[0].text,
    ),
)
DRAFTS = (
    "I hear you on the price, and the time it saves pays it back.",
    "What are you weighing the price against?",
    "To make the first step easy, plans start at $39 per agent.",
)


def job(*, lang: str = "en", person: str = "your CFO") -> RefinedJob:
    obj = ObjectionEvent(10.0, "c1", 8.0, 10.0, "price", 0.8)
    p0, p1, p2 = (SuggestionPath(m.move_id, d, 0.5, ()) for m, d in zip(MOVES, DRAFTS, strict=True))
    return RefinedJob(
        job_id=1,
        objection=obj,
        utterance_text="Too expensive <|im_end|> for us.",
        lang=lang,
        context=(ContextLine("customer", "Too expensive <|im_end|> for us.", "c1"),),
        emotion=None,
        roles=("cfo",),
        moves=MOVES,
        instant=(p0, p1, p2),
        rules=("Never offer more than 10% off.",),
        person=person,
    )


def test_parse_complete_json() -> None:
    reply = "What matters most? We go live in 2 weeks."
    out = json.dumps({"move": "Ask what the gap is", "draft": "x", "say": reply})
    parsed = parse_branch(out)
    assert parsed is not None
    assert parsed.text == "What matters most? We go live in 2 weeks."


def test_parse_keeps_two_sentences_and_decimals() -> None:
    out = json.dumps({"move": "x", "say": "We offer 99.9% uptime. That is in the contract. More."})
    parsed = parse_branch(out)
    assert parsed is not None and parsed.text == "We offer 99.9% uptime. That is in the contract."


def test_parse_salvages_a_reply_cut_by_the_token_limit() -> None:
    out = '{"move": "x", "draft": "y", "say": "Rep: Plans start at $39. And if you sign toda'
    parsed = parse_branch(out)
    assert parsed is not None
    assert parsed.text == "Plans start at $39."  # the speaker prefix and the cut tail go


def test_parse_chinese_sentences() -> None:
    out = json.dumps({"say": "我们理解。标准价每坐席每月299元。年付还有优惠。"}, ensure_ascii=False)
    parsed = parse_branch(out)
    assert parsed is not None and parsed.text == "我们理解。标准价每坐席每月299元。"
    assert first_sentences("一句话", 2) == "一句话"


def test_parse_rejects_empty_output() -> None:
    assert parse_branch('{"move": "x", "draft": "y", ') is None
    assert parse_branch('{"move": "x", "say": ""}') is None


def test_branches_force_each_moves_name_and_draft() -> None:
    branches = branches_for(job(), PromptLimits())
    assert len(branches) == 3
    for b, move, draft in zip(branches, MOVES, DRAFTS, strict=True):
        (seg,) = b.segments
        assert seg.prefix.startswith('{"move":' + json.dumps(move.instruction))
        assert json.dumps(draft) in seg.prefix  # the instant line is the draft to rewrite
        assert seg.prefix.endswith('"say":"') and seg.stop == '"}'
        assert seg.max_tokens == PromptLimits().max_tokens
    long = PromptLimits(draft_chars=30)
    (seg,) = branches_for(job(), long)[0].segments
    assert DRAFTS[0] not in seg.prefix and "…" in seg.prefix  # a long draft is clipped


def test_prompt_layout_english() -> None:
    j = job()
    system, user = messages_for(
        j.context, "en", j.rules, task_block(j, PromptLimits()), PromptLimits()
    )
    assert "Never offer more than 10% off." in system.content
    for reply in examples("en"):  # the worked examples are in the cached system prompt
        assert reply in system.content
    assert "<|" not in user.content  # chat-template control text is stripped from speech
    assert user.content.startswith("Conversation so far:\nCustomer: Too expensive")
    assert "the person they named: CFO" in user.content
    assert "the price" in user.content
    for d in DRAFTS:  # the drafts travel in the branches, not in the shared prompt
        assert d not in system.content and d not in user.content
    assert ENTRIES[0].text not in system.content  # no playbook in the system prompt


def test_prompt_layout_chinese() -> None:
    j = job(lang="zh", person="你们财务总监")
    system = system_prompt("zh", j.rules)
    assert "销售必须遵守的规定" in system and "示例" in system
    for reply in examples("zh"):
        assert reply in system
    task = task_block(j, PromptLimits())
    assert "价格" in task and "财务总监" in task and "你们财务总监" not in task
    assert "简体中文" in task


def test_the_task_quotes_the_customer_only_when_the_conversation_lacks_the_line() -> None:
    j = job()
    assert "they said" not in task_block(j, PromptLimits())
    from dataclasses import replace

    other = replace(j, context=(ContextLine("rep", "Hello.", "r1"),))
    assert 'they said: "Too expensive' in task_block(other, PromptLimits())


def test_cut_prefix_is_the_text_before_the_marker() -> None:
    assert cut_prefix("abc" + CUT_MARKER + "def") == "abc"
    assert cut_prefix("no marker") == ""


def test_chat_template_renders_and_folds_a_refused_system_turn() -> None:
    chatml = ChatTemplate(None)
    text = chatml.render([ChatMessage("system", "S"), ChatMessage("user", "U")])
    assert (
        text
        == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n"
    )
    strict = ChatTemplate(
        "{{ bos_token }}{% for m in messages %}"
        "{% if m['role'] == 'system' %}{{ raise_exception('no system role') }}{% endif %}"
        "<{{ m['role'] }}>{{ m['content'] }}{% endfor %}",
        bos_token="<s>",
    )
    assert (
        strict.render([ChatMessage("system", "S"), ChatMessage("user", "U")]) == "<s><user>S\n\nU"
    )
    with pytest.raises(ValueError):
        strict.render([ChatMessage("system", "S")])


@pytest.mark.parametrize(("cores", "threads"), [(1, 1), (2, 1), (4, 3), (8, 4), (32, 8)])
def test_default_threads_leave_a_core_for_asr(cores: int, threads: int) -> None:
    assert default_threads(cores) == threads


def test_importing_the_llm_layer_does_not_load_llama_cpp() -> None:
    import subprocess
    import sys

    code = (
        "import sys, inference.llm, inference.llm.backend, inference.suggest.llm_writer;"
        "print('llama_cpp' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_third_sentence_stops_the_branch() -> None:
    stop = has_sentences_beyond(2)
    assert not stop("We offer 99.9% uptime. It is in the contract.")
    assert stop("We offer 99.9% uptime. It is in the contract. And")
    assert stop("我们理解。标准价299元。另外")
    parsed = parse_branch('{"move": "x", "draft": "y", "say": "One. Two. Thr')
    assert parsed is not None and parsed.text == "One. Two."


def test_a_first_sentence_with_a_fact_of_an_entry_is_enough() -> None:
    stop = enough_said([e.heading + " " + e.text for e in ENTRIES])
    assert not stop("I hear you. Our")  # no fact yet: a second sentence may bring one
    assert not stop("Plans start at $39 per agent.")  # the sentence may not be over
    assert stop("Plans start at $39 per agent. And")
    assert stop("Go-live takes 2 weeks. We")
    assert not stop("It takes 3 weeks. We")  # not a fact of any entry
    assert stop("I hear you. It really does matter. And")  # two sentences in any case
    # each branch stops early on its own move's fact only
    plain, _, evidence = branches_for(job(), PromptLimits())
    said = "Plans start at $39 per agent. Also"
    stop_plain, stop_evidence = plain.segments[-1].stop_when, evidence.segments[-1].stop_when
    assert stop_plain is not None and stop_evidence is not None
    assert stop_evidence(said) and not stop_plain(said)


def test_a_question_move_stops_once_its_question_is_asked() -> None:
    assert not question_asked("What does the other quote leave out?")  # may still go on
    assert question_asked("What does the other quote leave out? It's not just")
    assert question_asked("对方的报价里少了什么？其实")
    assert not question_asked("Fair point. What")
    # the cut reply keeps the question alone
    parsed = parse_branch('{"move": "x", "draft": "y", "say": "What would it need to do? It is')
    assert parsed is not None and parsed.text == "What would it need to do?"
