"""The sale's hot path in plain SQL on the unit of work's own connection.

Completing a sale runs a dozen statements; through the ORM each costs far more than SQLite
itself, and a cashier waits on every one. These functions write exactly the rows the ORM models
describe (same tables, same encodings: integer fen, naive-UTC datetimes, JSON text), inside the
same transaction as everything else in the unit of work. Tests read them back through the ORM.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, Protocol, cast

from sqlalchemy.orm import Session

from posclient.domain.money import to_fen


def driver(session: Session) -> sqlite3.Connection:
    """The sqlite3 connection under the session's current transaction."""
    raw = session.connection().connection.driver_connection
    return cast(sqlite3.Connection, raw)


class Writer(Protocol):
    """Where the write functions below put their statements: a connection, or a Recorder."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...

    def executemany(self, sql: str, parameters: Any, /) -> Any: ...


@dataclass
class Recorder:
    """Statements written now and run later, in order, on a connection (``run``).

    The sale builds its rows outside the write lock; under the lock they are only run.
    """

    statements: list[tuple[str, Any, bool]] = field(default_factory=list)

    def execute(self, sql: str, parameters: Any = (), /) -> None:
        self.statements.append((sql, parameters, False))

    def executemany(self, sql: str, parameters: Any, /) -> None:
        self.statements.append((sql, list(parameters), True))

    def run(self, conn: sqlite3.Connection) -> None:
        for sql, parameters, many in self.statements:
            if many:
                conn.executemany(sql, parameters)
            else:
                conn.execute(sql, parameters)


@dataclass(frozen=True)
class Snapshot:
    """What a connection had seen of the database when something was read on it (``seen``)."""

    conn: sqlite3.Connection
    data_version: int
    total_changes: int


def seen(conn: sqlite3.Connection) -> Snapshot:
    """Call inside the read transaction whose reads are to be trusted later (``unchanged``)."""
    version = conn.execute("PRAGMA data_version").fetchone()[0]
    return Snapshot(conn, int(version), conn.total_changes)


def unchanged(conn: sqlite3.Connection, snapshot: Snapshot) -> bool:
    """Inside a write transaction: whether nothing was committed to the database since
    ``snapshot`` was taken, so everything read then is still what the database holds.

    SQLite's ``data_version`` moves when another connection (of any process) commits;
    ``total_changes`` when this one changes a row (even if it rolled back: a false alarm costs
    only a second reading). Another connection than the snapshot's cannot tell: False.
    """
    if conn is not snapshot.conn or conn.total_changes != snapshot.total_changes:
        return False
    return int(conn.execute("PRAGMA data_version").fetchone()[0]) == snapshot.data_version


def sqlite_datetime(moment: datetime) -> str:
    """The text SQLAlchemy's DateTime stores on SQLite, for an aware datetime (as UTC)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def parse_datetime(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def fen(amount: Decimal) -> int:
    return to_fen(amount)


# ---------------------------------------------------------------- meta


def read_meta(conn: sqlite3.Connection, keys: Sequence[str]) -> dict[str, str]:
    marks = ",".join("?" * len(keys))
    rows = conn.execute(f"SELECT key, value FROM meta WHERE key IN ({marks})", tuple(keys))
    return dict(rows.fetchall())


def write_meta(conn: Writer, values: dict[str, str]) -> None:
    conn.executemany(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        list(values.items()),
    )


# ---------------------------------------------------------------- members


#: A member's row and unconfirmed ledger entries exactly as stored (see member_rows).
StoredMember = tuple[tuple[Any, ...], tuple[tuple[Any, ...], ...]]


@dataclass(frozen=True)
class MemberState:
    member_id: str
    tier_code: str
    lots: list[dict[str, Any]]
    debt: int
    version: int
    purchase_count: int
    provisional: bool
    synced_at: datetime | None
    #: Unconfirmed local ledger entries: (kind, points, detail, refund_id), oldest first.
    entries: list[tuple[str, int, dict[str, Any], str | None]]
    #: What it was parsed from: comparing this is enough to know the state has not moved.
    stored: StoredMember = field(repr=False)


