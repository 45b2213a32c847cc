"""Wire shapes of HQ's offer rules and chain statistics (issue 8).

- ``rule`` entity, id ``offers``: the triggered-offer thresholds (posclient/domain/offers.py).
- ``stats`` entity, id ``chain``: chain-wide daily figures for the store dashboard, the last
  ``STATS_DAYS`` business days, recomputed by HQ's daily maintenance.

The till keeps both in its ``meta`` table (``rule:offers``, ``stats:chain``): no schema change.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import AwareDatetime, Field

from posclient.domain.money import from_fen, to_fen
from posclient.domain.offers import OfferKind, OfferRules

from .protocol import NonNegFen, Points, Wire

STATS_DAYS = 30
Days = Annotated[int, Field(ge=0, le=3660)]


class OfferRulesData(Wire):
    birthday_days_before: Days = 3
    birthday_days_after: Days = 3
    first_purchase_hours: Annotated[int, Field(ge=0, le=24 * 366)] = 24
    dormant_days: Days = 30
    near_tier_gap_fen: NonNegFen = 30_000
    near_tier_percent: Annotated[int, Field(ge=0, le=100)] = 10
    expiring_days: Days = 30
    enabled: list[OfferKind] = Field(default_factory=lambda: list(OfferKind))
    version: int = 1

    def to_domain(self) -> OfferRules:
        return OfferRules(
            birthday_days_before=self.birthday_days_before,
            birthday_days_after=self.birthday_days_after,
            first_purchase_hours=self.first_purchase_hours,
            dormant_days=self.dormant_days,
            near_tier_gap=from_fen(self.near_tier_gap_fen),
            near_tier_percent=Decimal(self.near_tier_percent),
            expiring_days=self.expiring_days,
            enabled=frozenset(self.enabled),
        )

    @classmethod
    def from_domain(cls, rules: OfferRules) -> OfferRulesData:
        return cls(
            birthday_days_before=rules.birthday_days_before,
            birthday_days_after=rules.birthday_days_after,
            first_purchase_hours=rules.first_purchase_hours,
            dormant_days=rules.dormant_days,
            near_tier_gap_fen=to_fen(rules.near_tier_gap),
            near_tier_percent=int(rules.near_tier_percent),
            expiring_days=rules.expiring_days,
            enabled=sorted(rules.enabled, key=list(OfferKind).index),
        )


class DayStats(Wire):
    """One business day, chain-wide."""

    day: date
    members_total: Points
    new_members: Points
    sales: Points
    sales_fen: NonNegFen
    member_sales_fen: NonNegFen


class ChainStatsData(Wire):
    as_of: AwareDatetime
    days: list[DayStats] = Field(default_factory=list, max_length=400)
    version: int = 1
