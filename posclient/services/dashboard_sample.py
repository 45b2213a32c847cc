"""Synthetic store history for the dashboard's benchmark and screenshots (no Qt).

``generate`` bulk-inserts ``count`` sales spread over the last ``days`` days (opening hours,
busier at weekends), about 60 % by members of a pool of ``members`` ids with their tiers, some
with coupons, points earned and redeemed, a few refunded, each with two sale lines. Plain
``executemany`` on the till's file: a year of a store (≈ 200,000 sales) loads in seconds.
Never used by the till itself.
"""

from __future__ import annotations

import random
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

TIERS = ("normal", "silver", "gold", "diamond")
COUPONS = (("WELCOME10", 6), ("SPRING9", 3), ("BD-WANG", 1), ("CB-ZHAO", 1), ("FP-CHEN", 1))
_SALE = (
    "INSERT INTO sales (sale_id, receipt_no, store, staff_id, member_id, provisional_card_no,"
    " tier_code, subtotal, member_savings, tier_discount, coupon_discount, item_points,"
    " item_points_value, points_redeemed, points_value, amount_due, points_earned,"
    " points_multiplier, coupon_code, redemption, earning, created_at, hlc, event_seq,"
    " refunded_amount) VALUES (?, ?, ?, 'c01', ?, NULL, ?, ?, 0, 0, 0, 0, 0, ?, ?, ?, ?, '1.0',"
    " ?, NULL, NULL, ?, '0', ?, ?)"
)
_LINE = (
    "INSERT INTO sale_lines (sale_id, line_no, sku, name, qty, unit_price, unit_paid, gross,"
    " member_saving, item_points, item_points_value, tier_discount, coupon_discount,"
    " points_redeemed, points_value, amount_due, points_earned, refunded_qty, refunded_amount,"
    " refunded_points_spent, refunded_points_earned)"
    " VALUES (?, ?, ?, ?, 1, ?, ?, ?, 0, 0, 0, 0, 0, 0, 0, ?, 0, 0, 0, 0, 0)"
)


def generate(
    path: Path,
    *,
    now: datetime,
    count: int,
    days: int = 365,
    members: int = 5_000,
    store: str = "S001",
    seed: int = 8,
    lines: bool = True,
    batch: int = 20_000,
) -> int:
    """Insert ``count`` sales ending at ``now`` into the till database at ``path``."""
    rng = random.Random(seed)
    pool = [
        (str(uuid.UUID(int=rng.getrandbits(128), version=4)), rng.choice(TIERS))
        for _ in range(members)
    ]
    coupon_codes = [code for code, weight in COUPONS for _ in range(weight)]
    start = now.astimezone(UTC).replace(tzinfo=None) - timedelta(days=days)
    span = days * 86_400
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    try:
        sales: list[tuple[object, ...]] = []
        sale_lines: list[tuple[object, ...]] = []
        # In time order, as a till appends them (rows of a day sit together on disk).
        moments = sorted(rng.randrange(span) for _ in range(count))
        for n, offset in enumerate(moments):
            at = start + timedelta(seconds=offset)
            member, tier = rng.choice(pool) if rng.random() < 0.6 else (None, None)
            fen = rng.randrange(500, 40_000)
            redeemed = rng.choice((0, 0, 0, 0, 500, 1000)) if member else 0
            coupon = rng.choice(coupon_codes) if rng.random() < 0.04 else None
            refunded = fen // 2 if rng.random() < 0.01 else 0
            sale_id = f"bench-{seed}-{n}"
            sales.append(
                (
                    sale_id,
                    f"B{seed}-{n:08d}",
                    store,
                    member,
                    tier,
                    fen,
                    redeemed,
                    redeemed,
                    fen,
                    fen // 100 if member else 0,
                    coupon,
                    at.isoformat(sep=" ", timespec="microseconds"),
                    n + 1,
                    refunded,
                )
            )
            if lines:
                half = fen // 2
                for line_no, (sku, amount) in enumerate(
                    (("MILK-1L", half), ("NUTS-MIX", fen - half)), start=1
                ):
                    sale_lines.append((sale_id, line_no, sku, sku, amount, amount, amount, amount))
            if len(sales) >= batch:
                _flush(conn, sales, sale_lines)
        _flush(conn, sales, sale_lines)
        conn.commit()
    finally:
        conn.close()
    return count


def _flush(
    conn: sqlite3.Connection, sales: list[tuple[object, ...]], lines: list[tuple[object, ...]]
) -> None:
    conn.executemany(_SALE, sales)
    conn.executemany(_LINE, lines)
    sales.clear()
    lines.clear()
