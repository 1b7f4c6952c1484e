"""Health of the captured audio: levels (dBFS), clipping and a silent customer side."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audio.source import Party, SourceNote

SILENCE_DBFS = -60.0


def dbfs(samples: np.ndarray) -> float:
    """RMS level in dB relative to full scale (floor -120)."""
    if samples.size == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return max(-120.0, 20.0 * np.log10(rms + 1e-12))


@dataclass(frozen=True, slots=True)
class HealthConfig:
    """Attributes:
    level_interval_s: seconds between `level` notes per party.
    clip_level: |sample| at or above which a sample counts as clipped.
    clip_fraction: fraction of clipped samples in a block that raises a warning.
    speech_dbfs: level above which a party counts as talking.
    no_customer_after_s: customer silent this long while the rep talks -> alarm.
    """

    level_interval_s: float = 0.25
    clip_level: float = 0.99
    clip_fraction: float = 0.01
    speech_dbfs: float = -45.0
    no_customer_after_s: float = 10.0


class HealthMonitor:
    """Turns captured blocks into `level`, `clipping` and `no_customer_audio` notes.

    Pure: time comes from the frames' stamps, so it runs the same live and in tests.
    """

    def __init__(self, config: HealthConfig | None = None) -> None:
        self._config = config or HealthConfig()
        self._next_level: dict[str, float] = {}
        self._clipping: dict[str, bool] = {}
        self._rep_talk_s = 0.0
        self._customer_last_heard: float | None = None
        self._alarmed = False
        self._customer_seen = False

    def observe(self, party: Party, start: float, samples: np.ndarray) -> list[SourceNote]:
        cfg = self._config
        notes: list[SourceNote] = []
        end = start + len(samples) / 16_000
        level = dbfs(samples)
        if end >= self._next_level.get(party, 0.0):
            notes.append(
                SourceNote(t=end, party=party, state="level", detail=f"{party} {level:.1f}")
            )
            self._next_level[party] = end + cfg.level_interval_s
        clipped = (
            samples.size > 0
            and float(np.mean(np.abs(samples) >= cfg.clip_level)) >= cfg.clip_fraction
        )
        if clipped and not self._clipping.get(party):
            notes.append(
                SourceNote(
                    t=end,
                    party=party,
                    state="clipping",
                    detail=f"{party} input is clipping: turn its input gain down",
                )
            )
        self._clipping[party] = clipped
        if party == "customer":
            self._customer_seen = True
            if level > cfg.speech_dbfs:
                self._customer_last_heard = end
                self._rep_talk_s = 0.0
                self._alarmed = False
        elif level > cfg.speech_dbfs:
            self._rep_talk_s += len(samples) / 16_000
            last = self._customer_last_heard
            silent_for = end - last if last is not None else end
            if (
                self._customer_seen
                and not self._alarmed
                and silent_for >= cfg.no_customer_after_s
                and self._rep_talk_s >= 2.0
            ):
                self._alarmed = True
                notes.append(
                    SourceNote(
                        t=end,
                        party="customer",
                        state="no_customer_audio",
                        detail="no customer audio: check the output device "
                        "(the call's sound must play through the captured system-audio source)",
                    )
                )
        return notes
