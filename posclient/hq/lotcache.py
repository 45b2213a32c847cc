"""Members' points lots as last committed by this process, by member version.

A regular's lots are most of what HQ reads to apply a sale: one lot per earning sale, kept
for two years. A sale run (``salerun``) looks a member's lots up here and reads them from
the database only when the member's row has moved to a version this process did not commit.

Safe because every write of a member's lots also writes its row with the next version, in the
same transaction (``members.save_member``, ``salerun.SaleRun.flush``), under the row's lock:
a version names one committed set of lots, whichever process wrote it. Entries are added only
after their transaction committed. Bounded by the number of lots held (least recently used
first out).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from posclient.domain.points import Account

#: About 200 bytes a lot: ≈ 60 MB at most.
DEFAULT_MAX_LOTS = 300_000


class LotCache:
    def __init__(self, max_lots: int = DEFAULT_MAX_LOTS) -> None:
        self.max_lots = max_lots
        self._entries: OrderedDict[str, tuple[int, Account]] = OrderedDict()
        self._lots = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, member_id: str, version: int) -> Account | None:
        """The member's account at ``version`` if this process committed it (else None)."""
        with self._lock:
            entry = self._entries.get(member_id)
            if entry is None or entry[0] != version:
                self.misses += 1
                return None
            self._entries.move_to_end(member_id)
            self.hits += 1
            return entry[1]

    def committed(self, entries: list[tuple[str, int, Account]]) -> None:
        """(member_id, version, account) written by a transaction that has committed."""
        with self._lock:
            for member_id, version, account in entries:
                old = self._entries.pop(member_id, None)
                if old is not None:
                    self._lots -= len(old[1].lots)
                if old is not None and old[0] > version:  # a later commit got here first
                    self._entries[member_id] = old
                    self._lots += len(old[1].lots)
                    continue
                self._entries[member_id] = (version, account)
                self._lots += len(account.lots)
            while self._lots > self.max_lots and self._entries:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._lots -= len(dropped.lots)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._lots = 0
