"""Cart pricing: money is conserved to the fen, points never go below zero, the rules in order."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from posclient.domain.coupons import (
    Coupon,
    CouponKind,
    DiscountType,
    coupon_discount,
    coupon_points_multiplier,
)
from posclient.domain.errors import CartError, CouponError, PointsError
from posclient.domain.money import MAX_YUAN, ZERO, floor_int, from_fen, round_fen, yuan
from posclient.domain.pricing import (
    MAX_QTY,
    CartLine,
    PricedCart,
    PricedLine,
    PricingMember,
    Product,
    check_qty,
    price_cart,
)
from posclient.domain.tiers import DEFAULT_TIERS, DIAMOND, GOLD, NORMAL, SILVER, Tier
from posclient.services import sale_rows
from posclient.sync.protocol import SaleLinePayload

TODAY = date(2024, 6, 15)
#: The properties that guard the money get more examples than hypothesis' default 100: the
#: combinations that matter (points+cash line + coupon + redemption…) are rare in random carts.
CORE = settings(max_examples=300, deadline=None)

# ------------------------------------------------------------------ strategies

fen = st.integers


@st.composite
def products(draw: st.DrawFn, sku: str) -> Product:
    price = draw(fen(0, 300_000))
    member_price = draw(st.none() | fen(0, price))
    points = draw(st.none() | st.tuples(fen(0, 20_000), fen(0, price)))
    return Product(
        sku=sku,
        name=f"商品{sku}",
        price=from_fen(price),
        member_price=None if member_price is None else from_fen(member_price),
        discountable=draw(st.booleans()),
        points_price=None if points is None else points[0],
        points_cash=None if points is None else from_fen(points[1]),
    )


@st.composite
def carts(draw: st.DrawFn, *, min_size: int = 0) -> list[CartLine]:
    lines = []
    for index in range(draw(st.integers(min_size, 6))):
        product = draw(products(f"SKU{index}"))
        use_points = product.points_price is not None and draw(st.booleans())
        lines.append(CartLine(product, draw(st.integers(1, 12)), use_points_price=use_points))
    return lines


custom_tiers = st.builds(
    lambda rate, mult: Tier("t", "特", "T", 5, ZERO, Decimal(rate) / 100, Decimal(mult) / 10),
    st.integers(1, 100),
    st.integers(0, 30),
)


@st.composite
def members(draw: st.DrawFn) -> PricingMember:
    return PricingMember(
        member_id="m1",
        tier=draw(st.sampled_from(DEFAULT_TIERS) | custom_tiers),
        balance=draw(
            st.integers(-20_000, 10**7) | st.integers(0, 3_000) | st.integers(10**6, 10**7)
        ),
        purchase_count=draw(st.integers(0, 3)),
        can_redeem=draw(st.booleans()),
        redeem_cap=draw(st.none() | st.integers(-100, 50_000)),
    )


@st.composite
def coupons(draw: st.DrawFn, member: PricingMember | None) -> Coupon | None:
    kind = draw(st.sampled_from(DiscountType))
    if kind is DiscountType.FIXED:
        value = from_fen(draw(fen(1, 200_000)))
    elif kind is DiscountType.PERCENT:
        value = Decimal(draw(fen(1, 999))) / 10
    else:
        value = Decimal(draw(fen(1, 6))) / 2
    return draw(
        st.none()
        | st.just(
            Coupon(
                code="C1",
                kind=draw(st.sampled_from(CouponKind)),
                discount_type=kind,
                value=value,
                valid_from=date(2024, 1, 1),
                valid_until=date(2024, 12, 31),
                min_spend=draw(st.just(ZERO) | st.integers(0, 50_000).map(from_fen)),
                member_id=draw(st.none() | st.just(member.member_id if member else "m1")),
            )
        )
    )


@st.composite
def sales(draw: st.DrawFn) -> tuple[list[CartLine], PricingMember | None, Coupon | None]:
    lines = draw(carts())
    member = draw(st.one_of(members(), members(), members(), st.none()))
    return lines, member, draw(coupons(member))


def whole_fen(amount: Decimal) -> bool:
    return amount == round_fen(amount)


# ------------------------------------------------------------------ helpers for the identities


def line_identity(line: PricedLine) -> Decimal:
    return (
        line.gross
        - line.member_saving
        - line.item_points_value
        - line.tier_discount
        - line.coupon_discount
        - line.points_value
    )


def assert_conserved(cart: PricedCart) -> None:
    assert (
        cart.subtotal
        - cart.member_savings
        - cart.item_points_value
        - cart.tier_discount
        - cart.coupon_discount
        - cart.points_value
        == cart.amount_due
    )
    assert cart.amount_due >= 0
    for line in cart.lines:
        assert line_identity(line) == line.amount_due
        for amount in (
            line.gross,
            line.member_saving,
            line.item_points_value,
            line.tier_discount,
            line.coupon_discount,
            line.points_value,
            line.amount_due,
        ):
            assert amount >= 0
            assert whole_fen(amount)
        assert line.points_redeemed >= 0 and line.points_earned >= 0 and line.item_points >= 0
        assert line.points_value == from_fen(line.points_redeemed)
        assert line.gross == line.unit_price * line.qty
    lines = cart.lines

    def total(name: str) -> object:
        return sum((getattr(line, name) for line in lines), ZERO)

    assert total("gross") == cart.subtotal
    assert total("member_saving") == cart.member_savings
    assert total("item_points_value") == cart.item_points_value
    assert total("tier_discount") == cart.tier_discount
    assert total("coupon_discount") == cart.coupon_discount
    assert total("points_value") == cart.points_value
    assert total("amount_due") == cart.amount_due
    assert sum(line.item_points for line in lines) == cart.item_points
    assert sum(line.points_redeemed for line in lines) == cart.points_redeemed
    assert sum(line.points_earned for line in lines) == cart.points_earned
    assert cart.points_value == from_fen(cart.points_redeemed)


# ------------------------------------------------------------------ properties


@CORE
def assert_hq_takes_the_lines(priced: PricedCart) -> None:
    """The lines as the till sends them pass HQ's line checks (SaleLinePayload)."""
    encoded = sale_rows.encode(
        sale_id="s", member=None, priced=priced, redemption=None, earning=None
    )
    for line in encoded.payload["lines"]:
        SaleLinePayload.model_validate(line)