def member_rows(conn: sqlite3.Connection, member_id: str) -> StoredMember | None:
    """The member's row and unconfirmed ledger entries, unparsed (None: no such member).

    The sale's commit compares these with what it was priced against; the same text means the
    same state, without decoding the JSON again under the write lock.
    """
    row = conn.execute(
        "SELECT tier_code, lots, points_debt, version, purchase_count, provisional, synced_at "
        "FROM members WHERE member_id = ?",
        (member_id,),
    ).fetchone()
    if row is None:
        return None
    entries = conn.execute(
        "SELECT kind, points, detail, refund_id FROM points_ledger "
        "WHERE member_id = ? AND confirmed = 0 ORDER BY entry_id",
        (member_id,),
    ).fetchall()
    return tuple(row), tuple(entries)


def member_state(conn: sqlite3.Connection, member_id: str) -> MemberState | None:
    stored = member_rows(conn, member_id)
    if stored is None:
        return None
    row, entries = stored
    return MemberState(
        member_id=member_id,
        tier_code=row[0],
        lots=json.loads(row[1]) if row[1] else [],
        debt=int(row[2] or 0),
        version=int(row[3]),
        purchase_count=int(row[4]),
        provisional=bool(row[5]),
        synced_at=parse_datetime(row[6]),
        entries=[
            (kind, points, json.loads(detail), refund_id)
            for kind, points, detail, refund_id in entries
        ],
        stored=stored,
    )


def redeemed_since(conn: sqlite3.Connection, member_id: str, since: datetime) -> int:
    row = conn.execute(
        "SELECT coalesce(sum(points), 0) FROM points_ledger "
        "WHERE member_id = ? AND kind = 'redeem' AND created_at >= ?",
        (member_id, sqlite_datetime(since)),
    ).fetchone()
    return -int(row[0])


def insert_provisional_member(
    conn: Writer, *, member_id: str, card_no: str, tier_code: str, now: datetime
) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO members (member_id, card_no, home_store, tier_code, "
        "points_balance, points_debt, lots, spend_12m, purchase_count, enrolled_at, tags, "
        "field_versions, consents, consent_version, flagged_overdraft, version, provisional) "
        "VALUES (?, ?, '', ?, 0, 0, '[]', 0, 0, ?, '[]', '{}', '{}', 0, 0, 0, 1)",
        (member_id, card_no, tier_code, sqlite_datetime(now)),
    )
    if card_no:
        conn.execute(
            "INSERT OR IGNORE INTO member_identities (kind, value, member_id) "
            "VALUES ('card', ?, ?)",
            (card_no, member_id),
        )


def count_purchase(conn: Writer, member_id: str, now: datetime) -> None:
    conn.execute(
        "UPDATE members SET purchase_count = purchase_count + 1, last_purchase_at = ? "
        "WHERE member_id = ?",
        (sqlite_datetime(now), member_id),
    )


# ---------------------------------------------------------------- coupons


def coupon(conn: sqlite3.Connection, code: str) -> dict[str, Any] | None:
    cursor = conn.execute(
        "SELECT code, member_id, kind, discount_type, value, min_spend, valid_from, "
        "valid_until, status FROM coupons WHERE code = ?",
        (code,),
    )
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def receipt_of(conn: sqlite3.Connection, sale_id: str) -> str | None:
    """The receipt number of sale ``sale_id`` if it is written (None: it is not)."""
    row = conn.execute("SELECT receipt_no FROM sales WHERE sale_id = ?", (sale_id,)).fetchone()
    return None if row is None else str(row[0])


def use_coupon(conn: Writer, code: str, sale_id: str) -> None:
    conn.execute(
        "UPDATE coupons SET status = 'used', used_sale_id = ? WHERE code = ?", (sale_id, code)
    )


# ---------------------------------------------------------------- outbox


@dataclass(frozen=True)
class OutboxHead:
    """What a new event chains onto: the newest event (if any) and the stamp kept in meta."""

    seq: int  # 0: no event yet
    event_hash: str | None
    event_hlc: str | None
    meta_hlc: str | None


