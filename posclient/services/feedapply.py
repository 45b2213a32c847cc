"""Applying HQ's change feed to the till's cache (members, tiers, products, coupons, rules, keys).

Called inside the pull's unit of work, one page at a time. Personal fields are encrypted as they
are written; a change never moves an entity back to an older version (a snapshot and the feed
after it may overlap). Statements go straight to SQLite: a new till loads a million members.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import groupby
from typing import Any, cast

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session

from posclient.security.fieldcrypt import FieldCipher
from posclient.store import fastpath
from posclient.sync.insights import ChainStatsData, OfferRulesData  # issue 8
from posclient.sync.pages import (
    MemberPut,
    MemberRecord,
    TypedPull,
    member_record,
    member_records,
)
from posclient.sync.protocol import (
    Change,
    ConsentPurpose,
    CouponData,
    Entity,
    KeyData,
    Op,
    PointsRules,
    ProductData,
    PullResponse,
    TierData,
)

log = logging.getLogger("posclient.sync")

_MEMBER_COLUMNS = (
    "member_id",
    "card_no",
    "home_store",
    "tier_code",
    "points_balance",
    "points_debt",
    "lots",
    "spend_12m",
    "purchase_count",
    "last_purchase_at",
    "enrolled_at",
    "tags",
    "segment",
    "assigned_staff",
    "name_enc",
    "phone_enc",
    "gender_enc",
    "birthday_enc",
    "categories_enc",
    "field_versions",
    "consents",
    "consent_version",
    "flagged_overdraft",
    "version",
    "provisional",
    "synced_at",
)
_MEMBER_INSERT = f"INSERT INTO members ({', '.join(_MEMBER_COLUMNS)})"
_MEMBER_CONFLICT = "ON CONFLICT(member_id) DO UPDATE SET " + ", ".join(
    f"{c} = excluded.{c}" for c in _MEMBER_COLUMNS[1:]
)
_IDENTITY_INSERT = "INSERT INTO member_identities (kind, value, member_id)"
_IDENTITY_CONFLICT = "ON CONFLICT(kind, value) DO UPDATE SET member_id = excluded.member_id"


@dataclass(frozen=True)
class PreparedMembers:
    """A run of member puts as ready-to-write rows (personal fields already encrypted).

    Built without the database (``prepare_changes``), so the sync engine can build page N+1's
    rows while page N is being written; which rows are actually written (a newer local version
    wins) is decided inside the transaction, by ``apply_prepared``.
    """

    ids: list[str]
    versions: list[int]
    cards: list[str]
    #: Blind index of each member's phone (None: no phone).
    phones: list[str | None]
    rows: list[tuple[Any, ...]]
    #: From a snapshot page: HQ's state as it is, written whatever version the till holds (a
    #: newer one here means HQ lost it, e.g. restored from a backup: HQ's word stands).
    snapshot: bool = False


@dataclass(frozen=True)
class PreparedCoupons:
    """A run of coupon puts as rows (``_COUPON_COLUMNS``)."""

    rows: list[tuple[Any, ...]]


#: A page ready to apply: runs of member and coupon puts, every other change as it came.
Prepared = list[PreparedMembers | PreparedCoupons | Change]


def apply_changes(session: Session, cipher: FieldCipher, changes: Sequence[Change]) -> None:
    apply_prepared(session, prepare_changes(cipher, changes, datetime.now(UTC)))


def prepare_page(cipher: FieldCipher, page: PullResponse, now: datetime) -> Prepared:
    """A pull page's changes, then its listed members (``members``), as ``prepare_changes``.

    A snapshot sends its member merges last (HQ's "merged" phase): in a page that lists its
    members they come after those members, so that a merge finds the member it ends in.
    """
    if not page.members:
        return prepare_changes(cipher, page.changes, now)
    merges = [c for c in page.changes if _member_op(c)]
    first = [c for c in page.changes if not _member_op(c)]
    prepared = prepare_changes(cipher, first, now)
    # Validated as member records when the page was read, unless the plain reading was needed
    # (something in it malformed): then checked here, a bad member skipped.
    records = page.members if isinstance(page, TypedPull) else validate_members(page.members)
    prepared.append(replace(prepare_members(cipher, records, now), snapshot=page.snapshot))
    prepared.extend(prepare_changes(cipher, merges, now))
    return prepared


def _member_op(change: Change) -> bool:
    """A member merge or delete (not a put)."""
    return change.entity is Entity.MEMBER and change.op is not Op.PUT


def prepare_changes(cipher: FieldCipher, changes: Sequence[Change], now: datetime) -> Prepared:
    """The page's member and coupon puts turned into rows, in feed order. No database."""
    prepared: Prepared = []
    for kind, run in groupby(changes, key=_bulk_kind):
        if kind == "member":
            prepared.append(prepare_members(cipher, _records(list(run)), now))
        elif kind == "coupon":
            coupons = _COUPON_LIST.validate_python([change.data for change in run])
            prepared.append(PreparedCoupons([_coupon_row(coupon) for coupon in coupons]))
        else:
            prepared.extend(run)
    return prepared


def _bulk_kind(change: Change) -> str:
    """Runs of member puts and of coupon puts are written in bulk; anything else one by one."""
    if change.op is Op.PUT and change.data is not None:
        if change.entity is Entity.MEMBER:
            return "member"
        if change.entity is Entity.COUPON:
            return "coupon"
    return ""


def _records(changes: Sequence[Change]) -> list[MemberRecord]:
    """The puts' data as member records: validated here unless the client already did."""
    if all(isinstance(change, MemberPut) for change in changes):
        return [cast(MemberRecord, change.data) for change in changes]
    return validate_members([change.data for change in changes])


def validate_members(items: Sequence[Any]) -> list[MemberRecord]:
    """Member data (as HQ sends it) as records; a malformed one is logged and skipped."""
    items = list(items)
    try:  # a whole run at once (fast); one by one only when something in it is malformed
        return member_records(items)
    except ValidationError:
        pass
    records = []
    for item in items:
        try:
            records.append(member_record(item))
        except ValidationError as exc:
            # A bad record must not stop the feed; logged (no personal data) and skipped.
            log.warning("skipped malformed member in feed", extra={"errors": exc.error_count()})
    return records


def apply_prepared(session: Session, prepared: Prepared) -> None:
    """Write a prepared page in the session's transaction (the caller commits)."""
    conn = fastpath.driver(session)
    for item in prepared:
        if isinstance(item, PreparedMembers):
            write_members(conn, item)
        elif isinstance(item, PreparedCoupons):
            write_coupons(conn, item)
        else:
            _apply_one(conn, item)


def _apply_one(conn: sqlite3.Connection, change: Change) -> None:
    data = change.data or {}
    if change.entity is Entity.MEMBER:
        restore_identity_index(conn)  # a merge or an erasure goes by the (kind, value) index
        if change.op is Op.DELETE:
            delete_member(conn, change.id)
        elif change.op is Op.MERGE:
            card_no = data.get("card_no")
            merge_members(
                conn,
                str(data["from"]),
                str(data["into"]),
                card_no=card_no if isinstance(card_no, str) and 0 < len(card_no) <= 32 else None,
            )
    elif change.entity is Entity.TIER and change.op is Op.PUT:
        put_tier(conn, TierData.model_validate(data))
    elif change.entity is Entity.PRODUCT:
        if change.op is Op.PUT:
            put_product(conn, ProductData.model_validate(data))
        elif change.op is Op.DELETE:
            conn.execute("UPDATE products SET active = 0 WHERE sku = ?", (change.id,))
    elif change.entity is Entity.COUPON:
        if change.op is Op.PUT:
            put_coupon(conn, CouponData.model_validate(data))
        elif change.op is Op.DELETE:
            conn.execute("DELETE FROM coupons WHERE code = ? AND status != 'used'", (change.id,))
    # --- issue 8: offer rules and chain statistics (sync/insights.py), kept in meta
    elif change.entity is Entity.RULE and change.op is Op.PUT and change.id == "offers":
        offers = OfferRulesData.model_validate(data)
        fastpath.write_meta(conn, {"rule:offers": offers.model_dump_json()})
    elif change.entity is Entity.STATS and change.op is Op.PUT:
        stats = ChainStatsData.model_validate(data)
        fastpath.write_meta(conn, {f"stats:{change.id}": stats.model_dump_json()})
    # --- end issue 8
    elif change.entity is Entity.RULE and change.op is Op.PUT:
        rules = PointsRules.model_validate(data)
        fastpath.write_meta(conn, {f"rule:{change.id}": rules.model_dump_json()})
    elif change.entity is Entity.KEY and change.op is Op.PUT:
        key = KeyData.model_validate(data)
        fastpath.write_meta(
            conn,
            {
                f"code_key:{key.key_id}": key.public_key,
                "code_public_key": key.public_key,
                "code_key_chain": key.chain,
            },
        )


# ---------------------------------------------------------------- members


def put_members(
    conn: sqlite3.Connection,
    cipher: FieldCipher,
    items: Iterable[dict[str, Any]],
    now: datetime,
) -> None:
    """Members as HQ sends them (validated here; a malformed one is skipped)."""
    write_members(conn, prepare_members(cipher, validate_members(list(items)), now))


def prepare_members(
    cipher: FieldCipher, members: Sequence[MemberRecord], now: datetime
) -> PreparedMembers:
    """Rows for validated member records, personal fields sealed. No database: any thread."""
    ids = [str(m["member_id"]) for m in members]
    profiles = [m["profile"] for m in members]
    seal = cipher.encrypt_many
    names = seal([(i, p["name"]) for i, p in zip(ids, profiles, strict=True)], **_NAME)
    phones = seal([(i, p["phone"]) for i, p in zip(ids, profiles, strict=True)], **_PHONE)
    genders = seal(
        [(i, p["gender"] and p["gender"].value) for i, p in zip(ids, profiles, strict=True)],
        **_GENDER,
    )
    birthdays = seal(
        [
            (i, p["birthday"] and p["birthday"].isoformat())
            for i, p in zip(ids, profiles, strict=True)
        ],
        **_BIRTHDAY,
    )
    categories = seal(
        [
            (i, _memo_json(p["categories"], ensure_ascii=False) if p["categories"] else None)
            for i, p in zip(ids, profiles, strict=True)
        ],
        **_CATEGORIES,
    )
    synced = fastpath.sqlite_datetime(now)
    rows = [
        (
            member_id,
            m["card_no"],
            m["home_store"],
            m["tier_code"],
            m["points_balance"],
            m["points_debt"],
            _lots_json(m["lots"]),
            m["spend_12m_fen"],
            m["purchase_count"],
            _db_time(m["last_purchase_at"]) if m["last_purchase_at"] else None,
            _db_time(m["enrolled_at"]),
            _strings_json(m["tags"]),
            m["segment"],
            m["assigned_staff"],
            name,
            phone,
            gender,
            birthday,
            category,
            _memo_json(m["field_versions"]),
            _consents_json(m["consents"]),
            m["consent_version"],
            int(m["flagged_overdraft"]),
            m["version"],
            0,
            synced,
        )
        for m, member_id, name, phone, gender, birthday, category in zip(
            members, ids, names, phones, genders, birthdays, categories, strict=True
        )
    ]
    return PreparedMembers(
        ids=ids,
        versions=[m["version"] for m in members],
        cards=[m["card_no"] for m in members],
        phones=cipher.blind_index_many("phone", [p["phone"] for p in profiles]),
        rows=rows,
    )


_NAME = {"table": "members", "column": "name"}
_PHONE = {"table": "members", "column": "phone"}
_GENDER = {"table": "members", "column": "gender"}
_BIRTHDAY = {"table": "members", "column": "birthday"}
_CATEGORIES = {"table": "members", "column": "categories"}


def _db_time(moment: datetime) -> str:
    """fastpath.sqlite_datetime (UTC, naive, microseconds) at a third of the cost: HQ sends UTC
    (the text ends in +00:00), so the usual case needs no conversion."""
    if moment.utcoffset():
        return fastpath.sqlite_datetime(moment)
    text = moment.isoformat(" ")[:-6]  # "YYYY-MM-DD HH:MM:SS[.ffffff]" without "+00:00"
    return text if moment.microsecond else text + ".000000"


def write_members(conn: sqlite3.Connection, batch: PreparedMembers) -> None:
    """Upsert the prepared members and their identities (card, phone index), skipping any the
    till already holds at a newer version (a snapshot and the feed after it may overlap)."""
    if not batch.ids:
        return
    local: dict[str, tuple[int, int]] = {}
    for chunk in _chunks(conn, batch.ids):
        marks = ",".join("?" * len(chunk))
        for member_id, version, provisional in conn.execute(
            f"SELECT member_id, version, provisional FROM members WHERE member_id IN ({marks})",
            chunk,
        ):
            local[member_id] = (version, provisional)
    keep = [
        n
        for n, (member_id, version) in enumerate(zip(batch.ids, batch.versions, strict=True))
        if batch.snapshot
        or (current := local.get(member_id)) is None
        or current[1]
        or current[0] <= version
    ]
    if not keep:
        return
    # A member put twice in one page (two commits at HQ) is written once, at its last state:
    # the row would end the same, but the first put's phone would stay indexed to them.
    keep = sorted({batch.ids[n]: n for n in keep}.values())
    if len(keep) < len(batch.ids):  # newer here already, or put twice in the page
        batch = PreparedMembers(
            ids=[batch.ids[n] for n in keep],
            versions=[batch.versions[n] for n in keep],
            cards=[batch.cards[n] for n in keep],
            phones=[batch.phones[n] for n in keep],
            rows=[batch.rows[n] for n in keep],
            snapshot=batch.snapshot,
        )
    _insert_rows(conn, _MEMBER_INSERT, _MEMBER_CONFLICT, len(_MEMBER_COLUMNS), batch.rows)
    # After the upsert: the merge points the provisional member's sales and card at the real
    # member, which must exist by then (foreign keys).
    _adopt_provisional(conn, list(zip(batch.cards, batch.ids, strict=True)))
    # Their phone may have changed: drop the old index entry. Only members already here can
    # have one (identities reference members), so a first load deletes nothing. "+kind": look
    # them up by member_id (indexed), not by scanning every phone entry.
    held = [member_id for member_id in batch.ids if member_id in local]
    for chunk in _chunks(conn, held):
        marks = ",".join("?" * len(chunk))
        conn.execute(
            f"DELETE FROM member_identities WHERE member_id IN ({marks}) AND +kind = 'phone'",
            chunk,
        )
    identities: list[tuple[str, str, str]] = []
    for member_id, card, phone in zip(batch.ids, batch.cards, batch.phones, strict=True):
        identities.append(("card", card, member_id))
        if phone is not None:
            identities.append(("phone", phone, member_id))
    if identity_index_deferred(conn):
        # No (kind, value) index to upsert into: plain inserts, in the members' order (the
        # member_id index and the foreign key look-ups walk forward). Claimed twice in the
        # page: the later claim only; claimed before: both held, the newer one counts.
        latest = {(kind, value): (kind, value, member_id) for kind, value, member_id in identities}
        _insert_rows(conn, _IDENTITY_INSERT, "", 3, list(latest.values()))
        return
    # In key order (phone index values are random): each index page is visited once per
    # statement instead of thousands of times at random. The sort is stable, so when two
    # members of the page claim the same card or phone the later one still wins.
    identities.sort(key=_identity_key)
    _insert_rows(conn, _IDENTITY_INSERT, _IDENTITY_CONFLICT, 3, identities)


# ---------------------------------------------------------------- the identity index, set aside

#: member_identities' unique (kind, value) index (store.models.MemberIdentity).
IDENTITY_INDEX = "ux_member_identities_kind_value"


#: Page cache while the index is built (KiB).
_BUILD_CACHE_KIB = 256 * 1024


def identity_index_deferred(conn: sqlite3.Connection) -> bool:
    """The (kind, value) index is set aside (a first load is under way): look-ups scan."""
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (IDENTITY_INDEX,)
    ).fetchone()
    return found is None


