"""Members' points lots and sales figures as last committed by this process, by version.

A regular's lots are most of what HQ reads to apply a sale: one lot per earning sale, kept
for two years; and every sale needs the member's sales of the last 12 months, summed per
category (``segments``). A sale run (``salerun``) looks both up here and reads them from the
database only when the member's row has moved to a version this process did not commit, or
(figures) when time has moved a counted sale out of its window.

Safe because every write of a member's lots or sales also writes its row with the next
version, in the same transaction (``members.save_member``, ``salerun.SaleRun.flush``), under
the row's lock: a version names one committed set of lots and sales, whichever process wrote
it. Entries are added only after their transaction committed. Bounded by the number of lots
held (least recently used first out).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from posclient.domain.points import Account


@dataclass(frozen=True)
class SalesWindow:
    """A member's sales figures as counted at ``at`` (``segments.SALES_FIGURES`` rows by
    category: 12-month sales, money kept, sales in the last 30 days, first sale) and the
    oldest sale counted in the 30 days."""

    at: datetime
    groups: dict[str | None, tuple[Any, ...]]
    oldest_recent: datetime | None

    def as_of(
        self, now: datetime, *, year: timedelta, month: timedelta
    ) -> dict[str | None, list[Any]] | None:
        """The figures at ``now`` (fresh lists), or None if they no longer hold: a sale they
        count has left its window since, or the clock went back (a sale could come in)."""
        if now < self.at:
            return None
        firsts = [figures[4] for figures in self.groups.values()]
        if firsts and min(firsts) < now - year:
            return None
        if self.oldest_recent is not None and self.oldest_recent < now - month:
            return None
        return {category: list(figures) for category, figures in self.groups.items()}


@dataclass(frozen=True)
class Held:
    """A member as a committed transaction left it: its row's version, points account and (if
    known) sales figures."""

    member_id: str
    version: int
    account: Account
    window: SalesWindow | None = None


#: About 200 bytes a lot: ≈ 60 MB at most.
DEFAULT_MAX_LOTS = 300_000


class LotCache:
    def __init__(self, max_lots: int = DEFAULT_MAX_LOTS) -> None:
        self.max_lots = max_lots
        self._entries: OrderedDict[str, Held] = OrderedDict()
        self._lots = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, member_id: str, version: int) -> Held | None:
        """The member at ``version`` if this process committed it (else None)."""
        with self._lock:
            entry = self._entries.get(member_id)
            if entry is None or entry.version != version:
                self.misses += 1
                return None
            self._entries.move_to_end(member_id)
            self.hits += 1
            return entry

    def committed(self, entries: list[Held]) -> None:
        """Members written by a transaction that has committed."""
        with self._lock:
            for entry in entries:
                old = self._entries.pop(entry.member_id, None)
                if old is not None:
                    self._lots -= len(old.account.lots)
                if old is not None and old.version > entry.version:  # a later commit came first
                    self._entries[entry.member_id] = old
                    self._lots += len(old.account.lots)
                    continue
                self._entries[entry.member_id] = entry
                self._lots += len(entry.account.lots)
            while self._lots > self.max_lots and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self._lots -= len(dropped.account.lots)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._lots = 0
