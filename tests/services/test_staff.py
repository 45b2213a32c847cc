"""Staff PIN login against the real staff table: success, wrong PINs, lockout, roles."""

from __future__ import annotations

from datetime import timedelta

import pytest

from posclient.domain.errors import PosError
from posclient.services import staff
from tests.helpers import sql


def test_right_pin_logs_in_with_role(till):
    member = staff.login(till.db, "c01", "1111", clock=till.clock)
    assert (member.staff_id, member.role, member.name) == ("c01", "cashier", "收银员小李")
    assert [s.staff_id for s in staff.list_staff(till.db)] == ["a01", "c01", "m01"]


def test_unknown_staff_is_refused(till):
    with pytest.raises(PosError) as err:
        staff.login(till.db, "x99", "1111", clock=till.clock)
    assert err.value.code == "staff.unknown"


def test_five_wrong_pins_lock_the_account_for_five_minutes(till):
    for left in (4, 3, 2, 1):
        with pytest.raises(PosError) as err:
            staff.login(till.db, "c01", "0000", clock=till.clock)
        assert (err.value.code, err.value.params["left"]) == ("staff.bad_pin", left)
    with pytest.raises(PosError) as err:
        staff.login(till.db, "c01", "0000", clock=till.clock)
    assert err.value.code == "staff.locked"
    assert err.value.params["until"] == "10:35"  # 02:30 UTC + 5 min, Shanghai time
    (locked_until,) = sql(till.db.path, "SELECT locked_until FROM staff WHERE staff_id='c01'")[0]
    assert locked_until is not None
    # Even the right PIN is refused while locked …
    with pytest.raises(PosError) as err:
        staff.login(till.db, "c01", "1111", clock=till.clock)
    assert err.value.code == "staff.locked"
    # … and accepted once the five minutes are over; the counters are reset.
    till.clock.at += staff.LOCKOUT + timedelta(seconds=1)
    assert staff.login(till.db, "c01", "1111", clock=till.clock).staff_id == "c01"
    assert sql(
        till.db.path, "SELECT failed_attempts, locked_until FROM staff WHERE staff_id='c01'"
    ) == [(0, None)]


def test_a_right_pin_resets_the_failure_count(till):
    for _ in range(3):
        with pytest.raises(PosError):
            staff.login(till.db, "c01", "9", clock=till.clock)
    staff.login(till.db, "c01", "1111", clock=till.clock)
    with pytest.raises(PosError) as err:
        staff.login(till.db, "c01", "9", clock=till.clock)
    assert err.value.params["left"] == 4


def test_roles_and_permissions():
    cashier = staff.StaffMember("c01", "A", "cashier")
    assistant = staff.StaffMember("a01", "B", "assistant")
    manager = staff.StaffMember("m01", "C", "manager")
    assert cashier.can("sell") and cashier.can("refund") and not cashier.can("settings")
    assert assistant.can("sell") and not assistant.can("refund")
    assert manager.can("settings")
    assert staff.require(manager, "settings") is manager
    with pytest.raises(PosError) as err:
        staff.require(assistant, "refund")
    assert err.value.code == "staff.not_allowed"
    with pytest.raises(PosError) as err:
        staff.require(None, "sell")
    assert err.value.code == "staff.login_required"
