"""The conflicts inbox: outcomes HQ decided differently from this till (DESIGN "Conflicts").

HQ's state has already been applied when a conflict is recorded (the sync engine does that);
the inbox is for a person to see what happened and, for profile edits, choose:

- **re-apply**: send the till's value again as a new edit on top of HQ's current version (the
  assistant decided the customer's latest word is the till's);
- **discard**: keep HQ's value.

Overdrafts, coupon and tier corrections are information for the manager: acknowledging them
only marks them read. The losing values of a profile conflict are personal data: they are kept
encrypted (``seal_losing``) and every look at them is audited.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from posclient.domain.errors import PosError
from posclient.domain.events import EventType
from posclient.security.fieldcrypt import FieldCipher
from posclient.security.masking import mask_name, mask_phone
from posclient.store.db import Database
from posclient.store.models import AuditRow, ConflictRow, MemberRow
from posclient.store.uow import UnitOfWork

from . import outbox, profile, settings
from .staff import StaffMember, require

PROFILE_KINDS = frozenset({"profile_conflict"})
#: Outcomes HQ settles for the member's good with nothing for a person to do (points a stale
#: tier under-earned, added by HQ): applied, logged, kept out of the inbox. One per sale, they
#: buried the items that need the manager (QA round 4: 1,014 after a day offline).
ROUTINE_KINDS = frozenset({"tier_corrected"})
#: Kinds an assistant resolves; the rest are information for the manager.
PROFILE_FIELDS = ("phone", "name", "gender", "birthday", "categories")


def seal_losing(
    cipher: FieldCipher, event_id: str, losing: dict[str, Any] | None
) -> dict[str, Any] | None:
    """HQ's ``losing`` map with each value encrypted (it may be a name or a phone number)."""
    if not losing:
        return losing
    sealed: dict[str, Any] = {}
    for name, original in losing.items():
        entry = dict(original or {})
        value = entry.pop("value", None)
        entry["value_enc"] = cipher.encrypt(
            json.dumps(value, ensure_ascii=False), table="conflicts", column=name, row_id=event_id
        )
        sealed[name] = entry
    return sealed


@dataclass(frozen=True)
class FieldConflict:
    name: str
    mine: Any  # the till's losing value
    theirs: Any  # HQ's value, as now in the member cache
    winner_store: str | None
    winner_at: str | None


@dataclass(frozen=True)
class Conflict:
    id: int
    kind: str
    event_type: str
    member_id: str | None
    detail: str
    occurred_at: str
    created_at: datetime
    resolution: str | None
    fields: tuple[FieldConflict, ...] = ()
    #: The member's card number, how staff know a member (None: not on this till).
    card_no: str | None = None
    #: Whether the staff member who listed it may see and edit the member's profile (R15,
    #: ``profile.may_open``); if not, the values are masked and the conflict is not theirs.
    may_open: bool = True
    #: For a sale or refund: its receipt, the coupon it used and the points it redeemed, so
    #: the manager can find it (None: not a sale, or filed before these were kept).
    receipt_no: str | None = None
    coupon_code: str | None = None
    points_redeemed: int | None = None

    @property
    def actionable(self) -> bool:
        """A profile conflict a person can re-apply or discard."""
        return (
            self.kind in PROFILE_KINDS
            and self.resolution is None
            and bool(self.fields)
            and self.may_open
        )


def _masked(field: FieldConflict) -> FieldConflict:
    """The field with both values masked, as the profile screen shows them (R15)."""

    def mask(value: Any) -> Any:
        if value is None:
            return None
        if field.name == "name":
            return mask_name(str(value))
        if field.name == "phone":
            return mask_phone(str(value))
        return "***"

    return replace(field, mine=mask(field.mine), theirs=mask(field.theirs))