def defer_identity_index(conn: sqlite3.Connection) -> None:
    """Set the (kind, value) index aside for a new till's first load of a large snapshot.

    Card numbers and phone blind indexes arrive in random order, so each page's commit rewrote
    nearly every page of that index (10⁶ members: ~4,000 index pages per 5,000 members, most
    of the load's SQLite time). Without it a page appends its identities; the index is built
    once, sorted, by ``restore_identity_index`` (10⁶ members: ~3 s). Meanwhile a look-up by
    card or phone scans the identities (10⁶ members: ~0.1–0.2 s).
    """
    conn.execute(f"DROP INDEX IF EXISTS {IDENTITY_INDEX}")


def restore_identity_index(conn: sqlite3.Connection) -> None:
    """Build the (kind, value) index if it was set aside, all in the caller's transaction.

    A (kind, value) held twice meanwhile (claimed again by a later page, or by this till)
    keeps its newest entry, as the upsert would have left it. The sync engine builds it in
    steps first (``SyncEngine._build_identity_index``), so that a sale waits for the write lock
    one step at most; this is for a transaction that needs the index at once.
    """
    if create_identity_index(conn):
        return
    drop_superseded_identities(conn, held_twice_identities(conn))
    if not create_identity_index(conn):
        raise RuntimeError("member look-up index not built: an entry is still held twice")


