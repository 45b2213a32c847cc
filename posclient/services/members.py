"""Finding members by any code and computing what the till knows of their points.

Balance = HQ-confirmed state (lots and debt as of the member's last pull) + this till's
unconfirmed ledger entries replayed on top (DESIGN "Local data").
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session

from posclient.domain import points as pts
from posclient.domain.codes import (
    CardCode,
    MemberCode,
    PhoneNumber,
    SignedCode,
    StaticQrCode,
    parse_member_code,
)
from posclient.domain.coupons import Coupon, CouponKind, CouponStatus, DiscountType
from posclient.domain.errors import CodeError, PosError
from posclient.domain.money import from_fen
from posclient.domain.tiers import DEFAULT_TIERS, Tier, by_code
from posclient.security.fieldcrypt import FieldCipher
from posclient.security.masking import mask_name, mask_phone
from posclient.store.models import CouponRow, LedgerEntry, MemberIdentity, MemberRow, TierRow
from posclient.sync.protocol import default_repaid_lot

from . import settings
from .settings import TillInfo, parse_time

#: Member ids of provisional card-only members are derived from the card, the same on every till.
PROVISIONAL_NS = uuid.UUID("6f1d6f3e-4b1a-4d59-9d5e-3a1b2c4d5e6f")
EXPIRING_SOON = timedelta(days=30)

#: Verifies a signed dynamic code and returns the member id (raises CodeError). Set by the app.
SignedCodeVerifier = Callable[[SignedCode], str]


def phone_index(cipher: FieldCipher, phone: str) -> str:
    return cipher.blind_index("phone", phone)


def provisional_id(card_no: str) -> str:
    return str(uuid.uuid5(PROVISIONAL_NS, f"card:{card_no}"))


@dataclass(frozen=True)
class MemberView:
    """What the till shows and prices with for one member."""

    member_id: str
    card_no: str
    tier: Tier
    name_masked: str
    phone_masked: str
    account: pts.Account
    confirmed_balance: int
    balance: int
    as_of: datetime | None
    provisional: bool = False
    tags: tuple[str, ...] = ()
    segment: str | None = None
    purchase_count: int = 0
    spend_12m: Decimal = Decimal(0)
    home_store: str = ""
    flagged_overdraft: bool = False
    coupons: tuple[Coupon, ...] = ()
    expiring: tuple[tuple[date, int], ...] = field(default=())
    enrolled_at: datetime | None = None
    last_purchase_at: datetime | None = None

    @property
    def unsynced_points(self) -> int:
        return self.balance - self.confirmed_balance


def load_tiers(session: Session) -> tuple[Tier, ...]:
    rows = session.scalars(select(TierRow).order_by(TierRow.rank)).all()
    if not rows:
        return DEFAULT_TIERS
    return tuple(
        Tier(
            row.code,
            row.name_zh,
            row.name_en,
            row.rank,
            row.threshold,
            row.discount_rate,
            row.points_multiplier,
            tuple(row.benefits_zh),
            tuple(row.benefits_en),
        )
        for row in rows
    )


def tier_of(code: str, tiers: tuple[Tier, ...]) -> Tier:
    try:
        return by_code(code, tiers)
    except KeyError:
        return min(tiers, key=lambda tier: tier.rank)


def account_from_lots(lots: Iterable[dict[str, Any]], debt: int) -> pts.Account:
    return pts.Account(
        tuple(
            pts.Lot(date.fromisoformat(lot["expires_on"]), lot["lot_id"], int(lot["remaining"]))
            for lot in lots
        ),
        int(debt or 0),
    )


def confirmed_account(row: MemberRow) -> pts.Account:
    return account_from_lots(row.lots or (), row.points_debt)


#: (kind, points, detail, refund_id) of an unconfirmed local ledger entry.
EntryTuple = tuple[str, int, dict[str, Any], str | None]


def replay(account: pts.Account, entries: Iterable[EntryTuple], *, today: date) -> pts.Account:
    """Apply this till's unconfirmed ledger entries on top of HQ's confirmed account."""
    for kind, points, detail, refund_id in entries:
        if kind == "redeem":
            recorded = redemption_from_json(detail) if detail else pts.Redemption(-points, (), 0)
            account = pts.redo_redemption(account, recorded, today=today)
        elif kind == "earn":
            if account.lot(detail["lot_id"]) is None:
                account, _ = pts.earn(
                    account,
                    lot_id=detail["lot_id"],
                    points=points,
                    expires_on=date.fromisoformat(detail["expires_on"]),
                )
        elif kind == "refund_restore":
            account = pts.restore(
                account,
                redemption_from_json(detail),
                repaid_lot_id=detail.get("repaid_lot_id") or default_repaid_lot(str(refund_id)),
                repaid_expires_on=today + pts.DEFAULT_VALIDITY,
            )
        elif kind == "refund_reverse":
            account, _ = pts.reverse_earn(account, earning_from_json(detail), today=today)
    return account


def redemption_to_json(redemption: pts.Redemption) -> dict[str, object]:
    return {
        "points": redemption.points,
        "takes": [
            {"lot_id": t.lot_id, "points": t.points, "expires_on": t.expires_on.isoformat()}
            for t in redemption.takes
        ],
        "debt_added": redemption.debt_added,
    }


def redemption_from_json(data: dict[str, object]) -> pts.Redemption:
    takes = data.get("takes") or []
    assert isinstance(takes, list)
    return pts.Redemption(
        int(str(data.get("points", 0))),
        tuple(
            pts.Take(t["lot_id"], int(t["points"]), date.fromisoformat(t["expires_on"]))
            for t in takes
        ),
        int(str(data.get("debt_added", 0))),
    )


def earning_to_json(earning: pts.Earning) -> dict[str, object]:
    return {
        "lot_id": earning.lot_id,
        "points": earning.points,
        "expires_on": earning.expires_on.isoformat(),
        "debt_paid": earning.debt_paid,
    }


def earning_from_json(data: dict[str, object]) -> pts.Earning:
    return pts.Earning(
        str(data["lot_id"]),
        int(str(data["points"])),
        date.fromisoformat(str(data["expires_on"])),
        int(str(data.get("debt_paid", 0))),
    )


def unconfirmed_entries(session: Session, member_id: str) -> list[EntryTuple]:
    rows = session.execute(
        select(LedgerEntry.kind, LedgerEntry.points, LedgerEntry.detail, LedgerEntry.refund_id)
        .where(LedgerEntry.member_id == member_id, LedgerEntry.confirmed.is_(False))
        .order_by(LedgerEntry.entry_id)
    )
    return [(kind, points, detail, refund_id) for kind, points, detail, refund_id in rows]


def coupon_from_row(row: CouponRow) -> Coupon:
    return Coupon(
        code=row.code,
        kind=CouponKind(row.kind),
        discount_type=DiscountType(row.discount_type),
        value=row.value,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        min_spend=row.min_spend,
        member_id=row.member_id,
        status=CouponStatus(row.status),
    )


def coupon_from_data(data: dict[str, Any]) -> Coupon:
    """A coupon from a raw ``coupons`` row (fen, ISO dates, decimal text)."""
    return Coupon(
        code=data["code"],
        kind=CouponKind(data["kind"]),
        discount_type=DiscountType(data["discount_type"]),
        value=Decimal(data["value"]),
        valid_from=date.fromisoformat(data["valid_from"]),
        valid_until=date.fromisoformat(data["valid_until"]),
        min_spend=from_fen(int(data["min_spend"])),
        member_id=data["member_id"],
        status=CouponStatus(data["status"]),
    )


def member_coupons(session: Session, member_id: str, today: date) -> tuple[Coupon, ...]:
    rows = session.scalars(
        select(CouponRow)
        .where(
            CouponRow.member_id == member_id,
            CouponRow.status == "available",
            CouponRow.valid_until >= today,
        )
        .order_by(CouponRow.valid_until, CouponRow.code)
    )
    return tuple(coupon_from_row(row) for row in rows)


#: meta key: when the last sync pass that pulled HQ's feed to its end began (services.sync).
FEED_CURRENT_AT = "feed_current_at"


def confirmed_as_of(session: Session, row: MemberRow) -> datetime | None:
    """How recent the member's HQ-confirmed balance is: the later of when HQ's record of the
    member last arrived and when the till last pulled the whole feed (a feed with nothing new
    for the member confirms the record as it stands). None for a member HQ has not confirmed.
    """
    if row.provisional or not row.version:
        return row.synced_at
    return later(row.synced_at, parse_time(settings.get(session, FEED_CURRENT_AT)))


def later(a: datetime | None, b: datetime | None) -> datetime | None:
    """The later of two moments (None: unknown)."""
    if a is None or b is None:
        return a or b
    return max(a, b)


def view_of(session: Session, row: MemberRow, cipher: FieldCipher, *, today: date) -> MemberView:
    tiers = load_tiers(session)
    confirmed = confirmed_account(row)
    account = replay(confirmed, unconfirmed_entries(session, row.member_id), today=today)
    name = cipher.decrypt(row.name_enc, table="members", column="name", row_id=row.member_id)
    phone = cipher.decrypt(row.phone_enc, table="members", column="phone", row_id=row.member_id)
    return MemberView(
        member_id=row.member_id,
        card_no=row.card_no,
        tier=tier_of(row.tier_code, tiers),
        name_masked=mask_name(name),
        phone_masked=mask_phone(phone),
        account=account,
        confirmed_balance=confirmed.balance(today),
        balance=account.balance(today),
        as_of=confirmed_as_of(session, row),
        provisional=row.provisional,
        tags=tuple(row.tags or ()),
        segment=row.segment,
        purchase_count=row.purchase_count,
        spend_12m=row.spend_12m,
        home_store=row.home_store,
        flagged_overdraft=row.flagged_overdraft,
        coupons=member_coupons(session, row.member_id, today),
        expiring=tuple(account.expiring(today, EXPIRING_SOON)),
        enrolled_at=row.enrolled_at,
        last_purchase_at=row.last_purchase_at,
    )


def provisional_view(member_id: str, card_no: str, session: Session) -> MemberView:
    tiers = load_tiers(session)
    return MemberView(
        member_id=member_id,
        card_no=card_no,
        tier=min(tiers, key=lambda tier: tier.rank),
        name_masked="",
        phone_masked="",
        account=pts.Account(),
        confirmed_balance=0,
        balance=0,
        as_of=None,
        provisional=True,
    )


def identity_lookup(kind: str, value: str) -> Select[Any]:
    """The member a card, phone blind index, … finds: the newest entry (while a first load has
    the (kind, value) index set aside one may be held twice; see MemberIdentity)."""
    return (
        select(MemberIdentity.member_id)
        .where(MemberIdentity.kind == kind, MemberIdentity.value == value)
        .order_by(text("member_identities.rowid DESC"))  # id is the rowid (older schemas: no id)
        .limit(1)
    )


def find_row_by_code(
    session: Session,
    code: MemberCode,
    cipher: FieldCipher,
    verify_signed: SignedCodeVerifier | None,
) -> tuple[MemberRow | None, str | None, str | None]:
    """(row, member id if known, card number if known) for a parsed member code."""
    if isinstance(code, CardCode | StaticQrCode):
        member_id = session.scalar(identity_lookup("card", code.card_no))
        row = session.get(MemberRow, member_id) if member_id else None
        return row, member_id, code.card_no
    if isinstance(code, SignedCode):
        if verify_signed is None:
            raise CodeError("qr.no_key")
        member_id = verify_signed(code)
        return session.get(MemberRow, member_id), member_id, None
    assert isinstance(code, PhoneNumber)
    member_id = session.scalar(identity_lookup("phone", phone_index(cipher, code.digits)))
    row = session.get(MemberRow, member_id) if member_id else None
    return row, member_id, None


def identify(
    session: Session,
    text: str,
    *,
    till: TillInfo,
    cipher: FieldCipher,
    today: date,
    verify_signed: SignedCodeVerifier | None = None,
) -> MemberView:
    """The member behind a scanned or typed code, or a PosError with the reason."""
    code = parse_member_code(text, chain=till.chain, card_prefix=till.card_prefix)
    return identify_code(
        session, code, till=till, cipher=cipher, today=today, verify_signed=verify_signed
    )


def identify_code(
    session: Session,
    code: MemberCode,
    *,
    till: TillInfo,
    cipher: FieldCipher,
    today: date,
    verify_signed: SignedCodeVerifier | None = None,
) -> MemberView:
    row, member_id, card_no = find_row_by_code(session, code, cipher, verify_signed)
    if row is not None:
        return view_of(session, row, cipher, today=today)
    if isinstance(code, PhoneNumber):
        raise PosError("member.not_found_phone")
    # The code itself is valid (check digit or signature): sell, earn provisionally, no redeeming.
    if card_no is not None:
        return provisional_view(provisional_id(card_no), card_no, session)
    assert member_id is not None
    return provisional_view(member_id, "", session)
