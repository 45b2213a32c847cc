"""Sales and refunds at HQ: ledger = lots, exact refund inverses, overdraft, tiers, expiry."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from posclient.hq import models as m
from posclient.hq.activities import ActivityError, credit_activity
from posclient.hq.cli import main as hq_main
from posclient.hq.context import DEFAULT_HOLD, Hq
from posclient.hq.maintenance import maintain
from posclient.hq.members import load_member
from posclient.hq.merge import merge

from .conftest import Clock
from .helpers import Till, now_iso


def ledger_sum(hq: Hq, member_id: str) -> int:
    with hq.db.read() as conn:
        return int(
            conn.execute(
                select(func.coalesce(func.sum(m.ledger.c.points), 0)).where(
                    m.ledger.c.member_id == member_id
                )
            ).scalar_one()
        )


def account(hq: Hq, member_id: str):  # type: ignore[no-untyped-def]
    with hq.db.read() as conn:
        st = load_member(conn, member_id, lock=False)
    assert st is not None
    return st.account


def balance(hq: Hq, member_id: str) -> int:
    value = account(hq, member_id).balance(hq.today())
    assert value == ledger_sum(hq, member_id), "ledger and lots disagree"
    return int(value)


def enrolled(till: Till, **kw: object) -> str:
    member_id, event = till.enrol(**kw)  # type: ignore[arg-type]
    assert till.push_one(event)["status"] == "applied"
    return member_id


def test_earn_redeem_and_refund_in_steps_restore_exactly(hq: Hq, till: Till) -> None:
    member_id = enrolled(till)
    till.push_one(till.sale(member_id, amount_fen=100_000, points_earned=1000, lot_id="L1")[1])
    till.push_one(till.sale(member_id, amount_fen=50_000, points_earned=500, lot_id="L2")[1])
    before = account(hq, member_id)
    assert balance(hq, member_id) == 1500
    sale_id, sale = till.sale(
        member_id, amount_fen=20_000, points_redeemed=1200, points_earned=200, lot_id="L3"
    )
    result = till.push_one(sale)
    assert result["status"] == "applied"
    assert balance(hq, member_id) == 1500 - 1200 + 200
    for restored, reversed_ in ((500, 50), (300, 100), (400, 50)):
        event = till.refund(
            sale_id,
            amount_fen=5000,
            member_id=member_id,
            points_restored=restored,
            points_reversed=reversed_,
        )
        assert till.push_one(event)["status"] == "applied"
    assert account(hq, member_id).lots == before.lots
    assert balance(hq, member_id) == 1500
    too_much = till.refund(sale_id, amount_fen=5001, member_id=member_id)
    assert till.push_one(too_much)["reason"] == "refund_exceeds_sale"


def test_refund_of_an_unknown_sale_is_rejected(till: Till) -> None:
    result = till.push_one(till.refund("00000000-0000-4000-8000-00000000000a", amount_fen=1))
    assert result["status"] == "rejected" and result["reason"] == "unknown_sale"


def test_points_overdraft_sale_stands_flagged_and_recovered(
    hq: Hq, till: Till, till2: Till, capsys
) -> None:  # type: ignore[no-untyped-def]
    member_id = enrolled(till)
    till.push_one(till.sale(member_id, amount_fen=50_000, points_earned=500)[1])
    # Two offline tills both spent the 500 points they had cached, 400 each.
    assert (
        till.push_one(
            till.sale(member_id, amount_fen=1000, points_redeemed=400, points_earned=0)[1]
        )["status"]
        == "applied"
    )
    result = till2.push_one(
        till2.sale(member_id, amount_fen=1000, points_redeemed=400, points_earned=0)[1]
    )
    assert result["status"] == "conflict" and result["reason"] == "points_overdraft"
    member = result["state"]["member"]
    assert member["points_balance"] == -300 and member["points_debt"] == 300
    assert member["flagged_overdraft"] is True
    assert balance(hq, member_id) == -300
    with hq.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(m.sales)).scalar_one() == 3
    hq_main(["members", "--db", hq.db.url, "--json"])
    listed = {item["member_id"]: item for item in json.loads(capsys.readouterr().out)}
    assert listed[member_id]["flagged_overdraft"] and listed[member_id]["points_balance"] == -300
    # Later earnings pay the debt first.
    after = till.push_one(till.sale(member_id, amount_fen=50_000, points_earned=500)[1])
    assert after["status"] == "applied"
    assert balance(hq, member_id) == 200
    assert account(hq, member_id).debt == 0


def test_tier_comes_from_rolling_spend_never_from_the_till(hq: Hq, till: Till) -> None:
    member_id = enrolled(till)
    # The till claims diamond: HQ ignores the claim, takes back nothing, keeps the tier it computes.
    result = till.push_one(
        till.sale(member_id, amount_fen=10_000, tier_code="diamond", points_earned=200)[1]
    )
    assert result["status"] == "applied"
    with hq.db.read() as conn:
        row = conn.execute(
            select(m.members.c.tier_code, m.sales.c.notes).join(
                m.sales, m.sales.c.member_id == m.members.c.member_id
            )
        ).one()
    assert row.tier_code == "normal"
    assert json.loads(row.notes)["tier_mismatch"] == {"till": "diamond", "hq": "normal"}
    big_id, big = till.sale(member_id, amount_fen=200_000)
    state = till.push_one(big)
    assert hq_tier(hq, member_id) == "silver", state
    till.push_one(
        till.refund(big_id, amount_fen=200_000, member_id=member_id, points_reversed=2000)
    )
    assert hq_tier(hq, member_id) == "normal"
    # A payload that tries to set tier or tags is refused outright (unknown fields).
    sneaky = till.event(
        "member.patched",
        {
            "member_id": member_id,
            "store": "S001",
            "fields": {"tier_code": {"value": "diamond", "base_version": 0}},
            "occurred_at": "2026-01-01T00:00:00+08:00",
        },
    )
    assert till.push_one(sneaky)["reason"] == "invalid_payload"


def hq_tier(hq: Hq, member_id: str) -> str:
    with hq.db.read() as conn:
        return str(
            conn.execute(
                select(m.members.c.tier_code).where(m.members.c.member_id == member_id)
            ).scalar_one()
        )


def test_points_earned_at_a_stale_lower_tier_get_a_correction_entry(hq: Hq, till: Till) -> None:
    member_id = enrolled(till)
    till.push_one(till.sale(member_id, amount_fen=200_000, points_earned=2000)[1])
    assert hq_tier(hq, member_id) == "silver"
    # The till still had the member at normal (×1.0): ¥100 earned 100 points; silver (×1.2) is 120.
    sale_id, sale = till.sale(
        member_id, amount_fen=10_000, tier_code="normal", points_earned=100, lot_id="stale"
    )
    result = till.push_one(sale)
    assert result["status"] == "conflict" and result["reason"] == "tier_corrected"
    with hq.db.read() as conn:
        kinds = conn.execute(
            select(m.ledger.c.kind, m.ledger.c.points).where(m.ledger.c.ref == sale_id)
        ).all()
    assert sorted(kinds) == [("correction", 20), ("earn", 100)]
    assert balance(hq, member_id) == 2120
    # A full refund takes back the earning and its correction.
    till.push_one(till.refund(sale_id, amount_fen=10_000, member_id=member_id, points_reversed=100))
    assert balance(hq, member_id) == 2000


def test_lots_expire_with_a_ledger_entry(hq: Hq, till: Till, clock: Clock) -> None:
    member_id = enrolled(till)
    soon = hq.today() + timedelta(days=2)
    till.push_one(till.sale(member_id, amount_fen=30_000, points_earned=300, expires_on=soon)[1])
    till.push_one(till.sale(member_id, amount_fen=10_000, points_earned=100)[1])
    assert balance(hq, member_id) == 400
    clock.advance(days=3)
    assert maintain(hq)["expired_members"] == 1
    assert balance(hq, member_id) == 100
    with hq.db.read() as conn:
        expired = (
            conn.execute(select(m.ledger.c.points).where(m.ledger.c.kind == "expire"))
            .scalars()
            .all()
        )
        doc = json.loads(conn.execute(select(m.members.c.doc)).scalar_one())
    assert expired == [-300]
    assert doc["points_balance"] == 100 and [lot["remaining"] for lot in doc["lots"]] == [100]


def test_implausible_expiry_is_replaced_by_hqs(hq: Hq, till: Till) -> None:
    member_id = enrolled(till)
    result = till.push_one(
        till.sale(member_id, amount_fen=10_000, expires_on=hq.today() + timedelta(days=9000))[1]
    )
    assert result["status"] == "conflict" and result["reason"] == "earn_expiry_adjusted"
    assert (
        result["state"]["member"]["lots"][0]["expires_on"] == (hq.today() + hq.validity).isoformat()
    )


def test_activity_points_are_credited_once(hq: Hq, till: Till) -> None:
    member_id = enrolled(till)
    friend = enrolled(till, phone="13912345670")
    assert credit_activity(hq, member_id, "sign_in")[0] is True
    assert credit_activity(hq, member_id, "sign_in")[0] is False
    credited, doc = credit_activity(hq, member_id, "referral", activity_id=friend)
    assert credited and doc["points_balance"] == hq.rules.sign_in_points + hq.rules.referral_points
    assert balance(hq, member_id) == doc["points_balance"]
    assert credit_activity(hq, member_id, "referral", activity_id=friend)[0] is False


def test_activity_ids_are_per_member_and_kind(hq: Hq, till: Till) -> None:
    """QA 6: one global namespace lost credits ("already credited" for another member) and let
    a chosen id sign a member in again, or block another member's sign-in."""
    first, second = enrolled(till), enrolled(till, phone="13912345679")
    friend = enrolled(till, phone="13912345671")
    assert credit_activity(hq, first, "referral", activity_id=friend)[0] is True
    with pytest.raises(ActivityError, match="credited to another member"):
        credit_activity(hq, second, "referral", activity_id=friend)
    assert credit_activity(hq, first, "referral", activity_id=friend)[0] is False
    # A referral id shaped like a sign-in key is no member: it takes nobody's sign-in.
    today = hq.today().isoformat()
    with pytest.raises(ActivityError, match="unknown"):
        credit_activity(hq, first, "referral", activity_id=f"sign_in:{second}:{today}")
    assert credit_activity(hq, second, "sign_in")[0] is True
    # A sign-in is once a day, whatever id is offered.
    with pytest.raises(ActivityError, match="once a day"):
        credit_activity(hq, second, "sign_in", activity_id="x1")
    assert credit_activity(hq, second, "sign_in")[0] is False
    rules = hq.rules
    assert balance(hq, first) == rules.referral_points
    assert balance(hq, second) == rules.sign_in_points


