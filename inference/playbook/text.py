"""Retrieval tokens and Markdown stripping for playbooks (built on `inference.text`).

English is tokenised into lower-case words (stop words dropped, Snowball stems); Chinese into
jieba words plus character bigrams, so that retrieval works on either without a model.
"""

from __future__ import annotations

import re

from inference.text import HAN_RUN, stem, zh_words

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'\-]*|\d+(?:[.,]\d+)*%?")

_EN_STOP_WORDS = (
    "a an the and or but if then so of to in on at by for with from as is are was were be "
    "been being it its this that these those there here we you they he she i me my our your "
    "their us them his her do does did done have has had not no can could would should will "
    "shall may might must just very really too also than more most much many some any all "
    "about into over up out what which who whom when where why how yes ok okay well honestly "
    "right now get got let lets let's i'm we're you're it's that's don't doesn't can't won't "
    "isn't aren't per"
)
EN_STOP = frozenset(_EN_STOP_WORDS.split())
_ZH_STOP_WORDS = (
    "的 了 是 我 我们 你 你们 他 她 它 这 那 这个 那个 就 都 也 还 在 和 与 及 或 有 没 没有 不 吗 呢 吧 啊 呀 哦 嗯 很 太 要 会 能 可以 一个 "
    "一下 什么 怎么 给 把 被 让 对 跟 说 一 上 下 个 得 地 着 过 而 但 但是 不过 如果 因为 所以"
)
ZH_STOP = frozenset(_ZH_STOP_WORDS.split())


def tokens(text: str) -> list[str]:
    """Retrieval tokens: English word stems; Chinese words (2+ characters), the bigrams inside
    longer ones, and the bigrams of runs jieba leaves as single characters (names it does not
    know)."""
    out: list[str] = []
    lower = text.lower()
    for m in _WORD.finditer(lower):
        w = m.group(0).strip("'-")
        if w and w not in EN_STOP and len(w) > 1:
            out.append(stem(w))
    for run in HAN_RUN.findall(text):
        singles = ""
        for w in [*zh_words(run), ""]:
            if len(w) == 1 and w not in ZH_STOP:
                singles += w
                continue
            if len(singles) >= 2:  # 硕科 unknown to jieba: its characters pair up
                out.extend(singles[i : i + 2] for i in range(len(singles) - 1))
            singles = ""
            if len(w) < 2 or w in ZH_STOP:
                continue  # single characters match too much to rank by
            out.append(w)
            if len(w) >= 3:  # 财务总监 also matches 总监 and 财务
                out.extend(w[i : i + 2] for i in range(len(w) - 1))
    return out


def strip_markdown(text: str) -> str:
    """Text without emphasis, code and link markers (bullets become plain lines)."""
    text = re.sub(r"`{1,3}([^`]*)`{1,3}", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", text, flags=re.M)
    text = re.sub(r"^\s*>\s?", "", text, flags=re.M)
    return text.strip()
