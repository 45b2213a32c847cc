"""Refunds give back exactly what the lines cost, and put the points ledger back as it was."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posclient.domain.errors import CartError
from posclient.domain.money import ZERO, from_fen, yuan
from posclient.domain.points import (
    Account,
    Earning,
    Lot,
    Redemption,
    earn,
    earning_slice,
    redeem,
    redemption_slice,
    restore,
    reverse_earn,
)
from posclient.domain.pricing import CartLine, PricingMember, Product, price_cart
from posclient.domain.refunds import RefundTotals, SoldLine, refund, refund_line
from posclient.domain.tiers import GOLD

TODAY = date(2024, 6, 15)
EXPIRES = TODAY + timedelta(days=730)


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


# ------------------------------------------------------------------ strategies and helpers


@st.composite
def splits(draw: st.DrawFn, total: int, parts: int) -> list[int]:
    """``total`` cut into ``parts`` non-negative pieces."""
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=parts - 1, max_size=parts - 1)))
    return [high - low for low, high in pairwise([0, *cuts, total])]


@st.composite
def sold_lines(
    draw: st.DrawFn, *, points_spent: int | None = None, points_earned: int | None = None
) -> list[SoldLine]:
    count = draw(st.integers(1, 5))
    spent = (
        draw(splits(points_spent, count))
        if points_spent is not None
        else [draw(st.integers(0, 50_000) | st.integers(0, 30)) for _ in range(count)]
    )
    earned = (
        draw(splits(points_earned, count))
        if points_earned is not None
        else [draw(st.integers(0, 5_000) | st.integers(0, 30)) for _ in range(count)]
    )
    return [
        SoldLine(
            line_no=index + 1,
            qty=draw(st.integers(1, 12) | st.integers(1, 999)),
            # Tiny amounts over many units are where rounding per step could overshoot.
            amount_due=from_fen(draw(st.integers(0, 10**8) | st.integers(0, 30))),
            points_spent=spent[index],
            points_earned=earned[index],
        )
        for index in range(count)
    ]


def refund_steps(data: st.DataObject, lines: list[SoldLine]) -> list[dict[int, int] | None]:
    """Requests that refund every unit, in random partial steps (None = "all that is left")."""
    left = {line.line_no: line.qty for line in lines}
    steps: list[dict[int, int] | None] = []
    # One unit at a time is where per-step rounding accumulates most.
    if data.draw(st.booleans(), label="unit by unit"):
        for no, qty in left.items():
            steps.extend({no: 1} for _ in range(min(qty, 50)))
            left[no] -= min(qty, 50)
    while any(left.values()):
        open_lines = sorted(no for no, qty in left.items() if qty)
        if data.draw(st.integers(0, 9), label="rest") == 0:
            steps.append(None)
            break
        chosen = data.draw(
            st.lists(st.sampled_from(open_lines), min_size=1, unique=True), label="lines"
        )
        step = {no: data.draw(st.integers(1, left[no]), label=f"qty{no}") for no in chosen}
        for no, qty in step.items():
            left[no] -= qty
        steps.append(step)
    return steps


def book(lines: list[SoldLine], totals: RefundTotals) -> list[SoldLine]:
    """What the store records after a refund: the refunded parts added to each line."""
    by_no = {part.line_no: part for part in totals.lines}
    out = []
    for line in lines:
        part = by_no.get(line.line_no)
        if part is None:
            out.append(line)
            continue
        out.append(
            replace(
                line,
                refunded_qty=line.refunded_qty + part.qty,
                refunded_amount=line.refunded_amount + part.amount,
                refunded_points_spent=line.refunded_points_spent + part.points_restored,
                refunded_points_earned=line.refunded_points_earned + part.points_reversed,
            )
        )
    return out


# ------------------------------------------------------------------ refund arithmetic


@settings(max_examples=300, deadline=None)
@given(lines=sold_lines(), data=st.data())
def test_refunding_everything_in_any_steps_returns_exactly_the_line_totals(
    lines: list[SoldLine], data: st.DataObject
) -> None:
    sold = lines
    back: dict[int, list[int | Decimal]] = {line.line_no: [ZERO, 0, 0, 0] for line in lines}
    for step in refund_steps(data, lines):
        totals = refund(lines, step)
        assert totals.amount == sum((part.amount for part in totals.lines), ZERO)
        assert totals.points_restored == sum(part.points_restored for part in totals.lines)
        assert totals.points_reversed == sum(part.points_reversed for part in totals.lines)
        for part in totals.lines:
            assert part.amount >= 0 and part.amount == part.amount.quantize(Decimal("0.01"))
            assert part.points_restored >= 0 and part.points_reversed >= 0
            got = back[part.line_no]
            got[0] += part.amount
            got[1] += part.points_restored
            got[2] += part.points_reversed
            got[3] += part.qty
        lines = book(lines, totals)
    for line in sold:
        assert back[line.line_no] == [
            line.amount_due,
            line.points_spent,
            line.points_earned,
            line.qty,
        ]
    # Nothing is left to refund, and asking again is refused.
    with pytest.raises(CartError) as info:
        refund(lines, None)
    assert info.value.code == "refund.already_refunded"
    with pytest.raises(CartError) as info:
        refund(lines, {lines[0].line_no: 1})
    # QA 10: said "at most 0 can still be refunded"; the line is done, and the reason says so.
    assert info.value.code == "refund.line_refunded"
    assert info.value.params == {"line": lines[0].line_no}


@settings(deadline=None)
@given(lines=sold_lines(), data=st.data())
def test_a_partial_refund_is_close_to_the_units_share(
    lines: list[SoldLine], data: st.DataObject
) -> None:
    line = lines[0]
    qty = data.draw(st.integers(1, line.qty))
    part = refund_line(line, qty)
    assert abs(part.amount - line.amount_due * qty / line.qty) <= Decimal("0.005")
    assert abs(part.points_restored - Decimal(line.points_spent) * qty / line.qty) <= Decimal("0.5")
    assert abs(part.points_reversed - Decimal(line.points_earned) * qty / line.qty) <= Decimal(
        "0.5"
    )


@settings(deadline=None)
@given(lines=sold_lines(), data=st.data())
def test_over_refund_is_refused(lines: list[SoldLine], data: st.DataObject) -> None:
    line = lines[0]
    done = data.draw(st.integers(0, line.qty))
    if done:
        lines = book(lines, refund(lines, {line.line_no: done}))
    too_many = data.draw(st.integers(line.qty - done + 1, line.qty + 1000))
    with pytest.raises(CartError) as info:
        refund(lines, {line.line_no: too_many})
    if done == line.qty:
        assert info.value.code == "refund.line_refunded"
        assert info.value.params == {"line": line.line_no}
    else:
        assert info.value.code == "refund.qty_over_sold"
        assert info.value.params == {"line": line.line_no, "left": line.qty - done}


def test_partial_refunds_example() -> None:
    line = SoldLine(1, qty=3, amount_due=yuan("0.10"), points_spent=100, points_earned=1)
    first = refund_line(line, 1)
    assert (first.amount, first.points_restored, first.points_reversed) == (yuan("0.03"), 33, 0)
    line = book([line], RefundTotals((first,), first.amount, 33, 0))[0]
    second = refund_line(line, 1)
    assert (second.amount, second.points_restored, second.points_reversed) == (
        yuan("0.03"),
        33,
        0,
    )
    line = book([line], RefundTotals((second,), second.amount, 33, 0))[0]
    last = refund_line(line, 1)
    assert (last.amount, last.points_restored, last.points_reversed) == (yuan("0.04"), 34, 1)


def test_rounding_up_unit_by_unit_never_overshoots_the_line() -> None:
    # ¥0.05 over 7 units: each unit's share 0.714 fen rounds up to 1 fen; after 5 units the
    # line is paid back, so the 6th and 7th unit give nothing instead of going negative.
    line = SoldLine(1, qty=7, amount_due=yuan("0.05"), points_spent=5, points_earned=5)
    amounts = []
    points = []
    for _ in range(7):
        part = refund_line(line, 1)
        amounts.append(part.amount)
        points.append(part.points_restored)
        line = book([line], RefundTotals((part,), part.amount, part.points_restored, 0))[0]
    assert amounts == [yuan("0.01")] * 5 + [ZERO, ZERO]
    assert points == [1] * 5 + [0, 0]


@pytest.mark.parametrize(
    ("quantities", "reason"),
    [
        ({}, "refund.nothing_selected"),
        ({9: 1}, "refund.unknown_line"),
        ({1: 0}, "refund.bad_qty"),
        ({1: -1}, "refund.bad_qty"),
        ({1: True}, "refund.bad_qty"),
        ({1: 3}, "refund.qty_over_sold"),
    ],
)
def test_refund_rejections(quantities: dict[int, int], reason: str) -> None:
    lines = [SoldLine(1, 2, yuan(10), 0, 10), SoldLine(2, 1, yuan(5), 0, 5)]
    with pytest.raises(CartError) as info:
        refund(lines, quantities)
    assert info.value.code == reason


def test_refund_everything_left() -> None:
    lines = [SoldLine(1, 2, yuan(10), 300, 10), SoldLine(2, 1, yuan(5), 0, 5)]
    lines = book(lines, refund(lines, {1: 1}))
    rest = refund(lines, None)
    assert [(part.line_no, part.qty) for part in rest.lines] == [(1, 1), (2, 1)]
    assert rest.amount == yuan(10)
    assert (rest.points_restored, rest.points_reversed) == (150, 10)


# ------------------------------------------------------------------ the points ledger


@st.composite
def accounts(draw: st.DrawFn) -> Account:
    lots = [
        Lot(day(draw(st.integers(-60, 800))), f"L{index}", draw(st.integers(0, 20_000)))
        for index in range(draw(st.integers(0, 5)))
    ]
    return Account(tuple(lots), draw(st.just(0) | st.integers(0, 5_000)))


@st.composite
def till_sales(draw: st.DrawFn) -> tuple[Account, list[SoldLine]]:
    """An account and the lines of a sale the till could make for it (never overdrawn)."""
    account = draw(accounts())
    spent = draw(st.integers(0, account.available(TODAY)))
    earned = draw(st.integers(0, 10_000))
    return account, draw(sold_lines(points_spent=spent, points_earned=earned))


def make_sale(
    account: Account, lines: list[SoldLine], *, allow_debt: bool = False
) -> tuple[Account, Redemption, Earning]:
    """A sale on the ledger: redeem (item + bill points), then earn the sale's lot."""
    spent = sum(line.points_spent for line in lines)
    earned = sum(line.points_earned for line in lines)
    after, redemption = redeem(account, spent, today=TODAY, allow_debt=allow_debt)
    after, earning = earn(after, lot_id="sale", points=earned, expires_on=EXPIRES)
    return after, redemption, earning


