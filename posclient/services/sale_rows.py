"""A priced sale as the till stores it and tells HQ: its rows and its event payload.

How a sale is encoded (fen, JSON text, one row per line) follows from what it was priced at, so
``encode`` runs when the sale is prepared, without the write lock. Committing then only stamps
in what the lock decides — receipt number, event seq, HLC, time — and writes: the part the
cashier and the sync worker wait on does the writing and little else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from posclient.domain import points as pts
from posclient.domain.money import to_fen
from posclient.domain.pricing import PricedCart
from posclient.store import fastpath

from . import members as mem


@dataclass(frozen=True)
class EncodedSale:
    """Everything of a sale's rows and payload that does not depend on the write lock."""

    sale_id: str
    member_id: str | None
    #: The card number of a provisional member (HQ matches it to the member later).
    provisional_card_no: str | None
    tier_code: str | None
    #: sales.subtotal … sales.coupon_code, in fastpath.SALE_COLUMNS order, encoded.
    totals: tuple[Any, ...]
    redemption_json: str | None
    earning_json: str | None
    #: sale_lines rows in fastpath.LINE_COLUMNS order.
    lines: tuple[tuple[Any, ...], ...]
    #: The event payload without what the commit stamps (receipt, store, staff, time).
    payload: dict[str, Any]
    #: points_ledger entries as (kind, points, detail JSON), before seq and time are known.
    ledger: tuple[tuple[str, int, str], ...]


def encode(
    *,
    sale_id: str,
    member: mem.MemberView | None,
    priced: PricedCart,
    redemption: pts.Redemption | None,
    earning: pts.Earning | None,
) -> EncodedSale:
    fen = fastpath.fen
    redemption_json = (
        fastpath.dumps(mem.redemption_to_json(redemption)) if redemption is not None else None
    )
    earning_json = fastpath.dumps(mem.earning_to_json(earning)) if earning is not None else None
    lines = []
    payload_lines = []
    for line in priced.lines:
        unit_price, unit_paid, gross = fen(line.unit_price), fen(line.unit_paid), fen(line.gross)
        member_saving, amount_due = fen(line.member_saving), fen(line.amount_due)
        tier_discount, coupon_discount = fen(line.tier_discount), fen(line.coupon_discount)
        lines.append(
            (
                sale_id,
                line.line_no,
                line.sku,
                line.name,
                line.qty,
                unit_price,
                unit_paid,
                gross,
                member_saving,
                line.item_points,
                fen(line.item_points_value),
                tier_discount,
                coupon_discount,
                line.points_redeemed,
                fen(line.points_value),
                amount_due,
                line.points_earned,
                0,
                0,
                0,
                0,
            )
        )
        payload_lines.append(
            {
                "line_no": line.line_no,
                "sku": line.sku,
                "qty": line.qty,
                "unit_price_fen": unit_price,
                "unit_paid_fen": unit_paid,
                "gross_fen": gross,
                "member_saving_fen": member_saving,
                "tier_discount_fen": tier_discount,
                "coupon_discount_fen": coupon_discount,
                "item_points": line.item_points,
                "points_redeemed": line.points_redeemed,
                "amount_due_fen": amount_due,
                "points_earned": line.points_earned,
            }
        )
    provisional_card = member.card_no if member is not None and member.provisional else None
    ledger = []
    if member is not None:
        if redemption_json is not None:
            ledger.append(("redeem", -priced.points_spent, redemption_json))
        if earning_json is not None:
            ledger.append(("earn", priced.points_earned, earning_json))
    return EncodedSale(
        sale_id=sale_id,
        member_id=member.member_id if member is not None else None,
        provisional_card_no=provisional_card or None,
        tier_code=member.tier.code if member is not None else None,
        totals=(
            fen(priced.subtotal),
            fen(priced.member_savings),
            fen(priced.tier_discount),
            fen(priced.coupon_discount),
            priced.item_points,
            fen(priced.item_points_value),
            priced.points_redeemed,
            fen(priced.points_value),
            fen(priced.amount_due),
            priced.points_earned,
            str(priced.points_multiplier),
            priced.coupon_code,
        ),
        redemption_json=redemption_json,
        earning_json=earning_json,
        lines=tuple(lines),
        payload={
            "sale_id": sale_id,
            # A provisional member with a card is known to HQ by the card only.
            "member_id": None if member is None or provisional_card else member.member_id,
            "provisional_card_no": provisional_card or None,
            "tier_code": member.tier.code if member is not None else None,
            "lines": payload_lines,
            "subtotal_fen": to_fen(priced.subtotal),
            "amount_due_fen": to_fen(priced.amount_due),
            "item_points": priced.item_points,
            "points_redeemed": priced.points_redeemed,
            "points_earned": priced.points_earned,
            "coupon_code": priced.coupon_code,
            "earn_lot_id": earning.lot_id if earning else None,
            "earn_expires_on": earning.expires_on.isoformat() if earning else None,
        },
        ledger=tuple(ledger),
    )


def payload(
    sale: EncodedSale, *, receipt_no: str, store: str, staff_id: str, now: datetime
) -> dict[str, Any]:
    """The sale.completed event payload (DESIGN "Sync protocol")."""
    return {
        **sale.payload,
        "receipt_no": receipt_no,
        "store": store,
        "staff_id": staff_id,
        "occurred_at": now.isoformat(),
    }


def write(
    conn: fastpath.Writer,
    sale: EncodedSale,
    *,
    receipt_no: str,
    store: str,
    staff_id: str,
    now: datetime,
    hlc: str,
    seq: int,
) -> None:
    """Insert the sale, its lines and ledger entries, and count the member's purchase."""
    created = fastpath.sqlite_datetime(now)
    fastpath.insert_sale(
        conn,
        (
            sale.sale_id,
            receipt_no,
            store,
            staff_id,
            sale.member_id,
            sale.provisional_card_no,
            sale.tier_code,
            *sale.totals,
            sale.redemption_json,
            sale.earning_json,
            created,
            hlc,
            seq,
            0,
        ),
        sale.lines,
    )
    if sale.member_id is None:
        return
    fastpath.insert_ledger(
        conn,
        [
            (sale.member_id, kind, points, sale.sale_id, None, detail, seq, created, 0)
            for kind, points, detail in sale.ledger
        ],
    )
    fastpath.count_purchase(conn, sale.member_id, now)
