"""Consent: append-only log; a withdrawal beats a grant from a till that had not seen it."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from posclient.hq import models as m
from posclient.hq.context import Hq
from posclient.hq.feed import encode_cursor
from posclient.hq.merge import merge

from .helpers import Till
from .test_sales import enrolled


def test_withdrawal_wins_and_purges_dependent_fields(hq: Hq, till: Till, till2: Till) -> None:
    member_id = enrolled(
        till,
        purposes=("membership", "sensitive", "personalised"),
        birthday="1990-05-06",
        gender="male",
    )
    _, cursor, _ = till.pull_all()
    seen = 3  # both tills saw the enrolment's three grants
    withdrawal = till.push_one(till.consent(member_id, "sensitive", "withdrawn", seen=seen))
    assert withdrawal["status"] == "applied"
    changes, _, _ = till.pull_all(cursor)
    member = [c for c in changes if c["id"] == member_id][-1]["data"]
    assert member["profile"]["birthday"] is None and member["consents"]["sensitive"] is False
    assert member["profile"]["gender"] == "male"
    everything, _, _ = till.pull_all(encode_cursor({"v": 1, "p": 0}))
    assert "1990-05-06" not in json.dumps(everything)  # no earlier put still carries it
    # The other till, offline, captured a new grant without having seen the withdrawal.
    stale = till2.push_one(till2.consent(member_id, "sensitive", "granted", seen=seen))
    assert stale["status"] == "conflict" and stale["reason"] == "consent_withdrawn"
    assert stale["state"]["member"]["consents"]["sensitive"] is False
    # A patch of a purged field from a stale till is not stored either.
    patch = till2.push_one(till2.patch(member_id, {"birthday": ("1990-05-06", 1)}))
    assert patch["status"] == "conflict"
    # A grant captured after seeing the withdrawal takes effect.
    fresh = till.push_one(
        till.consent(
            member_id, "sensitive", "granted", seen=stale["state"]["member"]["consent_version"]
        )
    )
    assert fresh["status"] == "applied"
    with hq.db.read() as conn:
        log = conn.execute(
            select(m.consents.c.decision, m.consents.c.effective)
            .where(m.consents.c.member_id == member_id, m.consents.c.purpose == "sensitive")
            .order_by(m.consents.c.version_after, m.consents.c.received_at)
        ).all()
        total = conn.execute(select(func.count()).select_from(m.consents)).scalar_one()
    assert [tuple(r) for r in log] == [
        ("granted", True),
        ("withdrawn", True),
        ("granted", False),
        ("granted", True),
    ]
    assert total == 6


def test_consent_for_an_unknown_member_is_rejected(till: Till) -> None:
    result = till.push_one(
        till.consent("00000000-0000-4000-8000-000000000001", "marketing", "granted", seen=0)
    )
    assert result["status"] == "rejected" and result["reason"] == "unknown_member"


def held(till: Till, member_id: str) -> dict[str, bool]:
    """The member's consents as a fresh snapshot carries them."""
    changes, _, _ = till.pull_all("")
    member = [c for c in changes if c["id"] == member_id][-1]["data"]
    return dict(member["consents"])


def test_a_regrant_at_the_till_that_withdrew_takes_effect(till: Till, till2: Till) -> None:
    member_id = enrolled(till, purposes=("membership", "marketing"))
    seen = 2  # the till synced the enrolment's two grants, and no more while offline
    # Offline: the member withdraws, then changes their mind at the same till (one batch).
    withdrawal = till.consent(member_id, "marketing", "withdrawn", seen=seen)
    regrant = till.consent(member_id, "marketing", "granted", seen=seen)
    results = till.push(withdrawal, regrant)["results"]
    assert [r["status"] for r in results] == ["applied", "applied"]
    assert held(till, member_id)["marketing"] is True
    # The same in separate pushes.
    till.push_one(till.consent(member_id, "marketing", "withdrawn", seen=seen))
    assert held(till, member_id)["marketing"] is False
    assert till.push_one(till.consent(member_id, "marketing", "granted", seen=seen))["status"] == (
        "applied"
    )
    assert held(till, member_id)["marketing"] is True
    # No withdrawal stands now: another till's grant that had not seen it changes nothing.
    stale = till2.push_one(till2.consent(member_id, "marketing", "granted", seen=seen))
    assert stale["status"] == "applied"
    assert held(till, member_id)["marketing"] is True


def test_a_withdrawal_still_beats_grants_that_had_not_seen_it(till: Till, till2: Till) -> None:
    member_id = enrolled(till, purposes=("membership", "marketing"))
    seen = 2
    # At one till a grant was captured before a withdrawal; the withdrawal jumped the queue.
    grant = till.consent(member_id, "marketing", "granted", seen=seen)
    withdrawal = till.consent(member_id, "marketing", "withdrawn", seen=seen)
    assert till.push_one(withdrawal)["status"] == "applied"
    earlier = till.push_one(grant)
    assert earlier["status"] == "conflict" and earlier["reason"] == "consent_withdrawn"
    # Another till's grant that had not seen the withdrawal loses too.
    stale = till2.push_one(till2.consent(member_id, "marketing", "granted", seen=seen))
    assert stale["status"] == "conflict" and stale["reason"] == "consent_withdrawn"
    assert held(till, member_id)["marketing"] is False


def test_membership_is_not_withdrawn_as_a_consent(till: Till) -> None:
    member_id = enrolled(till)
    for decision in ("withdrawn", "declined"):
        result = till.push_one(till.consent(member_id, "membership", decision, seen=1))
        assert result["status"] == "rejected" and result["reason"] == "invalid_payload"
        assert "member.erasure_requested" in result["detail"]
    changes, _, _ = till.pull_all("")
    member = [c for c in changes if c["id"] == member_id][-1]["data"]
    assert member["profile"]["phone"] == "13912345678" and member["consents"]["membership"]


def test_a_consent_version_no_till_can_have_seen_is_refused(hq: Hq, till: Till) -> None:
    member_id = enrolled(till, purposes=("membership", "marketing"))  # consent version 2
    ahead = till.push_one(till.consent(member_id, "sensitive", "granted", seen=99))
    assert ahead["status"] == "rejected" and ahead["reason"] == "invalid_payload"
    assert "consent_version_seen 99 is ahead" in ahead["detail"]
    assert till.push_one(till.consent(member_id, "sensitive", "granted", seen=2))["status"] == (
        "applied"
    )
    # A withdrawal takes effect whatever the till had seen: never held back for this.
    withdrawal = till.push_one(till.consent(member_id, "marketing", "withdrawn", seen=99))
    assert withdrawal["status"] == "applied" and "ahead" in withdrawal["detail"]
    assert held(till, member_id)["marketing"] is False
    # A till that has not heard of a merge names the merged member, with its version (3),
    # higher than the survivor's (1): that is a version it saw.
    merged = enrolled(till, phone="13700000003", purposes=("membership", "marketing", "sensitive"))
    survivor = enrolled(till, phone="13700000004")
    merge(hq, merged, survivor)
    result = till.push_one(till.consent(merged, "personalised", "granted", seen=3))
    assert result["status"] == "applied"
    assert held(till, survivor)["personalised"] is True
