"""GET /v1/sync/pull: the change feed after a cursor, or a paged snapshot for a new till."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, LargeBinary, cast, func, select

from posclient.sync.protocol import MAX_COUNT, MAX_STORE_CODE, Op

from . import models as m
from .context import Hq
from .feed import (
    CursorError,
    current_position,
    decode_cursor,
    encode_cursor,
    merge_data,
    pruned_through,
)

#: Snapshot order: reference data first, then this store's members, then the others.
#: The snapshot, in order. "merged": a merge change per member merged into another, after the
#: members themselves, so that a till snapshotting after a merge still knows the old card.
PHASES = ("tier", "rule", "key", "stats", "product", "coupon", "own", "other", "merged")


class CursorGone(Exception):
    """The cursor is older than the feed's retention: the till must re-snapshot (410)."""


#: json.dumps of a str (ASCII-escaped), without json.dumps' per-call set-up: 10⁶ ids a snapshot.
_quote = json.encoder.encode_basestring_ascii


def _change(entity: str, op: str, entity_id: str, version: int, data: str | None) -> str:
    return (
        f'{{"entity":"{entity}","op":"{op}","id":{_quote(entity_id)},'
        f'"version":{int(version)},"data":{data if data is not None else "null"}}}'
    )


#: The coupons columns coupon_doc reads, in its order.
_COUPON_DOC = [
    m.coupons.c[name]
    for name in (
        "code",
        "member_id",
        "kind",
        "discount_type",
        "value",
        "min_spend_fen",
        "valid_from",
        "valid_until",
        "status",
        "version",
    )
]
_text = json.encoder.encode_basestring  # json.dumps(str, ensure_ascii=False)


def _coupon_text(r: Any) -> str:
    """feed.dumps(coupon_doc(r)), written directly (a snapshot sends one per coupon, 10⁵)."""
    member = "null" if r.member_id is None else _text(r.member_id)
    return (
        f'{{"code":{_text(r.code)},"member_id":{member},"kind":{_text(r.kind)},'
        f'"discount_type":{_text(r.discount_type)},"value":{_text(r.value)},'
        f'"min_spend_fen":{int(r.min_spend_fen)},"valid_from":"{r.valid_from.isoformat()}",'
        f'"valid_until":"{r.valid_until.isoformat()}","status":{_text(r.status)},'
        f'"version":{int(r.version)}}}'
    )


def _body(
    changes: list[str],
    *,
    cursor: dict[str, Any],
    has_more: bool,
    position: int,
    extra: str = "",
    members: list[bytes] | None = None,
) -> bytes:
    head = (
        f'{{"changes":[{",".join(changes)}],"next_cursor":"{encode_cursor(cursor)}",'
        f'"has_more":{"true" if has_more else "false"},"position":{position}{extra}'
    ).encode()
    if members is None:
        return head + b"}"
    # The documents stay UTF-8 bytes from the database to the socket: a snapshot page is
    # ~4 MB of them, which as str would be decoded, joined, copied and encoded again.
    return b"".join((head, b',"members":[', b",".join(members), b"]}"))


def pull(
    hq: Hq,
    *,
    store: str,
    cursor: str,
    limit: int,
    members: str = "changes",
    device_id: str | None = None,
) -> bytes:
    """The PullResponse JSON for ``cursor`` (empty: start a snapshot). Raises CursorError/Gone.

    ``members="list"``: a snapshot page sends its member puts as a list of member documents
    (``members``) instead of one change each; a new till reads a million of them.
    ``device_id``: the page also says how far HQ holds that till's events (``device_seq``).
    """
    # Read before the page: a push committing meanwhile can only make it low, and a till told
    # too low sends a few events again (duplicates), never too few.
    held = device_seq(hq, device_id) if device_id is not None else None
    body = _page(hq, store=store, cursor=cursor, limit=limit, members=members)
    if held is None:
        return body
    return body[:-1] + b',"device_seq":%d}' % held  # the page is one JSON object: add a key


