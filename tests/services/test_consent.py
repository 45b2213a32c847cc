"""Consent service on a real till: notices, append-only records, withdrawal purges at once."""

from __future__ import annotations

import hashlib
import json

import pytest

from posclient.domain.errors import PosError
from posclient.services import consent
from posclient.store.uow import UnitOfWork
from posclient.sync.protocol import ConsentDecision, ConsentPayload, ConsentPurpose
from tests.helpers import demo_members, sql

WANG = demo_members()["王芳"]  # all four purposes granted, birthday and gender held
P = ConsentPurpose


def test_every_purpose_has_a_notice_in_both_languages_with_a_stable_hash():
    notices = consent.notices()
    assert set(notices) == set(ConsentPurpose)
    assert notices[P.MEMBERSHIP].required and not notices[P.MARKETING].required
    for notice in notices.values():
        assert notice.version == "2026-11"
        zh, en = notice.text("zh_CN"), notice.text("en")
        assert zh != en and "【" in zh and "[" in en
        assert notice.sha256("zh_CN") == hashlib.sha256(zh.encode()).hexdigest()


def test_dependent_fields_follow_the_wire_rule():
    assert consent.dependent_fields(P.SENSITIVE) == ["birthday"]
    assert sorted(consent.dependent_fields(P.PERSONALISED)) == ["categories", "gender"]
    assert consent.dependent_fields(P.MARKETING) == []


def record(till, purpose, decision, *, member=WANG["member_id"]):
    with UnitOfWork(till.db) as uow:
        payload = consent.record_decision(
            uow.session,
            member_id=member,
            purpose=purpose,
            decision=decision,
            lang="zh_CN",
            staff_id="a01",
            now=till.clock.now(),
        )
        uow.commit()
    return payload


def test_withdrawal_purges_dependent_fields_and_jumps_the_queue(till):
    member = WANG["member_id"]
    before = sql(
        till.db.path, "SELECT birthday_enc, gender_enc FROM members WHERE member_id=?", member
    )[0]
    assert all(before)
    payload = record(till, P.SENSITIVE, ConsentDecision.WITHDRAWN)
    ConsentPayload.model_validate(payload)
    birthday, gender, consents = sql(
        till.db.path,
        "SELECT birthday_enc, gender_enc, consents FROM members WHERE member_id=?",
        member,
    )[0]
    assert birthday is None and gender is not None  # only what needed the purpose
    assert json.loads(consents)["sensitive"] is False
    (priority, base) = sql(
        till.db.path, "SELECT priority, base FROM outbox WHERE type='consent.recorded'"
    )[0]
    assert priority == 0 and json.loads(base) == {"consent": 1}
    audit = sql(till.db.path, "SELECT action, fields FROM audit_log WHERE member_id=?", member)
    assert ("consent.withdrawn", json.dumps(["sensitive", "birthday"])) in [
        (a, json.dumps(json.loads(f))) for a, f in audit
    ]


def test_records_are_append_only(till):
    record(till, P.MARKETING, ConsentDecision.WITHDRAWN)
    record(till, P.MARKETING, ConsentDecision.GRANTED)
    rows = sql(
        till.db.path,
        "SELECT decision, notice_version, channel, store, staff_id, hlc FROM consents "
        "WHERE member_id=? AND purpose='marketing' ORDER BY hlc",
        WANG["member_id"],
    )
    assert [r[0] for r in rows] == ["withdrawn", "granted"]
    assert all(r[1:5] == ("2026-11", "till_screen", "S001", "a01") and r[5] for r in rows)
    # the grant is normal priority, the withdrawal urgent
    prios = sql(
        till.db.path, "SELECT priority FROM outbox WHERE type='consent.recorded' ORDER BY seq"
    )
    assert prios == [(0,), (10,)]


def test_membership_cannot_be_withdrawn_as_a_toggle(till):
    with pytest.raises(PosError) as err:
        record(till, P.MEMBERSHIP, ConsentDecision.WITHDRAWN)
    assert err.value.code == "consent.membership_is_erasure"
    assert sql(till.db.path, "SELECT count(*) FROM consents")[0][0] == 0


def test_unknown_member_is_refused(till):
    with pytest.raises(PosError) as err:
        record(
            till,
            P.MARKETING,
            ConsentDecision.GRANTED,
            member="00000000-0000-0000-0000-000000000000",
        )
    assert err.value.code == "member.gone"
