"""Profiles on a real till: who may see and edit (R15), patches with base versions, erasure."""

from __future__ import annotations

import json
from datetime import date

import pytest

from posclient.domain.errors import PosError
from posclient.services import checkout, member_audit, profile
from posclient.services.staff import StaffMember
from posclient.sync.protocol import ConsentPurpose, PatchPayload
from tests.helpers import demo_members, outbox_payloads, sql

MEMBERS = demo_members()
WANG = MEMBERS["王芳"]  # assigned to a01
LI = MEMBERS["李强"]  # assigned to nobody
CASHIER = StaffMember("c01", "收银员", "cashier")
ASSISTANT = StaffMember("a01", "导购", "assistant")
OTHER_ASSISTANT = StaffMember("a02", "导购二", "assistant")
MANAGER = StaffMember("m01", "店长", "manager")


def open_(till, staff, member):
    return profile.open_profile(
        till.db, till.cipher, staff, member["member_id"], now=till.clock.now()
    )


def audit_rows(till, member):
    return sql(
        till.db.path,
        "SELECT staff_id, action FROM audit_log WHERE member_id=? ORDER BY id",
        member["member_id"],
    )


def test_assistant_sees_own_member_in_full_and_the_view_is_audited(till):
    p = open_(till, ASSISTANT, WANG)
    assert not p.masked and p.editable
    assert p.values["name"] == "王芳" and p.values["phone"] == WANG["phone"]
    assert p.values["birthday"] == date(1988, 3, 14)
    assert audit_rows(till, WANG) == [("a01", "profile.viewed")]
    # points: the HQ lot with its expiry date
    lots = [line for line in p.points if line.kind == "lot"]
    assert lots and lots[0].points == 26800 and lots[0].expires_on is not None


def test_assistant_cannot_open_someone_elses_member(till):
    for staff, member in ((ASSISTANT, LI), (OTHER_ASSISTANT, WANG)):
        with pytest.raises(PosError) as err:
            open_(till, staff, member)
        assert err.value.code == "profile.not_assigned"
    assert audit_rows(till, LI) == []


def test_manager_sees_all_cashier_sees_masked_only(till):
    assert open_(till, MANAGER, LI).values["name"] == "李强"
    masked = open_(till, CASHIER, WANG)
    assert masked.masked and not masked.editable
    assert masked.values["phone"] == "138****8001" and masked.values["name"] == "王*"
    assert masked.values["birthday"] == "***"
    with pytest.raises(PosError) as err:
        profile.edit_profile(
            till.db, till.cipher, CASHIER, WANG["member_id"], {"name": "X"}, now=till.clock.now()
        )
    assert err.value.code == "staff.not_allowed"


def test_edit_sends_per_field_base_versions(till):
    changed = profile.edit_profile(
        till.db,
        till.cipher,
        ASSISTANT,
        WANG["member_id"],
        {"name": "王芳芳", "gender": "female", "phone": "13700137007"},
        now=till.clock.now(),
    )
    assert changed == ["name", "phone"]  # gender unchanged: not sent
    (payload,) = outbox_payloads(till, "member.patched")
    PatchPayload.model_validate(payload)
    assert payload["fields"] == {
        "name": {"value": "王芳芳", "base_version": 1},
        "phone": {"value": "13700137007", "base_version": 1},
    }
    assert (
        "王芳芳"
        not in sql(
            till.db.path, "SELECT name_enc FROM members WHERE member_id=?", WANG["member_id"]
        )[0][0]
    )
    # found by the new phone, not the old one
    assert till.checkout.identify("13700137007").member_id == WANG["member_id"]
    with pytest.raises(PosError):
        till.checkout.identify(WANG["phone"])
    # a second edit builds on the version the till now holds
    profile.edit_profile(
        till.db, till.cipher, ASSISTANT, WANG["member_id"], {"name": "王芳"}, now=till.clock.now()
    )
    assert outbox_payloads(till, "member.patched")[-1]["fields"]["name"]["base_version"] == 2


def test_edit_refuses_fields_without_consent_and_taken_phones(till):
    chen = MEMBERS["陈静"]  # membership only
    with pytest.raises(PosError) as err:
        profile.edit_profile(
            till.db,
            till.cipher,
            MANAGER,
            chen["member_id"],
            {"birthday": date(1990, 1, 1)},
            now=till.clock.now(),
        )
    assert err.value.code == "enrol.field_without_consent"
    with pytest.raises(PosError) as err:
        profile.edit_profile(
            till.db,
            till.cipher,
            MANAGER,
            chen["member_id"],
            {"phone": WANG["phone"]},
            now=till.clock.now(),
        )
    assert err.value.code == "enrol.duplicate_phone"
    assert sql(till.db.path, "SELECT count(*) FROM outbox WHERE type='member.patched'")[0][0] == 0


def test_withdrawal_from_the_profile_purges_at_once(till):
    purged = profile.set_consent(
        till.db,
        ASSISTANT,
        WANG["member_id"],
        ConsentPurpose.PERSONALISED,
        False,
        lang="zh_CN",
        now=till.clock.now(),
    )
    assert purged == ["categories", "gender"]
    p = open_(till, ASSISTANT, WANG)
    assert "gender" not in p.values and "categories" not in p.values
    assert p.consents["personalised"] is False


def test_erasure_is_an_urgent_event_and_forgets_locally(till):
    profile.request_erasure(till.db, MANAGER, WANG["member_id"], now=till.clock.now())
    (priority, text) = sql(
        till.db.path, "SELECT priority, payload FROM outbox WHERE type='member.erasure_requested'"
    )[0]
    assert priority == 0 and json.loads(text)["member_id"] == WANG["member_id"]
    row = sql(
        till.db.path,
        "SELECT name_enc, phone_enc, birthday_enc, consents FROM members WHERE member_id=?",
        WANG["member_id"],
    )[0]
    assert row == (None, None, None, "{}")
    with pytest.raises(PosError):
        till.checkout.identify(WANG["phone"])
    # the card still sells (points ledger stays)
    assert till.checkout.identify(WANG["card_no"]).member_id == WANG["member_id"]


def test_audit_lines_for_managers(till):
    open_(till, MANAGER, WANG)
    lines = member_audit.recent(till.db)
    assert lines[0].action == "profile.viewed" and lines[0].card_no == WANG["card_no"]
    assert lines[0].fields == ("birthday", "categories", "gender", "name", "phone")


def test_purchase_history_lists_this_tills_sales(till):
    cart = checkout.Cart()
    cart.member = till.checkout.identify(WANG["card_no"])
    cart.add(till.checkout.find_product("MILK-1L"), 1)
    receipt = till.checkout.complete_sale(cart, staff_id="c01")
    p = open_(till, MANAGER, WANG)
    assert [x.receipt_no for x in p.purchases] == [receipt.receipt_no]
    assert any(line.kind == "earn" and line.expires_on for line in p.points)
