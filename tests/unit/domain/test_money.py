"""Money: parsing, fen conversion, display, and allocation that never creates or loses a fen."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posclient.domain.money import (
    FEN,
    ZERO,
    allocate,
    floor_int,
    format_yuan,
    from_fen,
    round_fen,
    to_fen,
    yuan,
)

# ------------------------------------------------------------------ parsing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", Decimal("12.00")),
        ("12.3", Decimal("12.30")),
        ("12.345", Decimal("12.35")),  # half-up
        ("12.344", Decimal("12.34")),
        ("0.005", Decimal("0.01")),
        ("-0.005", Decimal("-0.01")),  # half-up is away from zero
        (" 7.5 ", Decimal("7.50")),
        (3, Decimal("3.00")),
        (Decimal("1.999"), Decimal("2.00")),
    ],
)
def test_yuan_parses_and_rounds_half_up(text: str | int | Decimal, expected: Decimal) -> None:
    value = yuan(text)
    assert value == expected
    assert value.as_tuple().exponent == -2


@pytest.mark.parametrize("value", [1.5, 0.1, True, False])
def test_yuan_refuses_floats_and_bools(value: object) -> None:
    with pytest.raises(TypeError):
        yuan(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["", "abc", "12.3.4", "¥12", "NaN", "Infinity", "-inf", "sNaN"])
def test_yuan_refuses_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        yuan(text)


@pytest.mark.parametrize("text", ["1e30", "9" * 40, "-1E+100"])
def test_yuan_refuses_absurd_magnitudes_with_value_error(text: str) -> None:
    # Decimal's quantize raises InvalidOperation (not a ValueError) past its precision; a typo
    # at the till must still come back as "not an amount", not a traceback.
    with pytest.raises(ValueError, match="not an amount"):
        yuan(text)


# ------------------------------------------------------------------ fen


@settings(deadline=None)
@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_fen_round_trip(fen: int) -> None:
    amount = from_fen(fen)
    assert amount.as_tuple().exponent == -2
    assert to_fen(amount) == fen
    assert amount * 100 == fen


def test_to_fen_rounds_half_up() -> None:
    assert to_fen(Decimal("1.005")) == 101
    assert to_fen(Decimal("1.004")) == 100
    assert to_fen(Decimal("-1.005")) == -101


@pytest.mark.parametrize("value", [True, 1.0, Decimal(1), "1"])
def test_from_fen_takes_only_ints(value: object) -> None:
    with pytest.raises(TypeError):
        from_fen(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("1.99", 1), ("2", 2), ("0", 0), ("-0.01", -1), ("-0.5", -1), ("-2", -2), ("149.25", 149)],
)
def test_floor_int(amount: str, expected: int) -> None:
    assert floor_int(Decimal(amount)) == expected


def test_round_fen() -> None:
    assert round_fen(Decimal("0.125")) == Decimal("0.13")
    assert round_fen(Decimal("0.124999")) == Decimal("0.12")


# ------------------------------------------------------------------ display


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1234.5", "¥1,234.50"),
        ("0", "¥0.00"),
        ("0.004", "¥0.00"),
        ("1234567.891", "¥1,234,567.89"),
        ("-3", "-¥3.00"),
        ("-1234.5", "-¥1,234.50"),
        # Rounds to zero: no minus sign on nothing.
        ("-0.001", "¥0.00"),
        ("-0.00", "¥0.00"),
    ],
)
def test_format_yuan(amount: str, expected: str) -> None:
    assert format_yuan(Decimal(amount)) == expected


def test_format_yuan_symbol() -> None:
    assert format_yuan(Decimal("5"), symbol="CNY ") == "CNY 5.00"


# ------------------------------------------------------------------ allocation

fen_amounts = st.integers(min_value=0, max_value=10**9)
weights = st.lists(st.integers(min_value=0, max_value=10**8).map(from_fen), min_size=1, max_size=12)


@settings(deadline=None)
@given(total=fen_amounts, weights=weights)
def test_allocate_sums_exactly_and_stays_within_a_fen(total: int, weights: list[Decimal]) -> None:
    if sum(weights) == 0 and total:
        with pytest.raises(ValueError):
            allocate(from_fen(total), weights)
        return
    parts = allocate(from_fen(total), weights)
    assert len(parts) == len(weights)
    assert sum(parts, ZERO) == from_fen(total)
    weight_sum = sum(weights, ZERO)
    for part, weight in zip(parts, weights, strict=True):
        assert part.as_tuple().exponent == -2
        assert part >= 0
        exact = from_fen(total) * weight / weight_sum if weight_sum else ZERO
        # Each part is its exact share rounded down or up: strictly less than a fen away.
        assert abs(part - exact) < FEN
        if weight == 0:
            assert part == 0


@settings(deadline=None)
@given(total=fen_amounts, weights=weights)
def test_allocate_never_gives_a_part_more_than_its_weight_when_total_fits(
    total: int, weights: list[Decimal]
) -> None:
    # Discounts are spread over line amounts; a line must never get more off than it costs.
    weight_sum = sum(weights, ZERO)
    amount = min(from_fen(total), weight_sum)
    if weight_sum == 0:
        return
    for part, weight in zip(allocate(amount, weights), weights, strict=True):
        assert part <= weight


@settings(deadline=None)
@given(total=st.integers(min_value=-(10**9), max_value=-1), weights=weights)
def test_allocate_negative_totals_also_sum_exactly(total: int, weights: list[Decimal]) -> None:
    if sum(weights) == 0:
        return
    parts = allocate(from_fen(total), weights)
    assert sum(parts, ZERO) == from_fen(total)
    assert all(part <= 0 for part in parts)


def test_allocate_examples() -> None:
    thirds = [Decimal(1), Decimal(1), Decimal(1)]
    # Ties go to the earlier line.
    assert allocate(Decimal("1.00"), thirds) == [Decimal("0.34"), Decimal("0.33"), Decimal("0.33")]
    assert allocate(Decimal("0.02"), thirds) == [Decimal("0.01"), Decimal("0.01"), ZERO]
    # Largest remainder wins over position.
    assert allocate(Decimal("0.10"), [Decimal("1"), Decimal("2")]) == [
        Decimal("0.03"),
        Decimal("0.07"),
    ]
    assert allocate(Decimal("5.00"), [Decimal("10.00"), ZERO]) == [Decimal("5.00"), ZERO]


def test_allocate_edge_cases() -> None:
    assert allocate(ZERO, []) == []
    with pytest.raises(ValueError):
        allocate(Decimal("0.01"), [])
    assert allocate(ZERO, [ZERO, ZERO]) == [ZERO, ZERO]
    with pytest.raises(ValueError):
        allocate(Decimal("0.01"), [ZERO, ZERO])