def test_a_referral_names_another_existing_member(hq: Hq, till: Till) -> None:
    """QA 7: a member credited for referring themselves, or a person who never joined."""
    first, second = enrolled(till), enrolled(till, phone="13912345672")
    with pytest.raises(ActivityError, match="refer themselves"):
        credit_activity(hq, first, "referral", activity_id=first)
    with pytest.raises(ActivityError, match="unknown"):
        credit_activity(hq, first, "referral", activity_id="M-NOBODY")
    assert balance(hq, first) == 0
    assert credit_activity(hq, first, "referral", activity_id=second)[0] is True
    assert balance(hq, first) == hq.rules.referral_points


def test_a_referral_follows_the_referred_person_through_merges_and_not_past_erasure(
    hq: Hq, till: Till
) -> None:
    """QA 8: referring C, then C merged into D, credited D's referral again; an erased member
    was credited as referred."""
    referrer = enrolled(till)
    c, d = enrolled(till, phone="13912345673"), enrolled(till, phone="13912345674")
    assert credit_activity(hq, referrer, "referral", activity_id=c)[0] is True
    merge(hq, c, d)
    assert credit_activity(hq, referrer, "referral", activity_id=d)[0] is False
    assert credit_activity(hq, referrer, "referral", activity_id=c)[0] is False
    other = enrolled(till, phone="13912345675")
    with pytest.raises(ActivityError, match="credited to another member"):
        credit_activity(hq, other, "referral", activity_id=d)
    gone = enrolled(till, phone="13912345676")
    assert till.push_one(till.erase(gone))["status"] == "applied"
    with pytest.raises(ActivityError, match="no longer a member"):
        credit_activity(hq, referrer, "referral", activity_id=gone)
    with pytest.raises(ActivityError, match="erased"):
        credit_activity(hq, gone, "sign_in")
    assert balance(hq, referrer) == hq.rules.referral_points


