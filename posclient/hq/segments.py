"""Spend, tier (R3), tags and RFM segment (R4) of a member, computed at HQ only."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Connection, select

from posclient.domain.money import from_fen
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


#: Segment thresholds: recency in days, 12-month frequency, 12-month spend in fen.
LOYAL_MAX_RECENCY, LOYAL_MIN_FREQ, LOYAL_MIN_SPEND = 90, 4, 200_000
NEW_MAX_AGE, NEW_MAX_RECENCY = 90, 30
DORMANT_AFTER = 180


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
    fast = Fast(conn)
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


def classify(
    *,
    now: datetime,
    enrolled_at: datetime,
    last_purchase_at: datetime | None,
    freq_12m: int,
    freq_30d: int,
    spend_12m_fen: int,
    category: str | None,
    home_store: str,
    tier_code: str,
) -> tuple[str | None, list[str]]:
    """RFM segment and tags: basic (tier, store), behaviour (30-day frequency, average ticket,
    preferred category) and value (segment), R4."""
    enrolled_days = (now - enrolled_at).days
    recency = (now - last_purchase_at).days if last_purchase_at is not None else None
    segment: str | None = None
    if recency is None:
        segment = "dormant" if enrolled_days > DORMANT_AFTER else None
    elif recency > DORMANT_AFTER:
        segment = "dormant"
    elif (
        recency <= LOYAL_MAX_RECENCY
        and freq_12m >= LOYAL_MIN_FREQ
        and spend_12m_fen >= LOYAL_MIN_SPEND
    ):
        segment = "high_value_loyal"
    elif enrolled_days <= NEW_MAX_AGE and recency <= NEW_MAX_RECENCY:
        segment = "promising_new"
    tags = [f"tier:{tier_code}", f"store:{home_store}", f"freq_30d:{freq_30d}"]
    if freq_12m:
        tags.append(f"avg_ticket_fen:{spend_12m_fen // freq_12m}")
    if category:
        tags.append(f"category:{category}")
    if segment:
        tags.append(f"rfm:{segment}")
    return segment, tags
