"""Consent: append-only log; a withdrawal beats a grant from a till that had not seen it."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from posclient.hq import models as m
from posclient.hq.context import Hq
from posclient.hq.feed import encode_cursor

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
