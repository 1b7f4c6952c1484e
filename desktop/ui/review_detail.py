"""The review window's right side: what happened at one objection, and the review form.

`objection_html` renders an `ObjectionReview` (customer text, instant and refined paths with
strategy, confidence and sources, guard events, the rep's pick and reply, earlier notes) for a
read-only QTextBrowser. `ReviewForm` takes a rating of the suggestion (1-5), the preferred path,
why it fits better, a note and an author, and emits `submitted` with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.report import ObjectionReview
from desktop.ui.review_i18n import t
from inference.events import Source, SuggestionPath


def _source(s: Source) -> str:
    if s.file:
        return f"{escape(s.file)} &gt; {escape(s.heading)}" if s.heading else escape(s.file)
    if s.utterance_id:
        return escape(f"utterance {s.utterance_id}")
    return ""


def _path(p: SuggestionPath | None) -> str:
    if p is None:
        return f"<i>{escape(t('(none)'))}</i>"
    strategy = escape(t(f"strategy:{p.strategy}") if p.strategy else "")
    if strategy.startswith("strategy:"):
        strategy = escape(p.strategy)
    if p.label:
        strategy = escape(p.label)
    unfinished = "" if p.complete else f" <i>({escape(t('unfinished'))})</i>"
    sources = ", ".join(x for x in (_source(s) for s in p.sources) if x)
    conf = escape(t("confidence {c}", c=f"{p.confidence:.2f}"))
    out = f"<b>{strategy}</b> · {conf}{unfinished}<br>{escape(p.text)}"
    if sources:
        out += f"<br><small>{escape(t('Sources'))}: {sources}</small>"
    return out


def objection_html(o: ObjectionReview) -> str:
    """The detail of one objection as simple HTML (escaped; no scripts, no external links)."""
    category = t(f"objection:{o.category}")
    if category.startswith("objection:"):
        category = o.category
    parts = [
        f"<h3>{escape(category)} <small>({o.confidence:.2f}, "
        f"{o.start:.1f}–{o.end:.1f} s)</small></h3>",
        f"<p><b>{escape(t('Customer said'))}:</b> {escape(o.customer_text)}</p>",
        "<table border='1' cellspacing='0' cellpadding='4' width='100%'>",
        f"<tr><th>{escape(t('Path'))}</th><th>{escape(t('Instant'))}</th>"
        f"<th>{escape(t('Refined'))}</th></tr>",
    ]
    for slot in o.slots:
        mark = " ✓" if o.chosen_path == slot.index else ""
        parts.append(
            f"<tr><td valign='top'>{slot.index + 1}{mark}</td>"
            f"<td valign='top'>{_path(slot.instant)}</td>"
            f"<td valign='top'>{_path(slot.refined)}</td></tr>"
        )
    parts.append("</table>")
    latency = [
        f"{t('Instant')}: {t('latency {s} s', s=f'{v:.2f}')}"
        for v in (o.instant_latency_s,)
        if v is not None
    ] + [
        f"{t('Refined')}: {t('latency {s} s', s=f'{v:.2f}')}"
        for v in (o.refined_latency_s,)
        if v is not None
    ]
    if latency:
        parts.append(f"<p><small>{escape(' · '.join(latency))}</small></p>")
    for g in o.guards:
        parts.append(
            f"<p><b>{escape(t('Guard'))}:</b> {escape(t('path {n}', n=g.path + 1))} "
            f"{escape(g.action)} ({escape(g.rule)})</p>"
        )
    picked = t("not recorded") if o.chosen_path is None else t("path {n}", n=o.chosen_path + 1)
    parts.append(f"<p><b>{escape(t('The rep picked'))}:</b> {escape(picked)}</p>")
    reply = o.rep_reply.text if o.rep_reply is not None else t("nothing")
    parts.append(f"<p><b>{escape(t('The rep said next'))}:</b> {escape(reply)}</p>")
    if o.notes:
        parts.append(f"<h4>{escape(t('Review notes'))}</h4><ul>")
        for n in o.notes:
            bits = []
            if n.rating is not None:
                bits.append(t("Rating {r}/5", r=n.rating))
            if n.preferred_path is not None:
                bits.append(t("prefers path {n}", n=n.preferred_path + 1))
            head = escape(" · ".join(bits))
            who = f" — {escape(n.author)}" if n.author else ""
            body = "".join(f"<br>{escape(x)}" for x in (n.why, n.text) if x)
            parts.append(f"<li>{head}{who}{body}</li>")
        parts.append("</ul>")
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class ReviewInput:
    """What the form holds: rating 1-5 or None, preferred path 0-2 or None, and texts."""

    rating: int | None
    preferred_path: int | None
    why: str
    text: str
    author: str

    @property
    def empty(self) -> bool:
        return self.rating is None and self.preferred_path is None and not (self.why or self.text)


class ReviewForm(QWidget):
    """Rating, preferred path, why, note and author; `submitted(ReviewInput)` on Save."""

    submitted = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rating = QComboBox()
        self.preferred = QComboBox()
        self.why = QPlainTextEdit()
        self.note = QPlainTextEdit()
        self.author = QLineEdit()
        self.save = QPushButton()
        self.message = QLabel()
        self.message.setWordWrap(True)
        for box in (self.why, self.note):
            box.setTabChangesFocus(True)
            box.setFixedHeight(60)
        self._form = QFormLayout()
        self._labels = [QLabel() for _ in range(5)]
        for label, field in zip(
            self._labels,
            (self.rating, self.preferred, self.why, self.note, self.author),
            strict=True,
        ):
            self._form.addRow(label, field)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._form)
        layout.addWidget(self.save)
        layout.addWidget(self.message)
        self.save.clicked.connect(self._submit)
        self.retranslate()

    def retranslate(self) -> None:
        keys = (
            "Rating of the suggestion",
            "Preferred path",
            "Why it fits better",
            "Note",
            "Author",
        )
        for label, key in zip(self._labels, keys, strict=True):
            label.setText(t(key))
        rating, preferred = self.rating.currentIndex(), self.preferred.currentIndex()
        self.rating.clear()
        self.rating.addItems(["—", *(str(i) for i in range(1, 6))])
        self.preferred.clear()
        self.preferred.addItems(["—", *(t("path {n}", n=i) for i in range(1, 4))])
        self.rating.setCurrentIndex(max(rating, 0))
        self.preferred.setCurrentIndex(max(preferred, 0))
        self.save.setText(t("Save review"))

    def value(self) -> ReviewInput:
        r, p = self.rating.currentIndex(), self.preferred.currentIndex()
        return ReviewInput(
            rating=r if r > 0 else None,
            preferred_path=p - 1 if p > 0 else None,
            why=self.why.toPlainText().strip(),
            text=self.note.toPlainText().strip(),
            author=self.author.text().strip(),
        )

    def set_value(self, value: ReviewInput) -> None:
        self.rating.setCurrentIndex(value.rating or 0)
        self.preferred.setCurrentIndex(
            0 if value.preferred_path is None else value.preferred_path + 1
        )
        self.why.setPlainText(value.why)
        self.note.setPlainText(value.text)
        self.author.setText(value.author)

    def clear(self) -> None:
        """Empty the note fields (the author stays: it is usually the same person)."""
        self.set_value(ReviewInput(None, None, "", "", self.author.text()))

    def _submit(self) -> None:
        self.submitted.emit(self.value())
