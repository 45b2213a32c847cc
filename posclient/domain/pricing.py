"""Cart pricing: member prices, tier discount, coupon, points payment, points earned.

The order is fixed and every step is allocated over lines to the fen, so the lines always add up
to the totals and a later refund of some lines gives back exactly what those lines cost:

1. each line at list price; a member pays the member price where there is one (R9);
2. a points+cash line (R6) is priced at its cash part, the rest paid with the item's points;
3. the tier discount (R3) on discountable lines that are not already at a member price;
4. the coupon on discountable lines (fixed, percentage, or a points multiplier);
5. points paying part of the bill: 100 points = ¥1, whole yuan, at most the cap of the bill;
6. points earned on the money paid × tier multiplier (× a points coupon), floored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from .coupons import Coupon, check_coupon, coupon_discount, coupon_points_multiplier
from .errors import CartError, PointsError
from .money import MAX_YUAN, ZERO, allocate, from_fen, round_fen, to_fen
from .points import (
    DEFAULT_POLICY,
    RedemptionPolicy,
    check_redemption,
    max_redeemable,
    points_earned,
)
from .tiers import Tier

MAX_QTY = 999


def name_in(lang: str, name: str, name_en: str) -> str:
    """A product's name in ``lang``: the English one in English when the catalogue has it."""
    return name_en if lang == "en" and name_en else name


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    price: Decimal
    barcode: str | None = None
    member_price: Decimal | None = None
    discountable: bool = True
    #: Points+cash price (R6): ``points_price`` points plus ``points_cash`` yuan per unit.
    points_price: int | None = None
    points_cash: Decimal | None = None
    category: str = ""
    name_en: str = ""

    def __post_init__(self) -> None:
        if self.price < 0 or self.price > MAX_YUAN:
            raise ValueError(f"product {self.sku}: price out of range")
        if self.member_price is not None and not ZERO <= self.member_price <= self.price:
            raise ValueError(f"product {self.sku}: member price must be within 0..price")
        if (self.points_price is None) != (self.points_cash is None):
            raise ValueError(f"product {self.sku}: points price needs both points and cash")
        if self.points_cash is not None and not ZERO <= self.points_cash <= self.price:
            raise ValueError(f"product {self.sku}: points+cash price out of range")

    def display_name(self, lang: str) -> str:
        return name_in(lang, self.name, self.name_en)


@dataclass(frozen=True)
class CartLine:
    product: Product
    qty: int
    use_points_price: bool = False


@dataclass(frozen=True)
class PricingMember:
    """What pricing needs to know about the member at the till."""

    member_id: str
    tier: Tier
    balance: int
    purchase_count: int = 0
    #: Provisional members (code verified, not in the cache yet) earn but cannot redeem.
    can_redeem: bool = True
    #: Extra cap from the offline policy (None online).
    redeem_cap: int | None = None
    #: Offline with a cached balance too old to spend from (the cap is then 0): when HQ last
    #: confirmed it (None: never). Refusals then say that, not just "at most 0 points".
    stale_balance: bool = False
    balance_as_of: datetime | None = None


@dataclass(frozen=True)
class PricedLine:
    line_no: int
    sku: str
    name: str
    qty: int
    unit_price: Decimal
    unit_paid: Decimal  # member price or list price (cash part for points+cash lines)
    gross: Decimal  # list price × qty
    member_saving: Decimal
    item_points: int  # points+cash: points paying this line (R6)
    item_points_value: Decimal
    tier_discount: Decimal
    coupon_discount: Decimal
    points_redeemed: int  # this line's share of the bill payment in points (1 point = 1 fen)
    points_value: Decimal
    amount_due: Decimal
    points_earned: int
    name_en: str = ""  # the catalogue's English name, if it has one

    @property
    def discounts(self) -> Decimal:
        return self.member_saving + self.tier_discount + self.coupon_discount

    def display_name(self, lang: str) -> str:
        """The name a receipt in ``lang`` shows (Chinese unless English is asked and known)."""
        return name_in(lang, self.name, self.name_en)


