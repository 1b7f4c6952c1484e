"""How the speech recogniser and the LLM share a small machine's cores.

On a 2-core laptop the LLM normally gets one thread, so that transcription keeps up. Most of
a call, though, the recogniser has nothing to decode: the customer is silent (the rep's
utterances are decoded once, when they close) and a refined suggestion is being written for
the objection that just ended. `CpuShare` is the one flag between the two: the ASR worker
says when it needs its cores (the customer is speaking, or a final decode is due), and the
LLM backend asks before each decode call how many threads to use.
"""

from __future__ import annotations

from inference.llm.types import available_cores, default_threads


def idle_threads(cores: int | None = None) -> int:
    """LLM threads while ASR is idle: every core of a small machine (up to four), else
    what `default_threads` gives (larger machines already leave ASR enough)."""
    n = available_cores() if cores is None else max(1, cores)
    return n if n <= 4 else default_threads(n)


class CpuShare:
    """The ASR worker's claim on the cores, read by the LLM between its decode calls.

    Args:
        busy_threads: LLM threads while ASR needs its cores (default: `default_threads`).
        idle_threads: LLM threads otherwise (default: `idle_threads()`).
    """

    def __init__(self, *, busy_threads: int | None = None, idle: int | None = None) -> None:
        self.busy_threads = busy_threads if busy_threads is not None else default_threads()
        self.idle_threads = idle if idle is not None else idle_threads()
        self._asr_busy = True  # until the ASR worker says otherwise

    def set_asr_busy(self, busy: bool) -> None:
        """Called by the ASR worker (a plain attribute write: safe across threads)."""
        self._asr_busy = busy

    @property
    def asr_busy(self) -> bool:
        return self._asr_busy

    def llm_threads(self) -> int:
        """Threads the LLM may use for its next decode call."""
        return self.busy_threads if self._asr_busy else self.idle_threads