def device_seq(hq: Hq, device_id: str) -> int | None:
    with hq.db.read() as conn:
        value = conn.execute(
            select(m.devices.c.last_seq).where(m.devices.c.device_id == device_id)
        ).scalar_one_or_none()
    return None if value is None else int(value)


def _page(hq: Hq, *, store: str, cursor: str, limit: int, members: str) -> bytes:
    listed = members == "list"
    if not cursor:
        with hq.db.read() as conn:
            start = current_position(conn)
            begun = _mark_at(conn, start)  # the feed continues after this change
            # For the progress bar: every member row, merged and erased ones too (a count of
            # the active ones reads the whole table: 1-2 s for 10⁶ before the first page).
            # The last snapshot page reports what was really sent as the total.
            total = int(conn.execute(select(func.count()).select_from(m.members)).scalar_one())
        state: dict[str, Any] = {
            "v": 1,
            "s": start,
            "ph": 0,
            "a": "",
            "d": 0,
            "t": total,
            "st": store,
            "c": begun,
        }
        return _snapshot(hq, state, limit, listed)
    state = decode_cursor(cursor)
    if "s" in state:
        return _snapshot(hq, state, limit, listed)
    try:
        position = _count(state.get("p"))
    except ValueError as exc:
        raise CursorError("not a cursor issued by this HQ") from exc
    return _feed(hq, position, limit, state.get("c", ""))


def _mark(committed_at: Any, entity: str, entity_id: str, version: int) -> str:
    """A short fingerprint of one change: a cursor carries its last change's, so a feed whose
    positions were handed out again (HQ restored from a backup, then written to) is noticed
    even once it has grown past the cursor."""
    text = f"{committed_at}|{entity}|{entity_id}|{int(version)}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _mark_at(conn: Connection, position: int) -> str:
    """The fingerprint of the change at ``position`` ("" when there is none: 0, or pruned)."""
    c = m.changes.c
    row = conn.execute(
        select(c.committed_at, c.entity, c.entity_id, c.version).where(c.pos == position)
    ).first()
    return "" if row is None else _mark(row.committed_at, row.entity, row.entity_id, row.version)


def _marked(cursor: dict[str, Any], mark: Any) -> dict[str, Any]:
    """``cursor`` carrying ``mark`` (a fingerprint from ``_mark``), if there is one."""
    if isinstance(mark, str) and 0 < len(mark) <= 16:
        cursor["c"] = mark
    return cursor


def _same_feed(conn: Connection, position: int, mark: Any) -> None:
    """The change the cursor ends at is still the one at its position (cursors from before
    fingerprints carry none and are taken as they are)."""
    if not isinstance(mark, str) or not mark or position == 0:
        return
    held = _mark_at(conn, position)
    if held and held != mark:
        raise CursorError("this HQ's feed changed under the cursor (restored from a backup?)")


def _not_ahead(conn: Connection, position: int) -> None:
    """A cursor past the feed's end was not issued here, or this HQ lost changes since (restored
    from a backup): following it would skip everything up to it. The till starts over."""
    if position > current_position(conn):
        raise CursorError("the cursor is ahead of this HQ's feed: start a new snapshot")


def _feed(hq: Hq, position: int, limit: int, mark: Any = "") -> bytes:
    """The changes after ``position``; ``mark``: the fingerprint of the change at it."""
    with hq.db.read() as conn:
        _not_ahead(conn, position)
        _same_feed(conn, position, mark)
        # Rows first, then the pruning mark: a prune between the two can only cause a 410.
        rows = conn.execute(
            select(
                m.changes.c.pos,
                m.changes.c.entity,
                m.changes.c.op,
                m.changes.c.entity_id,
                m.changes.c.version,
                m.changes.c.data,
                m.changes.c.committed_at,
            )
            .where(m.changes.c.pos > position)
            .order_by(m.changes.c.pos)
            .limit(limit + 1)
        ).all()
        if position < pruned_through(conn):
            raise CursorGone()
    has_more = len(rows) > limit
    rows = rows[:limit]
    reached = rows[-1].pos if rows else position
    if rows:
        last = rows[-1]
        mark = _mark(last.committed_at, last.entity, last.entity_id, last.version)
    changes = [_change(r.entity, r.op, r.entity_id, r.version, r.data) for r in _latest_puts(rows)]
    cursor = _marked({"v": 1, "p": reached}, mark)
    return _body(changes, cursor=cursor, has_more=has_more, position=reached)