def test_sales_without_a_member_and_unknown_members(hq: Hq, till: Till) -> None:
    assert till.push_one(till.sale(None, amount_fen=990)[1])["status"] == "applied"
    unknown = till.push_one(till.sale("00000000-0000-4000-8000-0000000000ff", amount_fen=990)[1])
    # The sale stands without a member (see test_sale_for_an_unknown_member_stands_…).
    assert unknown["status"] == "conflict" and unknown["reason"] == "unknown_member"


def test_a_sale_or_lot_reported_twice_is_rejected_and_rolled_back(hq: Hq, till: Till) -> None:
    member_id = enrolled(till)
    sale_id, sale = till.sale(member_id, amount_fen=10_000, lot_id="L-1")
    assert till.push_one(sale)["status"] == "applied"
    _, again = till.sale(member_id, amount_fen=10_000, sale_id=sale_id, lot_id="L-2")
    _, spend = till.sale(member_id, amount_fen=100, points_redeemed=100, points_earned=0)
    _, reused_lot = till.sale(member_id, amount_fen=5_000, lot_id="L-1")  # L-1 is now exhausted
    _, fine = till.sale(member_id, amount_fen=100)
    results = till.push(again, spend, reused_lot, fine)["results"]
    assert [(r["status"], r["reason"]) for r in results] == [
        ("rejected", "sale_exists"),
        ("applied", None),
        ("rejected", "lot_exists"),
        ("applied", None),
    ]
    assert balance(hq, member_id) == 100 - 100 + 1  # nothing of the rejected ones stayed
    # QA 6: the very same sale (its lot too) under a new event id is named as the sale.
    _, resent = till.sale(member_id, amount_fen=10_000, sale_id=sale_id, lot_id="L-1")
    assert till.push_one(resent)["reason"] == "sale_exists"


