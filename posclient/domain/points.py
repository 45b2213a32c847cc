"""Points as a ledger of lots: earn, redeem oldest-expiry first, refunds that undo exactly.

A member's points are lots (an amount with an expiry date), never a bare balance. Redemption
consumes lots with the earliest expiry first; a refund reverses the lot the sale created and puts
the redeemed points back into the lots they came from, so a refunded sale leaves the account as
it was. An account may carry ``debt`` (points owed after two offline tills overspent the same
balance, DESIGN "Points overspent"); later earnings pay it off first.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from operator import attrgetter

from .errors import PointsError
from .money import ZERO, floor_int

POINTS_PER_YUAN = 100
#: Default validity of an earned lot; HQ's rules may send another.
DEFAULT_VALIDITY = timedelta(days=730)


@dataclass(frozen=True, order=True)
class Lot:
    """Points earned together, expiring together. Ordered by expiry, then id."""

    expires_on: date
    lot_id: str
    remaining: int

    def __post_init__(self) -> None:
        if self.remaining < 0:
            raise ValueError("a lot never holds negative points")


#: A lot's order as a key (the same order as comparing lots, compared in C: an account sorts
#: its lots whenever it changes, and HQ changes one per pushed sale).
_LOT_ORDER = attrgetter("expires_on", "lot_id", "remaining")
_LOT_ID = attrgetter("lot_id")
_REMAINING = attrgetter("remaining")


@dataclass(frozen=True)
class Take:
    """Points taken from one lot (kept with the lot's expiry so it can be put back)."""

    lot_id: str
    points: int
    expires_on: date


@dataclass(frozen=True)
class Redemption:
    """What a redemption consumed: lots, and any overdraft booked as debt."""

    points: int
    takes: tuple[Take, ...] = ()
    debt_added: int = 0


@dataclass(frozen=True)
class Earning:
    """What an earning did: paid off debt first, the rest became a lot."""

    lot_id: str
    points: int
    expires_on: date
    debt_paid: int = 0


@dataclass(frozen=True)
class Account:
    """A member's points: unexpired and expired lots plus debt. Immutable; operations return new."""

    lots: tuple[Lot, ...] = field(default=())
    debt: int = 0

    def __post_init__(self) -> None:
        if self.debt < 0:
            raise ValueError("debt is never negative")
        lots = sorted(filter(_REMAINING, self.lots), key=_LOT_ORDER)
        object.__setattr__(self, "lots", tuple(lots))

    # A regular's account holds hundreds of lots and HQ changes it for every sale it applies,
    # almost always by appending the newest lot. What a look-up or a sum would walk every lot
    # for is kept per account (an account never changes) and carried over by that append.

    @classmethod
    def _inserted(cls, base: Account, lot: Lot, debt: int) -> Account:
        """``base`` with ``lot`` (a new id) in its place among the lots."""
        lots = base.lots
        at = bisect_right(lots, _LOT_ORDER(lot), key=_LOT_ORDER)
        return cls._ordered((*lots[:at], lot, *lots[at:]), debt, held=base.held + lot.remaining)

    @classmethod
    def _appended(cls, base: Account, lot: Lot, debt: int) -> Account:
        """``base`` with ``lot`` (a new id that sorts after every lot of ``base``) at its end."""
        account = cls._ordered((*base.lots, lot), debt, held=base.held + lot.remaining)
        # Shared with ``base`` and its other descendants: an entry counts only where the lot
        # at its position has its id (see ``lot``).
        positions = base._positions()
        positions[lot.lot_id] = len(base.lots)
        account.__dict__["positions_"] = positions
        return account

    @classmethod
    def _ordered(cls, lots: tuple[Lot, ...], debt: int, *, held: int) -> Account:
        """An account of lots already in order, each holding points (not checked again)."""
        account = object.__new__(cls)
        object.__setattr__(account, "lots", lots)
        object.__setattr__(account, "debt", debt)
        account.__dict__["held_"] = held
        return account

    @property
    def held(self) -> int:
        """Points in every lot, expired or not (before debt)."""
        held: int | None = self.__dict__.get("held_")
        if held is None:
            held = self.__dict__["held_"] = sum(map(_REMAINING, self.lots))
        return held

    def _positions(self) -> dict[str, int]:
        positions: dict[str, int] | None = self.__dict__.get("positions_")
        if positions is None:
            lots = self.lots
            positions = self.__dict__["positions_"] = dict(
                zip(map(_LOT_ID, lots), range(len(lots)), strict=True)
            )
        return positions

    def by_id(self) -> Mapping[str, Lot]:
        """The lots by id (read only)."""
        found: dict[str, Lot] | None = self.__dict__.get("by_id_")
        if found is None:
            found = self.__dict__["by_id_"] = dict(
                zip(map(_LOT_ID, self.lots), self.lots, strict=True)
            )
        return found

    def added_since(self, earlier: Account) -> tuple[Lot, ...] | None:
        """The lots appended to ``earlier``'s to make this account's, or None if its lots are
        not ``earlier``'s, unchanged, followed by others."""
        count = len(earlier.lots)
        if self.lots[:count] != earlier.lots:  # the same Lot objects: compared by identity
            return None
        return self.lots[count:]

    def expired_prefix(self, today: date) -> int:
        """How many lots (the first ones: lots are in expiry order) expired before ``today``."""
        count = 0
        for lot in self.lots:
            if lot.expires_on >= today:
                break
            count += 1
        return count

    def balance(self, today: date) -> int:
        """Usable points today: unexpired lots minus debt (may be negative after an overdraft)."""
        expired: int = sum(map(_REMAINING, self.lots[: self.expired_prefix(today)]))
        return self.held - expired - self.debt

    def available(self, today: date) -> int:
        return max(0, self.balance(today))

    def lot(self, lot_id: str) -> Lot | None:
        position = self._positions().get(lot_id)
        if position is None:  # every id this account holds has an entry
            return None
        lots = self.lots
        if position < len(lots) and lots[position].lot_id == lot_id:
            return lots[position]
        # The entry is from another account sharing the positions (rare): look it up.
        return self.by_id().get(lot_id)

    def expiring(self, today: date, within: timedelta) -> list[tuple[date, int]]:
        """(expiry date, points) for unexpired lots expiring within ``within`` of today."""
        limit = today + within
        out: dict[date, int] = {}
        for lot in self.lots:
            if today <= lot.expires_on <= limit:
                out[lot.expires_on] = out.get(lot.expires_on, 0) + lot.remaining
        return sorted(out.items())

    def _with_lot(self, lot_id: str, delta: int, expires_on: date) -> Account:
        current = self.lot(lot_id)
        others = tuple(lot for lot in self.lots if lot.lot_id != lot_id)
        remaining = (current.remaining if current else 0) + delta
        if remaining < 0:
            raise ValueError("lot would go negative")
        expiry = current.expires_on if current else expires_on
        return replace(self, lots=(*others, Lot(expiry, lot_id, remaining)))


def earn(
    account: Account, *, lot_id: str, points: int, expires_on: date
) -> tuple[Account, Earning]:
    """Credit ``points``: pay off debt first, the rest becomes lot ``lot_id``."""
    if points < 0:
        raise ValueError("earned points are never negative")
    if account.lot(lot_id) is not None:
        raise ValueError(f"lot {lot_id} already exists")
    paid = min(account.debt, points)
    earning = Earning(lot_id, points, expires_on, paid)
    lots = account.lots
    if not points - paid:
        return replace(account, debt=account.debt - paid), earning
    new = Lot(expires_on, lot_id, points - paid)  # a new lot (checked above)
    if lots and _LOT_ORDER(new) < _LOT_ORDER(lots[-1]):
        return Account._inserted(account, new, account.debt - paid), earning
    # The usual case: the newest lot expires last, so the lots stay in order as they are.
    return Account._appended(account, new, account.debt - paid), earning


def redeem(
    account: Account, points: int, *, today: date, allow_debt: bool = False
) -> tuple[Account, Redemption]:
    """Consume ``points`` from unexpired lots, earliest expiry first.

    Tills never overdraw (``allow_debt=False`` raises). HQ applies sales that already happened
    offline with ``allow_debt=True``: the sale stands and the shortfall becomes debt.
    """
    if points < 0:
        raise ValueError("redeemed points are never negative")
    available = account.available(today)
    if points > available and not allow_debt:
        raise PointsError("points.over_balance", requested=points, balance=available)
    takes: list[Take] = []
    left = points
    after = account
    for lot in account.lots:
        if left == 0:
            break
        if lot.expires_on < today:
            continue
        taken = min(lot.remaining, left)
        takes.append(Take(lot.lot_id, taken, lot.expires_on))
        after = after._with_lot(lot.lot_id, -taken, lot.expires_on)
        left -= taken
    if left:
        after = replace(after, debt=after.debt + left)
    return after, Redemption(points, tuple(takes), left)


def redo_redemption(account: Account, redemption: Redemption, *, today: date) -> Account:
    """Apply a redemption made earlier again, on the account as HQ last confirmed it (a till
    replaying its unconfirmed entries).

    The points come out of the lots the redemption took them from, even if a lot has expired
    since: they were spent while it was valid. Redeemed again at ``today`` instead, they would
    come out of the newer lots too, counting the spent points twice once the old lot expired.
    Only what a recorded lot no longer holds (HQ's state moved on) is redeemed afresh.
    """
    after = account
    short = 0
    for take in redemption.takes:
        lot = after.lot(take.lot_id)
        taken = min(lot.remaining if lot else 0, take.points)
        if taken:
            after = after._with_lot(take.lot_id, -taken, take.expires_on)
        short += take.points - taken
    if redemption.debt_added:
        after = replace(after, debt=after.debt + redemption.debt_added)
    untracked = redemption.points - sum(take.points for take in redemption.takes)
    short += max(0, untracked - redemption.debt_added)
    if short:
        after, _ = redeem(after, short, today=today, allow_debt=True)
    return after


def restore(
    account: Account, redemption: Redemption, *, repaid_lot_id: str, repaid_expires_on: date
) -> Account:
    """Put redeemed points back into the lots they came from (a refund). Exact inverse of redeem.

    Points that were overdrawn and meanwhile repaid from later earnings come back as a new lot
    ``repaid_lot_id`` (the caller names it, so HQ and till name it alike).
    """
    after = account
    for take in redemption.takes:
        after = after._with_lot(take.lot_id, take.points, take.expires_on)
    if redemption.debt_added:
        cancelled = min(after.debt, redemption.debt_added)
        after = replace(after, debt=after.debt - cancelled)
        # The part of that debt already paid from later earnings comes back as points.
        repaid = redemption.debt_added - cancelled
        if repaid:
            after = after._with_lot(repaid_lot_id, repaid, repaid_expires_on)
    return after


def reverse_earn(
    account: Account, earning: Earning, *, today: date, lapsed: int = 0
) -> tuple[Account, Redemption]:
    """Take back what a sale earned (a refund). Exact inverse of earn when the lot is untouched.

    If the member already spent some of those points, the rest is taken from other lots, oldest
    first, and whatever is still missing becomes debt: never silently clamped. ``lapsed``: how
    many of the lot's points expired unspent (the lot is gone from the account): they have left
    the balance already and are not taken a second time.
    """
    after = replace(account, debt=account.debt + earning.debt_paid)
    in_lot = earning.points - earning.debt_paid
    takes: list[Take] = []
    own = after.lot(earning.lot_id)
    from_own = min(own.remaining if own else 0, in_lot)
    if from_own:
        after = after._with_lot(earning.lot_id, -from_own, earning.expires_on)
        takes.append(Take(earning.lot_id, from_own, earning.expires_on))
    short = in_lot - from_own - min(max(0, lapsed), in_lot - from_own)
    if short:
        after, extra = redeem(after, short, today=today, allow_debt=True)
        return after, Redemption(earning.points, (*takes, *extra.takes), extra.debt_added)
    return after, Redemption(earning.points, tuple(takes), 0)


def points_earned(amount_paid: Decimal, multiplier: Decimal, *, per_yuan: int = 1) -> int:
    """Points for money paid (not the part paid with points): floor(yuan × rate × multiplier)."""
    if amount_paid <= ZERO:
        return 0
    return floor_int(amount_paid * per_yuan * multiplier)


def points_value(points: int) -> Decimal:
    """¥ value of points at 100 points = ¥1."""
    return (Decimal(points) / POINTS_PER_YUAN).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class RedemptionPolicy:
    """Caps on paying with points. Offline limits follow DESIGN "Points overspent"."""

    bill_cap_ratio: Decimal = Decimal("0.5")
    #: Most points one sale may redeem while the till is offline.
    offline_per_sale: int = 20_000
    #: Most points one member may redeem at this till per day while offline.
    offline_per_member_day: int = 30_000
    #: Offline redemption is refused when the cached balance is older than this.
    offline_max_balance_age: timedelta = timedelta(hours=72)


#: The chain's default caps (a frozen value, shared safely as a default argument).
DEFAULT_POLICY = RedemptionPolicy()


def max_redeemable(
    *,
    bill: Decimal,
    balance: int,
    policy: RedemptionPolicy = DEFAULT_POLICY,
    extra_cap: int | None = None,
) -> int:
    """Most points usable on ``bill`` now: whole yuan, ≤ cap ratio of the bill, ≤ balance."""
    if bill <= ZERO or balance <= 0:
        return 0
    cap_yuan = floor_int(bill * policy.bill_cap_ratio)
    limit = min(balance // POINTS_PER_YUAN, cap_yuan) * POINTS_PER_YUAN
    if extra_cap is not None:
        limit = min(limit, (max(0, extra_cap) // POINTS_PER_YUAN) * POINTS_PER_YUAN)
    return max(0, limit)


def check_redemption(points: int, *, balance: int, limit: int) -> None:
    """Raise a PointsError with the reason when ``points`` cannot be redeemed."""
    if points < 0:
        raise PointsError("points.negative")
    if points % POINTS_PER_YUAN:
        raise PointsError("points.not_whole_yuan", step=POINTS_PER_YUAN)
    if points > balance:
        raise PointsError("points.over_balance", requested=points, balance=max(0, balance))
    if points > limit:
        raise PointsError("points.over_cap", requested=points, limit=limit)


def redemption_slice(redemption: Redemption, *, done: int, points: int) -> Redemption:
    """The part of ``redemption`` that a partial refund restores.

    Refunds give points back from the end of the redemption (latest expiry first, then any
    debt first of all), ``done`` points having been restored by earlier refunds. Slices taken in
    any steps add up to the whole redemption, so a full refund in parts restores it exactly.
    """
    if points < 0 or done < 0 or done + points > redemption.points:
        raise ValueError("slice outside the redemption")
    # Order of restoring: debt part, then takes from the last one backwards.
    units: list[tuple[Take | None, int]] = []
    if redemption.debt_added:
        units.append((None, redemption.debt_added))
    units.extend((take, take.points) for take in reversed(redemption.takes))
    skip, want = done, points
    takes: list[Take] = []
    debt = 0
    for take, size in units:
        if skip >= size:
            skip -= size
            continue
        part = min(size - skip, want)
        skip = 0
        if part:
            if take is None:
                debt = part
            else:
                takes.append(Take(take.lot_id, part, take.expires_on))
            want -= part
        if want == 0:
            break
    return Redemption(points, tuple(reversed(takes)), debt)


def earning_slice(earning: Earning, *, done: int, points: int) -> Earning:
    """The part of ``earning`` a partial refund takes back: the debt it paid first, then the lot.

    The mirror of ``redemption_slice``, which gives back the redemption's debt part first: when a
    sale's own overdraft was paid by its own earnings, each refund step re-opens exactly the debt
    its restored redemption cancels, so refunds in any steps end where the sale began.
    """
    if points < 0 or done < 0 or done + points > earning.points:
        raise ValueError("slice outside the earning")
    from_debt = max(0, min(points, earning.debt_paid - done))
    return Earning(earning.lot_id, points, earning.expires_on, from_debt)
