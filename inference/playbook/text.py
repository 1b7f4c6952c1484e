"""Language-agnostic text helpers: language guess, sentence split, retrieval tokens.

English is tokenised into lower-case words (stop words dropped, a light plural strip); Chinese
into jieba words when jieba is installed, plus character bigrams, so that retrieval works on
either without a model.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'\-]*|\d+(?:[.,]\d+)*%?")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[$€£\u4e00-\u9fff])|(?<=[。！？；;])")

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

_jieba: Any = None
_jieba_lock = threading.Lock()


def cjk_ratio(text: str) -> float:
    """Share of CJK characters among the letters and CJK characters of `text`."""
    cjk = len(_CJK.findall(text))
    latin = len(re.findall(r"[A-Za-z]", text))
    total = cjk + latin / 4.0  # a Latin word carries about as much as one or two characters
    return cjk / total if total else 0.0


def guess_lang(text: str) -> str:
    """ "zh" when the text is mostly Chinese, else "en"."""
    return "zh" if cjk_ratio(text) >= 0.3 else "en"


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def split_sentences(text: str) -> list[str]:
    """Sentences and bullet items of `text` (Chinese and English punctuation), stripped."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        for part in _SENTENCE_END.split(line):
            part = part.strip()
            if part:
                out.append(part)
    return out


def _get_jieba() -> Any:
    global _jieba
    with _jieba_lock:
        if _jieba is None:
            try:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
            except ImportError:  # bigrams alone still retrieve reasonably
                _jieba = False
    return _jieba


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Retrieval tokens: English words; Chinese words (2+ characters) and the bigrams inside
    longer ones (all bigrams when jieba is missing)."""
    out: list[str] = []
    lower = text.lower()
    for m in _WORD.finditer(lower):
        w = m.group(0).strip("'-")
        if w and w not in EN_STOP and len(w) > 1:
            out.append(_stem(w))
    jb = None
    for run in _CJK_RUN.findall(text):
        if jb is None:
            jb = _get_jieba()
        if not jb:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
            continue
        for w in jb.lcut(run):
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
