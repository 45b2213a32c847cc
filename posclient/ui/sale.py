"""The sale being rung up, as commands that run on the database worker (Qt-free).

The window never edits the cart itself: it sends commands (scan, set quantity, redeem…) that
run one at a time on the database worker, each on a copy of the cart. A command that fails
leaves the cart as it was and raises the PosError; one that succeeds replaces the cart and
returns an immutable ``SaleState`` for the window to render.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from posclient.domain.coupons import Coupon
from posclient.domain.errors import CouponError, PointsError
from posclient.domain.pricing import CartLine, PricedCart, Product
from posclient.services import audit
from posclient.services.checkout import Cart, CheckoutService, Receipt
from posclient.services.members import MemberView


@dataclass(frozen=True)
class SaleState:
    """What the checkout screen shows: the cart, its prices, and what just happened."""

    member: MemberView | None
    lines: tuple[CartLine, ...]
    coupon: Coupon | None
    redeem_points: int
    priced: PricedCart
    #: What the last command did, for the screen to say: ("member", "") / ("added", sku) /
    #: ("redeem_reduced", points) / ("coupon_dropped", code) / ("cleared", "") / ("", "").
    events: tuple[tuple[str, str], ...] = field(default=())
    #: Line to select after rendering (1-based), e.g. the line a scan just added to.
    focus_line: int | None = None

    @property
    def is_empty(self) -> bool:
        return not self.lines and self.member is None


def _copy(cart: Cart) -> Cart:
    return Cart(cart.member, list(cart.lines), cart.coupon, cart.redeem_points)


class SaleSession:
    """One till's in-progress sale. Call only from the database worker (one thread)."""

    def __init__(self, service: CheckoutService) -> None:
        self.service = service
        self.cart = Cart()

    # ------------------------------------------------------------------ commands

    def state(self) -> SaleState:
        return self._commit(_copy(self.cart), ())

    def scan(self, text: str) -> SaleState:
        """A scanned or typed code: a member code identifies the member, else adds the product."""
        found = self.service.scan(text)
        if isinstance(found, MemberView):
            return self._set_member(found)
        return self._add(found, 1)

    def identify(self, text: str) -> SaleState:
        return self._set_member(self.service.identify(text))

    def add(self, code: str, qty: int = 1) -> SaleState:
        return self._add(self.service.find_product(code), qty)

    def set_qty(self, line_no: int, qty: int) -> SaleState:
        cart = _copy(self.cart)
        cart.set_qty(line_no, qty)
        return self._commit(cart, (), focus=line_no, adjust=True)

    def remove(self, line_no: int) -> SaleState:
        cart = _copy(self.cart)
        cart.remove(line_no)
        focus = min(line_no, len(cart.lines)) or None
        return self._commit(cart, (("removed", str(line_no)),), focus=focus, adjust=True)

    def set_redeem(self, points: int) -> SaleState:
        cart = _copy(self.cart)
        cart.redeem_points = points
        return self._commit(cart, (("redeem", str(points)),))

    def redeem_max(self) -> SaleState:
        cart = _copy(self.cart)
        cart.redeem_points = 0
        cart.redeem_points = self.service.price(cart).max_redeemable
        return self._commit(cart, (("redeem", str(cart.redeem_points)),))

    def apply_coupon(self, code: str) -> SaleState:
        cart = _copy(self.cart)
        coupon = self.service.find_coupon(code, cart)
        cart.coupon = coupon
        return self._commit(cart, (("coupon", coupon.code),), adjust=True)

    def remove_coupon(self) -> SaleState:
        cart = _copy(self.cart)
        cart.coupon = None
        return self._commit(cart, (("coupon_removed", ""),), adjust=True)

    def clear_member(self) -> SaleState:
        cart = _copy(self.cart)
        cart.member = None
        cart.redeem_points = 0
        return self._commit(cart, (("member_cleared", ""),), adjust=True)

    def complete(self, staff_id: str) -> tuple[Receipt, SaleState]:
        """Write the sale (one transaction); the next sale starts empty."""
        receipt = self.service.complete_sale(self.cart, staff_id=staff_id)
        return receipt, self._commit(Cart(), (("completed", receipt.receipt_no),))

    def void(self, *, staff_id: str, reason: str, now: datetime) -> SaleState:
        """Cancel the sale: record who and why in the audit log, then start empty."""
        priced = self.service.price(self.cart)
        audit.record_void(
            self.service.db,
            staff_id=staff_id,
            member_id=self.cart.member.member_id if self.cart.member else None,
            reason=reason,
            lines=len(self.cart.lines),
            amount=priced.amount_due,
            now=now,
        )
        return self._commit(Cart(), (("voided", ""),))

    def refresh(self) -> SaleState:
        """Re-read the member (after a sale or a sync) and re-price."""
        cart = _copy(self.cart)
        if cart.member is not None and cart.member.card_no and not cart.member.provisional:
            cart.member = self.service.identify(cart.member.card_no)
        return self._commit(cart, (), adjust=True)

    # ------------------------------------------------------------------ internals

    def _set_member(self, member: MemberView) -> SaleState:
        cart = _copy(self.cart)
        changed = cart.member is None or cart.member.member_id != member.member_id
        cart.member = member
        if changed:
            cart.redeem_points = 0
        return self._commit(cart, (("member", member.member_id),), adjust=True)

    def _add(self, product: Product, qty: int) -> SaleState:
        cart = _copy(self.cart)
        cart.add(product, qty)
        line_no = next(
            i
            for i, line in enumerate(cart.lines, 1)
            if line.product.sku == product.sku and not line.use_points_price
        )
        return self._commit(cart, (("added", product.sku),), focus=line_no, adjust=True)

    def _commit(
        self,
        cart: Cart,
        events: tuple[tuple[str, str], ...],
        *,
        focus: int | None = None,
        adjust: bool = False,
    ) -> SaleState:
        """Price ``cart``; with ``adjust``, a redemption or coupon the change made invalid is
        reduced or dropped (and said so) instead of refusing the change."""
        if adjust:
            cart, more = self._adjusted(cart)
            events += more
        priced = self.service.price(cart)  # raises: nothing is replaced
        self.cart = cart
        return SaleState(
            member=cart.member,
            lines=tuple(cart.lines),
            coupon=cart.coupon,
            redeem_points=cart.redeem_points,
            priced=priced,
            events=events,
            focus_line=focus,
        )

    def _adjusted(self, cart: Cart) -> tuple[Cart, tuple[tuple[str, str], ...]]:
        events: list[tuple[str, str]] = []
        if not cart.lines:
            if cart.coupon is not None:
                events.append(("coupon_dropped", cart.coupon.code))
            cart.coupon = None
            cart.redeem_points = 0
            return cart, tuple(events)
        if cart.coupon is not None:
            try:
                self.service.price(replace(cart, lines=list(cart.lines), redeem_points=0))
            except CouponError:
                events.append(("coupon_dropped", cart.coupon.code))
                cart.coupon = None
        if cart.redeem_points:
            wanted = cart.redeem_points
            try:
                self.service.price(cart)
            except PointsError:
                cart.redeem_points = 0
                cart.redeem_points = min(wanted, self.service.price(cart).max_redeemable)
                events.append(("redeem_reduced", str(cart.redeem_points)))
        return cart, tuple(events)