def _latest_puts(rows: Sequence[Any]) -> list[Any]:
    """The page's changes without the puts a later put in the same page replaces.

    A till applies a page whole, in one transaction, so an entity put twice in a page ends at
    its last put either way; the earlier ones would only be sent and read. A member who shops
    while a till drains an offline queue is put once per push batch, and each put carries the
    whole record, lots and all. Deletes and merges are always sent.
    """
    put = Op.PUT.value
    later: set[tuple[str, str]] = set()
    kept = []
    for row in reversed(rows):
        if row.op == put:
            key = (row.entity, row.entity_id)
            if key in later:
                continue
            later.add(key)
        else:
            # A delete or merge is a barrier for the entities it names: their puts before it
            # stay (a merge's survivor must exist on the till when the merge is applied).
            later.discard((row.entity, row.entity_id))
            if row.op == Op.MERGE.value:
                later.discard((row.entity, str(json.loads(row.data).get("into", ""))))
        kept.append(row)
    kept.reverse()
    return kept


def _count(value: Any) -> int:
    """A counter from a cursor: a JSON whole number in 0..MAX_COUNT (ValueError if not)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise ValueError("not a counter")
    return value


def _cursor_text(value: Any, longest: int) -> str:
    """A member id or store code from a cursor, as this HQ writes them (ValueError if not)."""
    if not isinstance(value, str) or len(value) > longest or "\x00" in value:
        raise ValueError("not cursor text")
    return value


def _snapshot(hq: Hq, state: dict[str, Any], limit: int, listed: bool = False) -> bytes:
    try:
        start, phase, done, total = (_count(state[key]) for key in ("s", "ph", "d", "t"))
        after, store = _cursor_text(state["a"], 128), _cursor_text(state["st"], MAX_STORE_CODE)
        begun = _cursor_text(state.get("c", ""), 16)
    except (KeyError, TypeError, ValueError) as exc:
        raise CursorError("not a cursor issued by this HQ") from exc
    if not 0 <= phase <= len(PHASES):
        raise CursorError("not a cursor issued by this HQ")
    changes: list[str] = []
    members: list[bytes] = []
    with hq.db.read() as conn:
        if start < pruned_through(conn):
            raise CursorGone()
        _not_ahead(conn, start)
        _same_feed(conn, start, begun)
        while phase < len(PHASES) and len(changes) + len(members) < limit:
            room = limit - len(changes) - len(members)
            if PHASES[phase] in ("own", "other"):
                if listed:
                    docs = _member_docs(conn, PHASES[phase], store=store, after=after, limit=room)
                    if docs:
                        after = docs[-1][0]
                    members.extend(doc for _, doc in docs)
                    done += len(docs)
                else:
                    rows = _member_rows(conn, PHASES[phase], store=store, after=after, limit=room)
                    if rows:
                        after = rows[-1][0]
                    # _change inlined: this builds a million of them for a new till.
                    changes.extend(
                        f'{{"entity":"member","op":"put","id":{_quote(member_id)},'
                        f'"version":{int(version)},"data":{doc}}}'
                        for member_id, version, doc in rows
                    )
                    done += len(rows)
            else:
                for key, text in _phase_rows(
                    conn, PHASES[phase], store=store, after=after, limit=room
                ):
                    changes.append(text)
                    after = key
            if len(changes) + len(members) < limit:
                phase, after = phase + 1, ""
    if phase >= len(PHASES):
        total = done
    extra = f',"snapshot":true,"snapshot_done":{min(done, total)},"snapshot_total":{total}'
    if phase >= len(PHASES):
        # Snapshot complete: continue with the feed from where it began.
        return _body(
            changes,
            cursor=_marked({"v": 1, "p": start}, begun),
            has_more=True,
            position=start,
            extra=extra,
            members=members if listed else None,
        )
    cursor = {"v": 1, "s": start, "ph": phase, "a": after, "d": done, "t": total, "st": store}
    return _body(
        changes,
        cursor=_marked(cursor, begun),
        has_more=True,
        position=start,
        extra=extra,
        members=members if listed else None,
    )


def _phase_rows(
    conn: Connection, phase: str, *, store: str, after: str, limit: int
) -> list[tuple[str, str]]:
    if phase in ("tier", "rule", "key", "stats", "product"):
        e = m.entities.c
        rows = conn.execute(
            select(e.entity_id, e.version, e.data)
            .where(e.entity == phase, e.entity_id > after)
            .order_by(e.entity_id)
            .limit(limit)
        ).all()
        return [(r.entity_id, _change(phase, "put", r.entity_id, r.version, r.data)) for r in rows]
    if phase == "merged":
        return _merged_rows(conn, after=after, limit=limit)
    if phase == "coupon":
        c = m.coupons.c
        rows = conn.execute(
            select(*_COUPON_DOC).where(c.code > after).order_by(c.code).limit(limit)
        ).all()
        return [
            (r.code, _change("coupon", "put", r.code, r.version, _coupon_text(r))) for r in rows
        ]
    raise ValueError(phase)


def _merged_rows(conn: Connection, *, after: str, limit: int) -> list[tuple[str, str]]:
    """A merge change per member merged into another, in member_id order: "into" is the member
    the merges ended in (A into B, then B into C: C), "card_no" the merged member's card."""
    mc = m.members.c
    rows = conn.execute(
        select(mc.member_id, mc.version, mc.card_no, mc.merged_into)
        .where(mc.merged_into.is_not(None), mc.member_id > after)
        .order_by(mc.member_id)
        .limit(limit)
    ).all()
    return [
        (
            r.member_id,
            _change(
                "member",
                "merge",
                r.member_id,
                r.version,
                merge_data(r.member_id, _survivor(conn, r.merged_into), r.card_no),
            ),
        )
        for r in rows
    ]


