"""The phones a first load wrote, tallied, so the look-up index is built in one go.

While a first load sets the card/phone look-up index aside (feedapply.defer_identity_index),
nothing stops a phone being written for two members (HQ lets a family share a number; the
newer claim counts). Building the unique index then fails after sorting every entry (10⁶
members: ~3 s), the entries held twice are found by a second sort (~3.5 s), and the index is
sorted a third time. The sync engine writes every page of the load, so it tallies the phones'
blind indexes as it goes (8 bytes each: 10⁶ members, 8 MB) and finds the ones written twice
with one sort in memory (~0.3 s) and one pass over the entries; the older entries go before
the index is built, once.

A tally is only as good as what it saw: the engine keeps one for a load it set aside the index
for itself, and anything else held twice (a card, a phone enrolled at this till meanwhile)
still makes the build fail and take the long way, as before.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Sequence
from itertools import pairwise

from . import feedapply

#: Hex digits of a blind index tallied (64 bits: 10⁶ phones collide by chance ~10⁻⁷ times,
#: and a chance collision only costs a look-up).
_PREFIX = 16

#: More phones than this written twice (not in real data): the long way finds them.
MAX_REPEATED = 900


class PhoneTally:
    """Phone blind indexes written while the look-up index is aside (``add``), and the ones
    written more than once (``repeated``)."""

    def __init__(self) -> None:
        self._keys = array("Q")

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, prepared: feedapply.Prepared) -> None:
        """The phones of a snapshot page's member puts (a page written: call after it)."""
        for batch in prepared:
            if isinstance(batch, feedapply.PreparedMembers):
                self._keys.extend(int(p[:_PREFIX], 16) for p in batch.phones if p is not None)

    def repeated(self) -> list[str] | None:
        """Prefixes (hex) of the phones written more than once; None if there are too many."""
        ordered = sorted(self._keys)
        found: list[str] = []
        last = -1
        for before, key in pairwise(ordered):
            if key == before and key != last:
                found.append(f"{key:0{_PREFIX}x}")
                last = key
                if len(found) > MAX_REPEATED:
                    return None
        return found


def held_twice(conn: sqlite3.Connection, prefixes: Sequence[str]) -> list[tuple[str, str, int]]:
    """(kind, value, newest id) of each phone entry among ``prefixes`` held more than once, as
    feedapply.held_twice_identities finds them, in one pass without sorting every entry."""
    wanted = list(prefixes)
    if not wanted:
        return []
    marks = ",".join("?" * len(wanted))  # MAX_REPEATED: under SQLite's 999 variables
    rows = conn.execute(
        "SELECT kind, value, max(id) FROM member_identities "
        f"WHERE kind = 'phone' AND substr(value, 1, {_PREFIX}) IN ({marks}) "
        "GROUP BY kind, value HAVING count(*) > 1",
        wanted,
    ).fetchall()
    return [(str(kind), str(value), int(newest)) for kind, value, newest in rows]
