"""Refunds: what returning some units of sold lines gives back, to the fen and the point.

Each sold line keeps what it cost (money due, points redeemed for it, points earned on it). A
refund of ``k`` of its ``n`` units returns k/n of each, rounded half-up; the refund that takes the
last units returns exactly what is left, so refunding a line in any number of steps returns the
line's totals exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .errors import CartError
from .money import ZERO, round_fen


@dataclass(frozen=True)
class SoldLine:
    line_no: int
    qty: int
    amount_due: Decimal
    points_spent: int  # bill points share + points+cash item points
    points_earned: int
    refunded_qty: int = 0
    refunded_amount: Decimal = ZERO
    refunded_points_spent: int = 0
    refunded_points_earned: int = 0


@dataclass(frozen=True)
class LineRefund:
    line_no: int
    qty: int
    amount: Decimal  # money back to the customer
    points_restored: int  # points the customer paid with, given back
    points_reversed: int  # points the line earned, taken back


@dataclass(frozen=True)
class RefundTotals:
    lines: tuple[LineRefund, ...]
    amount: Decimal
    points_restored: int
    points_reversed: int


def _share(total: int, qty: int, of: int) -> int:
    return int((Decimal(total) * qty / of).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def refund_line(line: SoldLine, qty: int) -> LineRefund:
    left = line.qty - line.refunded_qty
    if isinstance(qty, bool) or not isinstance(qty, int) or qty <= 0:
        raise CartError("refund.bad_qty", line=line.line_no)
    if left == 0:
        raise CartError("refund.line_refunded", line=line.line_no)
    if qty > left:
        raise CartError("refund.qty_over_sold", line=line.line_no, left=left)
    if qty == left:
        return LineRefund(
            line.line_no,
            qty,
            line.amount_due - line.refunded_amount,
            line.points_spent - line.refunded_points_spent,
            line.points_earned - line.refunded_points_earned,
        )
    amount = round_fen(line.amount_due * qty / line.qty)
    return LineRefund(
        line.line_no,
        qty,
        min(amount, line.amount_due - line.refunded_amount),
        min(
            _share(line.points_spent, qty, line.qty),
            line.points_spent - line.refunded_points_spent,
        ),
        min(
            _share(line.points_earned, qty, line.qty),
            line.points_earned - line.refunded_points_earned,
        ),
    )


def refund(lines: list[SoldLine], quantities: dict[int, int] | None) -> RefundTotals:
    """Refund ``quantities`` ({line_no: qty}); None refunds everything not yet refunded."""
    by_no = {line.line_no: line for line in lines}
    if quantities is None:
        quantities = {
            line.line_no: line.qty - line.refunded_qty
            for line in lines
            if line.qty > line.refunded_qty
        }
        if not quantities:
            raise CartError("refund.already_refunded")
    if not quantities:
        raise CartError("refund.nothing_selected")
    parts: list[LineRefund] = []
    for line_no, qty in sorted(quantities.items()):
        if line_no not in by_no:
            raise CartError("refund.unknown_line", line=line_no)
        parts.append(refund_line(by_no[line_no], qty))
    return RefundTotals(
        tuple(parts),
        sum((p.amount for p in parts), ZERO),
        sum(p.points_restored for p in parts),
        sum(p.points_reversed for p in parts),
    )
