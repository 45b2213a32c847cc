"""A member's profile for shop assistants and managers: view, edit, consent, erasure (R2, R15).

Who sees what (DESIGN "Privacy and security", R15):

- a manager sees and edits every member;
- an assistant sees and edits the members assigned to them (``members.assigned_staff``: set to
  the assistant who enrolled the member, or by HQ in the member feed); other members are refused;
- a cashier sees masked values only and edits nothing.

Every view of unmasked data and every change writes an audit row (field names, never values).
An edit is a ``member.patched`` event carrying, per field, the version the till had seen, so HQ
applies it only if nobody changed that field in between (DESIGN "Conflicts").
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from posclient.domain.errors import PosError
from posclient.domain.events import EventType
from posclient.security.fieldcrypt import FieldCipher
from posclient.security.masking import mask_name, mask_phone
from posclient.store.db import Database
from posclient.store.models import LedgerEntry, MemberIdentity, MemberRow, SaleRow
from posclient.store.uow import UnitOfWork
from posclient.sync.protocol import (
    FIELD_PURPOSE,
    ConsentDecision,
    ConsentPurpose,
    ErasurePayload,
    PatchPayload,
)

from . import consent, outbox, settings
from .member_audit import audit
from .members import identity_lookup, phone_index
from .staff import StaffMember, require

log = logging.getLogger("posclient.members")

FIELDS = ("phone", "name", "gender", "birthday", "categories")


@dataclass(frozen=True)
class Purchase:
    at: datetime
    receipt_no: str
    amount: Decimal
    points_earned: int
    points_redeemed: int


@dataclass(frozen=True)
class PointsLine:
    at: datetime | None
    kind: str  # earn | redeem | refund_* | lot (HQ-confirmed lot)
    points: int
    expires_on: date | None
    confirmed: bool


@dataclass(frozen=True)
class Profile:
    member_id: str
    card_no: str
    tier_code: str
    masked: bool
    editable: bool
    #: Field → display value (plain for those allowed, masked otherwise); absent = not held.
    values: dict[str, Any]
    field_versions: dict[str, int]
    consents: dict[str, bool]
    assigned_staff: str | None
    purchases: tuple[Purchase, ...]
    points: tuple[PointsLine, ...]
    purchase_count: int
    last_purchase_at: datetime | None


def may_open(staff: StaffMember, row: MemberRow) -> bool:
    """Unmasked view and edit rights (R15)."""
    if staff.role == "manager":
        return True
    return staff.role == "assistant" and bool(row.assigned_staff == staff.staff_id)


def _decrypt(cipher: FieldCipher, row: MemberRow, name: str) -> Any:
    text = cipher.decrypt(
        getattr(row, consent.FIELD_COLUMNS[name]),
        table="members",
        column=name,
        row_id=row.member_id,
    )
    if text is None:
        return None
    if name == "categories":
        return json.loads(text)
    if name == "birthday":
        return date.fromisoformat(text)
    return text


def _masked(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "phone":
        return mask_phone(value)
    if name == "name":
        return mask_name(value)
    return "***"


def _member(session: Session, member_id: str) -> MemberRow:
    row = session.get(MemberRow, member_id)
    if row is None or row.provisional:
        raise PosError("member.gone")
    return row


def _history(
    session: Session, row: MemberRow
) -> tuple[tuple[Purchase, ...], tuple[PointsLine, ...]]:
    sales = session.scalars(
        select(SaleRow)
        .where(SaleRow.member_id == row.member_id)
        .order_by(SaleRow.created_at.desc())
        .limit(100)
    ).all()
    purchases = tuple(
        Purchase(s.created_at, s.receipt_no, s.amount_due, s.points_earned, s.points_redeemed)
        for s in sales
    )
    lines = [
        PointsLine(
            e.created_at,
            e.kind,
            e.points,
            date.fromisoformat(e.detail["expires_on"]) if e.detail.get("expires_on") else None,
            e.confirmed,
        )
        for e in session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.member_id == row.member_id)
            .order_by(LedgerEntry.entry_id.desc())
        )
    ]
    lines += [
        PointsLine(
            row.synced_at, "lot", int(lot["remaining"]), date.fromisoformat(lot["expires_on"]), True
        )
        for lot in sorted(row.lots or (), key=lambda lot: lot["expires_on"])
    ]
    return purchases, tuple(lines)


def open_profile(
    db: Database, cipher: FieldCipher, staff: StaffMember | None, member_id: str, *, now: datetime
) -> Profile:
    """The profile as ``staff`` may see it; an unmasked view is audited."""
    staff = require(staff, "sell")
    with UnitOfWork(db) as uow:
        session = uow.session
        row = _member(session, member_id)
        full = staff.can("profile") and may_open(staff, row)
        if staff.role == "assistant" and not full:
            raise PosError("profile.not_assigned")
        values: dict[str, Any] = {}
        for name in FIELDS:
            value = _decrypt(cipher, row, name)
            if value is not None:
                values[name] = value if full else _masked(name, value)
        purchases, points = _history(session, row)
        if full:
            audit(
                session,
                staff_id=staff.staff_id,
                member_id=member_id,
                action="profile.viewed",
                fields=sorted(values),
                now=now,
            )
        profile = Profile(
            member_id=row.member_id,
            card_no=row.card_no,
            tier_code=row.tier_code,
            masked=not full,
            editable=full,
            values=values,
            field_versions={k: int(v) for k, v in (row.field_versions or {}).items()},
            consents={k: bool(v) for k, v in (row.consents or {}).items()},
            assigned_staff=row.assigned_staff,
            purchases=purchases,
            points=points,
            purchase_count=row.purchase_count,
            last_purchase_at=row.last_purchase_at,
        )
        uow.commit()
    return profile


def _require_full(
    session: Session, staff: StaffMember | None, member_id: str
) -> tuple[StaffMember, MemberRow]:
    staff = require(staff, "profile")
    row = _member(session, member_id)
    if not may_open(staff, row):
        raise PosError("profile.not_assigned")
    return staff, row


def _wire(name: str, value: Any) -> Any:
    if value is None or value in ("", []):
        return None
    if name == "birthday" and isinstance(value, date):
        return value.isoformat()
    if name == "gender" and hasattr(value, "value"):
        return value.value
    return value


def edit_profile(
    db: Database,
    cipher: FieldCipher,
    staff: StaffMember | None,
    member_id: str,
    changes: dict[str, Any],
    *,
    now: datetime,
) -> list[str]:
    """Apply changed fields here and queue them for HQ with their base versions.

    ``changes`` maps field → new value (None clears it). Unchanged values are dropped; returns
    the names of the fields that changed (empty: nothing written).
    """
    with UnitOfWork(db) as uow:
        session = uow.session
        staff, row = _require_full(session, staff, member_id)
        fields: dict[str, dict[str, Any]] = {}
        wire_values: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in FIELDS:
                raise PosError("profile.unknown_field", field=name)
            new = _wire(name, value)
            if name == "phone" and new is not None:
                from .enrolment import normalise_phone

                new = normalise_phone(new)
            if name == "phone" and new is None:
                raise PosError("profile.phone_required")
            if new == _wire(name, _decrypt(cipher, row, name)):
                continue
            if new is not None and not (row.consents or {}).get(FIELD_PURPOSE[name].value):
                raise PosError(
                    "enrol.field_without_consent", field=name, purpose=FIELD_PURPOSE[name].value
                )
            fields[name] = {
                "value": new,
                "base_version": int((row.field_versions or {}).get(name, 0)),
            }
            wire_values[name] = new
        if not fields:
            return []
        store = settings.all_settings(session)["store"]
        payload = {
            "member_id": member_id,
            "store": store,
            "staff_id": staff.staff_id,
            "fields": fields,
            "occurred_at": now.isoformat(),
        }
        try:
            PatchPayload.model_validate(payload)
        except ValidationError as exc:
            raise PosError("profile.invalid", field=str(exc.errors()[0]["loc"][-1])) from exc
        if "phone" in wire_values:
            _move_phone(session, cipher, row, wire_values["phone"])
        versions = dict(row.field_versions or {})
        for name, new in wire_values.items():
            text = (
                None
                if new is None
                else (new if isinstance(new, str) else json.dumps(new, ensure_ascii=False))
            )
            setattr(
                row,
                consent.FIELD_COLUMNS[name],
                cipher.encrypt(text, table="members", column=name, row_id=member_id),
            )
            versions[name] = versions.get(name, 0) + 1
        row.field_versions = versions
        outbox.append(
            session,
            type=EventType.MEMBER_PATCHED,
            payload=payload,
            occurred_at=now,
            base={"member": row.version},
            seal=outbox.sealer(cipher),
        )
        audit(
            session,
            staff_id=staff.staff_id,
            member_id=member_id,
            action="profile.edited",
            fields=sorted(fields),
            now=now,
        )
        uow.commit()
    log.info("profile edited", extra={"staff": staff.staff_id, "fields": sorted(fields)})
    return sorted(fields)


def _move_phone(session: Session, cipher: FieldCipher, row: MemberRow, phone: str) -> None:
    index = phone_index(cipher, phone)
    owner = session.scalar(identity_lookup("phone", index))
    if owner is not None and owner != row.member_id:
        other = session.get(MemberRow, owner)
        raise PosError("enrol.duplicate_phone", card=other.card_no if other else "")
    session.execute(
        delete(MemberIdentity).where(
            MemberIdentity.kind == "phone", MemberIdentity.member_id == row.member_id
        )
    )
    session.add(MemberIdentity(kind="phone", value=index, member_id=row.member_id))


def set_consent(
    db: Database,
    staff: StaffMember | None,
    member_id: str,
    purpose: ConsentPurpose,
    granted: bool,
    *,
    lang: str,
    now: datetime,
    channel: str = "till_screen",
) -> list[str]:
    """Grant or withdraw an optional purpose from the profile; returns the purged fields."""
    with UnitOfWork(db) as uow:
        staff, row = _require_full(uow.session, staff, member_id)
        before = {
            name
            for name in consent.dependent_fields(purpose)
            if getattr(row, consent.FIELD_COLUMNS[name]) is not None
        }
        consent.record_decision(
            uow.session,
            member_id=member_id,
            purpose=purpose,
            decision=ConsentDecision.GRANTED if granted else ConsentDecision.WITHDRAWN,
            lang=lang,
            channel=channel,
            staff_id=staff.staff_id,
            now=now,
        )
        uow.commit()
    log.info(
        "consent recorded",
        extra={"staff": staff.staff_id, "purpose": purpose.value, "granted": granted},
    )
    return [] if granted else sorted(before)


def request_erasure(
    db: Database, staff: StaffMember | None, member_id: str, *, now: datetime
) -> None:
    """The member asks to be forgotten: personal fields go from this till now; HQ erases the rest.

    The event skips the queue. The points ledger and sales stay (bookkeeping), without a name.
    """
    with UnitOfWork(db) as uow:
        session = uow.session
        staff, row = _require_full(session, staff, member_id)
        store = settings.all_settings(session)["store"]
        payload = {
            "member_id": member_id,
            "store": store,
            "staff_id": staff.staff_id,
            "occurred_at": now.isoformat(),
        }
        ErasurePayload.model_validate(payload)
        outbox.append(
            session,
            type=EventType.ERASURE_REQUESTED,
            payload=payload,
            occurred_at=now,
        )
        purged = [name for name in FIELDS if getattr(row, consent.FIELD_COLUMNS[name]) is not None]
        for name in FIELDS:
            setattr(row, consent.FIELD_COLUMNS[name], None)
        row.consents = {}
        row.assigned_staff = None
        session.execute(
            delete(MemberIdentity).where(
                MemberIdentity.kind == "phone", MemberIdentity.member_id == member_id
            )
        )
        audit(
            session,
            staff_id=staff.staff_id,
            member_id=member_id,
            action="member.erasure_requested",
            fields=purged,
            now=now,
        )
        uow.commit()
    log.info("erasure requested", extra={"staff": staff.staff_id})
