"""Time as a dependency, so tests and benchmarks can set it."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

#: Business dates (points expiry, coupon validity, "today") are in the store's time zone.
DEFAULT_TZ = ZoneInfo("Asia/Shanghai")


class Clock:
    def __init__(self, tz: tzinfo = DEFAULT_TZ):
        self.tz = tz

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().astimezone(self.tz).date()

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)


class FixedClock(Clock):
    """A clock that stands still until moved (tests, demo replays)."""

    def __init__(self, at: datetime, tz: tzinfo = DEFAULT_TZ):
        super().__init__(tz)
        self.at = at

    def now(self) -> datetime:
        return self.at
