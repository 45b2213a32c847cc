"""Backoff with full jitter, Retry-After, and when the background sync runs next."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from posclient.services.sync import SyncReport
from posclient.services.sync_schedule import SyncSchedule
from posclient.sync.retry import Backoff, retry_after_seconds


def test_backoff_draws_from_zero_to_a_doubling_capped_ceiling() -> None:
    for failures, ceiling in enumerate([0.5, 1, 2, 4, 8, 16, 30, 30, 30]):
        draws = []
        for seed in range(400):
            backoff = Backoff(base=0.5, cap=30.0, failures=failures, rng=random.Random(seed))
            draws.append(backoff.next_delay())
            assert backoff.failures == failures + 1
        assert all(0 <= d <= ceiling for d in draws)
        # Full jitter: the whole range is used, not just its top (tills must not retry together).
        assert min(draws) < ceiling * 0.05 and max(draws) > ceiling * 0.95
        assert len(set(draws)) == len(draws)


def test_backoff_starts_over_after_a_success() -> None:
    backoff = Backoff(base=1.0, cap=60.0, rng=random.Random(1))
    for _ in range(10):
        backoff.next_delay()
    backoff.reset()
    assert backoff.failures == 0 and backoff.next_delay() <= 1.0


def test_retry_after_as_seconds_or_a_date() -> None:
    now = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(" 120 ") == 120.0
    assert retry_after_seconds("99999") == 600.0  # capped: HQ cannot park a till for a day
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=90)), now=now) == 90.0
    assert retry_after_seconds(format_datetime(now - timedelta(seconds=90)), now=now) == 0.0
    for bad in (None, "", "soon", "-5", "1.5e3"):
        assert retry_after_seconds(bad) is None


@pytest.mark.parametrize("error", ["sync.unauthorized", "sync.not_paired"])
def test_the_schedule_stops_until_the_till_is_paired_again(error: str) -> None:
    schedule = SyncSchedule()
    assert schedule.after(SyncReport(error=error, pending=3)) is None
    assert schedule.stopped and schedule.stopped_by == error
    schedule.resume()
    assert not schedule.stopped
    assert schedule.after(SyncReport()) == schedule.idle_s


def test_the_schedule_backs_off_honours_retry_after_and_recovers() -> None:
    schedule = SyncSchedule(idle_s=30.0, backoff=Backoff(base=1.0, cap=8.0, rng=random.Random(3)))
    delays = [schedule.after(SyncReport(error="sync.offline", pending=1)) for _ in range(12)]
    ceilings = [min(8.0, 2.0**n) for n in range(12)]
    assert all(d is not None and 0 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    # HQ's Retry-After is a floor: never sooner than HQ asked.
    assert schedule.after(SyncReport(error="sync.retry_later", retry_after=45.0)) == 45.0
    # Progress with events left: at once; all done: the periodic pull; failures forgotten.
    assert schedule.after(SyncReport(pending=120)) == 0.0
    assert schedule.backoff.failures == 0
    assert schedule.after(SyncReport()) == 30.0


def test_backoff_stays_at_the_cap_however_long_the_till_is_offline() -> None:
    """QA round 4: after 1,024 failures 2**n overflowed a float and the worker died."""
    backoff = Backoff(base=1.0, cap=60.0, failures=5000, rng=random.Random(2))
    delays = [backoff.next_delay() for _ in range(50)]
    assert all(0 <= d <= 60.0 for d in delays) and max(delays) > 30
    assert backoff.failures == 5050