def test_member_doc_is_exactly_the_wire_model(hq: Hq, till: Till) -> None:
    from posclient.hq.members import member_doc
    from posclient.sync.protocol import MemberData

    member_id = enrolled(till, purposes=("membership", "personalised"), gender="female")
    till.push_one(till.sale(member_id, amount_fen=12_345)[1])
    with hq.db.read() as conn:
        st = load_member(conn, member_id, lock=False)
        stored = json.loads(conn.execute(select(m.members.c.doc)).scalar_one())
    assert st is not None
    doc = member_doc(st, hq.today())
    assert doc == stored == MemberData.model_validate(doc).model_dump(mode="json")


def test_sale_for_an_unknown_member_stands_without_points(hq: Hq, till: Till) -> None:
    """A provisional sale (card scanned before HQ's record reached the till) whose member HQ
    does not know: the goods left the store, so the sale is kept, without a member."""
    stranger = "00000000-0000-4000-8000-00000000beef"
    sale_id, event = till.sale(stranger, amount_fen=1234, points_earned=12)
    result = till.push_one(event)
    assert result["status"] == "conflict" and result["reason"] == "unknown_member"
    with hq.db.read() as conn:
        row = conn.execute(
            select(m.sales.c.member_id, m.sales.c.amount_due_fen).where(
                m.sales.c.sale_id == sale_id
            )
        ).one()
    assert tuple(row) == (None, 1234)
    assert till.push_one(event)["status"] == "duplicate"


def _held(hq: Hq) -> list[str]:
    with hq.db.read() as conn:
        return [row[0] for row in conn.execute(select(m.held_sales.c.sale_id))]


def _sale_member(hq: Hq, sale_id: str) -> str | None:
    with hq.db.read() as conn:
        return conn.execute(
            select(m.sales.c.member_id).where(m.sales.c.sale_id == sale_id)
        ).scalar_one()


def test_sales_made_before_hq_knew_the_member_are_booked_at_enrolment(
    hq: Hq, till: Till, till2: Till
) -> None:
    """Till 2 knew a member HQ had not heard of yet (enrolled at till 1, still offline; or
    lost when HQ was restored): its sales stand without a member, and their points are booked,
    oldest first, when the enrolment arrives; nothing is booked twice."""
    member_id = str(uuid.uuid4())
    earned_id, earned = till2.sale(member_id, amount_fen=12_345, points_earned=123)
    spent_id, spent = till2.sale(member_id, amount_fen=1_000, points_redeemed=100, points_earned=10)
    results = till2.push(earned, spent)["results"]
    assert [r["reason"] for r in results] == ["unknown_member", "unknown_member"]
    assert "booked if the member's enrolment reaches HQ" in results[0]["detail"]
    assert sorted(_held(hq)) == sorted([earned_id, spent_id])
    assert _sale_member(hq, earned_id) is None

    _, enrol = till.enrol(member_id=member_id)
    result = till.push_one(enrol)
    assert result["status"] == "applied", result  # the enrolment itself went through
    assert "2 sale(s) made before HQ knew the member" in result["detail"]
    assert balance(hq, member_id) == 123 - 100 + 10
    assert _sale_member(hq, earned_id) == _sale_member(hq, spent_id) == member_id
    assert _held(hq) == []
    with hq.db.read() as conn:
        count = conn.execute(
            select(m.members.c.purchase_count).where(m.members.c.member_id == member_id)
        ).scalar_one()
    assert count == 2
    assert till.push_one(enrol)["status"] == "duplicate"
    assert balance(hq, member_id) == 33


def test_a_provisional_card_sale_counts_once_that_card_is_enrolled(
    hq: Hq, till: Till, till2: Till
) -> None:
    card = till.new_card()
    sale_id, sale = till2.sale(None, amount_fen=5_000, provisional_card_no=card)
    assert till2.push_one(sale)["reason"] == "unknown_member"
    member_id, enrol = till.enrol(card_no=card)
    assert till.push_one(enrol)["status"] == "applied"
    assert balance(hq, member_id) == 50
    assert _sale_member(hq, sale_id) == member_id and _held(hq) == []


def test_a_held_sale_spending_more_than_the_new_member_holds_becomes_debt(
    hq: Hq, till: Till, till2: Till
) -> None:
    member_id = str(uuid.uuid4())
    _, spent = till2.sale(member_id, amount_fen=1_000, points_redeemed=500, points_earned=0)
    till2.push_one(spent)
    _, enrol = till.enrol(member_id=member_id)
    result = till.push_one(enrol)
    assert result["status"] == "applied"
    assert "500 points more than the balance" in result["detail"]
    assert account(hq, member_id).debt == 500
    assert balance(hq, member_id) == -500  # repaid from later earnings, as any overdraft


