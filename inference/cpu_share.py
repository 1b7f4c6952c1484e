"""How the speech recogniser and the LLM share a small machine's cores.

On a 2-core laptop the LLM normally gets one thread, so that transcription keeps up. Most of
a call, though, the recogniser has nothing to decode: the customer is silent (the rep's
utterances are decoded once, when they close) and a refined suggestion is being written for
the objection that just ended. `CpuShare` is the one flag between the two: the ASR worker
says when it needs its cores (the customer is speaking, or a final decode is due), and the
LLM backend asks before each decode call how many threads to use.

While the LLM writes suggestions (a job, at most a few seconds after an objection), the claim
narrows to the decodes themselves: the LLM runs on both cores between two partial decodes of
the customer (which then come less often, see `TranscriberConfig.shared_load_factor`) and on
one while a decode runs. Its thread count is read before each decode call, so the two
overlap for at most one LLM step.

Reading ahead (the conversation read into the writer's cache and the second opinion's line
read while it is said, no job waiting on either) is background work: while a decode runs it
gets no thread at all where the LLM's busy share is one thread (`llm_threads` answers 0 and
`LlamaBackend` holds such a call until the decode is done), so the decodes that the customer's
final waits on have both cores. On a slow machine one read-ahead call on one thread took as long
as a partial decode and doubled it. The customer's final decode itself holds back every prompt
chunk, a job's included (`llm_threads` answers -1).
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
        self._asr_decoding = False
        self._asr_final = False
        self._llm_job = False

    def set_asr_busy(self, busy: bool) -> None:
        """Called by the ASR worker (a plain attribute write: safe across threads)."""
        self._asr_busy = busy

    def set_asr_decoding(self, decoding: bool, *, final: bool = False) -> None:
        """Called by the ASR worker around its work (decodes) while it is busy; `final`:
        that work is the customer's final decode (their pause's or closed utterance's)."""
        self._asr_final = decoding and final
        self._asr_decoding = decoding

    def set_llm_job(self, running: bool) -> None:
        """Called by the LLM writer when a job starts and ends."""
        self._llm_job = running

    @property
    def asr_busy(self) -> bool:
        return self._asr_busy

    @property
    def llm_job(self) -> bool:
        return self._llm_job

    def llm_threads(self) -> int:
        """Threads the LLM may use for its next decode call; 0 while the ASR worker decodes, no
        LLM job runs and the LLM's busy share is one thread (a read ahead waits then; anything
        else runs on that one thread, as callers take at least one); -1 while that decode is
        the customer's final, job or not (a request's prompt chunk waits too: the final keeps
        both cores; a generation step still runs on one thread). Where the busy share is
        larger the ASR has cores of its own and nothing waits."""
        if self._asr_decoding and self.busy_threads <= 1:
            if self._asr_final:
                return -1
            if not self._llm_job:
                return 0
        if self._asr_decoding or (self._asr_busy and not self._llm_job):
            return self.busy_threads
        return self.idle_threads
