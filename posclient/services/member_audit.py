"""Audit of personal data (R15): who viewed or changed which member's which fields, and when.

Every row is written in the same transaction as the view or change it records, and in that same
transaction the rows not yet sent are queued as one ``audit.recorded`` event: HQ gets the trail
as reliably as the sale it sits next to. Rows carry field names only, never values. Other audit
rows (a voided sale's reason) are swept along with their action and no details.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from posclient.domain.events import EventType
from posclient.store.db import Database
from posclient.store.models import AuditRow, MemberRow

from . import outbox, settings

MAX_ENTRIES = 500


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    staff_id: str
    member_id: str | None
    card_no: str
    action: str
    fields: tuple[str, ...]
    synced: bool


def _names(fields: list[object]) -> list[str]:
    return [f for f in fields if isinstance(f, str) and len(f) <= 32][:20]


def _member_ref(member_id: str | None) -> str | None:
    if member_id is None:
        return None
    try:
        return str(uuid.UUID(member_id))
    except ValueError:
        return None


def audit(
    session: Session,
    *,
    staff_id: str,
    member_id: str | None,
    action: str,
    fields: list[str],
    now: datetime,
) -> None:
    """Record one view or change and queue what HQ has not got yet (caller commits)."""
    session.add(
        AuditRow(at=now, staff_id=staff_id, member_id=member_id, action=action, fields=list(fields))
    )
    session.flush()
    queue_unsent(session, now)


def queue_unsent(session: Session, now: datetime) -> int:
    """Put unsent audit rows into one ``audit.recorded`` event; returns how many."""
    rows = session.scalars(
        select(AuditRow).where(AuditRow.synced.is_(False)).order_by(AuditRow.id).limit(MAX_ENTRIES)
    ).all()
    if not rows:
        return 0
    entries = [
        {
            "at": row.at.isoformat(),
            "staff_id": row.staff_id[:64],
            "member_id": _member_ref(row.member_id),
            "action": row.action[:32],
            "fields": _names(row.fields or []),
        }
        for row in rows
    ]
    store = settings.all_settings(session)["store"]
    outbox.append(
        session,
        type=EventType.AUDIT_RECORDED,
        payload={"store": store, "entries": entries},
        occurred_at=now,
    )
    session.execute(
        update(AuditRow).where(AuditRow.id.in_([row.id for row in rows])).values(synced=True)
    )
    return len(rows)


def recent(db: Database, *, limit: int = 500, member_id: str | None = None) -> list[AuditLine]:
    """The newest audit rows first, with the member's card number (no personal data)."""
    with db.read() as session:
        query = (
            select(AuditRow, MemberRow.card_no)
            .outerjoin(MemberRow, MemberRow.member_id == AuditRow.member_id)
            .order_by(AuditRow.id.desc())
            .limit(limit)
        )
        if member_id is not None:
            query = query.where(AuditRow.member_id == member_id)
        return [
            AuditLine(
                row.at,
                row.staff_id,
                row.member_id,
                card_no or "",
                row.action,
                tuple(_names(row.fields or [])),
                row.synced,
            )
            for row, card_no in session.execute(query)
        ]
