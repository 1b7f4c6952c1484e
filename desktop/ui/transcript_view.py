"""The live transcript of both parties.

One text block per utterance, in the order utterances first appear. A block shows the speaker
label, the committed words in solid text and the tentative tail dimmed; a new tentative event
replaces the tail, a stable partial appends its words and drops them from the tail, and the
utterance's one final event (the second pass's text) replaces all of it in place; events of the
utterance after its final are ignored (a further final, from a file written before two-pass
finals, is appended). The view follows new text while it is scrolled to the
bottom and stays put once the user scrolls up.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTextEdit, QWidget

from desktop.ui.i18n import tr
from inference.asr.text import join_pieces
from inference.events import TranscriptEvent
from inference.text import has_cjk

_SPEAKER_COLORS = {"rep": QColor("#2f6fd6"), "customer": QColor("#c8671f")}
_FOLLOW_SLACK_PX = 4


def join_words(left: str, right: str) -> str:
    """Join two pieces of transcript: a space between words, none around CJK characters."""
    return join_pieces(left, right)


@dataclass(slots=True)
class _Utterance:
    speaker: str
    start: float
    block: int
    final: str = ""  # the committed words: the stable partials, then the final text
    tentative: str = ""
    closed: bool = False  # the final event came


class TranscriptView(QTextEdit):
    """Read-only transcript that renders `TranscriptEvent`s in place."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self._utterances: dict[str, _Utterance] = {}
        self._final_format = QTextCharFormat()
        self._tentative_format = QTextCharFormat()
        self._tentative_format.setForeground(QColor("#8a8f98"))
        self._tentative_format.setFontItalic(True)
        # Follow new text while at the bottom; a scroll up (by the user) ends following and a
        # scroll back to the bottom resumes it. The range grows after the document lays out,
        # so the jump to the bottom happens on rangeChanged.
        self._follow = True
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._on_scrolled)
        bar.rangeChanged.connect(self._on_range_changed)

    # --- reading (tests and the overlay's quote) -----------------------------------------

    def utterance_text(self, utterance_id: str) -> tuple[str, str]:
        """(committed text, tentative tail) of one utterance; ("", "") if unknown. The
        committed text is the final event's once it came, the stable partials' until then."""
        u = self._utterances.get(utterance_id)
        return ("", "") if u is None else (u.final, u.tentative)

    def block_text(self, utterance_id: str) -> str:
        """The text shown for one utterance, label included."""
        u = self._utterances.get(utterance_id)
        return "" if u is None else self.document().findBlockByNumber(u.block).text()

    def utterance_count(self) -> int:
        return len(self._utterances)

    @property
    def following(self) -> bool:
        """Whether the view is at the bottom and will follow new text."""
        return self._follow

    def _on_scrolled(self, value: int) -> None:
        self._follow = value >= self.verticalScrollBar().maximum() - _FOLLOW_SLACK_PX

    def _on_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._follow:
            self.verticalScrollBar().setValue(maximum)

    # --- writing -------------------------------------------------------------------------

    def clear_transcript(self) -> None:
        self._utterances.clear()
        self.clear()

    def add_event(self, event: TranscriptEvent) -> None:
        u = self._utterances.get(event.utterance_id)
        if u is None:
            u = _Utterance(event.speaker, event.start, block=len(self._utterances))
            self._utterances[event.utterance_id] = u
            if u.block > 0:
                cursor = QTextCursor(self.document())
                cursor.movePosition(QTextCursor.MoveOperation.End)
                cursor.insertBlock()
        text = " ".join(event.text.split()) if not has_cjk(event.text) else event.text.strip()
        if u.closed:
            # Nothing follows an utterance's final, except in event files written before
            # two-pass finals, where each final carried newly committed words: join those.
            if event.final:
                u.final = join_words(u.final, text)
                self._render(u)
            return
        if event.final:
            u.final, u.tentative, u.closed = text, "", True
        elif event.stable:
            u.final = join_words(u.final, text)
            tail = u.tentative
            u.tentative = tail[len(text) :].strip() if text and tail.startswith(text) else ""
        else:
            u.tentative = text
        self._render(u)

    def retranslate(self) -> None:
        for u in self._utterances.values():
            self._render(u)

    def _render(self, u: _Utterance) -> None:
        block = self.document().findBlockByNumber(u.block)
        cursor = QTextCursor(block)
        cursor.beginEditBlock()
        cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        label = QTextCharFormat()
        label.setFontWeight(QFont.Weight.Bold)
        label.setForeground(_SPEAKER_COLORS.get(u.speaker, QColor("#444444")))
        name = tr("Rep") if u.speaker == "rep" else tr("Customer")
        minutes, seconds = divmod(int(max(0.0, u.start)), 60)
        cursor.insertText(f"{name} {minutes:02d}:{seconds:02d}  ", label)
        cursor.insertText(u.final, self._final_format)
        if u.tentative:
            joined = join_words(u.final, u.tentative)
            cursor.insertText(joined[len(u.final) :], self._tentative_format)
        cursor.endEditBlock()