def test_a_held_sale_refunded_before_the_enrolment_is_left_for_the_manager(
    hq: Hq, till: Till, till2: Till
) -> None:
    member_id = str(uuid.uuid4())
    sale_id, sale = till2.sale(member_id, amount_fen=8_000, points_earned=80)
    till2.push_one(sale)
    assert till2.push_one(till2.refund(sale_id, amount_fen=8_000))["status"] == "applied"
    _, enrol = till.enrol(member_id=member_id)
    result = till.push_one(enrol)
    assert result["status"] == "applied"
    assert "refunded before HQ knew its member" in result["detail"]
    assert balance(hq, member_id) == 0
    assert _sale_member(hq, sale_id) is None and _held(hq) == []


def test_a_sale_held_longer_than_its_points_stay_valid_is_released(
    hq: Hq, till: Till, till2: Till, clock: Clock
) -> None:
    """A held sale waits for its member as long as its earned points would stay valid:
    ``maintain`` then stops waiting. The sale stays recorded without a member, and an enrolment
    arriving later books nothing for it; a sale held for less still waits and is booked."""
    member_id = str(uuid.uuid4())
    old_id, old = till2.sale(member_id, amount_fen=10_000, points_earned=100)
    assert till2.push_one(old)["reason"] == "unknown_member"
    clock.advance(days=DEFAULT_HOLD.days - 1)
    assert maintain(hq)["released_held_sales"] == 0
    assert _held(hq) == [old_id]
    recent_id, recent = till2.sale(
        member_id, amount_fen=2_000, points_earned=20, occurred_at=clock()
    )
    assert till2.push_one(recent)["reason"] == "unknown_member"
    clock.advance(days=2)
    assert maintain(hq)["released_held_sales"] == 1
    assert _held(hq) == [recent_id]
    assert _sale_member(hq, old_id) is None  # still recorded, as it was

    _, enrol = till.enrol(member_id=member_id)
    result = till.push_one(enrol)
    assert result["status"] == "applied", result
    assert "1 sale(s) made before HQ knew the member" in result["detail"]
    assert balance(hq, member_id) == 20
    assert _sale_member(hq, old_id) is None and _sale_member(hq, recent_id) == member_id
    assert _held(hq) == []
    # A shorter wait, as the manager chose it (``maintain --held-days``): released sooner.
    _, other = till2.sale(
        str(uuid.uuid4()), amount_fen=1_000, points_earned=10, occurred_at=clock()
    )
    till2.push_one(other)
    clock.advance(days=8)
    assert maintain(hq, hold=timedelta(days=10))["released_held_sales"] == 0
    clock.advance(days=3)
    assert maintain(hq, hold=timedelta(days=10))["released_held_sales"] == 1
    assert _held(hq) == []


def test_a_sale_with_neither_member_nor_card_is_not_held(hq: Hq, till: Till) -> None:
    till.push_one(till.sale(None, amount_fen=990)[1])
    assert _held(hq) == []


# ---------------------------------------------------------------- QA round 4: refunds


def refund_event(till: Till, sale_id: str, member_id: str | None, **changes: object) -> dict:
    """A refund of line 1 (qty 1) with the payload fields in ``changes`` replaced."""
    payload: dict[str, object] = {
        "refund_id": str(uuid.uuid4()),
        "sale_id": sale_id,
        "receipt_no": "RF1",
        "store": till.store,
        "member_id": member_id,
        "amount_fen": 0,
        "points_restored": 0,
        "points_reversed": 0,
        "occurred_at": now_iso(),
    }
    payload.update(changes)
    payload.setdefault(
        "lines",
        [
            {
                "line_no": 1,
                "qty": 1,
                "amount_fen": payload["amount_fen"],
                "points_restored": payload["points_restored"],
                "points_reversed": payload["points_reversed"],
            }
        ],
    )
    return till.event("refund.completed", payload)


def test_a_refund_after_the_sales_points_expired_does_not_take_them_again(
    hq: Hq, till: Till, clock: Clock
) -> None:
    member_id = enrolled(till)
    soon = hq.today() + timedelta(days=2)
    sale_id, sale = till.sale(member_id, amount_fen=10_000, lot_id="A", expires_on=soon)
    till.push_one(sale)  # 100 points in lot A, expiring in 2 days
    till.push_one(till.sale(member_id, amount_fen=20_000, lot_id="B")[1])  # 200 in lot B
    # 60 points spent from lot A (earliest expiry first); its other 40 lapse.
    till.push_one(till.sale(member_id, amount_fen=940, points_redeemed=60, points_earned=0)[1])
    clock.advance(days=3)
    maintain(hq)
    assert balance(hq, member_id) == 200
    # Refunded in two steps: the 60 spent points come back out of lot B, the 40 lapsed ones
    # are not taken twice (before: all 100 again, from B).
    for amount in (5000, 5000):
        result = till.push_one(
            refund_event(till, sale_id, member_id, amount_fen=amount, points_reversed=50)
        )
        assert result["status"] == "applied", result
    assert balance(hq, member_id) == 140
    assert [lot.lot_id for lot in account(hq, member_id).lots] == ["B"]


