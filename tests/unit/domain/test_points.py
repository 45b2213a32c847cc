"""Points ledger: lots with expiry, redemption earliest-expiry first, debt, exact undo."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posclient.domain.errors import PointsError
from posclient.domain.money import yuan
from posclient.domain.points import (
    Account,
    Earning,
    Lot,
    Redemption,
    RedemptionPolicy,
    Take,
    check_redemption,
    earn,
    earning_slice,
    max_redeemable,
    points_earned,
    points_value,
    redeem,
    redemption_slice,
    redo_redemption,
    restore,
    reverse_earn,
)

TODAY = date(2024, 6, 15)


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


# ------------------------------------------------------------------ strategies


@st.composite
def accounts(draw: st.DrawFn, *, debt: bool = True) -> Account:
    lots = [
        Lot(day(draw(st.integers(-60, 800))), f"L{index}", draw(st.integers(0, 5_000)))
        for index in range(draw(st.integers(0, 6)))
    ]
    owed = draw(st.integers(0, 3_000) | st.just(0)) if debt else 0
    return Account(tuple(lots), owed)


def unexpired(account: Account) -> int:
    return sum(lot.remaining for lot in account.lots if lot.expires_on >= TODAY)


# ------------------------------------------------------------------ account basics


def test_account_balance_ignores_expired_lots_and_subtracts_debt() -> None:
    account = Account((Lot(day(-1), "old", 500), Lot(day(0), "today", 300), Lot(day(9), "b", 200)))
    assert account.balance(TODAY) == 500
    assert account.available(TODAY) == 500
    assert account.balance(day(1)) == 200
    in_debt = Account(account.lots, debt=800)
    assert in_debt.balance(TODAY) == -300
    assert in_debt.available(TODAY) == 0


def test_account_keeps_lots_sorted_and_drops_empty_ones() -> None:
    account = Account((Lot(day(9), "b", 1), Lot(day(3), "a", 2), Lot(day(5), "z", 0)))
    assert [lot.lot_id for lot in account.lots] == ["a", "b"]
    assert account.lot("z") is None
    assert account.lot("b") == Lot(day(9), "b", 1)


def test_invalid_lots_and_accounts() -> None:
    with pytest.raises(ValueError):
        Lot(TODAY, "x", -1)
    with pytest.raises(ValueError):
        Account(debt=-1)


def test_expiring_report() -> None:
    account = Account(
        (
            Lot(day(-1), "expired", 100),
            Lot(day(0), "today", 10),
            Lot(day(30), "a", 200),
            Lot(day(30), "b", 50),
            Lot(day(31), "later", 7),
        )
    )
    assert account.expiring(TODAY, timedelta(days=30)) == [(day(0), 10), (day(30), 250)]
    assert account.expiring(TODAY, timedelta(days=31))[-1] == (day(31), 7)
    assert Account().expiring(TODAY, timedelta(days=365)) == []


# ------------------------------------------------------------------ redeem


def test_redeem_takes_earliest_expiry_first_and_skips_expired_lots() -> None:
    account = Account(
        (Lot(day(-1), "expired", 1_000), Lot(day(100), "late", 500), Lot(day(10), "soon", 300))
    )
    after, redemption = redeem(account, 400, today=TODAY)
    assert redemption == Redemption(400, (Take("soon", 300, day(10)), Take("late", 100, day(100))))
    assert after.lot("soon") is None
    assert after.lot("late") == Lot(day(100), "late", 400)
    assert after.lot("expired") == Lot(day(-1), "expired", 1_000)  # untouched
    assert after.balance(TODAY) == 400


def test_same_expiry_lots_are_taken_in_lot_id_order() -> None:
    account = Account((Lot(day(5), "b", 100), Lot(day(5), "a", 100)))
    _, redemption = redeem(account, 150, today=TODAY)
    assert [take.lot_id for take in redemption.takes] == ["a", "b"]


def test_redeem_over_balance_is_refused_at_the_till() -> None:
    account = Account((Lot(day(5), "a", 100), Lot(day(-5), "expired", 1_000)), debt=30)
    with pytest.raises(PointsError) as info:
        redeem(account, 71, today=TODAY)
    assert info.value.code == "points.over_balance"
    assert info.value.params == {"requested": 71, "balance": 70}
    after, _ = redeem(account, 70, today=TODAY)
    assert after.balance(TODAY) == 0
    with pytest.raises(ValueError):
        redeem(account, -1, today=TODAY)


def test_hq_may_overdraw_into_debt() -> None:
    account = Account((Lot(day(5), "a", 100),))
    after, redemption = redeem(account, 250, today=TODAY, allow_debt=True)
    assert redemption.debt_added == 150
    assert after.debt == 150
    assert after.balance(TODAY) == -150
    assert after.lots == ()


@settings(deadline=None)
@given(account=accounts(), points=st.integers(0, 40_000))
def test_redeem_without_debt_never_leaves_a_negative_balance(account: Account, points: int) -> None:
    before = account.balance(TODAY)
    try:
        after, redemption = redeem(account, points, today=TODAY)
    except PointsError as error:
        assert error.code == "points.over_balance"
        assert points > account.available(TODAY)
        return
    assert redemption.debt_added == 0
    assert after.debt == account.debt
    assert after.balance(TODAY) == before - points
    # Redeeming never takes a balance below zero (an account already in debt may redeem 0).
    assert points == 0 or after.balance(TODAY) >= 0
    assert all(lot.remaining > 0 for lot in after.lots)
    assert sum(take.points for take in redemption.takes) == points
    # Earliest expiry first: every lot left unexpired expires no earlier than every lot drawn on,
    # apart from the one lot that was only partly used.
    taken_from = {take.lot_id for take in redemption.takes}
    for lot in after.lots:
        if lot.expires_on >= TODAY and lot.lot_id not in taken_from:
            assert all(lot.expires_on >= take.expires_on for take in redemption.takes)
    assert (
        sum(
            take.points < (account.lot(take.lot_id) or Lot(TODAY, "", 0)).remaining
            for take in redemption.takes
        )
        <= 1
    )


@settings(deadline=None)
@given(account=accounts(), points=st.integers(0, 40_000))
def test_restore_is_the_exact_inverse_of_redeem(account: Account, points: int) -> None:
    after, redemption = redeem(account, points, today=TODAY, allow_debt=True)
    assert after.balance(TODAY) == account.balance(TODAY) - points
    back = restore(after, redemption, repaid_lot_id="repaid", repaid_expires_on=day(700))
    assert back == account


@given(account=accounts(), points=st.integers(0, 40_000), later=st.integers(0, 900))
def test_a_redemption_redone_later_takes_the_same_points_from_the_same_lots(
    account: Account, points: int, later: int
) -> None:
    """A till replays its unconfirmed redemptions on HQ's account days later: lots that have
    expired meanwhile still gave the points they gave (spent while valid), nothing twice."""
    after, redemption = redeem(account, points, today=TODAY, allow_debt=True)
    assert redo_redemption(account, redemption, today=day(later)) == after


def test_a_redemption_redone_on_an_account_that_moved_on_takes_the_rest_afresh() -> None:
    account = Account((Lot(day(10), "old", 1000), Lot(day(400), "new", 500)), 0)
    _, redemption = redeem(account, 800, today=TODAY)
    # HQ's account no longer holds the old lot (another till spent it): the 800 come from
    # what is valid on the day of the replay.
    moved = Account((Lot(day(400), "new", 500),), 0)
    assert redo_redemption(moved, redemption, today=day(20)) == Account(
        (Lot(day(400), "new", 0),), 300
    )


# ------------------------------------------------------------------ earn


def test_earn_pays_debt_first() -> None:
    account = Account((Lot(day(5), "a", 100),), debt=250)
    after, earning = earn(account, lot_id="s1", points=200, expires_on=day(730))
    assert earning == Earning("s1", 200, day(730), debt_paid=200)
    assert after.debt == 50 and after.lot("s1") is None
    after, earning = earn(after, lot_id="s2", points=80, expires_on=day(730))
    assert earning.debt_paid == 50
    assert after.debt == 0
    assert after.lot("s2") == Lot(day(730), "s2", 30)
    assert after.balance(TODAY) == 130


def test_earn_refuses_nonsense() -> None:
    account = Account((Lot(day(5), "a", 100),))
    with pytest.raises(ValueError):
        earn(account, lot_id="a", points=1, expires_on=day(5))
    with pytest.raises(ValueError):
        earn(account, lot_id="b", points=-1, expires_on=day(5))
    after, earning = earn(account, lot_id="b", points=0, expires_on=day(5))
    assert after == account and earning.points == 0


@settings(deadline=None)
@given(account=accounts(), points=st.integers(0, 10_000))
def test_reverse_earn_is_the_exact_inverse_of_earn(account: Account, points: int) -> None:
    after, earning = earn(account, lot_id="sale", points=points, expires_on=day(730))
    assert after.balance(TODAY) == account.balance(TODAY) + points
    # Debt is paid off first; only the rest becomes the sale's lot.
    assert earning.debt_paid == min(account.debt, points)
    assert after.debt == account.debt - earning.debt_paid
    assert (after.lot("sale") or Lot(TODAY, "sale", 0)).remaining == points - earning.debt_paid
    back, taken = reverse_earn(after, earning, today=TODAY)
    assert back == account
    assert taken.points == points


def test_reverse_earn_after_the_points_were_spent_takes_other_lots_then_debt() -> None:
    account = Account((Lot(day(5), "a", 100),))
    after, earning = earn(account, lot_id="sale", points=300, expires_on=day(730))
    after, _ = redeem(after, 350, today=TODAY)  # spends "a" and 250 of "sale"
    back, taken = reverse_earn(after, earning, today=TODAY)
    assert taken == Redemption(300, (Take("sale", 50, day(730)),), debt_added=250)
    assert back.debt == 250
    assert back.balance(TODAY) == -250  # never silently clamped
    # A later earning pays it off.
    paid, earning = earn(back, lot_id="next", points=400, expires_on=day(730))
    assert earning.debt_paid == 250 and paid.balance(TODAY) == 150


def test_restore_after_debt_was_repaid_gives_points_back_as_a_new_lot() -> None:
    account = Account((Lot(day(5), "a", 100),))
    after, redemption = redeem(account, 300, today=TODAY, allow_debt=True)
    after, _ = earn(after, lot_id="later", points=150, expires_on=day(700))  # pays 150 of debt
    back = restore(after, redemption, repaid_lot_id="repaid", repaid_expires_on=day(730))
    assert back.debt == 0
    assert back.lot("a") == Lot(day(5), "a", 100)
    assert back.lot("repaid") == Lot(day(730), "repaid", 150)
    assert back.balance(TODAY) == 250


# ------------------------------------------------------------------ slices


@st.composite
def splits(draw: st.DrawFn, total: int) -> list[int]:
    cuts = sorted(draw(st.lists(st.integers(0, total), max_size=5)))
    bounds = [0, *cuts, total]
    return [high - low for low, high in pairwise(bounds)]


@settings(deadline=None)
@given(account=accounts(), points=st.integers(0, 30_000), data=st.data())
def test_redemption_slices_add_up_to_the_redemption(
    account: Account, points: int, data: st.DataObject
) -> None:
    _, redemption = redeem(account, points, today=TODAY, allow_debt=True)
    done = 0
    per_lot: dict[str, int] = {}
    debt = 0
    for size in data.draw(splits(points)):
        part = redemption_slice(redemption, done=done, points=size)
        assert part.points == size == part.debt_added + sum(t.points for t in part.takes)
        debt += part.debt_added
        for take in part.takes:
            assert take.points > 0
            per_lot[take.lot_id] = per_lot.get(take.lot_id, 0) + take.points
        done += size
    assert debt == redemption.debt_added
    assert per_lot == {take.lot_id: take.points for take in redemption.takes}


def test_redemption_slice_gives_back_debt_then_latest_expiry_first() -> None:
    redemption = Redemption(
        500, (Take("soon", 100, day(1)), Take("late", 200, day(9))), debt_added=200
    )
    assert redemption_slice(redemption, done=0, points=250) == Redemption(
        250, (Take("late", 50, day(9)),), 200
    )
    assert redemption_slice(redemption, done=250, points=200) == Redemption(
        200, (Take("soon", 50, day(1)), Take("late", 150, day(9))), 0
    )
    assert redemption_slice(redemption, done=450, points=50) == Redemption(
        50, (Take("soon", 50, day(1)),), 0
    )
    with pytest.raises(ValueError):
        redemption_slice(redemption, done=450, points=51)
    with pytest.raises(ValueError):
        redemption_slice(redemption, done=-1, points=1)


@settings(deadline=None)
@given(points=st.integers(0, 10_000), debt_paid=st.integers(0, 10_000), data=st.data())
def test_earning_slices_add_up_to_the_earning(
    points: int, debt_paid: int, data: st.DataObject
) -> None:
    earning = Earning("sale", points, day(730), min(points, debt_paid))
    done = 0
    paid = 0
    for size in data.draw(splits(points)):
        part = earning_slice(earning, done=done, points=size)
        assert part.points == size and 0 <= part.debt_paid <= size
        assert (part.lot_id, part.expires_on) == ("sale", day(730))
        paid += part.debt_paid
        done += size
    assert paid == earning.debt_paid
    with pytest.raises(ValueError):
        earning_slice(earning, done=points, points=1)


def test_earning_slice_takes_the_debt_part_first() -> None:
    earning = Earning("sale", 150, day(730), debt_paid=100)
    assert earning_slice(earning, done=0, points=75).debt_paid == 75
    assert earning_slice(earning, done=75, points=75).debt_paid == 25


# ------------------------------------------------------------------ rates and caps


@pytest.mark.parametrize(
    ("paid", "multiplier", "expected"),
    [
        ("99.50", "1.5", 149),
        ("99.99", "1", 99),
        ("0.99", "1", 0),
        ("10", "1.2", 12),
        ("0", "2", 0),
        ("-5", "2", 0),
        ("100", "0", 0),
    ],
)
def test_points_earned_are_floored(paid: str, multiplier: str, expected: int) -> None:
    assert points_earned(yuan(paid), Decimal(multiplier)) == expected


def test_points_value() -> None:
    assert points_value(100) == yuan(1)
    assert points_value(4_950) == yuan("49.50")
    assert points_value(1) == yuan("0.01")


@pytest.mark.parametrize(
    ("bill", "balance", "extra_cap", "expected"),
    [
        ("99.99", 10**6, None, 4_900),
        ("100", 10**6, None, 5_000),
        ("1.99", 10**6, None, 0),
        ("100", 2_345, None, 2_300),
        ("100", 99, None, 0),
        ("100", -500, None, 0),
        ("0", 10**6, None, 0),
        ("1000", 10**6, 12_345, 12_300),
        ("1000", 10**6, -5, 0),
    ],
)
def test_max_redeemable(bill: str, balance: int, extra_cap: int | None, expected: int) -> None:
    assert max_redeemable(bill=yuan(bill), balance=balance, extra_cap=extra_cap) == expected


def test_max_redeemable_with_another_cap_ratio() -> None:
    policy = RedemptionPolicy(bill_cap_ratio=Decimal("0.3"))
    assert max_redeemable(bill=yuan(100), balance=10**6, policy=policy) == 3_000


@pytest.mark.parametrize(
    ("points", "balance", "limit", "reason"),
    [
        (-100, 10_000, 10_000, "points.negative"),
        (150, 10_000, 10_000, "points.not_whole_yuan"),
        (600, 500, 10_000, "points.over_balance"),
        (600, 10_000, 500, "points.over_cap"),
    ],
)
def test_check_redemption_reasons(points: int, balance: int, limit: int, reason: str) -> None:
    with pytest.raises(PointsError) as info:
        check_redemption(points, balance=balance, limit=limit)
    assert info.value.code == reason


def test_check_redemption_accepts_the_limit() -> None:
    check_redemption(500, balance=500, limit=500)
    check_redemption(0, balance=0, limit=0)


# ------------------------------------------------------------------ kept look-ups and sums

_OPERATIONS = st.lists(
    st.tuples(
        st.integers(0, 9),  # which earlier account to start from (branches share look-ups)
        st.sampled_from(["earn", "redeem", "reverse"]),
        st.integers(0, 12),  # lot id (earn) — ids repeat across branches
        st.integers(-30, 900),  # expiry offset (earn): usually later, sometimes earlier
        st.integers(0, 4_000),  # points
    ),
    max_size=40,
)


def _as_built(account: Account) -> Account:
    """The same lots and debt in an account built from scratch (nothing carried over)."""
    return Account(tuple(account.lots), account.debt)


@given(start=accounts(), operations=_OPERATIONS)
@settings(max_examples=300)
def test_accounts_made_by_operations_answer_as_if_built_from_scratch(
    start: Account, operations: list[tuple[int, str, int, int, int]]
) -> None:
    """``earn`` carries an account's sum and id look-up over to the next one (shared with
    every other account made from the same one): whatever the history, each account answers
    ``lot``, ``balance``, ``held`` and ``added_since`` exactly as a fresh copy would."""
    made = [start]
    earnings: list[tuple[Account, Earning]] = []
    for pick, op, lot_no, offset, points in operations:
        base = made[pick % len(made)]
        if op == "earn":
            lot_id = f"E{lot_no}"
            if base.lot(lot_id) is not None:
                with pytest.raises(ValueError):
                    earn(base, lot_id=lot_id, points=points, expires_on=day(offset))
                continue
            after, earning = earn(base, lot_id=lot_id, points=points, expires_on=day(offset))
            earnings.append((after, earning))
        elif op == "redeem":
            after, _ = redeem(base, min(points, base.available(TODAY)), today=TODAY)
        elif earnings:
            owner, earning = earnings[pick % len(earnings)]
            after, _ = reverse_earn(owner, earning, today=TODAY)
        else:
            continue
        made.append(after)
    ids = {f"E{n}" for n in range(13)} | {f"L{n}" for n in range(6)}
    for account in made:
        fresh = _as_built(account)
        assert account == fresh
        assert account.held == sum(lot.remaining for lot in fresh.lots)
        assert account.balance(TODAY) == unexpired(fresh) - fresh.debt
        for lot_id in ids:
            assert account.lot(lot_id) == next(
                (lot for lot in fresh.lots if lot.lot_id == lot_id), None
            )
        assert dict(account.by_id()) == {lot.lot_id: lot for lot in fresh.lots}
        for earlier in made:
            added = account.added_since(earlier)
            count = len(earlier.lots)
            if fresh.lots[:count] == earlier.lots:
                assert added == fresh.lots[count:]
            else:
                assert added is None


def test_earning_the_newest_lot_keeps_order_and_counts() -> None:
    account = Account((Lot(day(10), "a", 100), Lot(day(20), "b", 50)), debt=30)
    later, _ = earn(account, lot_id="c", points=70, expires_on=day(30))
    earlier, _ = earn(account, lot_id="d", points=70, expires_on=day(5))
    assert [lot.lot_id for lot in later.lots] == ["a", "b", "c"]
    assert [lot.lot_id for lot in earlier.lots] == ["d", "a", "b"]
    assert later.debt == earlier.debt == 0
    assert later.held == earlier.held == 100 + 50 + 40
    assert later.added_since(account) == (Lot(day(30), "c", 40),)
    assert earlier.added_since(account) is None
    assert account.lot("c") is None and later.lot("c") == Lot(day(30), "c", 40)


def test_a_lot_id_earned_on_two_branches_is_found_on_both() -> None:
    """Accounts made from one share its id look-up; the same new id at another position on
    a sibling branch must not hide the lot from the first."""
    base = Account((Lot(day(10), "a", 100),))
    first, _ = earn(base, lot_id="x", points=10, expires_on=day(30))
    other, _ = earn(base, lot_id="y", points=10, expires_on=day(20))
    second, _ = earn(other, lot_id="x", points=10, expires_on=day(30))
    assert first.lot("x") == second.lot("x") == Lot(day(30), "x", 10)
    assert base.lot("x") is None and first.lot("y") is None
