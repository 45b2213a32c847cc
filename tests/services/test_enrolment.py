"""Enrolment against a real SQLite till: consent per purpose, encryption, events, duplicates."""

from __future__ import annotations

import itertools
import json
from datetime import date

import pytest

from posclient.domain.errors import PosError
from posclient.services import enrolment
from posclient.services.enrolment import EnrolForm
from posclient.sync.protocol import ConsentPurpose, EnrolPayload, Gender
from tests.helpers import demo_members, outbox_payloads, sql

P = ConsentPurpose
PHONE = "13512345678"
NAME = "孙悦"
WANG = demo_members()["王芳"]


def form(**decisions: bool) -> EnrolForm:
    chosen = {P.MEMBERSHIP: True} | {P(k): v for k, v in decisions.items()}
    return EnrolForm(phone=PHONE, decisions=chosen)


def do_enrol(till, f: EnrolForm, *, staff="a01", role="assistant"):
    return enrolment.enrol(
        till.db, till.cipher, f, staff_id=staff, staff_role=role, now=till.clock.now()
    )


def events(till, type_):
    return outbox_payloads(till, type_)


OPTIONAL = (P.MARKETING, P.PERSONALISED, P.SENSITIVE)


@pytest.mark.parametrize(
    "choice",
    list(itertools.product([False, True], repeat=3)),
    ids=lambda c: "".join("yn"[not x] for x in c),
)
def test_every_combination_of_optional_consents_enrols(till, choice):
    decisions = {P.MEMBERSHIP: True} | dict(zip(OPTIONAL, choice, strict=True))
    f = EnrolForm(phone=PHONE, decisions=decisions, name=NAME)
    if decisions[P.PERSONALISED]:
        f.gender, f.categories = Gender.FEMALE, ["dairy"]
    if decisions[P.SENSITIVE]:
        f.birthday = date(1990, 5, 1)
    done = do_enrol(till, f)
    # One consent record per purpose, with the decision taken, notice version and hash.
    rows = sql(
        till.db.path,
        "SELECT purpose, decision, notice_version, length(notice_sha256), store, staff_id "
        "FROM consents WHERE member_id = ?",
        done.member_id,
    )
    got = {purpose: decision for purpose, decision, *_ in rows}
    assert got == {p.value: ("granted" if decisions[p] else "declined") for p in ConsentPurpose}
    assert {(r[2], r[3], r[4], r[5]) for r in rows} == {("2026-11", 64, "S001", "a01")}
    (payload,) = events(till, "member.enrolled")
    EnrolPayload.model_validate(payload)  # what HQ will accept
    assert set(payload["profile"]) == set(done.captured)
    expected = {"phone", "name"}
    if decisions[P.PERSONALISED]:
        expected |= {"gender", "categories"}
    if decisions[P.SENSITIVE]:
        expected |= {"birthday"}
    assert set(done.captured) == expected
    # Encrypted columns hold ciphertext exactly for the captured fields.
    (row,) = sql(
        till.db.path,
        "SELECT name_enc, phone_enc, gender_enc, birthday_enc, categories_enc, assigned_staff "
        "FROM members WHERE member_id = ?",
        done.member_id,
    )
    held = {
        n
        for n, v in zip(("name", "phone", "gender", "birthday", "categories"), row, strict=False)
        if v
    }
    assert held == expected
    assert all(v.startswith("v1.") for v in row[:5] if v)
    assert row[5] == "a01"
    # Found by phone at the till right after.
    assert till.checkout.identify(PHONE).member_id == done.member_id
    assert done.qr_text == f"PCM1:DEMO:{done.card_no}"


def test_optional_field_without_its_consent_is_refused_and_nothing_written(till):
    f = form(personalised=False)
    f.gender = Gender.MALE
    before = sql(till.db.path, "SELECT count(*) FROM members")[0][0]
    with pytest.raises(PosError) as err:
        do_enrol(till, f)
    assert err.value.code == "enrol.field_without_consent"
    assert sql(till.db.path, "SELECT count(*) FROM members")[0][0] == before
    assert events(till, "member.enrolled") == []


def test_membership_consent_is_required(till):
    with pytest.raises(PosError) as err:
        do_enrol(till, EnrolForm(phone=PHONE, decisions={P.MEMBERSHIP: False}))
    assert err.value.code == "enrol.membership_required"


def test_under_14_needs_a_guardian(till):
    f = form(sensitive=True)
    f.birthday = date(2015, 1, 1)
    with pytest.raises(PosError) as err:
        do_enrol(till, f)
    assert err.value.code == "enrol.guardian_required"
    f.guardian = True
    done = do_enrol(till, f)
    guardians = sql(
        till.db.path, "SELECT DISTINCT guardian FROM consents WHERE member_id = ?", done.member_id
    )
    assert guardians == [(1,)]


def test_bad_phone_gives_the_reason(till):
    with pytest.raises(PosError) as err:
        do_enrol(till, EnrolForm(phone="1234", decisions={P.MEMBERSHIP: True}))
    assert err.value.code == "phone.wrong_length"


def test_duplicate_phone_offers_the_existing_member(till):
    dup = enrolment.find_duplicate(till.db, till.cipher, "+86 " + WANG["phone"])
    assert dup is not None and dup.card_no == WANG["card_no"]
    assert dup.masked_phone == "138****8001" and dup.masked_name == "王*"
    with pytest.raises(PosError) as err:
        do_enrol(till, EnrolForm(phone=WANG["phone"], decisions={P.MEMBERSHIP: True}))
    assert err.value.code == "enrol.duplicate_phone"
    assert enrolment.find_duplicate(till.db, till.cipher, PHONE) is None


def test_card_numbers_are_unique_and_valid(till):
    from posclient.domain.codes import parse_card

    cards = set()
    for i in range(3):
        f = EnrolForm(phone=f"1361234567{i}", decisions={P.MEMBERSHIP: True})
        cards.add(do_enrol(till, f, role="cashier").card_no)
    assert len(cards) == 3
    for card in cards:
        parse_card(card)
    # A cashier's enrolment is assigned to nobody (managers see it; assistants do not).
    assert sql(
        till.db.path, "SELECT DISTINCT assigned_staff FROM members WHERE card_no IN (?,?,?)", *cards
    ) == [(None,)]


def test_enrolment_is_audited_and_the_audit_goes_to_hq(till):
    done = do_enrol(till, form())
    (row,) = sql(
        till.db.path,
        "SELECT staff_id, action, fields, synced FROM audit_log WHERE member_id = ?",
        done.member_id,
    )
    assert row[:2] == ("a01", "member.enrolled")
    assert sorted(json.loads(row[2])) == ["phone"]
    assert row[3] == 1
    (audit_event,) = events(till, "audit.recorded")
    assert audit_event["entries"][-1]["action"] == "member.enrolled"
    assert PHONE not in json.dumps(audit_event)


def test_the_enrolment_event_is_sealed_at_rest(till):
    do_enrol(till, EnrolForm(phone=PHONE, decisions={P.MEMBERSHIP: True}, name=NAME))
    ((stored,),) = sql(till.db.path, "SELECT payload FROM outbox WHERE type='member.enrolled'")
    assert stored.startswith("v1.") and PHONE not in stored
    assert events(till, "member.enrolled")[0]["profile"] == {"phone": PHONE, "name": NAME}