def test_a_lapsed_lot_with_nothing_else_is_no_debt(hq: Hq, till: Till, clock: Clock) -> None:
    member_id = enrolled(till)
    soon = hq.today() + timedelta(days=2)
    sale_id, sale = till.sale(member_id, amount_fen=10_000, expires_on=soon)
    till.push_one(sale)
    clock.advance(days=3)
    maintain(hq)
    result = till.push_one(
        refund_event(till, sale_id, member_id, amount_fen=10_000, points_reversed=100)
    )
    assert result["status"] == "applied", result
    assert balance(hq, member_id) == 0 and account(hq, member_id).debt == 0


def with_lots_a_and_b(hq: Hq, till: Till) -> str:
    """A member holding lot A (100 points, expiring in 2 days) and lot B (200 points)."""
    member_id = enrolled(till)
    soon = hq.today() + timedelta(days=2)
    till.push_one(till.sale(member_id, amount_fen=10_000, lot_id="A", expires_on=soon)[1])
    till.push_one(till.sale(member_id, amount_fen=20_000, lot_id="B")[1])
    return member_id


def late_sale(till: Till, member_id: str, sold_at: datetime) -> tuple[str, dict[str, Any]]:
    """A sale made offline at ``sold_at`` that spends 60 points and earns none."""
    return till.sale(
        member_id, amount_fen=940, points_redeemed=60, points_earned=0, occurred_at=sold_at
    )


@pytest.mark.parametrize("expired_first", [False, True], ids=["expired-now", "expired-before"])
def test_an_offline_sale_spends_the_lots_valid_on_its_day(
    hq: Hq, till: Till, clock: Clock, expired_first: bool
) -> None:
    member_id = with_lots_a_and_b(hq, till)
    sold_at = clock() + timedelta(days=1)  # offline, while lot A (100 points) was valid
    clock.advance(days=3)
    if expired_first:
        maintain(hq)  # A's 100 points are booked as expired before the sale arrives
    sale_id, sale = late_sale(till, member_id, sold_at)
    result = till.push_one(sale)
    assert result["status"] == "applied", result
    # The 60 points came out of lot A, as at the till; B keeps its 200 (before: 140).
    assert balance(hq, member_id) == 200
    assert [(lot.lot_id, lot.remaining) for lot in account(hq, member_id).lots] == [("B", 200)]
    # A second late sale finds only A's 40 unspent points: the other 20 come out of B. It
    # comes in one batch behind a plain sale (a batch's plain sales are applied as a run).
    plain = till.sale(member_id, amount_fen=1000, points_earned=0)[1]
    second = late_sale(till, member_id, sold_at)[1]
    results = till.push(plain, second)["results"]
    assert [r["status"] for r in results] == ["applied", "applied"], results
    assert balance(hq, member_id) == 180
    # Refunded, the first sale's points go back into lot A, which has expired: they lapse.
    result = till.push_one(
        refund_event(till, sale_id, member_id, amount_fen=940, points_restored=60)
    )
    assert result["status"] == "applied", result
    assert balance(hq, member_id) == 180
    with hq.db.read() as conn:
        redeemed = conn.execute(
            select(m.sales.c.redemption).where(m.sales.c.sale_id == sale_id)
        ).scalar_one()
    assert [take["lot_id"] for take in json.loads(redeemed)["takes"]] == ["A"]


def test_a_late_sale_made_after_its_lot_expired_does_not_spend_it(
    hq: Hq, till: Till, clock: Clock
) -> None:
    member_id = with_lots_a_and_b(hq, till)
    sold_at = clock() + timedelta(days=3)  # the day after A's last day: A was not valid
    clock.advance(days=4)
    sale = late_sale(till, member_id, sold_at)[1]
    assert till.push_one(sale)["status"] == "applied"
    assert balance(hq, member_id) == 140


def test_a_sale_dated_long_ago_does_not_bring_expired_points_back(
    hq: Hq, till: Till, clock: Clock
) -> None:
    """A till's clock set back (or a forged date) must not spend points long expired."""
    member_id = with_lots_a_and_b(hq, till)
    sold_at = clock() + timedelta(days=1)  # lot A valid that day
    clock.advance(days=45)
    maintain(hq)
    sale = late_sale(till, member_id, sold_at)[1]
    assert till.push_one(sale)["status"] == "applied"
    assert balance(hq, member_id) == 140  # charged as of today: A's points stay expired


def test_a_lot_earned_after_the_sale_was_made_is_not_spent_by_it(
    hq: Hq, till: Till, clock: Clock
) -> None:
    member_id = enrolled(till)
    till.push_one(till.sale(member_id, amount_fen=20_000, lot_id="B")[1])
    sold_at = clock()  # offline: 60 points spent from B
    clock.advance(days=1)
    soon = hq.today() + timedelta(days=1)
    till.push_one(till.sale(member_id, amount_fen=10_000, lot_id="A", expires_on=soon)[1])
    clock.advance(days=3)
    maintain(hq)  # A lapses unspent
    sale = late_sale(till, member_id, sold_at)[1]
    assert till.push_one(sale)["status"] == "applied"
    assert balance(hq, member_id) == 140  # from B, as at the till; A was not there to spend


