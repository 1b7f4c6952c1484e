"""Short Chinese objections said without the usual topic word (issue #18): money tight in hand,
"costs too much money", "prove it", how records will be handled, "we'll see", "not this term",
"just send it to me", a long-standing partner, "the way we do it now is fine", getting used to
a new system. Each family is a cue in `lexicon_zh.json`; the lines here are written for this
test, none close to a blind or evaluation line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from inference.detectors import SignalDetectors
from inference.detectors.corpus import BLIND_FILES, BLUNT_BLIND, NULL_BLIND, load_named
from inference.detectors.overlap import LIMIT, eval_lines, overlaps

# Lines the detectors before these families read wrong (or not at all)...
NEW = [
    ("budget", "这阵子手头不宽裕。"),
    ("price", "太烧钱了。"),
    ("price", "这也太费钱了。"),
    ("trust", "拿证据出来再说。"),
    ("trust", "好得不像真的。"),
    ("security", "客户的照片你们如何处理？"),
    ("security", "病人的检查记录你们会怎么保管？"),
    ("security", "录音会如何使用，会不会外传？"),
    ("timing", "看情况吧。"),
    ("timing", "这个月先不做。"),
    ("competitor", "我们有固定的服务商。"),
    ("need", "现在这么弄就不错。"),
]
# ...and lines of the same families they already read right, which must stay right.
KEPT = [
    ("budget", "这批货钱不凑手，手头太紧了。"),
    ("price", "一年下来代价太大。"),
    ("trust", "空口无凭，我不信。"),
    ("timing", "资料你发我就行，我回头看。"),
    ("timing", "留个电话吧，有需要再找你。"),
    ("competitor", "我们有长期合作的供应商。"),
    ("need", "目前这么用也挺好。"),
    ("implementation", "新系统员工要适应很久。"),
    ("implementation", "老师们没精力去折腾新平台。"),
]
LINES = NEW + KEPT


@pytest.fixture(scope="module")
def det() -> SignalDetectors:
    return SignalDetectors()


@pytest.mark.parametrize(("category", "line"), LINES)
def test_a_short_objection_is_heard(det: SignalDetectors, category: str, line: str) -> None:
    got = det.detect_text(line, "zh")
    assert got.objection == category, (got.objection, got.objection_confidence)


def test_a_closing_request_to_send_the_contract_is_no_brush_off(det: SignalDetectors) -> None:
    assert det.detect_text("那就这么定了，合同发过来吧。", "zh").objection is None


def test_the_lines_are_apart_from_the_blind_and_evaluation_lines(eval_dir: Path) -> None:
    held = [
        r.text for name in (*BLIND_FILES, BLUNT_BLIND, NULL_BLIND) for r in load_named(name, "zh")
    ]
    mine = [line for _, line in LINES]
    assert not overlaps(mine, held, LIMIT)
    assert not overlaps(mine, eval_lines(eval_dir), LIMIT)
