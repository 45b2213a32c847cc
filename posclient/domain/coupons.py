"""Coupons (R9): fixed or percentage off, or bonus points; first-purchase, birthday, comeback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from .errors import CouponError
from .money import ZERO, round_fen


class CouponKind(StrEnum):
    GENERAL = "general"
    FIRST_PURCHASE = "first_purchase"
    BIRTHDAY = "birthday"
    COMEBACK = "comeback"


class DiscountType(StrEnum):
    FIXED = "fixed"  # value: yuan off
    PERCENT = "percent"  # value: percent off (10 = 10 % off)
    POINTS_MULTIPLIER = "points_multiplier"  # value: multiplier on points earned (2 = double)


class CouponStatus(StrEnum):
    AVAILABLE = "available"
    USED = "used"
    VOID = "void"


@dataclass(frozen=True)
class Coupon:
    code: str
    kind: CouponKind
    discount_type: DiscountType
    value: Decimal
    valid_from: date
    valid_until: date
    min_spend: Decimal = ZERO
    member_id: str | None = None
    status: CouponStatus = CouponStatus.AVAILABLE

    def __post_init__(self) -> None:
        # The rules compare with ``is``: a plain "used"/"fixed" (e.g. read from a String column)
        # would silently skip the used check or give no discount. Coerce; unknown values raise.
        object.__setattr__(self, "kind", CouponKind(self.kind))
        object.__setattr__(self, "discount_type", DiscountType(self.discount_type))
        object.__setattr__(self, "status", CouponStatus(self.status))
        if self.value <= 0:
            raise ValueError("coupon value must be positive")
        if self.discount_type is DiscountType.PERCENT and self.value >= 100:
            raise ValueError("a percentage coupon takes less than 100 %")
        if self.valid_until < self.valid_from:
            raise ValueError("coupon validity ends before it starts")


def check_coupon(
    coupon: Coupon,
    *,
    member_id: str | None,
    purchase_count: int,
    today: date,
    eligible_amount: Decimal,
) -> None:
    """Raise a CouponError with the reason when ``coupon`` cannot be used on this sale.

    Whose coupon it is comes first: another member's coupon is refused as such, without
    telling the cashier whether that member already used it.
    """
    if coupon.member_id is not None:
        if member_id is None:
            raise CouponError("coupon.member_only", code=coupon.code)
        if member_id != coupon.member_id:
            raise CouponError("coupon.not_this_member", code=coupon.code)
    if coupon.status is CouponStatus.USED:
        raise CouponError("coupon.used", code=coupon.code)
    if coupon.status is CouponStatus.VOID:
        raise CouponError("coupon.void", code=coupon.code)
    if today < coupon.valid_from:
        raise CouponError("coupon.not_yet_valid", code=coupon.code, valid_from=coupon.valid_from)
    if today > coupon.valid_until:
        raise CouponError("coupon.expired", code=coupon.code, valid_until=coupon.valid_until)
    if coupon.kind is CouponKind.FIRST_PURCHASE and member_id is None:
        # "First purchase" is a member's first purchase: a walk-in has no history to check.
        raise CouponError("coupon.member_only", code=coupon.code)
    if coupon.kind is CouponKind.FIRST_PURCHASE and purchase_count > 0:
        raise CouponError("coupon.first_purchase_only", code=coupon.code)
    if eligible_amount <= 0 and coupon.discount_type is not DiscountType.POINTS_MULTIPLIER:
        # Money off nothing: using it up would only cost the member the coupon. Said before the
        # minimum spend: "spend more" is no answer when nothing in the sale can be discounted.
        raise CouponError("coupon.nothing_eligible", code=coupon.code)
    if eligible_amount < coupon.min_spend:
        raise CouponError(
            "coupon.below_min_spend",
            code=coupon.code,
            min_spend=coupon.min_spend,
            eligible=eligible_amount,
        )


def coupon_discount(coupon: Coupon, eligible_amount: Decimal) -> Decimal:
    """Money off for a valid coupon on ``eligible_amount``; never more than the amount."""
    if coupon.discount_type is DiscountType.FIXED:
        return min(round_fen(coupon.value), eligible_amount)
    if coupon.discount_type is DiscountType.PERCENT:
        return min(round_fen(eligible_amount * coupon.value / 100), eligible_amount)
    return ZERO


def coupon_points_multiplier(coupon: Coupon | None) -> Decimal:
    if coupon is not None and coupon.discount_type is DiscountType.POINTS_MULTIPLIER:
        return coupon.value
    return Decimal(1)