@dataclass(frozen=True)
class PricedCart:
    lines: tuple[PricedLine, ...]
    subtotal: Decimal
    member_savings: Decimal
    tier_discount: Decimal
    coupon_discount: Decimal
    item_points: int
    item_points_value: Decimal
    points_redeemed: int
    points_value: Decimal
    amount_due: Decimal
    points_earned: int
    #: Most bill points usable now (whole yuan, ≤ cap, ≤ balance left after item points).
    max_redeemable: int
    coupon_code: str | None = None
    points_multiplier: Decimal = field(default=Decimal(1))

    @property
    def points_spent(self) -> int:
        return self.item_points + self.points_redeemed


def check_qty(qty: int) -> None:
    if isinstance(qty, bool) or not isinstance(qty, int):
        raise CartError("cart.bad_qty", qty=qty)
    if qty <= 0:
        raise CartError("cart.qty_not_positive", qty=qty)
    if qty > MAX_QTY:
        raise CartError("cart.qty_too_large", qty=qty, max=MAX_QTY)


def price_cart(
    lines: list[CartLine] | tuple[CartLine, ...],
    *,
    member: PricingMember | None,
    coupon: Coupon | None = None,
    redeem_points: int = 0,
    today: date,
    policy: RedemptionPolicy = DEFAULT_POLICY,
) -> PricedCart:
    """Price a cart. Raises CartError / CouponError / PointsError with the reason; pure."""
    if not lines and (coupon is not None or redeem_points):
        raise CartError("cart.empty")
    for line in lines:
        check_qty(line.qty)
        if line.use_points_price:
            if line.product.points_price is None:
                raise CartError("cart.no_points_price", sku=line.product.sku)
            if member is None:
                raise PointsError("points.member_required")
            if not member.can_redeem:  # points+cash spends points like a redemption
                raise PointsError("points.provisional_member")

    # 1–2. List price, member price, points+cash.
    gross: list[Decimal] = []
    nets: list[Decimal] = []
    unit_paid: list[Decimal] = []
    savings: list[Decimal] = []
    item_points: list[int] = []
    item_values: list[Decimal] = []
    tier_eligible: list[bool] = []
    coupon_eligible: list[bool] = []
    for line in lines:
        product = line.product
        line_gross = product.price * line.qty
        if line.use_points_price:
            assert product.points_cash is not None and product.points_price is not None
            unit = product.points_cash
            item_points.append(product.points_price * line.qty)
            item_values.append(line_gross - unit * line.qty)
            savings.append(ZERO)
        else:
            unit = product.price
            if member is not None and product.member_price is not None:
                unit = product.member_price
            item_points.append(0)
            item_values.append(ZERO)
            savings.append((product.price - unit) * line.qty)
        gross.append(line_gross)
        unit_paid.append(unit)
        nets.append(unit * line.qty)
        plain = product.discountable and not line.use_points_price
        # A member price is already the member's deal: no tier discount on top.
        tier_eligible.append(plain and unit == product.price)
        coupon_eligible.append(plain)
    if sum(gross, ZERO) > MAX_YUAN:
        raise CartError("cart.total_too_large", max=MAX_YUAN)

    # 3. Tier discount, computed on the eligible sum and spread over the lines.
    tier_disc = [ZERO] * len(lines)
    if member is not None and member.tier.discount_rate < 1:
        base = sum((n for n, ok in zip(nets, tier_eligible, strict=True) if ok), ZERO)
        total = round_fen(base * (1 - member.tier.discount_rate))
        tier_disc = _spread(total, nets, tier_eligible)
    after_tier = [n - d for n, d in zip(nets, tier_disc, strict=True)]

    # 4. Coupon on the discountable lines.
    coupon_disc = [ZERO] * len(lines)
    if coupon is not None:
        base = sum((n for n, ok in zip(after_tier, coupon_eligible, strict=True) if ok), ZERO)
        check_coupon(
            coupon,
            member_id=member.member_id if member else None,
            purchase_count=member.purchase_count if member else 0,
            today=today,
            eligible_amount=base,
        )
        coupon_disc = _spread(coupon_discount(coupon, base), after_tier, coupon_eligible)
    after_coupon = [n - d for n, d in zip(after_tier, coupon_disc, strict=True)]

    # 5. Points paying part of the bill.
    spent_on_items = sum(item_points)
    bill = sum(after_coupon, ZERO)
    limit = 0
    if member is not None:
        if member.stale_balance and (spent_on_items or redeem_points):
            if member.balance_as_of is None:
                raise PointsError("points.stale_balance_never")
            raise PointsError("points.stale_balance", as_of=member.balance_as_of)
        # A member in debt (negative balance) still buys and earns; only points spent are checked.
        if spent_on_items and spent_on_items > member.balance:
            raise PointsError(
                "points.over_balance", requested=spent_on_items, balance=max(0, member.balance)
            )
        # Offline, the per-sale cap covers every point the sale spends, item points included.
        if (
            spent_on_items
            and member.redeem_cap is not None
            and spent_on_items > max(0, member.redeem_cap)
        ):
            raise PointsError(
                "points.over_offline_cap", requested=spent_on_items, limit=member.redeem_cap
            )
        if member.can_redeem:
            limit = max_redeemable(
                bill=bill,
                balance=member.balance - spent_on_items,
                policy=policy,
                extra_cap=None if member.redeem_cap is None else member.redeem_cap - spent_on_items,
            )
    if redeem_points:
        if member is None:
            raise PointsError("points.member_required")
        if not member.can_redeem:
            raise PointsError("points.provisional_member")
        try:
            check_redemption(redeem_points, balance=member.balance - spent_on_items, limit=limit)
        except PointsError as exc:
            uncapped = max_redeemable(
                bill=bill, balance=member.balance - spent_on_items, policy=policy, extra_cap=None
            )
            if exc.code == "points.over_cap" and limit < uncapped:
                # The offline limit (per sale, per member per day) is what stops it: say so.
                raise PointsError(
                    "points.over_offline_cap", requested=redeem_points, limit=limit
                ) from None
            raise
    points_share = _spread(from_fen(redeem_points), after_coupon, [True] * len(lines))
    due = [n - p for n, p in zip(after_coupon, points_share, strict=True)]

    # 6. Points earned on the money paid.
    multiplier = coupon_points_multiplier(coupon)
    earned_total = 0
    if member is not None:
        earned_total = points_earned(sum(due, ZERO), member.tier.points_multiplier * multiplier)
    earned = [to_fen(p) for p in _spread(from_fen(earned_total), due, [True] * len(lines))]

    priced = tuple(
        PricedLine(
            line_no=index + 1,
            sku=line.product.sku,
            name=line.product.name,
            name_en=line.product.name_en,
            qty=line.qty,
            unit_price=line.product.price,
            unit_paid=unit_paid[index],
            gross=gross[index],
            member_saving=savings[index],
            item_points=item_points[index],
            item_points_value=item_values[index],
            tier_discount=tier_disc[index],
            coupon_discount=coupon_disc[index],
            points_redeemed=to_fen(points_share[index]),
            points_value=points_share[index],
            amount_due=due[index],
            points_earned=earned[index],
        )
        for index, line in enumerate(lines)
    )
    return PricedCart(
        lines=priced,
        subtotal=sum(gross, ZERO),
        member_savings=sum(savings, ZERO),
        tier_discount=sum(tier_disc, ZERO),
        coupon_discount=sum(coupon_disc, ZERO),
        item_points=spent_on_items,
        item_points_value=sum(item_values, ZERO),
        points_redeemed=redeem_points,
        points_value=from_fen(redeem_points),
        amount_due=sum(due, ZERO),
        points_earned=earned_total,
        max_redeemable=limit,
        coupon_code=coupon.code if coupon else None,
        points_multiplier=multiplier,
    )


def _spread(total: Decimal, weights: list[Decimal], eligible: list[bool]) -> list[Decimal]:
    """Allocate ``total`` over the eligible lines by weight (to the fen); others get zero."""
    picked = [w if ok else ZERO for w, ok in zip(weights, eligible, strict=True)]
    if total == 0:
        return [ZERO] * len(weights)
    return allocate(total, picked)
