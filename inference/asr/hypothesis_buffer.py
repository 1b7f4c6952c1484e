"""LocalAgreement-2: commit the words on which two consecutive hypotheses agree.

After whisper_streaming's `HypothesisBuffer`, with words that carry session-clock times.
"""

from __future__ import annotations

from inference.asr.text import word_key
from inference.asr.types import Word

_OVERLAP_NGRAM = 5


class HypothesisBuffer:
    """The uncommitted hypothesis of one utterance and the words committed from it."""

    def __init__(self) -> None:
        self.committed: list[Word] = []  # committed words still inside the audio window
        self._previous: list[Word] = []  # last hypothesis, beyond what is committed
        self._new: list[Word] = []
        self.last_committed_end = 0.0

    def insert(self, words: list[Word]) -> None:
        """Take a fresh hypothesis of the window (session-clock times)."""
        new = [w for w in words if w.start > self.last_committed_end - 0.1]
        if new and self.committed and abs(new[0].start - self.last_committed_end) < 1.0:
            # The window re-transcribed the end of what is committed: drop that overlap.
            for n in range(min(len(self.committed), len(new), _OVERLAP_NGRAM), 0, -1):
                tail = [word_key(w.text) for w in self.committed[-n:]]
                head = [word_key(w.text) for w in new[:n]]
                if tail == head:
                    new = new[n:]
                    break
        self._new = new

    def flush(self) -> list[Word]:
        """Commit the longest common prefix of the last two hypotheses; returns it."""
        commit: list[Word] = []
        while self._new and self._previous:
            if word_key(self._new[0].text) != word_key(self._previous[0].text):
                break
            commit.append(self._new.pop(0))
            self._previous.pop(0)
        self._previous = self._new
        self._new = []
        self._record(commit)
        return commit

    def flush_all(self) -> list[Word]:
        """The utterance ended: commit the latest hypothesis as it stands."""
        commit = self._new
        self._new = []
        self._previous = []
        self._record(commit)
        return commit

    def commit_tail(self) -> list[Word]:
        """The utterance ended and the last hypothesis already heard all of it: commit it."""
        commit = self._previous
        self._previous = []
        self._new = []
        self._record(commit)
        return commit

    def commit_before(self, time: float) -> list[Word]:
        """The speaker paused at `time`: commit the uncommitted words that began before it."""
        n = 0
        while n < len(self._previous) and self._previous[n].start < time:
            n += 1
        commit, self._previous = self._previous[:n], self._previous[n:]
        self._record(commit)
        return commit

    def tail(self) -> list[Word]:
        """The current uncommitted words."""
        return list(self._previous)

    def pop_committed(self, time: float) -> None:
        """Forget committed words that end before `time` (the window was trimmed there)."""
        while self.committed and self.committed[0].end <= time:
            self.committed.pop(0)

    def _record(self, commit: list[Word]) -> None:
        if commit:
            self.committed.extend(commit)
            self.last_committed_end = commit[-1].end