def _member_value(cipher: FieldCipher, row: MemberRow | None, name: str) -> Any:
    if row is None:
        return None
    text = cipher.decrypt(
        getattr(row, f"{name}_enc"), table="members", column=name, row_id=row.member_id
    )
    if text is None or name != "categories":
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def _fields(session: Session, cipher: FieldCipher, row: ConflictRow) -> tuple[FieldConflict, ...]:
    losing = (row.detail or {}).get("losing") or {}
    member = session.get(MemberRow, row.member_id) if row.member_id else None
    out = []
    for name, entry in losing.items():
        if name not in PROFILE_FIELDS:
            continue
        blob = entry.get("value_enc")
        mine = (
            json.loads(
                cipher.decrypt(blob, table="conflicts", column=name, row_id=row.event_id) or "null"
            )
            if blob
            else None
        )
        out.append(
            FieldConflict(
                name=name,
                mine=mine,
                theirs=_member_value(cipher, member, name),
                winner_store=entry.get("winner_store"),
                winner_at=entry.get("winner_at"),
            )
        )
    return tuple(out)


def list_conflicts(
    db: Database,
    cipher: FieldCipher,
    *,
    staff: StaffMember | None,
    now: datetime,
    include_resolved: bool = False,
) -> list[Conflict]:
    """Newest first. Decrypting the losing values is a view of personal data: audited. A
    member's values are shown only to staff who may open the member's profile (R15), masked
    to anyone else, as on the profile screen."""
    staff_id = staff.staff_id if staff is not None else ""
    with UnitOfWork(db) as uow:
        session = uow.session
        query = select(ConflictRow).order_by(ConflictRow.id.desc())
        if not include_resolved:
            query = query.where(ConflictRow.resolved_at.is_(None))
        result = []
        for row in session.scalars(query):
            member = session.get(MemberRow, row.member_id) if row.member_id else None
            fields = _fields(session, cipher, row)
            allowed = _may_open(staff, member, row.kind)
            if fields and allowed:
                session.add(
                    AuditRow(
                        at=now,
                        staff_id=staff_id,
                        member_id=row.member_id,
                        action="conflict.view",
                        fields=[field.name for field in fields],
                    )
                )
            elif fields:
                fields = tuple(_masked(field) for field in fields)
            detail = row.detail or {}
            result.append(
                Conflict(
                    id=row.id,
                    kind=row.kind,
                    event_type=str(detail.get("type", "")),
                    member_id=row.member_id,
                    card_no=member.card_no if member is not None else detail.get("card_no"),
                    detail=str(detail.get("detail") or ""),
                    occurred_at=str(detail.get("occurred_at", "")),
                    created_at=row.created_at,
                    resolution=row.resolution,
                    fields=fields,
                    may_open=allowed,
                    receipt_no=_text_or_none(detail.get("receipt_no")),
                    coupon_code=_text_or_none(detail.get("coupon_code")),
                    points_redeemed=_int_or_none(detail.get("points_redeemed")),
                )
            )
        uow.commit()
    return result


def _text_or_none(value: Any) -> str | None:
    return str(value) if isinstance(value, str) and value else None


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value else None


def _may_open(staff: StaffMember | None, member: MemberRow | None, kind: str) -> bool:
    """Whether ``staff`` may see and act on a profile conflict about ``member`` (R15: the
    profile screen's rule). Information kinds hold no profile values: anyone may list them."""
    if kind not in PROFILE_KINDS:
        return True
    if staff is None:
        return False
    return member is None or profile.may_open(staff, member)


def open_count(session: Session) -> int:
    rows = session.scalars(select(ConflictRow.id).where(ConflictRow.resolved_at.is_(None)))
    return len(rows.all())


def _open_row(session: Session, conflict_id: int) -> ConflictRow:
    row = session.get(ConflictRow, conflict_id)
    if row is None or row.resolved_at is not None:
        raise PosError("conflict.gone")
    return row


def _check_may_open(session: Session, staff: StaffMember, row: ConflictRow) -> None:
    """Only staff who may edit the member's profile settle a profile conflict about them."""
    member = session.get(MemberRow, row.member_id) if row.member_id else None
    if not _may_open(staff, member, row.kind):
        raise PosError("profile.not_assigned")


def _closing_action(kind: str) -> str:
    """The permission closing a conflict of ``kind`` needs: profile conflicts are the
    assistants' and managers'; the information kinds (overdraft, coupon, tier) only the
    manager's, so an assistant cannot mark read what the manager has not seen."""
    return "conflicts" if kind in PROFILE_KINDS else "conflict_info"


def may_acknowledge(staff: StaffMember | None, kind: str) -> bool:
    """Whether ``staff`` may close a conflict of ``kind`` (see ``_closing_action``)."""
    return staff is not None and staff.can(_closing_action(kind))


