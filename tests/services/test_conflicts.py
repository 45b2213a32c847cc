"""The conflicts inbox by role: assistants settle profile conflicts; the information kinds
(overdraft, coupon, tier) are the manager's to mark read, so none is closed unseen."""

from __future__ import annotations

import pytest

from posclient.domain.errors import PosError
from posclient.services import conflicts, staff
from posclient.store.models import ConflictRow
from posclient.store.uow import UnitOfWork
from tests.helpers import demo_members, sql

WANG = demo_members()["diamond"]


def _record(till, kind: str, event_id: str) -> int:
    with UnitOfWork(till.db) as uow:
        row = ConflictRow(
            event_id=event_id,
            kind=kind,
            member_id=WANG["member_id"],
            detail={},
            created_at=till.clock.now(),
        )
        uow.session.add(row)
        uow.commit()
        return row.id


def _who(till, staff_id: str, pin: str) -> staff.StaffMember:
    return staff.login(till.db, staff_id, pin, clock=till.clock)


@pytest.mark.parametrize("kind", ["points_overdraft", "coupon_already_used", "tier_corrected"])
def test_only_the_manager_marks_information_read(till, kind):
    conflict_id = _record(till, kind, "e-1")
    now = till.clock.now()
    for who in (_who(till, "a01", "2222"), _who(till, "c01", "1111"), None):
        with pytest.raises(PosError) as err:
            conflicts.discard(till.db, conflict_id, staff=who, now=now)
        assert err.value.code in {"staff.not_allowed", "staff.login_required"}
        assert not conflicts.may_acknowledge(who, kind)
    # Nothing changed: still open, nothing audited.
    assert sql(till.db.path, "SELECT resolved_at FROM conflicts") == [(None,)]
    assert sql(till.db.path, "SELECT count(*) FROM audit_log WHERE action LIKE 'conflict.%'") == [
        (0,)
    ]
    manager = _who(till, "m01", "9999")
    assert conflicts.may_acknowledge(manager, kind)
    conflicts.discard(till.db, conflict_id, staff=manager, now=now)
    assert sql(till.db.path, "SELECT resolution FROM conflicts") == [("acknowledged",)]
    assert sql(
        till.db.path, "SELECT staff_id, action FROM audit_log WHERE action LIKE 'conflict.%'"
    ) == [("m01", "conflict.acknowledged")]


def test_assistants_settle_profile_conflicts_cashiers_do_not(till):
    conflict_id = _record(till, "profile_conflict", "e-2")
    now = till.clock.now()
    with pytest.raises(PosError) as err:
        conflicts.discard(till.db, conflict_id, staff=_who(till, "c01", "1111"), now=now)
    assert err.value.code == "staff.not_allowed"
    conflicts.discard(till.db, conflict_id, staff=_who(till, "a01", "2222"), now=now)
    assert sql(till.db.path, "SELECT resolution FROM conflicts") == [("discarded",)]


def test_the_manager_marks_all_information_read_at_once(till):
    shown = [
        _record(till, kind, f"i-{n}")
        for n, kind in enumerate(["points_overdraft", "coupon_already_used", "points_overdraft"])
    ]
    profile_id = _record(till, "profile_conflict", "p-1")
    shown.append(profile_id)
    now = till.clock.now()
    assistant = _who(till, "a01", "2222")
    assert not conflicts.may_acknowledge_all(assistant)
    with pytest.raises(PosError) as err:
        conflicts.acknowledge_all(till.db, shown, staff=assistant, now=now)
    assert err.value.code == "staff.not_allowed"
    assert sql(till.db.path, "SELECT count(*) FROM conflicts WHERE resolved_at IS NULL") == [(4,)]
    # One more arrives after the manager's list was shown: it is not closed unseen.
    arrived = _record(till, "points_overdraft", "i-late")
    manager = _who(till, "m01", "9999")
    assert conflicts.may_acknowledge_all(manager)
    assert conflicts.acknowledge_all(till.db, shown, staff=manager, now=now) == 3
    # The profile conflict needs a decision: it stays open.
    assert sql(till.db.path, "SELECT id FROM conflicts WHERE resolved_at IS NULL") == [
        (profile_id,),
        (arrived,),
    ]
    assert sql(
        till.db.path, "SELECT count(*) FROM audit_log WHERE action = 'conflict.acknowledged'"
    ) == [(3,)]
    assert conflicts.acknowledge_all(till.db, shown, staff=manager, now=now) == 0


def test_losing_profile_values_are_a_profile_conflict_whatever_reason_hq_named(till):
    """HQ names one reason (e.g. consent_missing for a field without consent) while another
    field of the same edit lost to a newer value: the inbox must treat it as the profile
    conflict it is (masked from staff who may not open the member, never "marked read")."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from posclient.domain.events import EventType
    from posclient.services import outbox
    from posclient.services.sync import SyncEngine
    from posclient.store.models import OutboxEvent
    from posclient.sync.protocol import EventResult, ResultStatus

    now = till.clock.now()
    payload = {"member_id": WANG["member_id"], "store": "S001", "fields": {}}
    with UnitOfWork(till.db) as uow:
        outbox.append(
            uow.session,
            type=EventType.MEMBER_PATCHED,
            payload=payload,
            occurred_at=now,
            seal=outbox.sealer(till.cipher),
        )
        uow.commit()
    with UnitOfWork(till.db) as uow:
        row = uow.session.scalars(select(OutboxEvent)).one()
        result = EventResult(
            event_id=row.event_id,
            status=ResultStatus.CONFLICT,
            reason="consent_missing",
            detail="gender needs consent; name was changed elsewhere",
            losing={"name": {"value": "王五", "winner_store": "S002", "winner_at": None}},
        )
        engine = SyncEngine(till.db, cipher=till.cipher, secrets=till.secrets)
        engine._conflicts(uow.session, [(row, result)], datetime.now(UTC))
        uow.commit()
    assert sql(till.db.path, "SELECT kind FROM conflicts") == [("profile_conflict",)]
    cashier = _who(till, "c01", "1111")
    (seen,) = conflicts.list_conflicts(till.db, till.cipher, staff=cashier, now=now)
    assert "王五" not in repr(seen.fields) and not seen.may_open
    manager = _who(till, "m01", "9999")
    assert conflicts.acknowledge_all(till.db, [seen.id], staff=manager, now=now) == 0
