"""When the till's background sync runs next (Qt-free: the app's controller asks, tests check).

- After a pass that left nothing pending and reached HQ: pull again after ``idle_s`` (periodic
  pull), or at once when a sale commits (``nudge``).
- After a pass that made progress but left events pending (a large queue): go again at once.
- After a failure: exponential backoff with full jitter, capped; HQ's Retry-After wins.
- After 401 or when the till is not paired: stop until someone re-pairs (``resume``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from posclient.sync.retry import Backoff

from .sync import SyncReport

STOPPING_ERRORS = frozenset({"sync.unauthorized", "sync.not_paired"})


@dataclass
class SyncSchedule:
    idle_s: float = 30.0
    backoff: Backoff = field(default_factory=lambda: Backoff(base=1.0, cap=60.0))
    stopped_by: str | None = None

    def after(self, report: SyncReport) -> float | None:
        """Seconds until the next pass, or None to stop (needs pairing)."""
        if report.error in STOPPING_ERRORS:
            self.stopped_by = report.error
            return None
        if report.error is not None:
            delay = self.backoff.next_delay()
            if report.retry_after is not None:
                delay = max(delay, report.retry_after)
            return delay
        self.backoff.reset()
        if report.pending > 0:
            return 0.0
        return self.idle_s

    def resume(self) -> None:
        self.stopped_by = None
        self.backoff.reset()

    @property
    def stopped(self) -> bool:
        return self.stopped_by is not None
