"""Triggered offers: table tests of each rule at its edges, and properties over random facts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posclient.domain.coupons import Coupon, CouponKind, CouponStatus, DiscountType
from posclient.domain.offers import (
    MemberFacts,
    OfferKind,
    OfferRules,
    birthday_delta,
    evaluate,
)
from posclient.domain.points import Lot
from posclient.domain.tiers import DIAMOND, GOLD, NORMAL, SILVER

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
TODAY = date(2026, 11, 23)
MID = "m-1"


def coupon(code: str, kind: CouponKind, **kw: object) -> Coupon:
    base: dict[str, object] = {
        "discount_type": DiscountType.FIXED,
        "value": Decimal(10),
        "valid_from": TODAY - timedelta(days=1),
        "valid_until": TODAY + timedelta(days=30),
        "member_id": MID,
    }
    base.update(kw)
    return Coupon(code, kind, **base)  # type: ignore[arg-type]


def facts(**kw: object) -> MemberFacts:
    base: dict[str, object] = {
        "now": NOW,
        "today": TODAY,
        "tier": SILVER,
        "spend_12m": Decimal(2500),
        "purchase_count": 5,
        "enrolled_at": NOW - timedelta(days=400),
        "last_purchase_at": NOW - timedelta(days=3),
        "member_id": MID,
    }
    base.update(kw)
    return MemberFacts(**base)  # type: ignore[arg-type]


def kinds(f: MemberFacts, rules: OfferRules | None = None) -> list[OfferKind]:
    return [offer.kind for offer in evaluate(f, rules)]


def test_an_ordinary_member_gets_no_offer() -> None:
    assert evaluate(facts()) == ()


@pytest.mark.parametrize(
    ("birthday", "expected"),
    [
        (date(1990, 11, 26), True),  # 3 days ahead: the edge of the default window
        (date(1990, 11, 27), False),  # 4 days ahead
        (date(1990, 11, 20), True),  # 3 days past
        (date(1990, 11, 19), False),
        (date(1990, 11, 23), True),  # today
    ],
)
def test_birthday_window(birthday: date, expected: bool) -> None:
    assert (OfferKind.BIRTHDAY in kinds(facts(birthday=birthday))) is expected


def test_birthday_across_new_year_and_leap_day() -> None:
    assert birthday_delta(date(1990, 1, 2), date(2026, 12, 30)) == 3
    assert birthday_delta(date(1990, 12, 30), date(2027, 1, 2)) == -3
    assert birthday_delta(date(1992, 2, 29), date(2027, 2, 27)) == 1  # 28 Feb in 2027


def test_birthday_offer_carries_the_usable_birthday_coupon_only() -> None:
    used = coupon("BD-OLD", CouponKind.BIRTHDAY, status=CouponStatus.USED)
    other = coupon("BD-X", CouponKind.BIRTHDAY, member_id="someone-else")
    later = coupon("BD-LATER", CouponKind.BIRTHDAY, valid_from=TODAY + timedelta(days=1))
    good = coupon("BD-OK", CouponKind.BIRTHDAY)
    f = facts(birthday=date(1990, 11, 24), coupons=(used, other, later))
    (offer,) = evaluate(f)
    assert offer.coupon_code is None and offer.day == date(2026, 11, 24)
    (offer,) = evaluate(facts(birthday=date(1990, 11, 24), coupons=(used, good)))
    assert offer.coupon_code == "BD-OK"


@pytest.mark.parametrize(
    ("hours", "count", "expected"),
    [(0, 0, True), (24, 0, True), (25, 0, False), (2, 1, False)],
)
def test_first_purchase_within_24_hours(hours: int, count: int, expected: bool) -> None:
    f = facts(
        enrolled_at=NOW - timedelta(hours=hours),
        purchase_count=count,
        last_purchase_at=None,
        spend_12m=Decimal(0),
        tier=NORMAL,
        coupons=(coupon("FP-1", CouponKind.FIRST_PURCHASE),),
    )
    offers = evaluate(f)
    assert (OfferKind.FIRST_PURCHASE in [o.kind for o in offers]) is expected
    if expected:
        assert offers[0].coupon_code == "FP-1"


@pytest.mark.parametrize(("days", "expected"), [(29, False), (30, True), (220, True)])
def test_comeback_after_30_dormant_days(days: int, expected: bool) -> None:
    f = facts(
        last_purchase_at=NOW - timedelta(days=days), coupons=(coupon("CB", CouponKind.COMEBACK),)
    )
    offers = [o for o in evaluate(f) if o.kind is OfferKind.COMEBACK]
    assert bool(offers) is expected
    if expected:
        assert offers[0].coupon_code == "CB"


@pytest.mark.parametrize(
    ("tier", "spend", "gap", "tier_reached"),
    [
        (SILVER, Decimal("4770"), Decimal("230.00"), GOLD),  # "¥230 more to 金卡"
        (SILVER, Decimal("4500"), Decimal("500.00"), GOLD),  # 10 % of ¥5,000
        (SILVER, Decimal("4499.99"), None, None),
        (NORMAL, Decimal("1700"), Decimal("300.00"), SILVER),  # ¥300 beats 10 % of ¥2,000
        (NORMAL, Decimal("1699"), None, None),
        (GOLD, Decimal("9000"), Decimal("1000.00"), DIAMOND),
        (DIAMOND, Decimal("20000"), None, None),  # top tier
    ],
)
def test_near_tier(tier, spend, gap, tier_reached) -> None:  # type: ignore[no-untyped-def]
    offers = [
        o for o in evaluate(facts(tier=tier, spend_12m=spend)) if o.kind is OfferKind.NEAR_TIER
    ]
    if gap is None:
        assert offers == []
    else:
        assert offers[0].amount == gap and offers[0].tier == tier_reached


def test_points_expiring_within_30_days() -> None:
    lots = (
        Lot(TODAY + timedelta(days=10), "a", 300),
        Lot(TODAY + timedelta(days=30), "b", 200),
        Lot(TODAY + timedelta(days=31), "c", 5000),
        Lot(TODAY - timedelta(days=1), "gone", 900),
    )
    (offer,) = evaluate(facts(lots=lots))
    assert offer.kind is OfferKind.POINTS_EXPIRING
    assert offer.points == 500 and offer.day == TODAY + timedelta(days=10)


def test_rules_from_hq_change_the_thresholds_and_can_switch_kinds_off() -> None:
    f = facts(last_purchase_at=NOW - timedelta(days=20), birthday=date(1990, 11, 30))
    assert kinds(f) == []
    rules = OfferRules(dormant_days=14, birthday_days_before=7)
    assert kinds(f, rules) == [OfferKind.BIRTHDAY, OfferKind.COMEBACK]
    assert kinds(
        f, OfferRules(dormant_days=14, birthday_days_before=7, enabled=frozenset({"comeback"}))
    ) == [OfferKind.COMEBACK]


def test_rules_refuse_negative_thresholds() -> None:
    with pytest.raises(ValueError):
        OfferRules(dormant_days=-1)


@given(
    days_since_purchase=st.integers(min_value=0, max_value=400),
    purchases=st.integers(min_value=0, max_value=50),
    spend=st.integers(min_value=0, max_value=2_000_000),
    dormant=st.integers(min_value=1, max_value=365),
    bday_offset=st.integers(min_value=-400, max_value=400),
)
def test_properties(days_since_purchase, purchases, spend, dormant, bday_offset) -> None:  # type: ignore[no-untyped-def]
    f = facts(
        purchase_count=purchases,
        last_purchase_at=NOW - timedelta(days=days_since_purchase) if purchases else None,
        spend_12m=Decimal(spend) / 100,
        birthday=(TODAY + timedelta(days=bday_offset)).replace(year=1990)
        if (TODAY + timedelta(days=bday_offset)) != date(2028, 2, 29)
        else None,
    )
    rules = OfferRules(dormant_days=dormant)
    offers = evaluate(f, rules)
    got = [o.kind for o in offers]
    # Each kind at most once, always in the documented order.
    assert got == sorted(set(got), key=list(OfferKind).index)
    # First purchase and comeback exclude each other.
    assert not {OfferKind.FIRST_PURCHASE, OfferKind.COMEBACK} <= set(got)
    # Comeback exactly when dormant for at least the rule's days.
    assert (OfferKind.COMEBACK in got) == (purchases > 0 and days_since_purchase >= dormant)
    # A near-tier gap is positive and never above the larger of the two limits.
    for offer in offers:
        if offer.kind is OfferKind.NEAR_TIER:
            assert offer.amount is not None and offer.tier is not None
            assert Decimal(0) < offer.amount <= max(Decimal(300), offer.tier.threshold / 10)