def create_identity_index(conn: sqlite3.Connection) -> bool:
    """Build the set-aside index; False (nothing changed) if some (kind, value) is held twice.
    True when it is built or was not aside. 10⁶ members: ~2.5 s."""
    if not identity_index_deferred(conn):
        return True
    started = time.perf_counter()
    with _building(conn):
        try:
            conn.execute(f"CREATE UNIQUE INDEX {IDENTITY_INDEX} ON member_identities (kind, value)")
        except sqlite3.IntegrityError:  # the statement is undone; the transaction goes on
            return False
    log.info(
        "member look-up index built", extra={"seconds": round(time.perf_counter() - started, 2)}
    )
    return True


def held_twice_identities(conn: sqlite3.Connection) -> list[tuple[str, str, int]]:
    """(kind, value, newest id) of each card or phone held more than once while the index was
    aside. Reads only (the sync engine runs it outside the write lock). 10⁶ members: ~3.5 s."""
    with _building(conn):
        rows = conn.execute(
            "SELECT kind, value, max(id) FROM member_identities "
            "GROUP BY kind, value HAVING count(*) > 1"
        ).fetchall()
    return [(str(kind), str(value), int(newest)) for kind, value, newest in rows]


def drop_superseded_identities(
    conn: sqlite3.Connection, held_twice: Sequence[tuple[str, str, int]]
) -> int:
    """Delete the entries older than each ``held_twice`` (kind, value, newest id); returns how
    many. Few are held twice (10⁶ members of the demo chain share one phone): one pass over the
    entries, each looked up among those few (10⁶ members: ~0.2 s)."""
    if not held_twice:
        return 0
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS identities_held_twice "
        "(kind TEXT, value TEXT, newest INTEGER, PRIMARY KEY (kind, value))"
    )
    try:
        conn.execute("DELETE FROM temp.identities_held_twice")
        conn.executemany("INSERT INTO temp.identities_held_twice VALUES (?, ?, ?)", held_twice)
        superseded = int(
            conn.execute(
                "DELETE FROM member_identities WHERE id IN (SELECT i.id FROM member_identities i "
                "JOIN temp.identities_held_twice twice ON twice.kind = i.kind "
                "AND twice.value = i.value WHERE i.id < twice.newest)"
            ).rowcount
        )
    finally:
        conn.execute("DROP TABLE temp.identities_held_twice")
    log.info("superseded member look-up entries dropped", extra={"n": superseded})
    return superseded