def test_a_late_sale_of_a_member_merged_since_spends_the_lapsed_lot_it_had(
    hq: Hq, till: Till, clock: Clock
) -> None:
    """X's lot A lapses and X is merged into Y before X's offline sale arrives: the sale still
    spends A (whose expiry stays under X's id), not Y's newer points."""
    x = enrolled(till, phone="13912345671")
    y = enrolled(till, phone="13912345672")
    soon = hq.today() + timedelta(days=2)
    till.push_one(till.sale(x, amount_fen=10_000, lot_id="A", expires_on=soon)[1])
    till.push_one(till.sale(x, amount_fen=20_000, lot_id="B")[1])
    sold_at = clock() + timedelta(days=1)
    clock.advance(days=3)
    maintain(hq)
    merge(hq, x, y)
    assert balance(hq, y) == 200
    sale = late_sale(till, x, sold_at)
    assert till.push_one(sale[1])["status"] == "applied"
    assert balance(hq, y) == 200
    # A's other 40 lapsed points are left for a second late sale, then B pays.
    again = late_sale(till, x, sold_at)
    assert till.push_one(again[1])["status"] == "applied"
    assert balance(hq, y) == 180


def test_a_refund_claiming_more_points_than_hq_credited_stands_with_hqs_figure(
    hq: Hq, till: Till
) -> None:
    member_id = enrolled(till)
    # The till claimed 5,000 points for ¥100; HQ credited what the sale can earn.
    sale_id, sale = till.sale(member_id, amount_fen=10_000, points_earned=5000)
    assert till.push_one(sale)["reason"] == "earn_capped"
    result = till.push_one(
        refund_event(till, sale_id, member_id, amount_fen=10_000, points_reversed=5000)
    )
    assert result["status"] == "conflict" and result["reason"] == "refund_points_capped"
    assert balance(hq, member_id) == 0
    # A sale HQ recorded without its (unknown) member: the refund's money still counts.
    unknown_id, unknown = till.sale(
        "00000000-0000-4000-8000-0000000000ff", amount_fen=10_000, points_earned=100
    )
    assert till.push_one(unknown)["reason"] == "unknown_member"
    result = till.push_one(
        refund_event(till, unknown_id, None, amount_fen=10_000, points_reversed=100)
    )
    assert result["reason"] == "refund_points_capped"
    with hq.db.read() as conn:
        refunded = conn.execute(
            select(m.sales.c.refunded_fen).where(m.sales.c.sale_id == unknown_id)
        ).scalar_one()
    assert refunded == 10_000


def test_a_partial_refund_takes_back_the_tier_correction_in_step(hq: Hq, till: Till) -> None:
    member_id = enrolled(till)
    till.push_one(till.sale(member_id, amount_fen=200_000, points_earned=2000)[1])
    sale_id, sale = till.sale(member_id, amount_fen=10_000, tier_code="normal", points_earned=100)
    assert till.push_one(sale)["reason"] == "tier_corrected"  # +20 (silver ×1.2)
    assert balance(hq, member_id) == 2120
    till.push_one(refund_event(till, sale_id, member_id, amount_fen=5000, points_reversed=50))
    assert balance(hq, member_id) == 2060  # half the earning, half the correction
    till.push_one(refund_event(till, sale_id, member_id, amount_fen=5000, points_reversed=50))
    assert balance(hq, member_id) == 2000


def test_refund_lines_and_dates_are_checked_against_the_sale(hq: Hq, till: Till) -> None:
    member_id = enrolled(till)
    sale_id, sale = till.sale(member_id, amount_fen=10_000)
    till.push_one(sale)
    line = {"qty": 1, "amount_fen": 100, "points_restored": 0, "points_reversed": 0}
    unknown_line = refund_event(
        till, sale_id, member_id, amount_fen=100, lines=[{**line, "line_no": 99}]
    )
    too_many = refund_event(
        till, sale_id, member_id, amount_fen=100, lines=[{**line, "line_no": 1, "qty": 5}]
    )
    future = refund_event(
        till, sale_id, member_id, amount_fen=100, occurred_at="2150-01-01T00:00:00+00:00"
    )
    results = till.push(unknown_line, too_many, future)["results"]
    assert [r["reason"] for r in results[:2]] == ["invalid_payload", "refund_exceeds_sale"]
    assert results[2]["status"] == "applied" and "clock" in results[2]["detail"]
    with hq.db.read() as conn:
        (refunded_at,) = conn.execute(select(m.refunds.c.occurred_at)).scalars().all()
    assert refunded_at.year == hq.now().year


