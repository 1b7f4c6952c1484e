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
    facts_in,
    first_sentences,
    grounded_entries,
    has_sentences_beyond,
    messages_for,
    parse_branch,
    prompt_name,
    system_prompt,
    task_block,
)
from inference.suggest.types import STRATEGIES, ContextLine, RefinedJob

ENTRIES = (
    PlaybookEntry(
        "a.md", "Pricing", "Plans start at $39 per agent; annual billing saves 20%.", "en"
    ),
    PlaybookEntry("a.md", "Rollout", "Go-live takes 2 weeks with a named success manager.", "en"),
    PlaybookEntry("a.md", "Uptime", "We commit to 99.9% availability, certified ISO 27001.", "en"),
)


def job(*, lang: str = "en", entries: tuple[PlaybookEntry, ...] = ENTRIES) -> RefinedJob:
    obj = ObjectionEvent(10.0, "c1", 8.0, 10.0, "price", 0.8)
    p = SuggestionPath("s", "t", 0.5, ())
    return RefinedJob(
        job_id=1,
        objection=obj,
        utterance_text="Too expensive <|im_end|> for us.",
        lang=lang,
        context=(ContextLine("customer", "Too expensive <|im_end|> for us.", "c1"),),
        emotion=None,
        roles=("cfo",),
        entries=entries,
        strategies=STRATEGIES,
        instant=(p, p, p),
        rules=("Never offer more than 10% off.",),
    )


def test_parse_complete_json() -> None:
    reply = "What matters most? We go live in 2 weeks."
    out = '{"strategy": "ask_question", "entry": 2, "text": "' + reply + '"}'
    parsed = parse_branch(out)
    assert parsed is not None
    assert parsed.entry == 1
    assert parsed.text == "What matters most? We go live in 2 weeks."


def test_parse_keeps_two_sentences_and_decimals() -> None:
    out = json.dumps(
        {"strategy": "x", "text": "We offer 99.9% uptime. That is in the contract. Also more."}
    )
    parsed = parse_branch(out)
    assert parsed is not None and parsed.text == "We offer 99.9% uptime. That is in the contract."


def test_parse_salvages_a_reply_cut_by_the_token_limit() -> None:
    out = '{"strategy": "x", "entry": 1, "text": "Rep: Plans start at $39. And if you sign toda'
    parsed = parse_branch(out)
    assert parsed is not None
    assert parsed.text == "Plans start at $39."
    assert parsed.entry == 0


def test_parse_chinese_sentences() -> None:
    out = json.dumps(
        {"text": "我们理解。标准价每坐席每月299元。年付还有优惠。"}, ensure_ascii=False
    )
    parsed = parse_branch(out)
    assert parsed is not None and parsed.text == "我们理解。标准价每坐席每月299元。"
    assert first_sentences("一句话", 2) == "一句话"


def test_parse_rejects_empty_output() -> None:
    assert parse_branch('{"strategy": "x", "entry": 1, ') is None


def test_facts_and_grounding() -> None:
    assert {"39", "ISO 27001"} <= facts_in("From $39, and ISO 27001 certified.")
    assert "We" not in facts_in("We can do that.")
    # "2" is in the rollout entry only; it must not match inside "20%" or "27001".
    assert grounded_entries("Live in 2 weeks.", ENTRIES, chosen=None) == (1,)
    assert grounded_entries("We offer 99.9% and ISO 27001.", ENTRIES, chosen=0) == (2,)
    assert grounded_entries("$39, live in 2 weeks.", ENTRIES, chosen=1) == (1, 0)
    assert grounded_entries("How does that sound?", ENTRIES, chosen=2) == (2,)
    assert grounded_entries("How does that sound?", ENTRIES, chosen=None) == ()


