"""Single-use coupons: the first use by (hlc, device id) wins; a loser's discount is the store's."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, insert, select, update

from posclient.sync.protocol import Entity, SalePayload

from . import models as m
from .feed import Feed
from .outcome import Apply


def coupon_doc(row: Any) -> dict[str, Any]:
    """CouponData.model_dump(mode="json") of a coupons row, built by hand (snapshots send 10⁵)."""
    return {
        "code": row.code,
        "member_id": row.member_id,
        "kind": row.kind,
        "discount_type": row.discount_type,
        "value": row.value,
        "min_spend_fen": row.min_spend_fen,
        "valid_from": row.valid_from.isoformat(),
        "valid_until": row.valid_until.isoformat(),
        "status": row.status,
        "version": row.version,
    }


def put_coupon(conn: Connection, feed: Feed, code: str, **values: Any) -> dict[str, Any]:
    """Update a coupon, bump its version and put it in the feed."""
    conn.execute(
        update(m.coupons)
        .where(m.coupons.c.code == code)
        .values(version=m.coupons.c.version + 1, **values)
    )
    row = conn.execute(select(m.coupons).where(m.coupons.c.code == code)).one()
    doc = coupon_doc(row)
    feed.put(Entity.COUPON, code, row.version, doc)
    return doc


def apply_coupon(cx: Apply, sale: SalePayload, member_id: str | None = None) -> int:
    """Record the coupon use of a sale (``member_id``: the member HQ books it to). Returns the
    discount booked as a store discount (fen)."""
    hq, conn, ev, feed, out = cx.hq, cx.conn, cx.ev, cx.feed, cx.out
    code = sale.coupon_code
    assert code is not None
    discount = sum(line.coupon_discount_fen for line in sale.lines)
    sale_id = str(sale.sale_id)
    row = conn.execute(select(m.coupons).where(m.coupons.c.code == code).with_for_update()).first()
    use = {
        "code": code,
        "sale_id": sale_id,
        "event_id": str(ev.event_id),
        "hlc": ev.hlc,
        "device_id": ev.device_id,
        "discount_fen": discount,
        "at": hq.now(),
    }
    if row is None:
        conn.execute(insert(m.coupon_uses).values(**use, winner=False, note="unknown_coupon"))
        out.conflict(
            "unknown_coupon", "HQ has no such coupon; its discount is booked as a store discount"
        )
        return discount
    if row.status == "void":
        conn.execute(insert(m.coupon_uses).values(**use, winner=False, note="void"))
        out.conflict(
            "coupon_void", "the coupon was void; its discount is booked as a store discount"
        )
        return discount
    buyers = {str(sale.member_id) if sale.member_id else None, member_id}
    if row.member_id is not None and row.member_id not in buyers:
        # Someone else's coupon (a till never allows it; a forged or broken event might): the
        # sale stands, the owner keeps the coupon, the discount is the store's.
        conn.execute(insert(m.coupon_uses).values(**use, winner=False, note="not_members"))
        out.conflict(
            "coupon_not_members",
            "the coupon belongs to another member; its discount is booked as a store discount",
        )
        return discount
    mine = (ev.hlc, ev.device_id)
    if row.status == "available":
        conn.execute(insert(m.coupon_uses).values(**use, winner=True, note="first_use"))
        put_coupon(
            conn,
            feed,
            code,
            status="used",
            used_sale_id=sale_id,
            used_hlc=ev.hlc,
            used_device=ev.device_id,
        )
        return 0
    theirs = (row.used_hlc or "", row.used_device or "")
    if mine < theirs:
        # This use happened first although it arrived later: it wins, the recorded one loses.
        conn.execute(
            update(m.coupon_uses)
            .where(m.coupon_uses.c.code == code, m.coupon_uses.c.sale_id == row.used_sale_id)
            .values(winner=False, note="lost_to_earlier_use")
        )
        conn.execute(
            update(m.sales)
            .where(m.sales.c.sale_id == row.used_sale_id)
            .values(store_discount_fen=m.sales.c.coupon_discount_fen)
        )
        conn.execute(insert(m.coupon_uses).values(**use, winner=True, note="won_on_hlc"))
        put_coupon(
            conn, feed, code, used_sale_id=sale_id, used_hlc=ev.hlc, used_device=ev.device_id
        )
        out.note(f"coupon winner changed: sale {row.used_sale_id} now books a store discount")
        return 0
    conn.execute(insert(m.coupon_uses).values(**use, winner=False, note="already_used"))
    out.conflict(
        "coupon_already_used",
        "the coupon was used first elsewhere; the sale stands and its discount is a store discount",
    )
    out.state["coupon"] = coupon_doc(row)
    return discount


def coupon_multiplier(
    conn: Connection, code: str | None, *, member_id: UUID | str | None = None
) -> str | None:
    """The points multiplier of a points coupon (decimal text), else None. With ``member_id``:
    None too when the coupon belongs to another member (it cannot multiply this one's points)."""
    if code is None:
        return None
    c = m.coupons.c
    row = conn.execute(select(c.discount_type, c.value, c.member_id).where(c.code == code)).first()
    if row is None or row.discount_type != "points_multiplier":
        return None
    if member_id is not None and row.member_id is not None and row.member_id != str(member_id):
        return None
    return str(row.value)


def coupon_uses_of(conn: Connection, code: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(m.coupon_uses).where(m.coupon_uses.c.code == code).order_by(m.coupon_uses.c.id)
    )
    return [json.loads(json.dumps(dict(r._mapping), default=str)) for r in rows]
