"""RFM segments (R4) and the tags shown to the cashier: pure rules, computed at HQ.

Tags are codes (``tier:gold``, ``category:dairy``, ``rfm:dormant``…); the till renders them in
the cashier's language.
"""

from __future__ import annotations

from datetime import datetime

#: Segment thresholds: recency in days, 12-month frequency, 12-month spend in fen.
LOYAL_MAX_RECENCY, LOYAL_MIN_FREQ, LOYAL_MIN_SPEND = 90, 4, 200_000
NEW_MAX_AGE, NEW_MAX_RECENCY = 90, 30
DORMANT_AFTER = 180


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