_HEAD_SQL = (
    "SELECT seq, event_hash, hlc, (SELECT value FROM meta WHERE key = 'hlc') "
    "FROM outbox ORDER BY seq DESC LIMIT 1"
)


def outbox_head(conn: sqlite3.Connection) -> OutboxHead:
    """The newest event and the HLC kept in meta, in one statement (the sale waits on each)."""
    row = conn.execute(_HEAD_SQL).fetchone()
    if row is None:  # the first event of this till
        return OutboxHead(0, None, None, read_meta(conn, ("hlc",)).get("hlc"))
    return OutboxHead(int(row[0]), row[1], row[2], row[3])


def insert_event(
    conn: Writer,
    *,
    seq: int,
    event_id: str,
    type: str,
    hlc: str,
    occurred_at: datetime,
    base: dict[str, int],
    payload_text: str,
    payload_sha256: str,
    prev_hash: str | None,
    event_hash: str,
    priority: int,
) -> None:
    conn.execute(
        "INSERT INTO outbox (seq, event_id, type, hlc, occurred_at, base, payload, "
        "payload_sha256, prev_hash, event_hash, status, priority, attempts) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, 0)",
        (
            seq,
            event_id,
            type,
            hlc,
            sqlite_datetime(occurred_at),
            dumps(base),
            payload_text,
            payload_sha256,
            prev_hash,
            event_hash,
            priority,
        ),
    )


# ---------------------------------------------------------------- sales and ledger

SALE_COLUMNS = (
    "sale_id",
    "receipt_no",
    "store",
    "staff_id",
    "member_id",
    "provisional_card_no",
    "tier_code",
    "subtotal",
    "member_savings",
    "tier_discount",
    "coupon_discount",
    "item_points",
    "item_points_value",
    "points_redeemed",
    "points_value",
    "amount_due",
    "points_earned",
    "points_multiplier",
    "coupon_code",
    "redemption",
    "earning",
    "created_at",
    "hlc",
    "event_seq",
    "refunded_amount",
)
LINE_COLUMNS = (
    "sale_id",
    "line_no",
    "sku",
    "name",
    "qty",
    "unit_price",
    "unit_paid",
    "gross",
    "member_saving",
    "item_points",
    "item_points_value",
    "tier_discount",
    "coupon_discount",
    "points_redeemed",
    "points_value",
    "amount_due",
    "points_earned",
    "refunded_qty",
    "refunded_amount",
    "refunded_points_spent",
    "refunded_points_earned",
)
LEDGER_COLUMNS = (
    "member_id",
    "kind",
    "points",
    "sale_id",
    "refund_id",
    "detail",
    "event_seq",
    "created_at",
    "confirmed",
)


#: Rows per multi-row INSERT: 500 × 21 columns stays far below SQLite's 32,766 parameters.
MAX_ROWS_PER_INSERT = 500


@lru_cache(maxsize=64)
def _insert(table: str, columns: tuple[str, ...], rows: int = 1) -> str:
    row = f"({', '.join('?' * len(columns))})"
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([row] * rows)}"


def insert_rows(
    conn: Writer, table: str, columns: tuple[str, ...], rows: Sequence[Sequence[Any]]
) -> None:
    """All ``rows`` in one multi-row INSERT (per 500): one statement per sale, not one per line."""
    for start in range(0, len(rows), MAX_ROWS_PER_INSERT):
        chunk = rows[start : start + MAX_ROWS_PER_INSERT]
        values = [value for row in chunk for value in row]
        conn.execute(_insert(table, columns, len(chunk)), values)


def insert_sale(conn: Writer, sale: Sequence[Any], lines: Iterable[Sequence[Any]]) -> None:
    """Rows in SALE_COLUMNS / LINE_COLUMNS order, values already encoded."""
    conn.execute(_insert("sales", SALE_COLUMNS), tuple(sale))
    insert_rows(conn, "sale_lines", LINE_COLUMNS, list(lines))


def insert_ledger(conn: Writer, entries: Iterable[Sequence[Any]]) -> None:
    insert_rows(conn, "points_ledger", LEDGER_COLUMNS, list(entries))
