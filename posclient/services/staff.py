"""Staff login with a PIN (scrypt), lockout after repeated failures, roles and what they may do."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from posclient.domain.errors import PosError
from posclient.security.pins import verify_pin
from posclient.store.db import Database
from posclient.store.models import StaffRow
from posclient.store.uow import UnitOfWork

from .clock import Clock

log = logging.getLogger("posclient.security")

ROLES = ("cashier", "assistant", "manager")
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=5)

#: action → roles allowed to do it at the till.
PERMISSIONS: dict[str, frozenset[str]] = {
    "sell": frozenset(ROLES),
    "void": frozenset(ROLES),
    "refund": frozenset({"cashier", "manager"}),
    "settings": frozenset({"manager"}),
    "conflicts": frozenset({"assistant", "manager"}),
    # Overdrafts, coupon and tier corrections are for the manager: only they mark them read.
    "conflict_info": frozenset({"manager"}),
    "dashboard": frozenset({"manager"}),  # issue 8: store dashboard (F11)
    # issue 7: members and personal data (R15)
    "enrol": frozenset(ROLES),
    "profile": frozenset({"assistant", "manager"}),
    "audit": frozenset({"manager"}),
    "import_members": frozenset({"manager"}),
    # Pairing the till with HQ again (a revoked or missing device token) from the app.
    "pair": frozenset({"manager"}),
}


@dataclass(frozen=True)
class StaffMember:
    """Who is logged in at the till."""

    staff_id: str
    name: str
    role: str

    def can(self, action: str) -> bool:
        return can(self.role, action)


def can(role: str, action: str) -> bool:
    return role in PERMISSIONS.get(action, frozenset())


def require(staff: StaffMember | None, action: str) -> StaffMember:
    """The logged-in staff member if they may do ``action``; PosError with the reason if not."""
    if staff is None:
        raise PosError("staff.login_required")
    if not staff.can(action):
        raise PosError("staff.not_allowed", action=action)
    return staff


def list_staff(db: Database) -> list[StaffMember]:
    """Active staff, for the login screen (no PIN hashes leave this module)."""
    with db.read() as session:
        rows = session.scalars(
            select(StaffRow).where(StaffRow.active.is_(True)).order_by(StaffRow.staff_id)
        ).all()
        return [StaffMember(row.staff_id, row.name, row.role) for row in rows]


def login(db: Database, staff_id: str, pin: str, *, clock: Clock) -> StaffMember:
    """Check a PIN. After ``MAX_FAILURES`` wrong PINs in a row the account locks for ``LOCKOUT``.

    The slow KDF runs outside the write transaction so a login never holds the database lock.
    """
    staff_id = staff_id.strip()
    now = clock.now()
    with db.read() as session:
        row = session.get(StaffRow, staff_id)
        if row is None or not row.active:
            raise PosError("staff.unknown")
        locked_until, pin_hash = row.locked_until, row.pin_hash
        member = StaffMember(row.staff_id, row.name, row.role)
    if locked_until is not None and now < locked_until:
        raise PosError("staff.locked", until=_hhmm(clock, locked_until))
    ok = verify_pin(pin, pin_hash)
    with UnitOfWork(db) as uow:
        row = uow.session.get(StaffRow, staff_id)
        assert row is not None
        if ok:
            row.failed_attempts = 0
            row.locked_until = None
            uow.commit()
            log.info("staff login", extra={"staff": staff_id})
            return member
        failures = row.failed_attempts + 1
        if failures >= MAX_FAILURES:
            row.failed_attempts = 0
            row.locked_until = now + LOCKOUT
            uow.commit()
            log.warning("staff locked out", extra={"staff": staff_id})
            raise PosError("staff.locked", until=_hhmm(clock, now + LOCKOUT))
        row.failed_attempts = failures
        uow.commit()
    log.info("staff wrong pin", extra={"staff": staff_id, "failures": failures})
    raise PosError("staff.bad_pin", left=MAX_FAILURES - failures)


def _hhmm(clock: Clock, moment: datetime) -> str:
    return clock.local(moment).strftime("%H:%M")