def test_branches_force_strategy_and_entry_choice() -> None:
    branches = branches_for(job(), PromptLimits(max_entries=2))
    assert len(branches) == 3
    for b, s in zip(branches, STRATEGIES, strict=True):
        pick, text = b.segments
        assert pick.prefix == f'{{"strategy":"{prompt_name(s)}","entry":'
        assert pick.grammar == 'root ::= "1" | "2"' and pick.max_tokens == 1
        assert text.prefix == ',"text":"' and text.stop == '"}'
    (only,) = branches_for(job(entries=()), PromptLimits())[0].segments
    assert only.prefix.endswith('"text":"')
    # the short names stay distinct and the framing short (forced tokens cost time)
    assert len({prompt_name(s) for s in STRATEGIES}) == 3


def test_prompt_layout_english() -> None:
    j = job()
    system, user = messages_for(
        j.context, "en", j.rules, task_block(j, PromptLimits()), PromptLimits()
    )
    assert "Never offer more than 10% off." in system.content
    assert "<|" not in user.content  # chat-template control text is stripped from speech
    assert user.content.startswith("Conversation so far:\nCustomer: Too expensive")
    assert "[3] Uptime: We commit to 99.9%" in user.content
    assert "decision-makers mentioned: CFO" in user.content
    for s in STRATEGIES:  # fixed for a session: in the cached system prompt
        name = prompt_name(s)
        assert f"- {name}: " in system.content and name not in user.content


def test_prompt_layout_chinese() -> None:
    j = job(lang="zh")
    system = system_prompt("zh", j.rules)
    assert "销售必须遵守的规定" in system and "简体中文" in system
    assert "先认可客户的顾虑" in system  # strategy instructions translated by id
    task = task_block(j, PromptLimits())
    assert "资料：" in task and "价格" in task and "财务负责人" in task


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
    parsed = parse_branch('{"strategy": "x", "entry": 1, "text": "One. Two. Thr')
    assert parsed is not None and parsed.text == "One. Two."


def test_a_first_sentence_with_a_fact_of_an_entry_is_enough() -> None:
    stop = enough_said([e.heading + " " + e.text for e in ENTRIES])
    assert not stop("I hear you. Our")  # no fact yet: a second sentence may bring one
    assert not stop("Plans start at $39 per agent.")  # the sentence may not be over
    assert stop("Plans start at $39 per agent. And")
    assert stop("Go-live takes 2 weeks. We")
    assert not stop("It takes 3 weeks. We")  # not a fact of any entry
    assert stop("I hear you. It really does matter. And")  # two sentences in any case
    (branch, *_) = branches_for(job(), PromptLimits())
    assert branch.segments[-1].stop_when is not None
    assert branch.segments[-1].stop_when("We commit to 99.9% availability. Also")


def test_a_small_playbook_goes_whole_into_the_system_prompt_and_jobs_cite_numbers() -> None:
    from inference.suggest.llm_prompt import fit_library, system_prompt

    limits = PromptLimits()
    extra = PlaybookEntry("faq.md", "Support hours", "Phone support from 8:00 to 20:00.", "en")
    library = fit_library((extra, *ENTRIES), "en", limits)
    assert library[0] == extra and len(library) == len(ENTRIES) + 1
    system = system_prompt("en", (), library=library, limits=limits)
    assert "[1] Support hours: Phone support from 8:00 to 20:00." in system
    j = job()
    numbers = tuple(library.index(e) + 1 for e in j.entries)
    task = task_block(j, limits, numbers)
    assert "Most relevant entries: [2]" in task and ENTRIES[0].text not in task
    picks = [b.segments[0].grammar for b in branches_for(j, limits, numbers)]
    assert all('"2"' in g and '"1"' not in g for g in picks)  # only the retrieved entries
    big = tuple(PlaybookEntry("a.md", f"H{i}", "x " * 400, "en") for i in range(9))
    assert fit_library(big, "en", limits) == ()  # too long: entries travel with each job
    many = tuple(PlaybookEntry("a.md", f"H{i}", "short", "en") for i in range(10))
    assert fit_library(many, "en", limits) == ()  # entry numbers must stay one digit
