"""Echo of the customer in the rep's microphone (rep on speakers), found by correlation.

The customer's voice reaches the microphone as a delayed, scaled copy of the loopback signal.
For each microphone block, the best-matching lag within `max_delay_s` of recent loopback audio
is found; when the scaled copy explains most of the block's energy, it is removed, so the
customer is never transcribed a second time as the rep.
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16_000


class EchoSuppressor:
    """Args:
    max_delay_s: longest acoustic plus buffering delay considered.
    min_correlation: normalized correlation above which the block counts as echo.
    """

    def __init__(self, *, max_delay_s: float = 0.4, min_correlation: float = 0.5) -> None:
        self._max_delay = int(max_delay_s * SAMPLE_RATE)
        self._min_corr = min_correlation
        self._reference = np.zeros(0, dtype=np.float32)
        self.echo_blocks = 0

    def add_reference(self, samples: np.ndarray) -> None:
        """Loopback (customer) audio as it arrives."""
        keep = self._max_delay + 4 * SAMPLE_RATE // 10
        self._reference = np.concatenate([self._reference, samples.astype(np.float32)])[-keep:]

    def process(self, mic: np.ndarray) -> tuple[np.ndarray, bool]:
        """The microphone block with the customer's echo removed, and whether there was one."""
        n = len(mic)
        ref = self._reference
        energy = float(np.dot(mic, mic))
        if n == 0 or len(ref) < n or energy < 1e-8:
            return mic, False
        # Correlate the block against every lag of the reference (FFT), then normalize.
        size = 1 << int(np.ceil(np.log2(len(ref) + n)))
        corr = np.fft.irfft(np.fft.rfft(ref, size) * np.conj(np.fft.rfft(mic, size)), size)
        valid = corr[: len(ref) - n + 1]
        sq = np.concatenate([[0.0], np.cumsum(ref.astype(np.float64) ** 2)])
        seg_energy = sq[n:] - sq[:-n]
        norm = valid / np.sqrt(np.maximum(seg_energy * energy, 1e-12))
        best = int(np.argmax(norm))
        if norm[best] < self._min_corr:
            return mic, False
        seg = ref[best : best + n]
        gain = float(np.dot(mic, seg) / max(float(np.dot(seg, seg)), 1e-12))
        residual = (mic - gain * seg).astype(np.float32)
        if float(np.dot(residual, residual)) > 0.5 * energy:
            return mic, False
        self.echo_blocks += 1
        return residual, True