@settings(max_examples=300, deadline=None)
@given(sale=till_sales())
def test_a_full_refund_returns_the_ledger_to_before_the_sale(
    sale: tuple[Account, list[SoldLine]],
) -> None:
    account, lines = sale
    after, redemption, earning = make_sale(account, lines)
    assert after.balance(TODAY) == account.balance(TODAY) - redemption.points + earning.points
    back, _ = reverse_earn(after, earning, today=TODAY)
    back = restore(back, redemption, repaid_lot_id="repaid", repaid_expires_on=EXPIRES)
    assert back == account


def refund_in_steps(
    account: Account, lines: list[SoldLine], data: st.DataObject, *, allow_debt: bool
) -> Account:
    """Make the sale, refund every unit in random steps; check the balance after each step."""
    ledger, redemption, earning = make_sale(account, lines, allow_debt=allow_debt)
    restored = reversed_ = 0
    for number, step in enumerate(refund_steps(data, lines)):
        totals = refund(lines, step)
        ledger, _ = reverse_earn(
            ledger,
            earning_slice(earning, done=reversed_, points=totals.points_reversed),
            today=TODAY,
        )
        ledger = restore(
            ledger,
            redemption_slice(redemption, done=restored, points=totals.points_restored),
            repaid_lot_id=f"repaid-{number}",
            repaid_expires_on=EXPIRES,
        )
        restored += totals.points_restored
        reversed_ += totals.points_reversed
        lines = book(lines, totals)
        # After each step: the balance before the sale, less what is still spent, plus what is
        # still earned.
        assert ledger.balance(TODAY) == account.balance(TODAY) - (redemption.points - restored) + (
            earning.points - reversed_
        )
    return ledger