def _survivor(conn: Connection, member_id: str) -> str:
    """The member ``member_id``'s merges end in (itself if it was not merged)."""
    mc = m.members.c
    seen = {member_id}
    while True:
        into = conn.execute(
            select(mc.merged_into).where(mc.member_id == member_id)
        ).scalar_one_or_none()
        if into is None or into in seen:  # a cycle cannot be made; stop all the same
            return member_id
        seen.add(into)
        member_id = into


def _member_rows(
    conn: Connection, phase: str, *, store: str, after: str, limit: int
) -> list[tuple[str, int, str]]:
    """(member_id, version, doc) of the phase's next active members, in member_id order."""
    mc = m.members.c
    rows = conn.execute(
        select(mc.member_id, mc.version, mc.doc)
        .where(*_phase_members(phase, store=store, after=after))
        .order_by(mc.member_id)
        .limit(limit)
    ).all()
    return [(member_id, version, doc) for member_id, version, doc in rows]


def _member_docs(
    conn: Connection, phase: str, *, store: str, after: str, limit: int
) -> list[tuple[str, bytes]]:
    """(member_id, doc as UTF-8) of the phase's next active members, in member_id order.

    SQLite hands the document over as it stores it (CAST AS BLOB: no decoding to str);
    PostgreSQL's text is encoded here.
    """
    mc = m.members.c
    sqlite = conn.dialect.name == "sqlite"
    query = (
        select(mc.member_id, cast(mc.doc, LargeBinary) if sqlite else mc.doc)
        .where(*_phase_members(phase, store=store, after=after))
        .order_by(mc.member_id)
        .limit(limit)
    )
    rows = conn.execute(query).all()
    if sqlite:
        return [(member_id, doc) for member_id, doc in rows]
    return [(member_id, doc.encode()) for member_id, doc in rows]


def _phase_members(phase: str, *, store: str, after: str) -> list[Any]:
    mc = m.members.c
    where = [mc.status == "active", mc.member_id > after]
    where.append(mc.home_store == store if phase == "own" else mc.home_store != store)
    return where
