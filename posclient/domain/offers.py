"""Triggered offers (R9–R11): what to offer a member the moment they are identified.

Pure rules, no I/O: the facts about a member and the chain's offer rules (sent by HQ as the
``rule`` entity ``offers``; the defaults below apply until one arrives) give the offers, in a
fixed order. Evaluated on the till, so they work offline.

- birthday: the member's birthday (month and day) is within ``birthday_days_before`` days ahead
  or ``birthday_days_after`` days past; carries the member's birthday coupon when one is usable.
- first purchase: no purchase yet and enrolled at most ``first_purchase_hours`` ago.
- comeback: purchased before, but not for ``dormant_days`` days.
- near tier: the spend still needed for the next tier is at most ``near_tier_gap`` yuan, or at
  most ``near_tier_percent`` % of that tier's threshold ("¥230 more to 金卡").
- points expiring: points expire within ``expiring_days`` days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from .coupons import Coupon, CouponKind, CouponStatus
from .money import yuan
from .points import Lot
from .tiers import DEFAULT_TIERS, Tier, spend_to_next_tier


class OfferKind(StrEnum):
    BIRTHDAY = "birthday"
    FIRST_PURCHASE = "first_purchase"
    COMEBACK = "comeback"
    NEAR_TIER = "near_tier"
    POINTS_EXPIRING = "points_expiring"


ALL_KINDS = frozenset(OfferKind)
NEAR_TIER_GAP = yuan(300)


@dataclass(frozen=True)
class OfferRules:
    birthday_days_before: int = 3
    birthday_days_after: int = 3
    first_purchase_hours: int = 24
    dormant_days: int = 30
    near_tier_gap: Decimal = NEAR_TIER_GAP
    near_tier_percent: Decimal = Decimal(10)
    expiring_days: int = 30
    enabled: frozenset[OfferKind] = ALL_KINDS

    def __post_init__(self) -> None:
        for name in (
            "birthday_days_before",
            "birthday_days_after",
            "first_purchase_hours",
            "dormant_days",
            "expiring_days",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"offer rule {name} must be ≥ 0")
        if self.near_tier_gap < 0 or not Decimal(0) <= self.near_tier_percent <= 100:
            raise ValueError("near-tier rule out of range")
        object.__setattr__(self, "enabled", frozenset(OfferKind(k) for k in self.enabled))


DEFAULT_RULES = OfferRules()


@dataclass(frozen=True)
class MemberFacts:
    """What the rules look at. ``now`` is aware; ``today`` is the store's business date."""

    now: datetime
    today: date
    tier: Tier
    spend_12m: Decimal
    purchase_count: int
    enrolled_at: datetime | None = None
    last_purchase_at: datetime | None = None
    birthday: date | None = None
    lots: tuple[Lot, ...] = ()
    coupons: tuple[Coupon, ...] = ()
    member_id: str | None = None
    tiers: tuple[Tier, ...] = field(default=DEFAULT_TIERS)


@dataclass(frozen=True)
class Offer:
    """One offer. ``coupon_code`` is set when a coupon makes it happen (one click applies it)."""

    kind: OfferKind
    coupon_code: str | None = None
    #: near tier: the spend still needed; the tier it reaches.
    amount: Decimal | None = None
    tier: Tier | None = None
    #: points expiring: how many, and the first expiry date; birthday: the birthday this year.
    points: int = 0
    day: date | None = None


def birthday_delta(birthday: date, today: date) -> int:
    """Days from ``today`` to the nearest occurrence of the birthday (negative: just past).
    29 February counts as 28 February in other years."""

    def occurrence(year: int) -> date:
        try:
            return birthday.replace(year=year)
        except ValueError:  # 29 February in a common year
            return date(year, 2, 28)

    deltas = [
        (occurrence(year) - today).days for year in (today.year - 1, today.year, today.year + 1)
    ]
    return min(deltas, key=lambda d: (abs(d), d))


def usable_coupon(facts: MemberFacts, kind: CouponKind) -> Coupon | None:
    """The member's first coupon of ``kind`` usable today (available, in its dates)."""
    for coupon in sorted(facts.coupons, key=lambda c: (c.valid_until, c.code)):
        if (
            coupon.kind is kind
            and coupon.status is CouponStatus.AVAILABLE
            and coupon.valid_from <= facts.today <= coupon.valid_until
            and coupon.member_id in (None, facts.member_id)
        ):
            return coupon
    return None


def _code(coupon: Coupon | None) -> str | None:
    return coupon.code if coupon is not None else None


def evaluate(facts: MemberFacts, rules: OfferRules | None = None) -> tuple[Offer, ...]:
    """The offers for this member now, in the order: birthday, first purchase, comeback,
    near tier, points expiring."""
    rules = rules or DEFAULT_RULES
    out: list[Offer] = []
    on = rules.enabled
    if OfferKind.BIRTHDAY in on and facts.birthday is not None:
        delta = birthday_delta(facts.birthday, facts.today)
        if -rules.birthday_days_after <= delta <= rules.birthday_days_before:
            coupon = usable_coupon(facts, CouponKind.BIRTHDAY)
            day = facts.today + timedelta(days=delta)
            out.append(Offer(OfferKind.BIRTHDAY, _code(coupon), day=day))
    if (
        OfferKind.FIRST_PURCHASE in on
        and facts.purchase_count == 0
        and facts.enrolled_at is not None
        and timedelta(0)
        <= facts.now - facts.enrolled_at
        <= timedelta(hours=rules.first_purchase_hours)
    ):
        coupon = usable_coupon(facts, CouponKind.FIRST_PURCHASE)
        out.append(Offer(OfferKind.FIRST_PURCHASE, _code(coupon)))
    if (
        OfferKind.COMEBACK in on
        and facts.purchase_count > 0
        and facts.last_purchase_at is not None
        and facts.now - facts.last_purchase_at >= timedelta(days=rules.dormant_days)
    ):
        coupon = usable_coupon(facts, CouponKind.COMEBACK)
        out.append(Offer(OfferKind.COMEBACK, _code(coupon)))
    if OfferKind.NEAR_TIER in on:
        step = spend_to_next_tier(facts.tier, facts.spend_12m, facts.tiers)
        if step is not None:
            upper, gap = step
            limit = max(rules.near_tier_gap, upper.threshold * rules.near_tier_percent / 100)
            if Decimal(0) < gap <= limit:
                out.append(Offer(OfferKind.NEAR_TIER, amount=gap, tier=upper))
    if OfferKind.POINTS_EXPIRING in on:
        soon = expiring(facts.lots, facts.today, rules.expiring_days)
        if soon:
            out.append(
                Offer(
                    OfferKind.POINTS_EXPIRING,
                    points=sum(points for _, points in soon),
                    day=soon[0][0],
                )
            )
    return tuple(out)


def expiring(lots: Iterable[Lot], today: date, days: int) -> list[tuple[date, int]]:
    """(expiry, points) of unexpired lots expiring within ``days`` days, earliest first."""
    limit = today + timedelta(days=days)
    out: dict[date, int] = {}
    for lot in lots:
        if lot.remaining > 0 and today <= lot.expires_on <= limit:
            out[lot.expires_on] = out.get(lot.expires_on, 0) + lot.remaining
    return sorted(out.items())


def birthday_in(days: int, today: date) -> date:
    """A 1992 birthday falling ``days`` from ``today`` (demo data: a birthday that is always
    this week). 1992 is a leap year, so 29 February fits."""
    return (today + timedelta(days=days)).replace(year=1992)
