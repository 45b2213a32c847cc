"""Spend, tier (R3), tags and RFM segment (R4) of a member, computed at HQ only."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta
from typing import NamedTuple

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
_SEL_SALES = (
    "SELECT amount_due_fen, refunded_fen, occurred_at, category FROM sales "
    "WHERE member_id = ? AND occurred_at >= ?"
)


class _SaleRow(NamedTuple):
    amount_due_fen: int
    refunded_fen: int
    occurred_at: datetime
    category: str | None


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


def refresh(hq: Hq, conn: Connection, st: MemberState) -> None:
    """Recompute spend, tier, tags and segment from the member's sales of the last 12 months."""
    now = hq.now()
    fast = Fast.of(conn)
    rows = [
        _SaleRow(due, refunded, read_dt(at), category)  # type: ignore[arg-type]
        for due, refunded, at, category in fast.all(_SEL_SALES, (st.member_id, fast.dt(now - YEAR)))
    ]
    kept = [r for r in rows if r.amount_due_fen - r.refunded_fen > 0 or r.amount_due_fen == 0]
    spend = sum(max(0, r.amount_due_fen - r.refunded_fen) for r in rows)
    freq_12m = len(kept)
    freq_30d = sum(1 for r in kept if r.occurred_at >= now - timedelta(days=30))
    categories = Counter(r.category for r in kept if r.category)
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
        category=categories.most_common(1)[0][0] if categories else None,
        home_store=row["home_store"],
        tier_code=tier.code,
    )
    row["segment"] = segment
    st.tags = tags
    st.dirty = True
