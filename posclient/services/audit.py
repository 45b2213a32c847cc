"""Audit records written by the till's screens: a cancelled (voided) sale and its reason."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from posclient.domain.errors import PosError
from posclient.store.db import Database
from posclient.store.models import AuditRow
from posclient.store.uow import UnitOfWork

log = logging.getLogger("posclient.checkout")

MAX_REASON = 200


def record_void(
    db: Database,
    *,
    staff_id: str,
    member_id: str | None,
    reason: str,
    lines: int,
    amount: Decimal,
    now: datetime,
) -> int:
    """Write one ``sale.voided`` row to ``audit_log`` (the reason is required); return its id."""
    reason = reason.strip()[:MAX_REASON]
    if not reason:
        raise PosError("void.reason_required")
    with UnitOfWork(db) as uow:
        row = AuditRow(
            at=now,
            staff_id=staff_id,
            member_id=member_id,
            action="sale.voided",
            fields=[{"reason": reason, "lines": lines, "amount": str(amount)}],
            synced=False,
        )
        uow.session.add(row)
        uow.session.flush()
        audit_id = row.id
        uow.commit()
    log.info("sale voided", extra={"staff": staff_id, "lines": lines, "audit_id": audit_id})
    return audit_id