def test_repaid_points_come_back_in_a_lot_with_a_plausible_expiry(hq: Hq, till: Till) -> None:
    member_id = enrolled(till)
    # An overdraft of 1,000 points, repaid by a later sale; then the first sale is refunded.
    sale_id, sale = till.sale(member_id, amount_fen=1000, points_redeemed=1000, points_earned=0)
    assert till.push_one(sale)["reason"] == "points_overdraft"
    till.push_one(till.sale(member_id, amount_fen=100_000, points_earned=1000)[1])
    result = till.push_one(
        refund_event(
            till,
            sale_id,
            member_id,
            amount_fen=1000,
            points_restored=1000,
            repaid_expires_on="2299-12-31",
        )
    )
    assert result["reason"] == "repaid_expiry_adjusted"
    repaid = [lot for lot in account(hq, member_id).lots if lot.lot_id.startswith("repaid:")]
    assert [lot.remaining for lot in repaid] == [1000]
    assert repaid[0].expires_on <= hq.today() + timedelta(days=731)


def test_a_fully_refunded_sale_is_no_purchase(hq: Hq, till: Till) -> None:
    member_id = enrolled(till)
    sale_id, sale = till.sale(member_id, amount_fen=10_000)
    till.push_one(sale)
    assert account_row(hq, member_id)["purchase_count"] == 1
    till.push_one(refund_event(till, sale_id, member_id, amount_fen=4000, points_reversed=40))
    assert account_row(hq, member_id)["purchase_count"] == 1  # part of it is still bought
    till.push_one(refund_event(till, sale_id, member_id, amount_fen=6000, points_reversed=60))
    assert account_row(hq, member_id)["purchase_count"] == 0


def account_row(hq: Hq, member_id: str) -> dict:
    with hq.db.read() as conn:
        st = load_member(conn, member_id, lock=False)
    assert st is not None
    return dict(st.row)


def test_a_sale_for_an_erased_member_moves_no_points(hq: Hq, till: Till) -> None:
    """QA 6: a till that had not heard of the erasure redeemed the member's points and HQ took
    them from the erased member's lots."""
    member_id = enrolled(till)
    assert till.push_one(till.sale(member_id, amount_fen=100_000, lot_id="E1")[1])["status"] == (
        "applied"
    )
    assert till.push_one(till.erase(member_id))["status"] == "applied"
    sale_id, late = till.sale(member_id, amount_fen=5_000, points_redeemed=500, points_earned=45)
    result = till.push_one(late)
    assert result["status"] == "conflict" and result["reason"] == "member_erased"
    with hq.db.read() as conn:
        row = conn.execute(select(m.sales.c.member_id).where(m.sales.c.sale_id == sale_id)).one()
        spent = conn.execute(
            select(func.count()).select_from(m.ledger).where(m.ledger.c.ref == sale_id)
        ).scalar_one()
    assert row.member_id is None and spent == 0


def test_two_held_sales_naming_one_lot_do_not_stop_the_enrolment(
    hq: Hq, till: Till, till2: Till
) -> None:
    member_id = str(uuid.uuid4())
    first_id, first = till2.sale(member_id, amount_fen=3_000, points_earned=30, lot_id="L-same")
    _, second = till2.sale(member_id, amount_fen=4_000, points_earned=40, lot_id="L-same")
    till2.push(first, second)
    _, enrol = till.enrol(member_id=member_id)
    result = till.push_one(enrol)
    assert result["status"] == "applied"
    assert "points lot L-same is taken" in result["detail"]
    assert balance(hq, member_id) == 30
    assert _sale_member(hq, first_id) == member_id and _held(hq) == []


def test_a_held_sale_sent_again_under_another_event_id_is_named_as_the_sale(
    hq: Hq, till2: Till
) -> None:
    member_id = str(uuid.uuid4())
    sale_id, sale = till2.sale(member_id, amount_fen=2_000)
    assert till2.push_one(sale)["reason"] == "unknown_member"
    _, again = till2.sale(member_id, amount_fen=2_000, sale_id=sale_id)
    result = till2.push_one(again)
    assert (result["status"], result["reason"]) == ("rejected", "sale_exists")
    assert _held(hq) == [sale_id]


def test_a_held_sale_that_cannot_be_read_again_does_not_stop_the_enrolment(
    hq: Hq, till: Till, till2: Till
) -> None:
    member_id = str(uuid.uuid4())
    sale_id, sale = till2.sale(member_id, amount_fen=2_500)
    till2.push_one(sale)
    with hq.db.write() as conn:  # as an HQ with other rules might have kept it
        conn.execute(m.held_sales.update().values(payload='{"sale_id": "x"}'))
    _, enrol = till.enrol(member_id=member_id)
    result = till.push_one(enrol)
    assert result["status"] == "applied"
    assert f"held sale {sale_id} could not be read again" in result["detail"]
    assert balance(hq, member_id) == 0 and _held(hq) == []