@settings(max_examples=300, deadline=None)
@given(sale=till_sales(), data=st.data())
def test_refunds_in_partial_steps_return_the_ledger_to_before_the_sale(
    sale: tuple[Account, list[SoldLine]], data: st.DataObject
) -> None:
    account, lines = sale
    ledger = refund_in_steps(account, lines, data, allow_debt=False)
    assert ledger == account


@st.composite
def overdrawn_sales(draw: st.DrawFn) -> tuple[Account, list[SoldLine]]:
    """A sale HQ applies after the fact: it may spend more than the account now holds."""
    account = draw(accounts())
    spent = draw(st.integers(0, account.available(TODAY) + 5_000))
    earned = draw(st.integers(0, 10_000))
    return account, draw(sold_lines(points_spent=spent, points_earned=earned))


@settings(max_examples=300, deadline=None)
@given(sale=overdrawn_sales(), data=st.data())
def test_overdrawn_sales_refunded_in_steps_return_the_ledger_to_before_the_sale(
    sale: tuple[Account, list[SoldLine]], data: st.DataObject
) -> None:
    account, lines = sale
    ledger = refund_in_steps(account, lines, data, allow_debt=True)
    # Exact, except when a step gave back overdrawn points the sale's own earnings had repaid
    # before a later step took those earnings back: then a "repaid" lot sits beside a debt of
    # the same size (the balance is right; the lot could expire before the debt is repaid).
    repaid = sum(lot.remaining for lot in ledger.lots if lot.lot_id.startswith("repaid-"))
    others = tuple(lot for lot in ledger.lots if not lot.lot_id.startswith("repaid-"))
    assert repaid == ledger.debt - account.debt
    assert Account(others, ledger.debt - repaid) == account


