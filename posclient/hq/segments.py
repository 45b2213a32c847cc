"""Spend, tier (R3), tags and RFM segment (R4) of a member, computed at HQ only."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, select

from posclient.domain.money import from_fen

# The rules are pure and shared with the till (its standalone demo classifies the same way).
from posclient.domain.segments import (
    classify,
)
from posclient.domain.tiers import tier_for_spend
from posclient.sync.protocol import Entity, ProductData

from . import models as m
from .context import Hq
from .fastsql import Fast, read_dt
from .members import MemberState

YEAR = timedelta(days=365)
MONTH = timedelta(days=30)
#: The member's sales of the last 12 months that still count (not fully refunded; free sales
#: count), per category: how many, the money kept, how many in the last 30 days, and the first
#: one (ties for the preferred category go to the category bought first).
_SEL_SALES = (
    "SELECT category, COUNT(*), SUM(amount_due_fen - refunded_fen), "
    "SUM(CASE WHEN occurred_at >= ? THEN 1 ELSE 0 END), MIN(occurred_at) FROM sales "
    "WHERE member_id = ? AND occurred_at >= ? "
    "AND (amount_due_fen > refunded_fen OR amount_due_fen = 0) GROUP BY category"
)
#: The same for several members at once (``{members}``: their placeholders), member id first.
#: Its last column: the oldest of the sales in the last 30 days (``lotcache.SalesWindow``).
SALES_FIGURES = (
    "SELECT member_id, category, COUNT(*), SUM(amount_due_fen - refunded_fen), "
    "SUM(CASE WHEN occurred_at >= ? THEN 1 ELSE 0 END), MIN(occurred_at), "
    "MIN(CASE WHEN occurred_at >= ? THEN occurred_at END) FROM sales "
    "WHERE member_id IN ({members}) AND occurred_at >= ? "
    "AND (amount_due_fen > refunded_fen OR amount_due_fen = 0) GROUP BY member_id, category"
)


def product_categories(hq: Hq, conn: Connection) -> dict[str, str]:
    """sku → category, cached for a minute (the catalogue changes rarely)."""
    if time.monotonic() - hq.categories_at > 60 or not hq.categories:
        rows = conn.execute(
            select(m.entities.c.data).where(m.entities.c.entity == Entity.PRODUCT.value)
        ).scalars()
        hq.categories = {}
        for text in rows:
            product = ProductData.model_validate_json(text)
            hq.categories[product.sku] = product.category
        hq.categories_at = time.monotonic()
    return hq.categories


def refresh(
    hq: Hq, conn: Connection, st: MemberState, figures: dict[Any, list[Any]] | None = None
) -> None:
    """Recompute spend, tier, tags and segment from the member's sales of the last 12 months
    (``figures``: those sales' figures per category, kept in memory by a sale run)."""
    now = hq.now()
    if figures is None:
        fast = Fast.of(conn)
        groups = fast.all(_SEL_SALES, (fast.dt(now - MONTH), st.member_id, fast.dt(now - YEAR)))
    else:
        groups = [tuple(values) for values in figures.values()]
    spend = sum(int(kept) for _, _, kept, _, _ in groups)
    freq_12m = sum(int(count) for _, count, _, _, _ in groups)
    freq_30d = sum(int(recent) for _, _, _, recent, _ in groups)
    tier = tier_for_spend(from_fen(spend), hq.tiers)
    row = st.row
    row["spend_12m_fen"] = spend
    row["tier_code"] = tier.code
    segment, tags = classify(
        now=now,
        enrolled_at=row["enrolled_at"],
        last_purchase_at=row["last_purchase_at"],
        freq_12m=freq_12m,
        freq_30d=freq_30d,
        spend_12m_fen=spend,
        category=_preferred_category(groups),
        home_store=row["home_store"],
        tier_code=tier.code,
    )
    row["segment"] = segment
    st.tags = tags
    st.dirty = True


def _preferred_category(groups: list[tuple[Any, ...]]) -> str | None:
    """The category of the most sales; a tie goes to the category bought first."""
    ranked = [(-int(count), read_dt(first), name) for name, count, _, _, first in groups if name]
    return str(min(ranked)[2]) if ranked else None
