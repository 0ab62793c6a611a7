"""Capped exponential backoff with jitter, so a dead camera is retried ever more gently."""

from __future__ import annotations

import random


class Backoff:
    """Delays for successive reconnect attempts: ``base·factorⁿ`` capped, each scattered by ±``jitter``.

    Jitter choice: ±50 % around the capped delay (then held to ``cap_s``), not "full jitter"
    (uniform from 0). After a power cut every camera of a centre fails at once; ±50 % still spreads
    their retries, while the floor of half the delay keeps a dead camera from being hammered with
    near-zero waits — a sampler talks to a handful of cameras, not to a shared service where full
    jitter's lower average load would matter more.

    Pure: it only computes delays (the caller waits, e.g. on a stop event); randomness comes from
    ``rng`` so tests can pin it.
    """

    def __init__(
        self,
        base_s: float = 1.0,
        factor: float = 2.0,
        cap_s: float = 60.0,
        *,
        jitter: float = 0.5,
        rng: random.Random | None = None,
    ) -> None:
        if base_s <= 0 or factor < 1 or cap_s < base_s:
            raise ValueError(f"Backoff needs base_s > 0, factor ≥ 1, cap_s ≥ base_s (got {base_s}, {factor}, {cap_s})")
        if not 0 <= jitter < 1:
            raise ValueError(f"Backoff jitter must be in [0, 1) (got {jitter})")
        self.base_s = base_s
        self.factor = factor
        self.cap_s = cap_s
        self.jitter = jitter
        self._rng = rng or random.Random()
        self._attempts = 0

    @property
    def attempts(self) -> int:
        """How many delays were handed out since the last ``reset()``."""
        return self._attempts

    def raw_delay(self, attempt: int) -> float:
        """The un-jittered, capped delay before retry number ``attempt`` (0-based)."""
        delay = self.base_s
        if self.factor == 1:
            return min(delay, self.cap_s)
        for _ in range(attempt):  # a loop, not factor**attempt: never overflows on long outages
            delay *= self.factor
            if delay >= self.cap_s:
                return self.cap_s
        return min(delay, self.cap_s)

    def next_delay(self) -> float:
        """Seconds to wait before the next attempt; each call counts one more failure."""
        raw = self.raw_delay(self._attempts)
        self._attempts += 1
        scattered = raw * self._rng.uniform(1 - self.jitter, 1 + self.jitter)
        return min(scattered, self.cap_s)

    def reset(self) -> None:
        """Start again from ``base_s``: call it once a connection delivered a frame."""
        self._attempts = 0

    def __repr__(self) -> str:
        return f"Backoff(base_s={self.base_s}, factor={self.factor}, cap_s={self.cap_s}, jitter={self.jitter})"
