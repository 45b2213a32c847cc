"""Issue 7 against the real HQ process: enrolment, profile edit, withdrawal and erasure are
accepted by HQ; and a planted phone number and name never appear in plaintext on the till's disk
(SQLite file and WAL, logs, receipts) after enrolment, a sale, sync and logging."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import pytest

from posclient import log as logsetup
from posclient.domain.errors import PosError
from posclient.services import conflicts, enrolment, profile
from posclient.services.checkout import Cart
from posclient.services.enrolment import EnrolForm
from posclient.services.staff import StaffMember
from posclient.sync.protocol import ConsentPurpose, Gender
from tests.helpers import sql

from .conftest import HqProcess

PHONE = "15987654321"
NAME = "司马静怡"
ASSISTANT = StaffMember("a01", "导购", "assistant")
P = ConsentPurpose


def _needles() -> list[bytes]:
    escaped = json.dumps(NAME).strip('"').encode()  # \\u53f8... as JSON with ensure_ascii
    return [
        PHONE.encode(),
        NAME.encode("utf-8"),
        NAME.encode("utf-16-le"),
        NAME.encode("gbk"),
        escaped,
        PHONE.encode("utf-16-le"),
    ]


def _hits(folder: Path) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        for needle in _needles():
            if needle in data:
                found.append(f"{path.name}: {needle!r}")
    return found


def _assistant_enrols(till, name: str, now):  # type: ignore[no-untyped-def]
    """PHONE enrolled by the assistant with ``name``, for membership only."""
    return enrolment.enrol(
        till.db,
        till.cipher,
        EnrolForm(phone=PHONE, decisions={P.MEMBERSHIP: True}, name=name),
        staff_id="a01",
        staff_role="assistant",
        now=now,
    )


def test_enrol_sell_sync_and_nothing_in_plaintext(tmp_path: Path, hq_process: HqProcess, make_till):
    logs = tmp_path / "till" / "logs"
    logsetup.setup(logs, level=logging.DEBUG)
    try:
        paired = make_till("till")
        till = paired.till
        paired.engine.run_until_idle(deadline_s=30)  # catalogue and members from HQ
        now = till.clock.now()
        form = EnrolForm(
            phone=PHONE,
            decisions={
                P.MEMBERSHIP: True,
                P.MARKETING: False,
                P.PERSONALISED: True,
                P.SENSITIVE: False,
            },
            name=NAME,
            gender=Gender.FEMALE,
            categories=["dairy"],
        )
        done = enrolment.enrol(
            till.db, till.cipher, form, staff_id="a01", staff_role="assistant", now=now
        )
        cart = Cart()
        cart.member = till.checkout.identify(PHONE)
        cart.add(till.checkout.find_product("MILK-1L"), 2)
        receipt = till.checkout.complete_sale(cart, staff_id="c01")
        # Receipts as the till renders them (text for the thermal printer, HTML for screen/PDF).
        from posclient.ui import receipt as receipt_view

        doc = receipt_view.build(receipt, lang="zh_CN", clock=till.clock)
        receipts = tmp_path / "till" / "receipts"
        receipts.mkdir()
        (receipts / "r.txt").write_text("\n".join(receipt_view.to_text(doc)), encoding="utf-8")
        (receipts / "r.html").write_text(receipt_view.to_html(doc), encoding="utf-8")

        report = paired.engine.run_until_idle(deadline_s=30)
        assert report is not None
        statuses = dict(sql(till.db.path, "SELECT type, status FROM outbox"))
        assert statuses["member.enrolled"] == "applied", statuses
        assert statuses["sale.completed"] == "applied"
        assert statuses["audit.recorded"] == "applied"
        at_hq = hq_process.members()[done.member_id]
        assert at_hq["card_no"] == done.card_no

        # The profile: view (audited), edit, withdraw: all accepted by HQ.
        seen = profile.open_profile(till.db, till.cipher, ASSISTANT, done.member_id, now=now)
        assert seen.values["name"] == NAME
        profile.edit_profile(
            till.db,
            till.cipher,
            ASSISTANT,
            done.member_id,
            {"categories": ["baby", "dairy"]},
            now=now,
        )
        paired.engine.run_until_idle(deadline_s=30)
        (hq_fields,) = hq_process.sql(
            "SELECT field_versions FROM members WHERE member_id = ?", done.member_id
        )[0]
        assert json.loads(hq_fields)["categories"] == 2  # base version 1 matched: applied
        profile.set_consent(
            till.db, ASSISTANT, done.member_id, P.PERSONALISED, False, lang="zh_CN", now=now
        )
        paired.engine.run_until_idle(deadline_s=30)
        rows = sql(till.db.path, "SELECT type, status, last_error FROM outbox ORDER BY seq")
        assert {status for _, status, _ in rows} <= {"applied", "duplicate"}, rows
        (profile_json,) = hq_process.sql(
            "SELECT profile FROM members WHERE member_id = ?", done.member_id
        )[0]
        hq_profile = json.loads(profile_json)
        assert "categories" not in hq_profile and "gender" not in hq_profile  # purged at HQ too
        assert hq_profile["phone"] == PHONE

        # Everything the till wrote, while it is still open (WAL present) and after closing.
        assert _hits(tmp_path / "till") == []
        paired.close()
        assert _hits(tmp_path / "till") == []
        assert any(logs.iterdir()) and (logs / "posclient.log").stat().st_size > 0
    finally:
        logsetup.setup(None)


def test_erasure_reaches_hq_ahead_of_the_queue(tmp_path: Path, hq_process: HqProcess, make_till):
    paired = make_till("till")
    till = paired.till
    paired.engine.run_until_idle(deadline_s=30)
    now = till.clock.now()
    done = _assistant_enrols(till, NAME, now)
    paired.engine.run_until_idle(deadline_s=30)
    manager = StaffMember("m01", "店长", "manager")
    # a sale queued before the erasure: the erasure still goes first
    cart = Cart()
    cart.add(till.checkout.find_product("MILK-1L"), 1)
    till.checkout.complete_sale(cart)
    profile.request_erasure(till.db, manager, done.member_id, now=now)
    paired.engine.run_until_idle(deadline_s=30)
    acked = sql(
        till.db.path,
        "SELECT type FROM outbox WHERE status='applied' ORDER BY acked_checkpoint, priority",
    )
    order = [t for (t,) in acked]
    assert order.index("member.erasure_requested") < order.index("sale.completed")
    (status,) = hq_process.sql("SELECT status FROM members WHERE member_id = ?", done.member_id)[0]
    assert status == "erased"
    # HQ's tombstone reached the till: the member is gone from the cache.
    assert sql(
        till.db.path, "SELECT count(*) FROM members WHERE member_id = ?", done.member_id
    ) == [(0,)]
    # Arriving ahead of the sale before it is no gap in the till's journal; a sale after it
    # links on it through HQ's chain.
    till.checkout.complete_sale(cart)
    paired.engine.run_until_idle(deadline_s=30)
    assert hq_process.sql("SELECT seq, kind FROM chain_issues") == []


def test_imported_members_are_accepted_by_hq(tmp_path: Path, hq_process: HqProcess, make_till):
    from posclient.services import member_import

    paired = make_till("till")
    till = paired.till
    paired.engine.run_until_idle(deadline_s=30)
    src = tmp_path / "legacy.csv"
    src.write_text(
        "old_id,phone,name,points\nL1,15911112222,钱多多,100\nL2,15911113333,,0\n", encoding="utf-8"
    )
    report = member_import.run_import(till.db, till.cipher, src, now=till.clock.now())
    assert report.created == 2
    paired.engine.run_until_idle(deadline_s=30)
    statuses = {
        s for (s,) in sql(till.db.path, "SELECT status FROM outbox WHERE type='member.enrolled'")
    }
    assert statuses == {"applied"}
    rows = hq_process.sql(
        "SELECT channel, notice_version FROM consents WHERE notice_version = 'legacy-import'"
    )
    assert rows == [("paper", "legacy-import")] * 2
    # The opening balance reached HQ's ledger as the till's own lot, and the till's entry is
    # confirmed (the balance is HQ's now, not counted twice).
    opening = sql(till.db.path, "SELECT status, payload FROM outbox WHERE type='points.opening'")
    assert [status for status, _ in opening] == ["applied"]
    member_id = json.loads(opening[0][1])["member_id"]
    assert hq_process.members()[member_id]["points_balance"] == 100
    view = till.checkout.identify("15911112222")
    assert (view.balance, view.confirmed_balance) == (100, 100)


def test_withdrawal_from_hq_purges_other_tills_and_losing_values_are_sealed(
    tmp_path: Path, hq_process: HqProcess, make_till
):

    a, b = make_till("a"), make_till("b")
    manager = StaffMember("m01", "店长", "manager")
    a.engine.run_until_idle(deadline_s=30)
    now = a.till.clock.now()
    form = EnrolForm(
        phone=PHONE,
        decisions={P.MEMBERSHIP: True, P.SENSITIVE: True},
        name=NAME,
        birthday=date(1991, 2, 3),
    )
    done = enrolment.enrol(
        a.till.db, a.till.cipher, form, staff_id="m01", staff_role="manager", now=now
    )
    a.engine.run_until_idle(deadline_s=30)
    b.engine.run_until_idle(deadline_s=30)
    assert profile.open_profile(b.till.db, b.till.cipher, manager, done.member_id, now=now).values[
        "birthday"
    ]
    # Both tills edit the name from the same base: B's edit loses at HQ.
    profile.edit_profile(
        a.till.db, a.till.cipher, manager, done.member_id, {"name": "司马甲"}, now=now
    )
    profile.edit_profile(
        b.till.db, b.till.cipher, manager, done.member_id, {"name": "司马乙"}, now=now
    )
    a.engine.run_until_idle(deadline_s=30)
    b.engine.run_until_idle(deadline_s=30)
    ((_event_id, detail),) = sql(b.till.db.path, "SELECT event_id, detail FROM conflicts")
    sealed = json.loads(detail)["losing"]["name"]
    assert "司马乙" not in detail and sealed["value_enc"].startswith("v1.")
    (shown,) = conflicts.list_conflicts(b.till.db, b.till.cipher, staff=manager, now=now)
    assert [(f.name, f.mine, f.theirs) for f in shown.fields] == [("name", "司马乙", "司马甲")]
    # An assistant not assigned to the member sees it masked and cannot settle it (R15: the
    # profile screen's rule; QA round 4 re-applied an edit through the inbox).
    assistant = StaffMember("a01", "店员", "assistant")
    (masked,) = conflicts.list_conflicts(b.till.db, b.till.cipher, staff=assistant, now=now)
    assert not masked.actionable and "司马乙" not in str(masked.fields)
    assert "司马甲" not in str(masked.fields)
    for settle in (
        lambda: conflicts.reapply(b.till.db, b.till.cipher, shown.id, staff=assistant, now=now),
        lambda: conflicts.discard(b.till.db, shown.id, staff=assistant, now=now),
    ):
        with pytest.raises(PosError) as refused:
            settle()
        assert refused.value.code == "profile.not_assigned"
    # The manager re-applies B's value: the event is sealed like any profile edit (QA 10: it
    # was written in plaintext and stayed in the outbox), and HQ takes it.
    conflicts.reapply(b.till.db, b.till.cipher, shown.id, staff=manager, now=now)
    ((payload,),) = sql(
        b.till.db.path, "SELECT payload FROM outbox WHERE type = 'member.patched' ORDER BY seq DESC"
    )[:1]
    assert payload.startswith("v1.") and "司马乙" not in payload
    b.engine.run_until_idle(deadline_s=30)
    a.engine.run_until_idle(deadline_s=30)
    shown_a = profile.open_profile(a.till.db, a.till.cipher, manager, done.member_id, now=now)
    assert shown_a.values["name"] == "司马乙"
    # A withdraws the sensitive purpose; B learns it from HQ and the birthday goes from B.
    profile.set_consent(
        a.till.db, manager, done.member_id, P.SENSITIVE, False, lang="zh_CN", now=now
    )
    a.engine.run_until_idle(deadline_s=30)
    b.engine.run_until_idle(deadline_s=30)
    (birthday, consents) = sql(
        b.till.db.path,
        "SELECT birthday_enc, consents FROM members WHERE member_id = ?",
        done.member_id,
    )[0]
    assert birthday is None and json.loads(consents)["sensitive"] is False


def test_withdrawal_and_erasure_of_a_member_enrolled_offline_follow_the_enrolment(
    tmp_path: Path, hq_process: HqProcess, make_till
):
    """Sent ahead of the queue, they would reach HQ before the member's own enrolment, be
    refused (unknown member) for good, and HQ would keep what the member took back."""
    paired = make_till("till")
    till = paired.till
    paired.engine.run_until_idle(deadline_s=30)
    now = till.clock.now()
    manager = StaffMember("m01", "店长", "manager")
    # Offline (no sync between these): enrol two members, then one withdraws a purpose and
    # the other asks for erasure.
    kept = enrolment.enrol(
        till.db,
        till.cipher,
        EnrolForm(
            phone=PHONE,
            decisions={P.MEMBERSHIP: True, P.SENSITIVE: True},
            name=NAME,
            birthday=date(1991, 2, 3),
        ),
        staff_id="m01",
        staff_role="manager",
        now=now,
    )
    erased = enrolment.enrol(
        till.db,
        till.cipher,
        EnrolForm(phone="15987654322", decisions={P.MEMBERSHIP: True}, name="欧阳"),
        staff_id="m01",
        staff_role="manager",
        now=now,
    )
    profile.set_consent(till.db, manager, kept.member_id, P.SENSITIVE, False, lang="zh_CN", now=now)
    profile.request_erasure(till.db, manager, erased.member_id, now=now)
    assert sql(till.db.path, "SELECT DISTINCT priority FROM outbox") == [(10,)]
    paired.engine.run_until_idle(deadline_s=30)
    assert sql(till.db.path, "SELECT DISTINCT status FROM outbox") == [("applied",)]
    (profile_text, consents) = hq_process.sql(
        "SELECT profile, consents FROM members WHERE member_id = ?", kept.member_id
    )[0]
    assert json.loads(consents)["sensitive"] is False
    assert json.loads(profile_text).get("birthday") is None
    assert hq_process.sql("SELECT status FROM members WHERE member_id = ?", erased.member_id) == [
        ("erased",)
    ]
    # Once HQ knows a member, a withdrawal jumps the queue again.
    profile.set_consent(till.db, manager, kept.member_id, P.MARKETING, False, lang="zh_CN", now=now)
    assert sql(
        till.db.path,
        "SELECT priority FROM outbox WHERE status = 'pending' AND type = 'consent.recorded'",
    ) == [(0,)]


def test_an_edit_made_before_the_enrolment_reached_hq_is_not_a_conflict(
    tmp_path: Path, hq_process: HqProcess, make_till
):
    """QA 8: the assistant enrols a member and corrects the name at once, offline or before
    the next sync: HQ answered profile_conflict ("HQ has version 1, the till edited version
    0") and kept the misspelt name; the correction waited in the inbox for a re-apply."""
    paired = make_till("till")
    till = paired.till
    paired.engine.run_until_idle(deadline_s=30)
    now = till.clock.now()
    done = _assistant_enrols(till, "司马静", now)
    profile.edit_profile(till.db, till.cipher, ASSISTANT, done.member_id, {"name": NAME}, now=now)
    profile.edit_profile(
        till.db, till.cipher, ASSISTANT, done.member_id, {"name": NAME + "子"}, now=now
    )
    paired.engine.run_until_idle(deadline_s=30)
    statuses = sql(till.db.path, "SELECT type, status FROM outbox WHERE type LIKE 'member.%'")
    assert statuses == [
        ("member.enrolled", "applied"),
        ("member.patched", "applied"),
        ("member.patched", "applied"),
    ]
    assert sql(till.db.path, "SELECT count(*) FROM conflicts") == [(0,)]
    (text,) = hq_process.sql("SELECT profile FROM members WHERE member_id = ?", done.member_id)[0]
    assert json.loads(text)["name"] == NAME + "子"
    seen = profile.open_profile(till.db, till.cipher, ASSISTANT, done.member_id, now=now)
    assert seen.values["name"] == NAME + "子"
