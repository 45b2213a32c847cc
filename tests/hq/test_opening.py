"""Opening points of imported legacy members: one lot, credited once per member."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from posclient.hq.context import Hq

from .helpers import Till, now_iso
from .test_sales import account, balance, enrolled


def opening(till: Till, member_id: str, points: int = 100, **overrides: Any) -> dict[str, Any]:
    payload = {
        "member_id": member_id,
        "store": till.store,
        "staff_id": "import",
        "points": points,
        "lot_id": f"opening:{member_id}",
        "expires_on": (datetime.now(UTC).date() + timedelta(days=730)).isoformat(),
        "source_sha256": "ab" * 32,
        "occurred_at": now_iso(),
    }
    payload.update(overrides)
    return till.event("points.opening", payload)


def test_opening_points_become_the_tills_lot_at_hq(hq: Hq, till: Till) -> None:
    member_id = enrolled(till)
    result = till.push_one(opening(till, member_id, 1500))
    assert result["status"] == "applied"
    lot = account(hq, member_id).lot(f"opening:{member_id}")
    assert lot is not None and lot.remaining == 1500
    assert lot.expires_on == date.today() + timedelta(days=730)
    assert balance(hq, member_id) == 1500  # lots and the ledger agree
    # The pulled member document carries the lot, so the till can confirm its own entry.
    changes, _, _ = till.pull_all()
    doc = [c for c in changes if c["entity"] == "member" and c["id"] == member_id][-1]["data"]
    assert doc["points_balance"] == 1500


def test_a_second_opening_balance_for_the_member_is_refused(hq: Hq, till: Till) -> None:
    member_id = enrolled(till)
    assert till.push_one(opening(till, member_id, 1500))["status"] == "applied"
    again = till.push_one(opening(till, member_id, 900, lot_id=f"opening:{member_id}:2"))
    assert again["status"] == "rejected" and again["reason"] == "opening_exists"
    assert balance(hq, member_id) == 1500


def test_opening_for_an_unknown_member_or_with_a_bad_expiry_is_refused(hq: Hq, till: Till) -> None:
    unknown = till.push_one(opening(till, str(uuid.uuid4()), 100))
    assert unknown["status"] == "rejected" and unknown["reason"] == "unknown_member"
    member_id = enrolled(till)
    late = (datetime.now(UTC).date() + timedelta(days=365 * 5)).isoformat()
    result = till.push_one(opening(till, member_id, 100, expires_on=late))
    assert result["status"] == "rejected" and result["reason"] == "bad_expiry"
    assert balance(hq, member_id) == 0


def test_malformed_opening_balances_are_refused_with_a_reason(till: Till) -> None:
    member_id = enrolled(till)
    for bad in (
        {"points": 0},
        {"points": -5},
        {"expires_on": "2000-01-01"},
        {"source_sha256": "not-a-hash"},
    ):
        result = till.push_one(opening(till, member_id, **{"points": 100, **bad}))
        assert result["status"] == "rejected", bad
        assert result["reason"] == "invalid_payload", bad


def test_only_the_import_that_enrolled_the_member_brings_a_balance(
    hq: Hq, till: Till, till2: Till
) -> None:
    """QA 6: any till could give any member up to 10⁹ points with a points.opening."""
    member_id = enrolled(till)
    elsewhere = till2.push_one(opening(till2, member_id, 10**9))
    assert elsewhere["status"] == "rejected"
    assert elsewhere["reason"] == "opening_not_enrolled_here"
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    late = till.push_one(opening(till, member_id, 10**9, occurred_at=later))
    assert late["status"] == "rejected" and late["reason"] == "opening_not_at_enrolment"
    assert balance(hq, member_id) == 0
    # The import itself (same store, same moment) still carries the balance over.
    assert till.push_one(opening(till, member_id, 1500))["status"] == "applied"
    assert balance(hq, member_id) == 1500