@given(sale=sales(), data=st.data())
def test_money_is_conserved(
    sale: tuple[list[CartLine], PricingMember | None, Coupon | None], data: st.DataObject
) -> None:
    lines, member, coupon = sale
    item_points = sum(
        (line.product.points_price or 0) * line.qty for line in lines if line.use_points_price
    )
    try:
        quote = price_cart(lines, member=member, coupon=coupon, today=TODAY)
    except CartError as error:
        assert error.code == "cart.empty" and not lines and coupon is not None
        return
    except CouponError:
        assume(False)
        raise
    except PointsError as error:
        # The only PointsErrors without a redemption: points+cash lines the member cannot pay.
        if member is None:
            assert error.code == "points.member_required"
            assert any(line.use_points_price for line in lines)
        elif error.code == "points.over_offline_cap":  # the offline cap covers item points too
            assert member.redeem_cap is not None and item_points > max(0, member.redeem_cap)
        elif error.code == "points.provisional_member":  # points+cash spends points
            assert not member.can_redeem and any(line.use_points_price for line in lines)
        else:
            assert error.code == "points.over_balance"
            assert item_points > member.balance
        return
    assert_conserved(quote)
    # A valid redemption: whole yuan, anything up to what the till offers.
    redeem = data.draw(st.integers(0, quote.max_redeemable // 100)) * 100
    priced = price_cart(lines, member=member, coupon=coupon, redeem_points=redeem, today=TODAY)
    assert_conserved(priced)
    assert_hq_takes_the_lines(priced)
    assert priced.points_redeemed == redeem
    assert priced.max_redeemable == quote.max_redeemable
    # Everything before the points payment is what the quote said.
    assert priced.amount_due == quote.amount_due - from_fen(redeem)
    assert priced.tier_discount == quote.tier_discount
    assert priced.coupon_discount == quote.coupon_discount
    # Points are earned on the money paid, not on the part paid with points.
    if member is not None:
        multiplier = member.tier.points_multiplier * coupon_points_multiplier(coupon)
        assert priced.points_earned == max(0, floor_int(priced.amount_due * multiplier))
    # Bill points are spread by what each line costs before them, earned points by what each
    # line pays: within one fen / one point of the exact share.
    bill = priced.amount_due + priced.points_value
    for line in priced.lines:
        before = line.amount_due + line.points_value
        if bill:
            assert abs(line.points_value - priced.points_value * before / bill) < Decimal("0.01")
        if priced.amount_due:
            share = Decimal(priced.points_earned) * line.amount_due / priced.amount_due
            assert abs(line.points_earned - share) < 1


@CORE
@given(sale=sales())
def test_each_rule_applies_where_it_should(
    sale: tuple[list[CartLine], PricingMember | None, Coupon | None],
) -> None:
    lines, member, coupon = sale
    try:
        priced = price_cart(lines, member=member, coupon=coupon, today=TODAY)
    except (CartError, CouponError, PointsError):
        assume(False)
        raise
    tier_base = ZERO
    coupon_base = ZERO
    for cart_line, line in zip(lines, priced.lines, strict=True):
        product = cart_line.product
        if member is None:
            assert line.member_saving == 0 and line.tier_discount == 0 and line.points_earned == 0
        if cart_line.use_points_price:
            assert product.points_price is not None and product.points_cash is not None
            assert line.unit_paid == product.points_cash
            assert line.item_points == product.points_price * cart_line.qty
            assert line.member_saving == line.tier_discount == line.coupon_discount == 0
        else:
            assert line.item_points == 0 and line.item_points_value == 0
            member_priced = member is not None and product.member_price is not None
            expected_unit = product.member_price if member_priced else product.price
            assert line.unit_paid == expected_unit
            if not product.discountable:
                assert line.tier_discount == line.coupon_discount == 0
            elif line.unit_paid != product.price:
                # A member price is already the member's deal.
                assert line.tier_discount == 0
                coupon_base += line.gross - line.member_saving
            else:
                tier_base += line.gross - line.member_saving
                coupon_base += line.gross - line.member_saving - line.tier_discount
        # No rule ever takes more off a line than it costs.
        assert line.tier_discount + line.coupon_discount <= line.gross - line.member_saving
    # The spreads add up exactly to the discounts computed on the eligible sums.
    rate = member.tier.discount_rate if member else Decimal(1)
    assert priced.tier_discount == round_fen(tier_base * (1 - rate))
    if coupon is not None:
        assert priced.coupon_discount == coupon_discount(coupon, coupon_base)
    else:
        assert priced.coupon_discount == 0
    # Points earned: floor(money paid × tier multiplier × coupon multiplier).
    if member is not None:
        multiplier = member.tier.points_multiplier * coupon_points_multiplier(coupon)
        assert priced.points_earned == max(0, floor_int(priced.amount_due * multiplier))


@CORE
@given(lines=carts(min_size=1), member=members(), data=st.data())
def test_points_never_go_below_zero_inside_a_sale(
    lines: list[CartLine], member: PricingMember, data: st.DataObject
) -> None:
    item_points = sum(
        (line.product.points_price or 0) * line.qty for line in lines if line.use_points_price
    )
    try:
        quote = price_cart(lines, member=member, today=TODAY)
    except PointsError as error:
        if error.code == "points.over_offline_cap":  # the offline cap covers item points too
            assert member.redeem_cap is not None and item_points > max(0, member.redeem_cap)
            return
        if error.code == "points.provisional_member":  # points+cash spends points
            assert not member.can_redeem and any(line.use_points_price for line in lines)
            return
        assert error.code == "points.over_balance"
        assert item_points > member.balance
        return
    left = member.balance - item_points
    bill = quote.amount_due
    # The most the till offers: whole yuan, ≤ half the bill, ≤ what is left, ≤ the offline cap.
    expected = 0
    if member.can_redeem and left > 0 and bill > 0:
        expected = min(left // 100, floor_int(bill / 2)) * 100
        if member.redeem_cap is not None:
            cap_left = max(0, member.redeem_cap - item_points)
            expected = min(expected, cap_left // 100 * 100)
    assert quote.max_redeemable == expected

    near = [
        expected - 100,
        expected,
        expected + 1,
        expected + 100,
        left,
        left + 100,
        (left // 100 + 1) * 100,
        member.balance,
        member.balance // 100 * 100,
    ]
    redeem = data.draw(st.sampled_from(near) | st.integers(-500, 10**6), label="redeem")
    try:
        priced = price_cart(lines, member=member, redeem_points=redeem, today=TODAY)
    except PointsError as error:
        if not member.can_redeem:
            assert error.code == "points.provisional_member"
        elif redeem < 0:
            assert error.code == "points.negative"
        elif redeem % 100:
            assert error.code == "points.not_whole_yuan"
        elif redeem > left:
            assert error.code == "points.over_balance"
        else:
            # Over the bill's cap, or over the offline cap when that is the lower one.
            assert error.code in ("points.over_cap", "points.over_offline_cap")
            assert error.code == "points.over_cap" or member.redeem_cap is not None
            assert redeem > expected
        return
    assert 0 <= redeem <= expected
    assert priced.points_redeemed == redeem
    assert priced.points_spent == item_points + redeem
    # The till never spends more than the member has.
    assert priced.points_spent == 0 or member.balance - priced.points_spent >= 0
    assert_conserved(priced)


# ------------------------------------------------------------------ examples

SOAP = Product("soap", "香皂", yuan("50.00"))
TEA = Product("tea", "茶叶", yuan("80.00"), member_price=yuan("70.00"))
RICE = Product("rice", "大米", yuan("30.00"), discountable=False)
MUG = Product("mug", "杯子", yuan("25.00"), points_price=1000, points_cash=yuan("10.00"))


def year_coupon(code: str, kind: CouponKind, discount: DiscountType, value: Decimal) -> Coupon:
    """A coupon valid all of 2024 (TODAY's year)."""
    return Coupon(code, kind, discount, value, date(2024, 1, 1), date(2024, 12, 31))


def member(tier: Tier = NORMAL, **changes: object) -> PricingMember:
    return replace(PricingMember("m1", tier, balance=1_000_000), **changes)  # type: ignore[arg-type]


def test_non_member_pays_list_price_and_earns_nothing() -> None:
    priced = price_cart([CartLine(TEA, 2), CartLine(SOAP, 1)], member=None, today=TODAY)
    assert priced.subtotal == priced.amount_due == yuan(210)
    assert priced.member_savings == priced.tier_discount == 0
    assert priced.points_earned == 0
    assert priced.max_redeemable == 0


def test_tier_discount_only_on_discountable_lines_without_a_member_price() -> None:
    lines = [CartLine(SOAP, 2), CartLine(TEA, 1), CartLine(RICE, 1)]
    priced = price_cart(lines, member=member(GOLD), today=TODAY)
    soap, tea, rice = priced.lines
    assert soap.tier_discount == yuan(5)  # 5 % of ¥100
    assert tea.member_saving == yuan(10) and tea.tier_discount == 0
    assert rice.tier_discount == 0
    assert priced.amount_due == yuan(95 + 70 + 30)


def test_tier_discount_on_a_member_price_equal_to_list_price() -> None:
    same = Product("same", "同价", yuan(10), member_price=yuan(10))
    priced = price_cart([CartLine(same, 1)], member=member(DIAMOND), today=TODAY)
    assert priced.tier_discount == yuan(1)


def test_tier_discount_is_rounded_once_and_spread_to_the_fen() -> None:
    cheap = Product("gum", "口香糖", yuan("0.33"))
    priced = price_cart([CartLine(cheap, 1)] * 3, member=member(SILVER), today=TODAY)
    # 2 % of ¥0.99 = 0.0198 → ¥0.02, over three equal lines.
    assert priced.tier_discount == yuan("0.02")
    assert [line.tier_discount for line in priced.lines] == [yuan("0.01"), yuan("0.01"), ZERO]


def test_points_and_cash_line() -> None:
    priced = price_cart(
        [CartLine(MUG, 2, use_points_price=True), CartLine(SOAP, 1)],
        member=member(GOLD, balance=5_000),
        today=TODAY,
    )
    mug, soap = priced.lines
    assert mug.unit_paid == yuan(10)
    assert mug.item_points == 2_000
    assert mug.item_points_value == yuan(30)
    assert mug.member_saving == mug.tier_discount == mug.coupon_discount == 0
    assert mug.amount_due == yuan(20)
    assert soap.tier_discount == yuan("2.50")
    assert priced.item_points == priced.points_spent == 2_000
    # Earned on the cash paid, the mug's cash part included: floor((20 + 47.50) × 1.5).
    assert priced.amount_due == yuan("67.50")
    assert priced.points_earned == 101
    # The balance left after item points bounds the bill payment: 3,000 points, cap ¥33.
    assert priced.max_redeemable == 3_000
    # Asking for more than is left after the item points is "over balance", not "over cap".
    with pytest.raises(PointsError) as info:
        price_cart(
            [CartLine(MUG, 2, use_points_price=True), CartLine(SOAP, 10)],
            member=member(GOLD, balance=5_000),
            redeem_points=3_100,
            today=TODAY,
        )
    assert info.value.code == "points.over_balance"
    assert info.value.params == {"requested": 3_100, "balance": 3_000}


def test_points_and_cash_line_is_not_discounted_by_a_coupon() -> None:
    percent = year_coupon("C", CouponKind.GENERAL, DiscountType.PERCENT, Decimal(50))
    priced = price_cart(
        [CartLine(MUG, 1, use_points_price=True), CartLine(SOAP, 1)],
        member=member(),
        coupon=percent,
        today=TODAY,
    )
    assert [line.coupon_discount for line in priced.lines] == [ZERO, yuan(25)]


def test_points_and_cash_needs_a_member_and_the_points() -> None:
    with pytest.raises(PointsError) as info:
        price_cart([CartLine(MUG, 1, use_points_price=True)], member=None, today=TODAY)
    assert info.value.code == "points.member_required"
    with pytest.raises(PointsError) as info:
        price_cart(
            [CartLine(MUG, 2, use_points_price=True)], member=member(balance=1_999), today=TODAY
        )
    assert info.value.code == "points.over_balance"
    assert info.value.params == {"requested": 2_000, "balance": 1_999}
    with pytest.raises(CartError) as cart_info:
        price_cart([CartLine(SOAP, 1, use_points_price=True)], member=member(), today=TODAY)
    assert cart_info.value.code == "cart.no_points_price"


def test_provisional_member_earns_but_spends_no_points() -> None:
    provisional = member(can_redeem=False)
    priced = price_cart([CartLine(SOAP, 2)], member=provisional, today=TODAY)
    assert priced.max_redeemable == 0
    assert priced.points_earned == 100
    with pytest.raises(PointsError) as info:
        price_cart([CartLine(SOAP, 2)], member=provisional, redeem_points=100, today=TODAY)
    assert info.value.code == "points.provisional_member"
    # A points+cash price spends points too: refused the same way.
    with pytest.raises(PointsError) as info:
        price_cart([CartLine(MUG, 1, use_points_price=True)], member=provisional, today=TODAY)
    assert info.value.code == "points.provisional_member"


def test_a_stale_offline_balance_says_why_no_points_can_be_spent() -> None:
    confirmed = datetime(2024, 6, 10, 9, 30, tzinfo=UTC)
    stale = member(redeem_cap=0, stale_balance=True, balance_as_of=confirmed)
    assert price_cart([CartLine(SOAP, 2)], member=stale, today=TODAY).max_redeemable == 0
    for lines, redeem in (([CartLine(SOAP, 2)], 100), ([CartLine(MUG, 1, True)], 0)):
        with pytest.raises(PointsError) as info:
            price_cart(lines, member=stale, redeem_points=redeem, today=TODAY)
        assert info.value.code == "points.stale_balance"
        assert info.value.params == {"as_of": confirmed}
    never = member(redeem_cap=0, stale_balance=True, balance_as_of=None)
    with pytest.raises(PointsError) as info:
        price_cart([CartLine(SOAP, 2)], member=never, redeem_points=100, today=TODAY)
    assert info.value.code == "points.stale_balance_never"


def test_a_coupon_that_takes_nothing_off_is_refused() -> None:
    fixed = year_coupon("FIX10", CouponKind.BIRTHDAY, DiscountType.FIXED, yuan(10))
    with pytest.raises(CouponError) as info:
        price_cart([CartLine(RICE, 1)], member=member(), coupon=fixed, today=TODAY)
    assert info.value.code == "coupon.nothing_eligible"
    # With a minimum spend too, "spend more" would be no answer: nothing can be discounted.
    spend = year_coupon("MIN100", CouponKind.BIRTHDAY, DiscountType.FIXED, yuan(10))
    spend = dataclasses.replace(spend, min_spend=yuan(100))
    with pytest.raises(CouponError) as info:
        price_cart([CartLine(RICE, 3)], member=member(), coupon=spend, today=TODAY)
    assert info.value.code == "coupon.nothing_eligible"
    assert price_cart(
        [CartLine(RICE, 1), CartLine(SOAP, 1)], member=member(), coupon=fixed, today=TODAY
    ).coupon_discount == yuan(10)


def test_redemption_cap_is_half_the_bill_in_whole_yuan() -> None:
    item = Product("x", "x", yuan("99.99"))
    priced = price_cart([CartLine(item, 1)], member=member(), today=TODAY)
    assert priced.max_redeemable == 4_900
    paid = price_cart([CartLine(item, 1)], member=member(), redeem_points=4_900, today=TODAY)
    assert paid.points_value == yuan(49)
    assert paid.amount_due == yuan("50.99")
    assert paid.points_earned == 50
    with pytest.raises(PointsError) as info:
        price_cart([CartLine(item, 1)], member=member(), redeem_points=5_000, today=TODAY)
    assert info.value.code == "points.over_cap"
    assert info.value.params == {"requested": 5_000, "limit": 4_900}
    with pytest.raises(PointsError) as info:
        price_cart([CartLine(item, 1)], member=member(), redeem_points=4_950, today=TODAY)
    assert info.value.code == "points.not_whole_yuan"


def test_redemption_bounded_by_balance_and_offline_cap() -> None:
    lines = [CartLine(SOAP, 10)]  # ¥500, cap ¥250
    assert price_cart(lines, member=member(balance=12_345), today=TODAY).max_redeemable == 12_300
    assert price_cart(lines, member=member(balance=99), today=TODAY).max_redeemable == 0
    assert price_cart(lines, member=member(balance=-50), today=TODAY).max_redeemable == 0
    offline = member(redeem_cap=7_050)
    assert price_cart(lines, member=offline, today=TODAY).max_redeemable == 7_000
    with pytest.raises(PointsError) as info:
        price_cart(lines, member=member(balance=12_345), redeem_points=12_400, today=TODAY)
    assert info.value.code == "points.over_balance"
    with pytest.raises(PointsError) as info:
        price_cart(lines, member=member(), redeem_points=-100, today=TODAY)
    assert info.value.code == "points.negative"
    with pytest.raises(PointsError) as info:
        price_cart(lines, member=None, redeem_points=100, today=TODAY)
    assert info.value.code == "points.member_required"


def test_points_earned_are_floored_after_the_tier_multiplier() -> None:
    item = Product("x", "x", yuan("99.50"), discountable=False)
    assert price_cart([CartLine(item, 1)], member=member(GOLD), today=TODAY).points_earned == 149
    assert price_cart([CartLine(item, 1)], member=member(SILVER), today=TODAY).points_earned == 119
    assert price_cart([CartLine(item, 1)], member=member(), today=TODAY).points_earned == 99


def test_points_earned_spread_over_lines_by_money_paid() -> None:
    lines = [CartLine(RICE, 1), CartLine(RICE, 2)]
    priced = price_cart(lines, member=member(), today=TODAY)
    assert [line.points_earned for line in priced.lines] == [30, 60]


def test_bill_points_spread_over_lines() -> None:
    lines = [CartLine(RICE, 1), CartLine(RICE, 2)]
    priced = price_cart(lines, member=member(), redeem_points=4_500, today=TODAY)
    assert [line.points_redeemed for line in priced.lines] == [1_500, 3_000]
    assert [line.amount_due for line in priced.lines] == [yuan(15), yuan(30)]


def test_cart_errors() -> None:
    with pytest.raises(CartError) as info:
        price_cart([], member=member(), redeem_points=100, today=TODAY)
    assert info.value.code == "cart.empty"
    empty = price_cart([], member=member(), today=TODAY)
    assert empty.amount_due == 0 and empty.lines == ()
    big = Product("big", "大件", MAX_YUAN)
    with pytest.raises(CartError) as info:
        price_cart([CartLine(big, 1), CartLine(SOAP, 1)], member=None, today=TODAY)
    assert info.value.code == "cart.total_too_large"
    assert price_cart([CartLine(big, 1)], member=None, today=TODAY).amount_due == MAX_YUAN


@pytest.mark.parametrize(
    ("qty", "reason"),
    [
        (0, "cart.qty_not_positive"),
        (-1, "cart.qty_not_positive"),
        (MAX_QTY + 1, "cart.qty_too_large"),
        (True, "cart.bad_qty"),
        (1.0, "cart.bad_qty"),
    ],
)
def test_bad_quantities(qty: object, reason: str) -> None:
    with pytest.raises(CartError) as info:
        check_qty(qty)  # type: ignore[arg-type]
    assert info.value.code == reason
    with pytest.raises(CartError):
        price_cart([CartLine(SOAP, qty)], member=None, today=TODAY)  # type: ignore[arg-type]
    check_qty(MAX_QTY)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"price": yuan(-1)},
        {"price": MAX_YUAN + 1},
        {"member_price": yuan(11)},
        {"member_price": yuan(-1)},
        {"points_price": 100},
        {"points_cash": yuan(1)},
        {"points_price": 100, "points_cash": yuan(11)},
    ],
)
def test_product_validation(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"sku": "p", "name": "p", "price": yuan(10)}
    args.update(kwargs)
    with pytest.raises(ValueError):
        Product(**args)  # type: ignore[arg-type]


def test_product_display_name() -> None:
    named = Product("p", "茶", yuan(1), name_en="Tea")
    assert named.display_name("en") == "Tea"
    assert named.display_name("zh_CN") == "茶"
    assert SOAP.display_name("en") == "香皂"


def test_member_in_debt_still_buys_and_earns() -> None:
    # Two offline tills overspent: the member owes points. The next sale must go through (and
    # its points pay the debt off later); only redeeming is refused.
    in_debt = member(GOLD, balance=-350)
    priced = price_cart([CartLine(SOAP, 2)], member=in_debt, today=TODAY)
    assert priced.amount_due == yuan(95)
    assert priced.points_earned == 142
    assert priced.max_redeemable == 0
    with pytest.raises(PointsError) as info:
        price_cart([CartLine(SOAP, 2)], member=in_debt, redeem_points=100, today=TODAY)
    assert info.value.code == "points.over_balance"
    assert info.value.params == {"requested": 100, "balance": 0}
    with pytest.raises(PointsError):
        price_cart([CartLine(MUG, 1, use_points_price=True)], member=in_debt, today=TODAY)