def test_partial_refunds_with_debt_before_the_sale_example() -> None:
    account = Account((Lot(day(30), "A", 200),), debt=30)  # 170 usable
    lines = [SoldLine(1, 2, yuan(20), 100, 50)]
    ledger, redemption, earning = make_sale(account, lines)
    assert earning.debt_paid == 30 and ledger.debt == 0
    first = refund(lines, {1: 1})
    ledger, _ = reverse_earn(ledger, earning_slice(earning, done=0, points=25), today=TODAY)
    ledger = restore(
        ledger,
        redemption_slice(redemption, done=0, points=50),
        repaid_lot_id="r1",
        repaid_expires_on=EXPIRES,
    )
    assert (first.points_restored, first.points_reversed) == (50, 25)
    assert ledger.balance(TODAY) == 170 - 50 + 25
    lines = book(lines, first)
    last = refund(lines, None)
    ledger, _ = reverse_earn(ledger, earning_slice(earning, done=25, points=25), today=TODAY)
    ledger = restore(
        ledger,
        redemption_slice(redemption, done=50, points=50),
        repaid_lot_id="r2",
        repaid_expires_on=EXPIRES,
    )
    assert last.points_restored == 50
    assert ledger == account


def test_partial_refunds_of_an_overdrawn_sale_at_hq() -> None:
    """HQ let the sale overdraw (allow_debt) and its own earnings paid that debt back."""
    account = Account()
    lines = [SoldLine(1, 2, yuan(20), 100, 150)]
    ledger, redemption, earning = make_sale(account, lines, allow_debt=True)
    assert redemption.debt_added == 100 and earning.debt_paid == 100
    restored = reversed_ = 0
    for number, step in enumerate([{1: 1}, {1: 1}]):
        totals = refund(lines, step)
        ledger, _ = reverse_earn(
            ledger,
            earning_slice(earning, done=reversed_, points=totals.points_reversed),
            today=TODAY,
        )
        ledger = restore(
            ledger,
            redemption_slice(redemption, done=restored, points=totals.points_restored),
            repaid_lot_id=f"repaid-{number}",
            repaid_expires_on=EXPIRES,
        )
        restored += totals.points_restored
        reversed_ += totals.points_reversed
        lines = book(lines, totals)
    assert ledger.balance(TODAY) == 0
    assert ledger == account  # not a 25-point lot beside 25 points of debt


# ------------------------------------------------------------------ end to end from pricing

MUG = Product("mug", "杯子", yuan("25.00"), points_price=1000, points_cash=yuan("10.00"))
SOAP = Product("soap", "香皂", yuan("19.90"))
TEA = Product("tea", "茶叶", yuan("80.00"), member_price=yuan("70.00"))


@settings(deadline=None)
@given(
    qty=st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5)),
    redeem_share=st.integers(0, 100),
    data=st.data(),
)
def test_a_priced_sale_refunded_in_steps_gives_back_money_and_points_exactly(
    qty: tuple[int, int, int], redeem_share: int, data: st.DataObject
) -> None:
    account = Account((Lot(day(10), "A", 3_000), Lot(day(400), "B", 50_000)), debt=0)
    member = PricingMember("m1", GOLD, balance=account.balance(TODAY))
    cart = [
        CartLine(MUG, qty[0], use_points_price=True),
        CartLine(SOAP, qty[1]),
        CartLine(TEA, qty[2]),
    ]
    quote = price_cart(cart, member=member, today=TODAY)
    redeem_points = quote.max_redeemable * redeem_share // 100 // 100 * 100
    priced = price_cart(cart, member=member, redeem_points=redeem_points, today=TODAY)
    lines = [
        SoldLine(
            line.line_no,
            line.qty,
            line.amount_due,
            line.points_redeemed + line.item_points,
            line.points_earned,
        )
        for line in priced.lines
    ]
    ledger, redemption, earning = make_sale(account, lines)
    assert redemption.points == priced.points_spent and earning.points == priced.points_earned
    money_back = ZERO
    restored = reversed_ = 0
    for number, step in enumerate(refund_steps(data, lines)):
        totals = refund(lines, step)
        ledger, _ = reverse_earn(
            ledger,
            earning_slice(earning, done=reversed_, points=totals.points_reversed),
            today=TODAY,
        )
        ledger = restore(
            ledger,
            redemption_slice(redemption, done=restored, points=totals.points_restored),
            repaid_lot_id=f"repaid-{number}",
            repaid_expires_on=EXPIRES,
        )
        money_back += totals.amount
        restored += totals.points_restored
        reversed_ += totals.points_reversed
        lines = book(lines, totals)
    assert money_back == priced.amount_due
    assert (restored, reversed_) == (priced.points_spent, priced.points_earned)
    assert ledger == account
