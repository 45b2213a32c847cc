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
    for n, kind in enumerate(["points_overdraft", "coupon_already_used", "points_overdraft"]):
        _record(till, kind, f"i-{n}")
    profile_id = _record(till, "profile_conflict", "p-1")
    now = till.clock.now()
    assistant = _who(till, "a01", "2222")
    assert not conflicts.may_acknowledge_all(assistant)
    with pytest.raises(PosError) as err:
        conflicts.acknowledge_all(till.db, staff=assistant, now=now)
    assert err.value.code == "staff.not_allowed"
    assert sql(till.db.path, "SELECT count(*) FROM conflicts WHERE resolved_at IS NULL") == [(4,)]
    manager = _who(till, "m01", "9999")
    assert conflicts.may_acknowledge_all(manager)
    assert conflicts.acknowledge_all(till.db, staff=manager, now=now) == 3
    # The profile conflict needs a decision: it stays open.
    assert sql(till.db.path, "SELECT id FROM conflicts WHERE resolved_at IS NULL") == [
        (profile_id,)
    ]
    assert sql(
        till.db.path, "SELECT count(*) FROM audit_log WHERE action = 'conflict.acknowledged'"
    ) == [(3,)]
    assert conflicts.acknowledge_all(till.db, staff=manager, now=now) == 0
