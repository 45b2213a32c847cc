"""Consecutive plain sales of a push batch, applied from memory and written in bulk.

Most of a till's queue is sales of known members: each loaded a member, its lots and its
12-month figures and wrote a sale, a lot, a ledger entry and the member row, one statement at a
time. A run loads all of that for the run's members with four statements up front, lets
``apply_sale`` work on the members in memory (the same code as for a lone sale), and writes
everything with one statement per table when the run ends.

A run only takes sales it can apply exactly as the one-at-a-time path would: a known, live
member, no coupon. Anything else ends the run (its writes are flushed) and goes the usual way.
Whatever the run cannot decide alone (a sale id or points lot already used) raises, and
``push`` then applies the whole batch again the careful way, one event at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from posclient.domain.events import EventType
from posclient.sync.protocol import Entity, Event

from .context import CHAIN_TZ, Hq
from .fastsql import Fast, read_dt
from .feed import Feed, dumps
from .lotcache import Held, SalesWindow
from .members import (
    INS_LEDGER,
    INS_LOT,
    MEMBER_COLUMNS,
    UPD_INDEXED,
    UPD_LOT,
    UPD_MEMBER,
    BuiltDocs,
    MemberState,
    bump,
    changed_index,
    ledger_rows,
    member_doc,
    member_params,
    state_of,
)
from .sales import INS_SALE
from .segments import MONTH, SALES_FIGURES, YEAR

#: One category's figures, as ``segments.SALES_FIGURES`` returns them: category, sales, money
#: kept, sales in the last 30 days, first sale (a datetime).
Figures = list[Any]


@dataclass
class SaleRun:
    fast: Fast
    #: When the run was loaded, and where the 12-month and 30-day windows start from then.
    at: datetime
    year_ago: datetime
    month_ago: datetime
    members: dict[str, MemberState]
    figures: dict[str, dict[str | None, Figures]]
    #: Sale ids stored before the run or taken by one of its sales.
    taken: set[str]
    #: Each member's oldest sale counted in their 30-day figures (if any).
    oldest_recent: dict[str, datetime] = field(default_factory=dict)
    sales: list[tuple[Any, ...]] = field(default_factory=list)
    #: Members saved during the run, in the order of their last save (the feed's order).
    saved: dict[str, MemberState] = field(default_factory=dict)
    #: Points lots each member gained in the run: they get a row even if used up in it.
    created: dict[str, dict[str, date]] = field(default_factory=dict)
    #: Each member written, for ``lotcache`` once committed.
    written: list[Held] = field(default_factory=list)
    #: The documents ``flush`` built (an answer's ``DocLater`` of the same version is one).
    docs: BuiltDocs = field(default_factory=dict)

    @classmethod
    def load(cls, hq: Hq, conn: Connection, events: list[Event]) -> SaleRun:
        """Load the members, lots, 12-month figures and known sale ids ``events`` name."""
        fast = Fast.of(conn)
        member_ids = sorted({str(e.payload["member_id"]) for e in events if _names_member(e)})
        sale_ids = sorted({str(e.payload.get("sale_id")) for e in events})
        now = hq.now()
        run = cls(fast, now, now - YEAR, now - MONTH, {}, {}, set())
        if member_ids:
            run._load_members(hq, member_ids)
        if sale_ids:
            marks = _marks(sale_ids)
            rows = fast.all(f"SELECT sale_id FROM sales WHERE sale_id IN ({marks})", sale_ids)
            run.taken = {row[0] for row in rows}
        return run

    def _load_members(self, hq: Hq, member_ids: list[str]) -> None:
        fast, marks = self.fast, _marks(member_ids)
        rows = [
            row
            for row in fast.dicts(
                f"SELECT {MEMBER_COLUMNS} FROM members WHERE member_id IN ({marks})"
                + (" FOR UPDATE" if fast.pg else ""),
                member_ids,
            )
            if row["status"] == "active"
        ]
        # Lots and sales figures as this process last committed them (``lotcache``), else
        # from the database.
        held = {
            row["member_id"]: hq.lot_cache.get(row["member_id"], row["version"]) for row in rows
        }
        missing = [member_id for member_id, entry in held.items() if entry is None]
        lots: dict[str, list[tuple[Any, ...]]] = {member_id: [] for member_id in missing}
        if missing:
            for member_id, *lot in fast.all(
                "SELECT member_id, lot_id, remaining, expires_on FROM lots "
                f"WHERE member_id IN ({_marks(missing)}) AND remaining > 0",
                missing,
            ):
                lots[member_id].append(tuple(lot))
        for row in rows:
            member_id = row["member_id"]
            entry = held[member_id]
            self.members[member_id] = state_of(
                row, lots.get(member_id, []), account=entry.account if entry else None
            )
            window = entry.window if entry else None
            if window and (counted := window.as_of(self.at, year=YEAR, month=MONTH)) is not None:
                self.figures[member_id] = counted
                if window.oldest_recent is not None:
                    self.oldest_recent[member_id] = window.oldest_recent
        counting = [member_id for member_id in self.members if member_id not in self.figures]
        for member_id in counting:
            self.figures[member_id] = {}
        if not counting:
            return
        month_ago = fast.dt(self.month_ago)
        for member_id, category, *figures, oldest_recent in fast.all(
            SALES_FIGURES.format(members=_marks(counting)),
            (month_ago, month_ago, *counting, fast.dt(self.year_ago)),
        ):
            count, kept, recent, first = figures
            self.figures[member_id][category] = [category, count, kept, recent, _as_dt(first)]
            if oldest_recent is not None:
                oldest = _as_dt(oldest_recent)
                known = self.oldest_recent.get(member_id)
                self.oldest_recent[member_id] = oldest if known is None else min(known, oldest)

    def takes(self, event: Event) -> bool:
        """Whether the run can apply ``event`` exactly as the one-at-a-time path would."""
        payload = event.payload
        return (
            event.type is EventType.SALE_COMPLETED
            and payload.get("coupon_code") is None
            and payload.get("provisional_card_no") is None
            and _names_member(event)
            and str(payload["member_id"]) in self.members
            and not (_spends(payload) and _sold_before(payload, self.at))
        )

    # ------------------------------------------------------------ used by apply_sale

    def add_sale(
        self,
        row: tuple[Any, ...],
        *,
        sale_id: str,
        member_id: str | None,
        category: str | None,
        amount_due_fen: int,
        occurred_at: datetime,
    ) -> bool:
        """Keep the sale's ``_INS_SALE`` row; False if its id is taken. Counts it in the
        member's 12-month figures as ``segments.refresh`` would once it is stored."""
        if sale_id in self.taken:
            return False
        self.taken.add(sale_id)
        self.sales.append(row)
        if member_id is not None and occurred_at >= self.year_ago:
            groups = self.figures[member_id]
            figures = groups.get(category)
            recent = int(occurred_at >= self.month_ago)
            if recent:
                known = self.oldest_recent.get(member_id)
                if known is None or occurred_at < known:
                    self.oldest_recent[member_id] = occurred_at
            if figures is None:
                groups[category] = [category, 1, amount_due_fen, recent, occurred_at]
            else:
                figures[1] += 1
                figures[2] += amount_due_fen
                figures[3] += recent
                figures[4] = min(figures[4], occurred_at)
        return True

    def lot_is_stored(self, st: MemberState, lot_id: str) -> bool:
        """A lot the member had when the run began or gained in it (maybe used up since):
        stored by the end of the run, so its id is taken."""
        return lot_id in self.created.get(st.member_id, {}) or st.loaded.lot(lot_id) is not None

    def save(self, st: MemberState) -> None:
        """``save_member`` deferred to the end of the run (the version is bumped now)."""
        bump(st)
        mine = self.created.setdefault(st.member_id, {})
        added = st.account.added_since(st.loaded)
        if added is None:  # lots changed, not only new ones at the end: compare them all
            lots = st.account.by_id()
            added = tuple(lots[lot_id] for lot_id in lots.keys() - st.loaded.by_id().keys())
        for lot in added:
            mine.setdefault(lot.lot_id, lot.expires_on)
        st.new_lots.clear()
        self.saved.pop(st.member_id, None)
        self.saved[st.member_id] = st

    # ------------------------------------------------------------ the end of the run

    def flush(self, hq: Hq, feed: Feed) -> None:
        """Write what the run did: sales, lots, ledger entries, members; feed the members."""
        fast = self.fast
        fast.many(INS_SALE, self.sales)
        lot_inserts: list[tuple[Any, ...]] = []
        lot_updates: list[tuple[Any, ...]] = []
        ledger: list[tuple[Any, ...]] = []
        members: list[tuple[Any, ...]] = []
        indexed: list[tuple[Any, ...]] = []
        today = hq.today()
        for st in self.saved.values():
            self._lot_rows(st, lot_inserts, lot_updates)
            ledger.extend(ledger_rows(fast, st))
            doc = self.docs[(st.member_id, int(st.row["version"]), today)] = member_doc(st, today)
            text = dumps(doc)
            members.append(member_params(fast, st, text))
            change = changed_index(st)
            if change is not None:
                indexed.append(change)
            st.loaded = st.account
            st.dirty = False
            self.written.append(
                Held(st.member_id, int(st.row["version"]), st.account, self._window(st.member_id))
            )
            if st.status == "active":
                feed.put(Entity.MEMBER, st.member_id, int(st.row["version"]), text)
        fast.many(INS_LOT, lot_inserts)
        fast.many(UPD_LOT, lot_updates)
        fast.many(INS_LEDGER, ledger)
        fast.many(UPD_MEMBER, members)
        fast.many(UPD_INDEXED, indexed)
        self.sales.clear()
        self.saved.clear()
        self.created.clear()

    def _window(self, member_id: str) -> SalesWindow:
        """The member's figures as they stand, to be used again while they hold."""
        return SalesWindow(
            at=self.at,
            groups={
                category: tuple(figures) for category, figures in self.figures[member_id].items()
            },
            oldest_recent=self.oldest_recent.get(member_id),
        )

    def _lot_rows(
        self, st: MemberState, inserts: list[tuple[Any, ...]], updates: list[tuple[Any, ...]]
    ) -> None:
        fast = self.fast
        for lot_id, expires_on in self.created.get(st.member_id, {}).items():
            after = st.account.lot(lot_id)
            inserts.append(
                (st.member_id, lot_id, after.remaining if after else 0, fast.day(expires_on))
            )
        if st.account.added_since(st.loaded) is not None:  # the lots it had are as they were
            return
        old, new = st.loaded.by_id(), st.account.by_id()
        for lot_id, before in old.items():
            after = new.get(lot_id)
            remaining = after.remaining if after else 0
            if remaining != before.remaining:
                updates.append((remaining, st.member_id, lot_id))


def _spends(payload: dict[str, Any]) -> bool:
    return bool(payload.get("points_redeemed") or payload.get("item_points"))


def _sold_before(payload: dict[str, Any], now: datetime) -> bool:
    """Whether the sale was made before today (or its date cannot be read): one that spends
    points may spend lots that have expired since, which only the careful path looks up."""
    try:
        occurred = datetime.fromisoformat(str(payload["occurred_at"]))
        return bool(occurred.astimezone(CHAIN_TZ).date() < now.astimezone(CHAIN_TZ).date())
    except (KeyError, ValueError, TypeError):
        return True


def _names_member(event: Event) -> bool:
    return isinstance(event.payload.get("member_id"), str)


def _marks(values: list[str]) -> str:
    return ", ".join("?" * len(values))


def _as_dt(value: Any) -> datetime:
    result = read_dt(value)
    assert result is not None
    return result
