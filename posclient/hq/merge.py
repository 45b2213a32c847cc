"""Merging duplicate members (R1): points, sales, coupons move; the feed says merge{from, into}."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Connection, insert, select, update

from posclient.domain.codes import parse_phone
from posclient.domain.errors import CodeError
from posclient.domain.points import Account, Lot
from posclient.sync.protocol import FIELD_PURPOSE

from . import models as m
from .context import Hq
from .coupons import put_coupon
from .feed import Feed, publish
from .ledger import book, expire, total
from .members import load_member, phone_index, save_member
from .segments import refresh

log = logging.getLogger("posclient.hq")


class MergeError(ValueError):
    """Members that cannot be merged (unknown, the same, not active)."""


def merge_members(
    hq: Hq, conn: Connection, from_id: str, into_id: str, feed: Feed
) -> dict[str, Any]:
    """Fold member ``from_id`` into ``into_id``; returns the merged member's doc."""
    if from_id == into_id:
        raise MergeError("a member cannot be merged into itself")
    # Lock in id order so two merges of the same pair cannot deadlock.
    first, second = sorted((from_id, into_id))
    states = {mid: load_member(conn, mid) for mid in (first, second)}
    src, dst = states[from_id], states[into_id]
    if src is None or dst is None:
        raise MergeError("unknown member")
    if src.status != "active" or dst.status != "active":
        raise MergeError("only active members can be merged")
    expire(hq, src)
    expire(hq, dst)
    moved = total(src.account)
    taken = {lot.lot_id for lot in dst.account.lots}
    lots = list(dst.account.lots)
    for lot in src.account.lots:
        lot_id = lot.lot_id if lot.lot_id not in taken else f"{lot.lot_id}@{from_id[:8]}"
        lots.append(Lot(lot.expires_on, lot_id, lot.remaining))
    book(
        hq, dst, Account(tuple(lots), dst.account.debt + src.account.debt), "merge_in", ref=from_id
    )
    book(hq, src, Account(), "merge_out", ref=into_id)
    for name, value in src.profile.items():
        if name not in dst.profile and dst.consents.get(FIELD_PURPOSE[name].value):
            dst.profile[name] = value
            dst.field_versions[name] = dst.field_versions.get(name, 0) + 1
            dst.field_meta[name] = {"store": None, "at": hq.now().isoformat(), "reason": "merge"}
    if dst.profile.get("phone"):
        dst.row["phone_index"] = phone_index(hq, dst.profile["phone"])
    dst.row["purchase_count"] += src.row["purchase_count"]
    dst.row["overdrafts"] += src.row["overdrafts"]
    lasts = [v for v in (src.row["last_purchase_at"], dst.row["last_purchase_at"]) if v]
    dst.row["last_purchase_at"] = max(lasts) if lasts else None
    conn.execute(update(m.sales).where(m.sales.c.member_id == from_id).values(member_id=into_id))
    for code in conn.execute(
        select(m.coupons.c.code).where(m.coupons.c.member_id == from_id)
    ).scalars():
        put_coupon(conn, feed, code, member_id=into_id)
    src.profile.clear()
    src.row.update(status="merged", merged_into=into_id, phone_index=None)
    save_member(hq, conn, src, feed, publish=False)
    feed.merge(from_id, into_id, int(src.row["version"]), card_no=str(src.row["card_no"]))
    refresh(hq, conn, dst)
    doc = save_member(hq, conn, dst, feed)
    now = hq.now()
    conn.execute(
        insert(m.merges).values(from_id=from_id, into_id=into_id, points_moved=moved, at=now)
    )
    conn.execute(
        update(m.merge_candidates)
        .where(
            m.merge_candidates.c.resolved_at.is_(None),
            m.merge_candidates.c.member_a.in_([from_id, into_id]),
            m.merge_candidates.c.member_b.in_([from_id, into_id]),
        )
        .values(resolved_at=now)
    )
    log.info("merged member %s into %s (%d points)", from_id, into_id, moved)
    return doc


def merge(hq: Hq, from_id: str, into_id: str) -> dict[str, Any]:
    """Merge in its own transaction."""

    def work(conn: Connection) -> dict[str, Any]:
        feed = Feed()
        doc = merge_members(hq, conn, from_id, into_id, feed)
        publish(conn, feed, hq.now())
        return doc

    return hq.db.transact(work)


def merge_by_phone(hq: Hq, phone: str) -> list[tuple[str, str]]:
    """Merge every live member with ``phone`` into the earliest enrolled one."""
    try:  # as a till reads it: +86, 0086, spaces, dashes, full-width digits
        phone = parse_phone(phone).digits
    except CodeError as exc:
        raise MergeError(f"not a mainland mobile number: {phone[:20]!r}") from exc
    with hq.db.read() as conn:
        ids = list(
            conn.execute(
                select(m.members.c.member_id)
                .where(
                    m.members.c.phone_index == phone_index(hq, phone),
                    m.members.c.status == "active",
                )
                .order_by(m.members.c.enrolled_at, m.members.c.member_id)
            ).scalars()
        )
    done = []
    for other in ids[1:]:
        merge(hq, other, ids[0])
        done.append((other, ids[0]))
    return done


def merge_candidates(hq: Hq) -> list[dict[str, Any]]:
    with hq.db.read() as conn:
        rows = conn.execute(
            select(m.merge_candidates)
            .where(m.merge_candidates.c.resolved_at.is_(None))
            .order_by(m.merge_candidates.c.id)
        ).mappings()
        return [
            {
                "member_a": r["member_a"],
                "member_b": r["member_b"],
                "reason": r["reason"],
                "created_at": r["created_at"].isoformat(),
            }
            for r in rows
        ]
