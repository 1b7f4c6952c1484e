"""The text toolkit (`inference.text`): one CJK test, language guess, jieba, sentences, stems,
numbers. Real jieba, real Snowball, real cn2an."""

from __future__ import annotations

import threading

import pytest

from inference.text import (
    Segmenter,
    cjk_ratio,
    en_word_to_number,
    guess_lang,
    has_cjk,
    has_han,
    is_cjk,
    is_han,
    segment,
    split_sentences,
    stem,
    zh_to_number,
    zh_words,
)


def test_han_covers_every_ideograph_block_and_nothing_else() -> None:
    for ch in "中文㐀豈𠀀":  # basic, extension A, compatibility, extension B
        assert is_han(ch), ch
    for ch in "aZ9，。ーかカ한 ":
        assert not is_han(ch), ch
    assert has_han("the 价格 part") and not has_han("price, ¥ and ！")


def test_cjk_is_the_set_written_without_spaces() -> None:
    for ch in "中かカ한，。「！":
        assert is_cjk(ch), ch
    for ch in "a ,.!1":
        assert not is_cjk(ch), ch
    assert has_cjk("ok。") and not has_cjk("okay.")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("这个价格太高了", "zh"),
        ("The price is too high", "en"),
        ("我们的CRM系统是自己开发的", "zh"),
        ("我们现在用 Trellomax 和 Jirafy 两套系统", "zh"),  # Chinese carrying English names
        ("We use 微信 a lot for customer chats with suppliers", "en"),
        ("", "en"),
        ("12345 !!!", "en"),
    ],
)
def test_one_language_guess(text: str, lang: str) -> None:
    assert guess_lang(text) == lang


def test_language_hint_wins_and_is_normalised() -> None:
    assert guess_lang("anything", "zh") == "zh"
    assert guess_lang("随便", "en-US") == "en"
    assert guess_lang("随便", "zh-CN") == "zh"
    assert guess_lang("hola", "es") == "es"
    assert cjk_ratio("") == 0.0 and cjk_ratio("价格") == 1.0


def test_one_jieba_dictionary_and_one_setting() -> None:
    assert segment.HMM is False
    a = Segmenter.create()
    b = Segmenter.create()
    # Without glossary words a segmenter shares the process's tokenizer (no second load) and
    # splits exactly as retrieval does.
    assert a._tokenizer() is segment.tokenizer() is b._tokenizer()
    line = "我们需要先跟采购部门商量一下交付时间"
    assert a.words(line, "zh") == [w for w in zh_words(line) if w.strip()]


def test_glossary_words_stay_with_their_segmenter() -> None:
    term = "云帆排班"  # a made-up product name
    a = Segmenter.create()
    a.add_word(term)
    b = Segmenter.create()
    line = f"我们在试{term}这个系统"
    assert term in a.words(line, "zh")
    assert term not in b.words(line, "zh")
    assert term not in zh_words(line)


def test_sentences_in_both_languages() -> None:
    text = (
        "Annual billing is 20% off. The fee is 3.5 per seat, e.g. for teams.\n- Setup takes a week!"
    )
    assert split_sentences(text) == [
        "Annual billing is 20% off.",
        "The fee is 3.5 per seat, e.g. for teams.",
        "- Setup takes a week!",
    ]
    assert split_sentences("价格是每月三百元。可以按季度付吗？当然！") == [
        "价格是每月三百元。",
        "可以按季度付吗？",
        "当然！",
    ]
    assert split_sentences("真的吗？！好的。") == ["真的吗？！", "好的。"]


def test_semicolons_end_a_sentence_only_when_asked() -> None:
    assert split_sentences("最多优惠10%；不承诺路线图") == ["最多优惠10%；不承诺路线图"]
    assert split_sentences("最多优惠10%；不承诺路线图", semicolons=True) == [
        "最多优惠10%；",
        "不承诺路线图",
    ]


def test_snowball_stems_and_leaves_non_words_alone() -> None:
    assert stem("pricing") == stem("priced") == stem("price") == "price"
    assert stem("integrations") == stem("integration")
    assert stem("companies") == stem("company")
    for word in ("soc2", "24/7", "don't", "café"):
        assert stem(word) == word


def test_stemming_is_safe_across_threads() -> None:
    words = [
        f"{w}{s}" for w in ("plan", "seat", "report", "contract") for s in ("", "s", "ing", "ed")
    ]
    expected = {w: stem(w) for w in words}
    stem.cache_clear()
    errors: list[str] = []

    def work() -> None:
        for _ in range(50):
            for w in words:
                if stem(w) != expected[w]:
                    errors.append(w)
            stem.cache_clear()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("二百二十", 220),
        ("三千五", 3500),
        ("一万二", 12_000),
        ("两万", 20_000),
        ("一百零五", 105),
        ("2.2万", 22_000),
        ("1,200", 1200),
        ("八五", 85),
        ("百", 100),
        ("零", 0),
    ],
)
def test_chinese_numerals(text: str, value: float) -> None:
    assert zh_to_number(text) == value


def test_not_a_chinese_numeral() -> None:
    for text in ("", "三个", "abc", "十十十十"):
        assert zh_to_number(text) is None, text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("zero", 0),
        ("ten", 10),
        ("twenty-five", 25),
        ("ninety nine", 99),
        ("hundred", 100),
        ("seven hundred", 700),
        ("one thousand two hundred and fifty", 1250),
    ],
)
def test_english_number_words(text: str, value: float) -> None:
    assert en_word_to_number(text) == value


def test_not_english_number_words() -> None:
    for text in ("", "tenth", "twenty apples", "a few"):
        assert en_word_to_number(text) is None, text


def test_no_package_writes_out_cjk_ranges_or_loads_jieba_itself() -> None:
    """Only the toolkit knows which characters are Chinese and owns jieba. The suggestion
    modules write `\\p{Han}` inside their own patterns, through `regex`."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    allowed: set[str] = set()
    copies = re.compile(r"\\u4e00|\\u3400|\\u9fff|import jieba|snowballstemmer|import cn2an")
    found = []
    for pkg in ("audio", "inference", "models", "overlays", "desktop"):
        for path in sorted((root / pkg).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if rel.startswith("inference/text/") or rel in allowed:
                continue
            if copies.search(path.read_text("utf-8")):
                found.append(rel)
    assert not found, f"use inference.text instead in {found}"