def discard(db: Database, conflict_id: int, *, staff: StaffMember | None, now: datetime) -> None:
    """Keep HQ's outcome (for information kinds: acknowledged, by a manager)."""
    with UnitOfWork(db) as uow:
        row = _open_row(uow.session, conflict_id)
        staff = require(staff, _closing_action(row.kind))
        _check_may_open(uow.session, staff, row)
        _close(uow.session, row, staff_id=staff.staff_id, now=now)
        uow.commit()


def _close(session: Session, row: ConflictRow, *, staff_id: str, now: datetime) -> None:
    """Keep HQ's outcome for ``row`` (a profile conflict discarded, information acknowledged)
    and audit who did."""
    row.resolved_at = now
    row.resolution = "discarded" if row.kind in PROFILE_KINDS else "acknowledged"
    session.add(
        AuditRow(
            at=now,
            staff_id=staff_id,
            member_id=row.member_id,
            action=f"conflict.{row.resolution}",
            fields=[row.kind],
        )
    )


def may_acknowledge_all(staff: StaffMember | None) -> bool:
    """Whether ``staff`` may mark every information entry read (``acknowledge_all``)."""
    return staff is not None and staff.can("conflict_info")


def acknowledge_all(
    db: Database, ids: Iterable[int], *, staff: StaffMember | None, now: datetime
) -> int:
    """Mark the open information entries (overdraft, coupon, tier) among ``ids`` — the ones
    the manager was shown — read at once (profile conflicts each need a decision: they stay;
    an entry that arrived since is not closed unseen). Returns how many were marked."""
    staff = require(staff, "conflict_info")
    wanted = sorted(set(ids))
    with UnitOfWork(db) as uow:
        rows = uow.session.scalars(
            select(ConflictRow)
            .where(
                ConflictRow.id.in_(wanted),
                ConflictRow.resolved_at.is_(None),
                ConflictRow.kind.not_in(PROFILE_KINDS),
            )
            .order_by(ConflictRow.id)
        ).all()
        for row in rows:
            _close(uow.session, row, staff_id=staff.staff_id, now=now)
        uow.commit()
    return len(rows)


def reapply(
    db: Database,
    cipher: FieldCipher,
    conflict_id: int,
    *,
    staff: StaffMember | None,
    now: datetime,
) -> str:
    """Send the till's losing values again, based on HQ's current field versions.

    Returns the new event's id. The cache keeps HQ's value until HQ answers (the pull after the
    push brings the outcome), so the till never shows a value HQ has not accepted. The edit can
    still lose if the field changes again at HQ before
    it arrives; then a new conflict shows up (never a silent overwrite).
    """
    staff = require(staff, "conflicts")
    staff_id = staff.staff_id
    with UnitOfWork(db) as uow:
        session = uow.session
        row = _open_row(session, conflict_id)
        _check_may_open(session, staff, row)
        if row.kind not in PROFILE_KINDS or not row.member_id:
            raise PosError("conflict.not_reapplicable")
        member = session.get(MemberRow, row.member_id)
        if member is None:
            raise PosError("member.gone")
        fields = _fields(session, cipher, row)
        if not fields:
            raise PosError("conflict.not_reapplicable")
        versions = member.field_versions or {}
        patch = {
            field.name: {"value": field.mine, "base_version": int(versions.get(field.name, 0))}
            for field in fields
        }
        payload = {
            "member_id": row.member_id,
            "store": settings.get(session, "store", "") or "",
            "staff_id": staff_id,
            "fields": patch,
            "occurred_at": now.isoformat(),
        }
        appended = outbox.append(
            session,
            type=EventType.MEMBER_PATCHED,
            payload=payload,
            occurred_at=now,
            base={name: entry["base_version"] for name, entry in patch.items()},
            seal=outbox.sealer(cipher),  # the values are personal data
        )
        row.resolved_at = now
        row.resolution = "reapplied"
        session.add(
            AuditRow(
                at=now,
                staff_id=staff_id,
                member_id=row.member_id,
                action="conflict.reapplied",
                fields=[field.name for field in fields],
            )
        )
        uow.commit()
        return appended.event_id
