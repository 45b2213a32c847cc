"""Retry policy: exponential backoff with full jitter, capped, and Retry-After honoured."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass
class Backoff:
    """Delay before the next attempt after ``failures`` consecutive failures.

    Full jitter (AWS architecture blog, "Exponential Backoff and Jitter"): a uniform draw in
    [0, min(cap, base·2^n)] so a store's tills coming back online do not retry in lockstep.
    """

    base: float = 0.5
    cap: float = 60.0
    failures: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def next_delay(self) -> float:
        # Stop doubling once the cap is reached: 2**1024 is no float, and a till may stay
        # offline for days (every failed pass counts).
        doubled = self.base
        for _ in range(self.failures):
            if doubled >= self.cap:
                break
            doubled *= 2
        self.failures += 1
        return self.rng.uniform(0, min(self.cap, doubled))

    def reset(self) -> None:
        self.failures = 0


def retry_after_seconds(
    value: str | None, *, now: datetime | None = None, cap: float = 600.0
) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(cap, float(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(cap, max(0.0, seconds))
