"""Coupons (R9): validity reasons and discount math, also through price_cart."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posclient.domain.coupons import (
    Coupon,
    CouponKind,
    CouponStatus,
    DiscountType,
    check_coupon,
    coupon_discount,
    coupon_points_multiplier,
)
from posclient.domain.errors import CouponError
from posclient.domain.money import ZERO, from_fen, yuan
from posclient.domain.pricing import CartLine, PricingMember, Product, price_cart
from posclient.domain.tiers import GOLD, NORMAL
from posclient.i18n import message

TODAY = date(2024, 6, 15)


def coupon(**changes: object) -> Coupon:
    base = Coupon(
        code="C1",
        kind=CouponKind.GENERAL,
        discount_type=DiscountType.FIXED,
        value=yuan(10),
        valid_from=date(2024, 6, 1),
        valid_until=date(2024, 6, 30),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def check(c: Coupon, **kwargs: object) -> None:
    args: dict[str, object] = {
        "member_id": "m1",
        "purchase_count": 0,
        "today": TODAY,
        "eligible_amount": yuan(100),
    }
    args.update(kwargs)
    check_coupon(c, **args)  # type: ignore[arg-type]


# ------------------------------------------------------------------ validity


def test_a_plain_coupon_is_valid() -> None:
    check(coupon())
    check(coupon(), member_id=None)


@pytest.mark.parametrize(
    ("c", "kwargs", "reason"),
    [
        (coupon(status=CouponStatus.USED), {}, "coupon.used"),
        (coupon(status=CouponStatus.VOID), {}, "coupon.void"),
        (coupon(), {"today": date(2024, 5, 31)}, "coupon.not_yet_valid"),
        (coupon(), {"today": date(2024, 7, 1)}, "coupon.expired"),
        (coupon(member_id="m1"), {"member_id": None}, "coupon.member_only"),
        (coupon(member_id="m1"), {"member_id": "m2"}, "coupon.not_this_member"),
        (
            coupon(kind=CouponKind.FIRST_PURCHASE),
            {"purchase_count": 1},
            "coupon.first_purchase_only",
        ),
        (coupon(min_spend=yuan(100)), {"eligible_amount": yuan("99.99")}, "coupon.below_min_spend"),
    ],
)
def test_each_coupon_rejection_reason(c: Coupon, kwargs: dict[str, object], reason: str) -> None:
    with pytest.raises(CouponError) as info:
        check(c, **kwargs)
    assert info.value.code == reason
    assert info.value.params["code"] == "C1"


def test_validity_bounds_are_inclusive() -> None:
    check(coupon(), today=date(2024, 6, 1))
    check(coupon(), today=date(2024, 6, 30))
    check(coupon(min_spend=yuan(100)), eligible_amount=yuan(100))
    check(coupon(member_id="m1"), member_id="m1")
    check(coupon(kind=CouponKind.FIRST_PURCHASE), purchase_count=0)


def test_rejection_params_carry_what_the_message_needs() -> None:
    with pytest.raises(CouponError) as info:
        check(coupon(), today=date(2024, 7, 1))
    assert info.value.params["valid_until"] == date(2024, 6, 30)
    with pytest.raises(CouponError) as info:
        check(coupon(min_spend=yuan(50)), eligible_amount=yuan(1))
    assert info.value.params["min_spend"] == yuan(50)


def test_a_used_coupon_says_used_before_anything_else_to_its_member() -> None:
    c = coupon(status=CouponStatus.USED, member_id="m9", min_spend=yuan(1000))
    with pytest.raises(CouponError) as info:
        check(c, member_id="m9", today=date(2030, 1, 1))
    assert info.value.code == "coupon.used"


@pytest.mark.parametrize("status", [CouponStatus.USED, CouponStatus.VOID])
def test_another_members_coupon_says_whose_it_is_not_how_it_stands(status: CouponStatus) -> None:
    """QA 10: another member's used coupon answered "already used", telling the cashier
    about that member's coupons; the relevant reason is that it is not this member's."""
    c = coupon(status=status, member_id="m9")
    with pytest.raises(CouponError) as info:
        check(c, member_id="m1", today=date(2030, 1, 1))
    assert info.value.code == "coupon.not_this_member"
    with pytest.raises(CouponError) as info:
        check(c, member_id=None)
    assert info.value.code == "coupon.member_only"


@pytest.mark.parametrize(
    "changes",
    [
        {"value": ZERO},
        {"value": yuan(-1)},
        {"discount_type": DiscountType.PERCENT, "value": Decimal(100)},
        {"valid_until": date(2024, 5, 31)},
    ],
)
def test_coupon_validation(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        coupon(**changes)


# ------------------------------------------------------------------ discount math


def test_fixed_discount_is_capped_at_the_amount() -> None:
    assert coupon_discount(coupon(value=yuan(10)), yuan(100)) == yuan(10)
    assert coupon_discount(coupon(value=yuan(10)), yuan("7.30")) == yuan("7.30")
    assert coupon_discount(coupon(value=yuan(10)), ZERO) == ZERO


@pytest.mark.parametrize(
    ("percent", "amount", "expected"),
    [
        ("10", "100", "10.00"),
        ("15", "10.03", "1.50"),  # 1.5045 → 1.50
        ("15", "10.10", "1.52"),  # 1.515 → 1.52, half-up
        ("12.5", "0.04", "0.01"),  # 0.005 → 0.01, half-up
        ("12.5", "0.03", "0.00"),  # 0.00375 → 0.00
        ("99", "0.01", "0.01"),
    ],
)
def test_percent_discount_rounds_half_up(percent: str, amount: str, expected: str) -> None:
    c = coupon(discount_type=DiscountType.PERCENT, value=Decimal(percent))
    assert coupon_discount(c, yuan(amount)) == Decimal(expected)


def test_points_multiplier_coupon_takes_no_money_off() -> None:
    c = coupon(discount_type=DiscountType.POINTS_MULTIPLIER, value=Decimal(2))
    assert coupon_discount(c, yuan(100)) == ZERO
    assert coupon_points_multiplier(c) == 2
    assert coupon_points_multiplier(coupon()) == 1
    assert coupon_points_multiplier(None) == 1


coupons = st.one_of(
    st.builds(
        lambda v: coupon(discount_type=DiscountType.FIXED, value=from_fen(v)),
        st.integers(1, 10**7),
    ),
    st.builds(
        lambda v: coupon(discount_type=DiscountType.PERCENT, value=Decimal(v) / 10),
        st.integers(1, 999),
    ),
    st.builds(
        lambda v: coupon(discount_type=DiscountType.POINTS_MULTIPLIER, value=Decimal(v) / 2),
        st.integers(1, 10),
    ),
)


@settings(deadline=None)
@given(c=coupons, amount=st.integers(0, 10**9).map(from_fen))
def test_discount_is_whole_fen_between_zero_and_the_amount(c: Coupon, amount: Decimal) -> None:
    off = coupon_discount(c, amount)
    assert ZERO <= off <= amount
    assert off.as_tuple().exponent == -2


# ------------------------------------------------------------------ through pricing

SOAP = Product("soap", "香皂", yuan("50.00"))
RICE = Product("rice", "大米", yuan("30.00"), discountable=False)


def member(**changes: object) -> PricingMember:
    return replace(PricingMember("m1", NORMAL, balance=0), **changes)  # type: ignore[arg-type]


def test_points_multiplier_coupon_doubles_earned_points() -> None:
    lines = [CartLine(SOAP, 1), CartLine(RICE, 1)]
    double = coupon(
        kind=CouponKind.COMEBACK, discount_type=DiscountType.POINTS_MULTIPLIER, value=Decimal(2)
    )
    plain = price_cart(lines, member=member(), today=TODAY)
    doubled = price_cart(lines, member=member(), coupon=double, today=TODAY)
    assert plain.points_earned == 80
    assert doubled.points_earned == 160
    assert doubled.amount_due == plain.amount_due == yuan(80)
    assert doubled.coupon_discount == ZERO
    assert doubled.points_multiplier == 2
    assert doubled.coupon_code == "C1"
    # Stacks with the tier multiplier: gold 1.5 × 2 on ¥80 (after gold's 5 % on soap: 77.50).
    gold = price_cart(lines, member=member(tier=GOLD), coupon=double, today=TODAY)
    assert gold.amount_due == yuan("77.50")
    assert gold.points_earned == 232


def test_coupon_applies_only_to_discountable_lines() -> None:
    lines = [CartLine(SOAP, 1), CartLine(RICE, 1)]
    c = coupon(discount_type=DiscountType.PERCENT, value=Decimal(10))
    priced = price_cart(lines, member=member(), coupon=c, today=TODAY)
    assert [line.coupon_discount for line in priced.lines] == [yuan(5), ZERO]
    assert priced.amount_due == yuan(75)


def test_fixed_coupon_is_capped_at_the_discountable_part_through_pricing() -> None:
    lines = [CartLine(SOAP, 1), CartLine(RICE, 1)]
    priced = price_cart(lines, member=member(), coupon=coupon(value=yuan(60)), today=TODAY)
    assert priced.coupon_discount == yuan(50)
    assert priced.amount_due == yuan(30)


def test_min_spend_counts_only_discountable_lines() -> None:
    lines = [CartLine(SOAP, 1), CartLine(RICE, 1)]
    with pytest.raises(CouponError) as info:
        price_cart(lines, member=member(), coupon=coupon(min_spend=yuan(60)), today=TODAY)
    assert info.value.code == "coupon.below_min_spend"
    # The reason says what counted: the items it applies to, after the member discount.
    assert "(this sale: ¥50.00)" in message(info.value, "en")
    assert "本单 ¥50.00" in message(info.value, "zh_CN")


def test_coupon_reasons_surface_through_pricing() -> None:
    lines = [CartLine(SOAP, 1)]
    with pytest.raises(CouponError) as info:
        price_cart(lines, member=None, coupon=coupon(member_id="m1"), today=TODAY)
    assert info.value.code == "coupon.member_only"
    first = coupon(kind=CouponKind.FIRST_PURCHASE)
    with pytest.raises(CouponError) as info:
        price_cart(lines, member=member(purchase_count=3), coupon=first, today=TODAY)
    assert info.value.code == "coupon.first_purchase_only"
    assert price_cart(lines, member=member(), coupon=first, today=TODAY).coupon_discount == yuan(10)


def test_coupon_fields_read_back_as_plain_strings_still_count() -> None:
    # The store may hand back "used" / "fixed" as str (a String column): the rules must see the
    # same coupon, not skip the "used" check or give a fixed coupon no discount.
    raw = Coupon(
        "C2",
        "general",  # type: ignore[arg-type]
        "fixed",  # type: ignore[arg-type]
        yuan(10),
        date(2024, 6, 1),
        date(2024, 6, 30),
        status="used",  # type: ignore[arg-type]
    )
    assert raw.status is CouponStatus.USED
    assert raw.discount_type is DiscountType.FIXED
    assert raw.kind is CouponKind.GENERAL
    with pytest.raises(CouponError) as info:
        check(raw)
    assert info.value.code == "coupon.used"
    assert coupon_discount(replace(raw, status=CouponStatus.AVAILABLE), yuan(50)) == yuan(10)
    with pytest.raises(ValueError):
        coupon(status="spent")


def test_first_purchase_coupon_needs_a_member() -> None:
    welcome = coupon(kind=CouponKind.FIRST_PURCHASE, member_id=None)
    with pytest.raises(CouponError) as info:
        check_coupon(
            welcome, member_id=None, purchase_count=0, today=TODAY, eligible_amount=yuan(100)
        )
    assert info.value.code == "coupon.member_only"
    check_coupon(welcome, member_id="m1", purchase_count=0, today=TODAY, eligible_amount=yuan(100))