def wants_identity_index(page: PullResponse, prepared: Prepared) -> bool:
    """Writing this page needs the (kind, value) index: a feed page (the snapshot is over), or a
    member merge or erasure (``_apply_one``)."""
    return not page.snapshot or any(
        isinstance(item, Change) and item.entity is Entity.MEMBER for item in prepared
    )


@contextlib.contextmanager
def _building(conn: sqlite3.Connection) -> Iterator[None]:
    """Settings while an index is sorted and built: SQLite's sorter spills to temporary files
    beyond the page cache, so sort 10⁶ members' entries in memory (the connection may have
    SQLite's default 2 MB back by now), with helper threads (10⁶ members: 4.5 s alone, 2.5 s
    with two)."""
    cache = int(conn.execute("PRAGMA cache_size").fetchone()[0])
    threads = int(conn.execute("PRAGMA threads").fetchone()[0])
    conn.execute(f"PRAGMA cache_size={min(cache, -_BUILD_CACHE_KIB)}")
    conn.execute(f"PRAGMA threads={max(threads, _SORT_THREADS)}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size={cache}")
        conn.execute(f"PRAGMA threads={threads}")


#: Helper threads for SQLite's sorter while the index is built.
_SORT_THREADS = min(4, os.cpu_count() or 1)


def _identity_key(row: tuple[str, str, str]) -> tuple[str, str]:
    return row[0], row[1]


