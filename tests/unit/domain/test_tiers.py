"""Tiers (R3): thresholds by 12-month spend, next tier, validation."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posclient.domain.money import from_fen, yuan
from posclient.domain.tiers import (
    DEFAULT_TIERS,
    DIAMOND,
    GOLD,
    NORMAL,
    SILVER,
    Tier,
    by_code,
    next_tier,
    spend_to_next_tier,
    tier_for_spend,
)


@pytest.mark.parametrize(
    ("spend", "tier"),
    [
        ("-5", NORMAL),
        ("0", NORMAL),
        ("1999.99", NORMAL),
        ("2000", SILVER),
        ("2000.00", SILVER),
        ("4999.99", SILVER),
        ("5000", GOLD),
        ("9999.99", GOLD),
        ("10000", DIAMOND),
        ("10000000", DIAMOND),
    ],
)
def test_tier_for_spend_boundaries(spend: str, tier: Tier) -> None:
    assert tier_for_spend(yuan(spend)) is tier


@settings(deadline=None)
@given(
    st.integers(min_value=-(10**6), max_value=10**8),
    st.integers(min_value=0, max_value=10**8),
)
def test_tier_for_spend_is_monotonic(spend_fen: int, extra_fen: int) -> None:
    low = tier_for_spend(from_fen(spend_fen))
    high = tier_for_spend(from_fen(spend_fen + extra_fen))
    assert low.rank <= high.rank
    assert from_fen(spend_fen) >= low.threshold or low is NORMAL


def test_tier_for_spend_below_every_threshold_is_the_lowest_rank() -> None:
    tiers = (
        Tier("b", "乙", "B", 2, yuan(500), Decimal("0.9"), Decimal("1")),
        Tier("a", "甲", "A", 1, yuan(100), Decimal("1"), Decimal("1")),
    )
    assert tier_for_spend(yuan(50), tiers).code == "a"
    assert tier_for_spend(yuan(500), tiers).code == "b"


def test_next_tier() -> None:
    assert next_tier(NORMAL) is SILVER
    assert next_tier(SILVER) is GOLD
    assert next_tier(GOLD) is DIAMOND
    assert next_tier(DIAMOND) is None


@pytest.mark.parametrize(
    ("current", "spend", "expected"),
    [
        (NORMAL, "1770", (SILVER, Decimal("230.00"))),
        (NORMAL, "0", (SILVER, Decimal("2000.00"))),
        (SILVER, "4999.99", (GOLD, Decimal("0.01"))),
        (GOLD, "5000", (DIAMOND, Decimal("5000.00"))),
        # HQ has not promoted the member yet: nothing more to spend, never negative.
        (NORMAL, "2500", (SILVER, Decimal("0.00"))),
    ],
)
def test_spend_to_next_tier(current: Tier, spend: str, expected: tuple[Tier, Decimal]) -> None:
    assert spend_to_next_tier(current, yuan(spend)) == expected


def test_spend_to_next_tier_at_the_top() -> None:
    assert spend_to_next_tier(DIAMOND, yuan(123456)) is None


def test_by_code() -> None:
    assert by_code("gold") is GOLD
    assert [by_code(t.code) for t in DEFAULT_TIERS] == list(DEFAULT_TIERS)
    with pytest.raises(KeyError):
        by_code("platinum")


def test_default_table_is_consistent() -> None:
    ranks = [t.rank for t in DEFAULT_TIERS]
    assert ranks == sorted(ranks) == list(range(len(DEFAULT_TIERS)))
    for lower, upper in pairwise(DEFAULT_TIERS):
        assert lower.threshold < upper.threshold
        assert lower.discount_rate >= upper.discount_rate
        assert lower.points_multiplier <= upper.points_multiplier


def test_tier_names() -> None:
    assert GOLD.name("zh_CN") == "金卡"
    assert GOLD.name("zh") == "金卡"
    assert GOLD.name("en") == "Gold"


@pytest.mark.parametrize(
    ("rate", "multiplier", "threshold"),
    [
        (Decimal("0"), Decimal("1"), Decimal("0")),
        (Decimal("1.01"), Decimal("1"), Decimal("0")),
        (Decimal("-0.5"), Decimal("1"), Decimal("0")),
        (Decimal("0.9"), Decimal("-0.1"), Decimal("0")),
        (Decimal("0.9"), Decimal("1"), Decimal("-1")),
    ],
)
def test_tier_validation(rate: Decimal, multiplier: Decimal, threshold: Decimal) -> None:
    with pytest.raises(ValueError):
        Tier("x", "x", "x", 9, threshold, rate, multiplier)


def test_tier_accepts_the_limits() -> None:
    Tier("x", "x", "x", 9, Decimal("0"), Decimal("1"), Decimal("0"))
    Tier("x", "x", "x", 9, Decimal("0"), Decimal("0.01"), Decimal("0"))
