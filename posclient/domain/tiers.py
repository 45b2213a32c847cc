"""Membership tiers (R3) as data: threshold, discount, points multiplier, benefits."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .money import yuan


@dataclass(frozen=True)
class Tier:
    """One tier. ``discount_rate`` is what the member pays (0.95 = 5 % off, 95折)."""

    code: str
    name_zh: str
    name_en: str
    rank: int
    #: Rolling 12-month spend (yuan) that reaches this tier.
    threshold: Decimal
    discount_rate: Decimal
    points_multiplier: Decimal
    benefits_zh: tuple[str, ...] = field(default=())
    benefits_en: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not Decimal("0") < self.discount_rate <= Decimal("1"):
            raise ValueError(f"tier {self.code}: discount rate must be in (0, 1]")
        if self.points_multiplier < 0:
            raise ValueError(f"tier {self.code}: points multiplier must be ≥ 0")
        if self.threshold < 0:
            raise ValueError(f"tier {self.code}: threshold must be ≥ 0")

    def name(self, lang: str) -> str:
        return self.name_zh if lang.startswith("zh") else self.name_en


NORMAL = Tier(
    "normal",
    "普通",
    "Normal",
    0,
    yuan(0),
    Decimal("1.00"),
    Decimal("1.0"),
    ("积分累计",),
    ("Earn points",),
)
SILVER = Tier(
    "silver",
    "银卡",
    "Silver",
    1,
    yuan(2000),
    Decimal("0.98"),
    Decimal("1.2"),
    ("会员价商品", "生日礼券"),
    ("Member prices", "Birthday coupon"),
)
GOLD = Tier(
    "gold",
    "金卡",
    "Gold",
    2,
    yuan(5000),
    Decimal("0.95"),
    Decimal("1.5"),
    ("会员价商品", "生日礼券", "双倍积分日"),
    ("Member prices", "Birthday coupon", "Double-points days"),
)
DIAMOND = Tier(
    "diamond",
    "钻石",
    "Diamond",
    3,
    yuan(10000),
    Decimal("0.90"),
    Decimal("2.0"),
    ("会员价商品", "生日礼品", "专属客服", "免费停车"),
    ("Member prices", "Birthday gift", "Personal service", "Free parking"),
)

#: Defaults from R3; HQ sends the chain's own table through sync.
DEFAULT_TIERS: tuple[Tier, ...] = (NORMAL, SILVER, GOLD, DIAMOND)


def tier_for_spend(spend_12m: Decimal, tiers: tuple[Tier, ...] = DEFAULT_TIERS) -> Tier:
    """The highest tier whose threshold the rolling 12-month spend reaches."""
    reached = [tier for tier in tiers if spend_12m >= tier.threshold]
    if not reached:
        return min(tiers, key=lambda tier: tier.rank)
    return max(reached, key=lambda tier: tier.rank)


def next_tier(current: Tier, tiers: tuple[Tier, ...] = DEFAULT_TIERS) -> Tier | None:
    """The tier just above ``current``, or None at the top."""
    above = [tier for tier in tiers if tier.rank > current.rank]
    return min(above, key=lambda tier: tier.rank) if above else None


def spend_to_next_tier(
    current: Tier, spend_12m: Decimal, tiers: tuple[Tier, ...] = DEFAULT_TIERS
) -> tuple[Tier, Decimal] | None:
    """("gold", ¥230.00) when ¥230 more reaches gold; None at the top tier."""
    upper = next_tier(current, tiers)
    if upper is None:
        return None
    return upper, max(yuan(0), upper.threshold - spend_12m)


def by_code(code: str, tiers: tuple[Tier, ...] = DEFAULT_TIERS) -> Tier:
    for tier in tiers:
        if tier.code == code:
            return tier
    raise KeyError(code)
