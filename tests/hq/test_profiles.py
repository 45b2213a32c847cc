"""Profiles: per-field versions, losing values returned, phone clashes, merge, erasure."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from posclient.hq import models as m
from posclient.hq.context import Hq
from posclient.hq.feed import encode_cursor
from posclient.hq.maintenance import maintain
from posclient.hq.members import load_member
from posclient.hq.merge import merge_by_phone, merge_candidates

from . import helpers
from .conftest import Clock
from .helpers import Till
from .test_sales import balance, enrolled


def test_profile_field_conflict_keeps_hq_value_and_returns_the_losing_one(
    hq: Hq, till: Till, till2: Till
) -> None:
    member_id = enrolled(till, purposes=("membership", "personalised"), gender="female")
    # Both tills saw name version 1; the first edit wins, the second loses.
    assert till.push_one(till.patch(member_id, {"name": ("王一", 1)}))["status"] == "applied"
    result = till2.push_one(till2.patch(member_id, {"name": ("王二", 1), "gender": ("male", 1)}))
    assert result["status"] == "conflict" and result["reason"] == "profile_conflict"
    assert result["losing"] == {
        "name": {
            "value": "王二",
            "winner_store": "S001",
            "winner_at": result["losing"]["name"]["winner_at"],
        }
    }
    member = result["state"]["member"]
    assert member["profile"]["name"] == "王一" and member["field_versions"]["name"] == 2
    # Fields without a clash in the same patch still apply.
    assert member["profile"]["gender"] == "male" and member["field_versions"]["gender"] == 2
    # Re-applying on the current version works.
    assert till2.push_one(till2.patch(member_id, {"name": ("王二", 2)}))["status"] == "applied"


def test_a_field_without_its_consent_is_not_stored(till: Till) -> None:
    member_id = enrolled(till)
    result = till.push_one(till.patch(member_id, {"birthday": ("1990-01-02", 0)}))
    assert result["status"] == "conflict" and result["reason"] == "consent_missing"
    assert (
        "birthday" not in result["state"]["member"]["profile"]
        or result["state"]["member"]["profile"]["birthday"] is None
    )


def test_phone_clash_becomes_a_merge_candidate_and_merge_moves_points(
    hq: Hq, till: Till, till2: Till
) -> None:
    a = enrolled(till, phone="13700000001")
    till.push_one(till.sale(a, amount_fen=30_000, points_earned=300)[1])
    b_id, b_event = till2.enrol(phone="13700000002")
    till2.push_one(b_event)
    b_card = b_event["payload"]["card_no"]
    sale_id, sale = till2.sale(b_id, amount_fen=20_000, points_earned=200)
    till2.push_one(sale)
    result = till2.push_one(till2.patch(b_id, {"phone": ("13700000001", 1)}))
    assert result["status"] == "conflict" and result["reason"] == "merge_candidate"
    assert result["state"]["duplicate_of"] == [a]
    assert [(c["member_a"], c["member_b"]) for c in merge_candidates(hq)] == [(a, b_id)]
    _, cursor, _ = till.pull_all()
    assert merge_by_phone(hq, "+86 137-0000-0001") == [(b_id, a)]  # as a till reads it (QA 6)
    assert balance(hq, a) == 500 and balance(hq, b_id) == 0
    assert merge_candidates(hq) == []
    changes, cursor, _ = till.pull_all(cursor)
    merges = [c for c in changes if c["op"] == "merge"]
    assert merges == [
        {
            "entity": "member",
            "op": "merge",
            "id": b_id,
            "version": merges[0]["version"],
            "data": {"from": b_id, "into": a, "card_no": b_card},
        }
    ]
    survivor = [c for c in changes if c["op"] == "put" and c["id"] == a][-1]["data"]
    assert survivor["points_balance"] == 500 and survivor["purchase_count"] == 2
    # Events still naming the merged member land on the survivor.
    till2.push_one(till2.refund(sale_id, amount_fen=20_000, member_id=b_id, points_reversed=200))
    assert balance(hq, a) == 300
    with hq.db.read() as conn:
        assert (
            conn.execute(
                select(func.count()).select_from(m.sales).where(m.sales.c.member_id == b_id)
            ).scalar_one()
            == 0
        )


def test_erasure_tombstones_the_member_and_keeps_the_ledger(hq: Hq, till: Till) -> None:
    member_id = enrolled(till, purposes=("membership", "sensitive"), birthday="1990-05-06")
    till.push_one(till.sale(member_id, amount_fen=10_000)[1])
    clash = till.patch(member_id, {"gender": ("male", 0)})  # no personalised consent: conflict
    assert "13912345678" in json.dumps(till.push_one(clash))
    _, cursor, _ = till.pull_all()
    assert till.push_one(till.erase(member_id))["status"] == "applied"
    # The stored answer a repeat gets no longer carries the member's data.
    replay = till.push_one(clash)
    assert replay["status"] == "duplicate" and replay["state"] is None
    assert "13912345678" not in json.dumps(replay)
    changes, _, _ = till.pull_all(cursor)
    assert [(c["op"], c["id"], c["data"]) for c in changes] == [("delete", member_id, None)]
    with hq.db.read() as conn:
        row = conn.execute(select(m.members).where(m.members.c.member_id == member_id)).one()
    assert row.status == "erased" and row.profile == "{}" and row.phone_index is None
    assert balance(hq, member_id) == 100  # pseudonymous ledger kept for accounting
    # A new snapshot does not carry the erased member.
    snapshot, _, _ = till.pull_all("")
    assert member_id not in {c["id"] for c in snapshot if c["entity"] == "member"}
    assert till.push_one(till.patch(member_id, {"name": ("x", 1)}))["reason"] == "member_erased"
    # Nor does the whole retained feed: earlier puts with the personal data are gone.
    everything, _, _ = till.pull_all(encode_cursor({"v": 1, "p": 0}))
    assert "13912345678" not in json.dumps(everything, ensure_ascii=False)
    assert [c["op"] for c in everything if c["id"] == member_id] == ["delete"]


def test_an_enrolment_dated_ahead_of_hq_is_dated_when_hq_received_it(
    hq: Hq, till: Till, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.at = datetime.now(UTC)

    def enrol_dated(at: datetime) -> tuple[str, dict[str, object]]:
        with monkeypatch.context() as patch:
            patch.setattr(helpers, "now_iso", at.isoformat)
            return till.enrol(phone=f"139{till.serial:08d}")

    def enrolled_at(member_id: str) -> datetime:
        with hq.db.read() as conn:
            st = load_member(conn, member_id, lock=False)
        assert st is not None
        return st.row["enrolled_at"]  # type: ignore[no-any-return]

    # A till clock a few minutes ahead is within the slack: its date stands.
    near = clock.at + timedelta(minutes=5)
    near_id, event = enrol_dated(near)
    result = till.push_one(event)
    assert result["status"] == "applied" and result["detail"] is None
    assert enrolled_at(near_id) == near
    # Far ahead (a till clock set to 2150): dated now, with a note saying so.
    far_id, event = enrol_dated(datetime(2150, 1, 1, tzinfo=UTC))
    result = till.push_one(event)
    assert result["status"] == "applied"
    assert "the enrolment is dated when HQ received it" in (result["detail"] or "")
    assert enrolled_at(far_id) == clock.at
    # So the member stops counting as new, and time-based refreshes pick it up.
    clock.advance(days=200)
    maintain(hq)
    with hq.db.read() as conn:
        st = load_member(conn, far_id, lock=False)
    assert st is not None and st.row["segment"] == "dormant"


def test_a_members_phone_cannot_be_removed(hq: Hq, till: Till) -> None:
    """QA 6: a patch with phone null was applied; the member could no longer be found."""
    member_id = enrolled(till, phone="13700000009")
    result = till.push_one(till.patch(member_id, {"phone": (None, 1)}))
    assert result["status"] == "rejected" and result["reason"] == "invalid_payload"
    assert "cannot be removed" in result["detail"]
    with hq.db.read() as conn:
        index = conn.execute(
            select(m.members.c.phone_index).where(m.members.c.member_id == member_id)
        ).scalar_one()
    assert index is not None
