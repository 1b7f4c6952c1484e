"""The review window's strings in English and Chinese.

The current language is the app's (`desktop.ui.i18n.language()`); keys this table does not
have (objection categories, strategies, "Rep", "Customer") fall through to `desktop.ui.i18n.tr`.
"""

from __future__ import annotations

from desktop.ui import i18n

_ZH: dict[str, str] = {
    "Review a call": "通话复盘",
    "Stored sessions": "已保存的会话",
    "Reload": "刷新",
    "Unlock": "解锁",
    "Passphrase": "口令",
    "Objection": "异议",
    "Customer said": "客户原话",
    "Path": "路径",
    "Instant": "即时建议",
    "Refined": "细化建议",
    "unfinished": "未完成",
    "Sources": "依据",
    "Guard": "合规检查",
    "The rep picked": "销售选择了",
    "path {n}": "路径 {n}",
    "not recorded": "未记录",
    "The rep said next": "销售接着说",
    "nothing": "无",
    "Review notes": "复盘备注",
    "Rating of the suggestion": "建议评分",
    "Preferred path": "更合适的路径",
    "Why it fits better": "为什么更合适",
    "Note": "备注",
    "Author": "作者",
    "Save review": "保存复盘",
    "Review saved.": "复盘已保存。",
    "Give a rating, a preferred path, a why or a note first.": "请先填写评分、更合适的路径、原因或备注。",
    "Export": "导出",
    "HTML report": "HTML 报告",
    "Redact personal data": "隐去个人信息",
    "Saved to {path}.": "已保存到 {path}。",
    "Choose an objection on the timeline to review it.": "在时间轴上点击一个异议进行复盘。",
    "Choose a session to review.": "请选择要复盘的会话。",
    "No sessions are stored yet.": "还没有保存的会话。",
    "This session has no objections to review.": "此会话没有需要复盘的异议。",
    "Customer emotion (of the conversation)": "客户情绪（对话属性）",
    "Term density": "术语密度",
    "Objections": "异议",
    "latency {s} s": "延迟 {s} 秒",
    "confidence {c}": "置信度 {c}",
    "(none)": "（无）",
    "Rating {r}/5": "评分 {r}/5",
    "prefers path {n}": "倾向路径 {n}",
    "damaged, left out: {items}": "已损坏（已略去）：{items}",
    "Parts of this session are damaged and left out ({items}); the rest is readable. "
    "Remove it with `parley sessions delete {id}`.": "此会话有部分内容损坏，已略去（{items}），"
    "其余内容可正常阅读。可用 `parley sessions delete {id}` 删除它。",
}


def t(key: str, **values: object) -> str:
    """The string for `key` in the current language, with `{name}` fields filled in."""
    text = (_ZH.get(key) if i18n.language() == "zh" else None) or i18n.tr(key)
    return text.format(**values) if values else text