def _insert_rows(
    conn: sqlite3.Connection, head: str, tail: str, width: int, rows: Sequence[Sequence[Any]]
) -> None:
    """``head VALUES (?,…),(?,…)… tail`` for as many rows per statement as SQLite allows.

    Same effect as executemany (rows in order; a later row with the same key updates the
    earlier one), but SQLite inserts a whole chunk in one step: executemany takes the GIL back
    after every row, and each time it may wait for the read-ahead thread (busy with the next
    page) to let go of it. A few statements per page instead of thousands of hand-overs.
    """
    one = "(" + ",".join("?" * width) + ")"
    start = 0
    for size in _sizes(len(rows), max(1, _variables(conn) // width)):
        chunk = rows[start : start + size]
        start += size
        conn.execute(
            f"{head} VALUES {','.join([one] * size)} {tail}",
            [value for row in chunk for value in row],
        )


def _chunks(conn: sqlite3.Connection, values: list[str]) -> Iterator[list[str]]:
    """``values`` in as few chunks as SQLite binds in one statement (sized as ``_sizes``)."""
    start = 0
    for size in _sizes(len(values), _variables(conn)):
        yield values[start : start + size]
        start += size


def _sizes(count: int, limit: int) -> Iterator[int]:
    """Statement sizes (rows) for ``count`` rows, at most ``limit`` each: powers of two.

    SQLite takes ~30 us per row of a multi-row INSERT to compile it (40 ms for 1,260 members),
    and sqlite3 keeps compiled statements by their text. Sized freely, the last statement of
    each page was a new text, compiled for every page (~8 us per member of a first load); with
    at most ~11 sizes per statement (1024, 512, …, 1) each is compiled once per connection.
    """
    size = 1 << (min(limit, _MOST_ROWS).bit_length() - 1)
    while count:
        while size > count:
            size >>= 1
        yield size
        count -= size


#: Rows per multi-row statement at most (a power of two): bigger ones cost more to compile once
#: and save nothing when they run.
_MOST_ROWS = 1024


def _variables(conn: sqlite3.Connection) -> int:
    """How many ``?`` one statement may have (32766 on SQLite ≥ 3.32, 999 before)."""
    return max(1, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))


# JSON text for the cache's JSON columns, exactly as json.dumps writes it, without its per-call
# set-up: a first load writes a million of each. Small repeating values are memoised.
_encode = json.encoder.encode_basestring
_encode_ascii = json.encoder.encode_basestring_ascii
_MEMO: dict[tuple[Any, ...], str] = {}


def _memo_json(value: dict[str, int] | list[str], *, ensure_ascii: bool = True) -> str:
    items = tuple(value.items()) if isinstance(value, dict) else tuple(value)
    key = (type(value), ensure_ascii, items)
    text = _MEMO.get(key)
    if text is None:
        text = json.dumps(value, ensure_ascii=ensure_ascii)
        if len(_MEMO) < 4096:
            _MEMO[key] = text
    return text


def _consents_json(consents: dict[ConsentPurpose, bool]) -> str:
    key = (ConsentPurpose, True, tuple(consents.items()))
    text = _MEMO.get(key)
    if text is None:
        text = json.dumps({purpose.value: granted for purpose, granted in consents.items()})
        if len(_MEMO) < 4096:
            _MEMO[key] = text
    return text


def _strings_json(values: list[str]) -> str:
    """json.dumps(values, ensure_ascii=False)."""
    return "[" + ", ".join(map(_encode, values)) + "]"


def _lots_json(lots: list[dict[str, Any]]) -> str:
    """json.dumps of the lots as {lot_id, remaining, expires_on} objects."""
    return (
        "["
        + ", ".join(
            f'{{"lot_id": {_encode_ascii(lot["lot_id"])}, "remaining": {int(lot["remaining"])}, '
            f'"expires_on": "{lot["expires_on"].isoformat()}"}}'
            for lot in lots
        )
        + "]"
    )


#: The cards of the provisional members (few: cards scanned before HQ's record arrived), from
#: their partial index and the identities' member_id index: no scan of either table, whether or
#: not the (kind, value) index is set aside.
_PROVISIONAL_CARDS = (  # CROSS JOIN: members first (SQLite keeps that order); "+": not by kind
    "SELECT i.value, m.member_id FROM members m CROSS JOIN member_identities i "
    "ON i.member_id = m.member_id WHERE m.provisional = 1 AND +i.kind = 'card' ORDER BY i.rowid"
)


def _adopt_provisional(conn: sqlite3.Connection, cards: list[tuple[str, str]]) -> None:
    """A provisional member (card scanned before HQ's record arrived) becomes the real one."""
    provisional: dict[str, str] = dict(conn.execute(_PROVISIONAL_CARDS).fetchall())
    if not provisional:
        return
    for card_no, member_id in cards:
        source = provisional.get(card_no)
        if source is not None and source != member_id:
            merge_members(conn, source, member_id)
            del provisional[card_no]


def delete_member(conn: sqlite3.Connection, member_id: str) -> None:
    """An erasure tombstone: personal data and lookups go; the sales and ledger stay."""
    conn.execute("DELETE FROM member_identities WHERE member_id = ?", (member_id,))
    conn.execute("DELETE FROM members WHERE member_id = ?", (member_id,))


def start_unseen(conn: sqlite3.Connection) -> None:
    """A new snapshot begins: every member HQ sent before must turn up in it (store.models
    SnapshotUnseen). Members made here and not confirmed by HQ yet are not listed."""
    conn.execute(
        "INSERT OR IGNORE INTO snapshot_unseen (member_id) SELECT member_id FROM members "
        "WHERE provisional = 0 AND synced_at IS NOT NULL"
    )


def seen(conn: sqlite3.Connection, prepared: Prepared) -> None:
    """The members of a snapshot page are in HQ's snapshot."""
    if conn.execute("SELECT 1 FROM snapshot_unseen LIMIT 1").fetchone() is None:
        return  # a new till's first load: nothing was cached before it
    _unmark(conn, [i for item in prepared if isinstance(item, PreparedMembers) for i in item.ids])


#: The open unknown_member entries, but for sales refunded here: HQ leaves a sale refunded
#: before it knew the member unbooked, for the manager (docs/hq.md), and the till cannot tell
#: whether the refund reached HQ before the enrolment did.
_UNKNOWN_MEMBER_WAITING = (
    "SELECT c.id, c.member_id, json_extract(c.detail, '$.card_no') FROM conflicts c "
    "WHERE c.kind = 'unknown_member' AND c.resolved_at IS NULL AND NOT EXISTS ("
    "SELECT 1 FROM sales s JOIN refunds r ON r.sale_id = s.sale_id "
    "WHERE s.receipt_no = json_extract(c.detail, '$.receipt_no'))"
)


def settle_unknown_members(conn: sqlite3.Connection, prepared: Prepared, at: datetime) -> int:
    """HQ now sends these members: the inbox entries saying it did not know one of them when
    it got a sale of theirs (by id, or by the card a provisional sale named) are settled. HQ
    booked that sale's held points when the member's enrolment reached it, and it cannot send
    a member it does not hold. Returns how many."""
    waiting = conn.execute(_UNKNOWN_MEMBER_WAITING).fetchall()
    if not waiting:  # nearly always: no page pays more than this
        return 0
    batches = [item for item in prepared if isinstance(item, PreparedMembers)]
    ids = {member_id for batch in batches for member_id in batch.ids}
    cards = {
        card: member_id
        for batch in batches
        for card, member_id in zip(batch.cards, batch.ids, strict=True)
    }
    settled = [
        (member_id if member_id in ids else cards[card], entry)
        for entry, member_id, card in waiting
        if member_id in ids or (member_id is None and card in cards)
    ]
    conn.executemany(
        "UPDATE conflicts SET member_id = ?, resolved_at = ?, resolution = 'booked' WHERE id = ?",
        [(member_id, fastpath.sqlite_datetime(at), entry) for member_id, entry in settled],
    )
    return len(settled)


def _unmark(conn: sqlite3.Connection, ids: list[str]) -> None:
    """These members need not turn up in the snapshot any more."""
    for chunk in _chunks(conn, ids):
        marks = ",".join("?" * len(chunk))
        conn.execute(f"DELETE FROM snapshot_unseen WHERE member_id IN ({marks})", chunk)


def drop_unseen(conn: sqlite3.Connection, keep: Sequence[str] = ()) -> int:
    """The snapshot is complete: members it did not hold are gone at HQ (erased, merged away)
    and go here too, as an erasure tombstone would take them, except ``keep`` (members whose
    enrolment HQ has yet to take). Returns how many."""
    kept = list(keep)
    _forget_lost(conn, kept)
    _unmark(conn, kept)
    unseen = "SELECT member_id FROM snapshot_unseen"
    conn.execute(f"DELETE FROM member_identities WHERE member_id IN ({unseen})")
    count = conn.execute(f"DELETE FROM members WHERE member_id IN ({unseen})").rowcount
    conn.execute("DELETE FROM snapshot_unseen")
    return count


def _forget_lost(conn: sqlite3.Connection, keep: list[str]) -> None:
    """Of the members kept, those HQ had confirmed and its new snapshot lacks: HQ lost their
    enrolment (restored from a backup) and holds nothing of theirs. What the till kept from
    HQ for them (points lots, debt, version) goes: their points are this till's own ledger
    entries, all unconfirmed again (``sync.requeue_lost``), until HQ takes the enrolment once
    more and sends the member. Kept, the old lots counted those entries' points as confirmed,
    and a redemption among them twice."""
    for chunk in _chunks(conn, keep):
        marks = ",".join("?" * len(chunk))
        conn.execute(
            "UPDATE members SET lots = '[]', points_balance = 0, points_debt = 0, "
            "flagged_overdraft = 0, version = 0, synced_at = NULL "
            f"WHERE member_id IN ({marks}) "
            "AND member_id IN (SELECT member_id FROM snapshot_unseen)",
            chunk,
        )


def merge_members(
    conn: sqlite3.Connection, source: str, into: str, *, card_no: str | None = None
) -> None:
    """Repoint everything that referred to ``source`` to ``into`` (HQ merged them).

    A survivor this till does not hold (erased at HQ since, its puts gone from the feed) takes
    the history but not the codes: they would point at nobody. ``card_no``, the merged member's
    card as HQ names it, finds the survivor from now on even on a till that never held the
    merged member (it pulled a snapshot after the merge).
    """
    for table in ("sales", "points_ledger", "coupons", "consents", "audit_log", "conflicts"):
        conn.execute(f"UPDATE {table} SET member_id = ? WHERE member_id = ?", (into, source))
    if conn.execute("SELECT 1 FROM members WHERE member_id = ?", (into,)).fetchone():
        conn.execute(
            "UPDATE OR REPLACE member_identities SET member_id = ? WHERE member_id = ?",
            (into, source),
        )
        if card_no is not None:
            _former_card(conn, card_no, into)
    else:
        conn.execute("DELETE FROM member_identities WHERE member_id = ?", (source,))
    conn.execute("DELETE FROM members WHERE member_id = ?", (source,))


def _former_card(conn: sqlite3.Connection, card_no: str, into: str) -> None:
    """The card of a member merged into ``into`` finds ``into``. A provisional member made here
    for that card (scanned before HQ's word arrived) is merged into ``into`` too, sales and
    points with it; a card HQ gave a live member stays theirs."""
    holder = conn.execute(
        "SELECT m.member_id, m.provisional FROM member_identities i "
        "JOIN members m ON m.member_id = i.member_id WHERE i.kind = 'card' AND i.value = ?",
        (card_no,),
    ).fetchone()
    if holder is None:
        conn.execute(
            "INSERT OR IGNORE INTO member_identities (kind, value, member_id) "
            "VALUES ('card', ?, ?)",
            (card_no, into),
        )
    elif holder[0] != into and holder[1]:
        merge_members(conn, holder[0], into)


# ---------------------------------------------------------------- catalogue


def put_tier(conn: sqlite3.Connection, tier: TierData) -> None:
    conn.execute(
        "INSERT INTO tiers (code, name_zh, name_en, rank, threshold, discount_rate, "
        "points_multiplier, benefits_zh, benefits_en, version) VALUES (?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT(code) DO UPDATE SET name_zh=excluded.name_zh, name_en=excluded.name_en, "
        "rank=excluded.rank, threshold=excluded.threshold, "
        "discount_rate=excluded.discount_rate, points_multiplier=excluded.points_multiplier, "
        "benefits_zh=excluded.benefits_zh, benefits_en=excluded.benefits_en, "
        "version=excluded.version",
        (
            tier.code,
            tier.name_zh,
            tier.name_en,
            tier.rank,
            tier.threshold_fen,
            tier.discount_rate,
            tier.points_multiplier,
            json.dumps(tier.benefits_zh, ensure_ascii=False),
            json.dumps(tier.benefits_en, ensure_ascii=False),
            tier.version,
        ),
    )


def put_product(conn: sqlite3.Connection, product: ProductData) -> None:
    if product.barcode:
        conn.execute(
            "UPDATE products SET barcode = NULL WHERE barcode = ? AND sku != ?",
            (product.barcode, product.sku),
        )
    conn.execute(
        "INSERT INTO products (sku, barcode, name, name_en, price, member_price, discountable, "
        "points_price, points_cash, category, active, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT(sku) DO UPDATE SET barcode=excluded.barcode, name=excluded.name, "
        "name_en=excluded.name_en, price=excluded.price, member_price=excluded.member_price, "
        "discountable=excluded.discountable, points_price=excluded.points_price, "
        "points_cash=excluded.points_cash, category=excluded.category, active=excluded.active, "
        "version=excluded.version",
        (
            product.sku,
            product.barcode,
            product.name,
            product.name_en,
            product.price_fen,
            product.member_price_fen,
            int(product.discountable),
            product.points_price,
            product.points_cash_fen,
            product.category,
            int(product.active),
            product.version,
        ),
    )


def put_coupon(conn: sqlite3.Connection, coupon: CouponData) -> None:
    write_coupons(conn, PreparedCoupons([_coupon_row(coupon)]))


_COUPON_COLUMNS = (
    "code",
    "member_id",
    "kind",
    "discount_type",
    "value",
    "min_spend",
    "valid_from",
    "valid_until",
    "status",
    "used_sale_id",
    "version",
)
_COUPON_INSERT = f"INSERT INTO coupons ({', '.join(_COUPON_COLUMNS)})"
# A coupon used here by a sale HQ has not seen yet stays used (and keeps its sale), or this
# till could reuse it.
_COUPON_CONFLICT = (
    "ON CONFLICT(code) DO UPDATE SET member_id=excluded.member_id, kind=excluded.kind, "
    "discount_type=excluded.discount_type, value=excluded.value, "
    "min_spend=excluded.min_spend, valid_from=excluded.valid_from, "
    "valid_until=excluded.valid_until, "
    "status=CASE WHEN coupons.status = 'used' THEN 'used' ELSE excluded.status END, "
    "used_sale_id=coalesce(excluded.used_sale_id, coupons.used_sale_id), "
    "version=excluded.version"
)


def _coupon_row(coupon: CouponData) -> tuple[Any, ...]:
    # value and min_spend as the domain coupon has them (Decimal yuan for fixed, etc.); a
    # snapshot repeats a handful of amounts over 10⁵ coupons, so each is converted once.
    amounts_key = (coupon.discount_type, coupon.value, coupon.min_spend_fen)
    amounts = _COUPON_AMOUNTS.get(amounts_key)
    if amounts is None:
        domain = coupon.to_domain()
        amounts = (str(domain.value), fastpath.fen(domain.min_spend))
        if len(_COUPON_AMOUNTS) < 4096:
            _COUPON_AMOUNTS[amounts_key] = amounts
    return (
        coupon.code,
        None if coupon.member_id is None else str(coupon.member_id),
        coupon.kind.value,
        coupon.discount_type.value,
        *amounts,
        coupon.valid_from.isoformat(),
        coupon.valid_until.isoformat(),
        coupon.status.value,
        None,
        coupon.version,
    )


_COUPON_LIST: TypeAdapter[list[CouponData]] = TypeAdapter(list[CouponData])
_COUPON_AMOUNTS: dict[tuple[Any, ...], tuple[str, int]] = {}


def write_coupons(conn: sqlite3.Connection, batch: PreparedCoupons) -> None:
    _insert_rows(conn, _COUPON_INSERT, _COUPON_CONFLICT, len(_COUPON_COLUMNS), batch.rows)
