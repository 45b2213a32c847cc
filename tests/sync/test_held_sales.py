"""A sale reaches HQ before the member it names: it is held, and its points count once the
member's enrolment arrives (against the real HQ process on loopback, two tills).

Two ways this happens: a member enrolled at a till that is offline shops at another store, whose
till takes the new card as provisional; or HQ is restored from a backup that lacks an enrolment
another till already knew. Either way no point is lost: after everything drains, every till shows
HQ's balance, which is HQ's ledger sum and includes the sale.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers import sql

from .conftest import HqProcess
from .test_engine import sell
from .test_hq_restored import back_up, enrol_here, hq_count, restore


def ledger_sum(hq: HqProcess, member_id: str) -> int:
    rows = hq.sql("SELECT coalesce(sum(points), 0) FROM ledger WHERE member_id = ?", member_id)
    return int(rows[0][0])


def inbox(paired) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    """The selling till's unknown_member entries: (member_id, resolution)."""
    return sql(
        paired.till.db.path,
        "SELECT member_id, resolution FROM conflicts WHERE kind = 'unknown_member'",
    )


def drain(*tills) -> None:  # type: ignore[no-untyped-def]
    for paired in tills:
        report = paired.engine.run_until_idle(deadline_s=60)
        assert report.error is None and report.pending == 0, report


def test_a_new_card_sold_to_at_another_store_before_its_enrolment_reached_hq(
    hq_process: HqProcess, make_till
) -> None:
    enrolling, selling = make_till("enrolling"), make_till("selling", store="S002")
    drain(enrolling, selling)
    done = enrol_here(enrolling.till, "15987650101")  # this till stays offline for now
    receipt = sell(selling, done.card_no)  # a card the other till has never heard of
    assert receipt.provisional and receipt.priced.points_earned > 0
    report = selling.engine.run_until_idle(deadline_s=60)
    assert report.error is None and report.conflicts == 1  # unknown_member: held at HQ
    assert hq_count(hq_process, receipt.sale_id) == 1
    assert inbox(selling) == [(None, None)]  # open, named by the card: the points wait at HQ

    drain(enrolling)  # the enrolment arrives: the held sale's points are booked
    drain(selling)
    # Settled when HQ sent the member, and named by them now.
    assert inbox(selling) == [(done.member_id, "booked")]
    at_hq = hq_process.members()[done.member_id]
    assert at_hq["points_balance"] == receipt.priced.points_earned
    assert at_hq["points_balance"] == ledger_sum(hq_process, done.member_id)
    assert hq_process.sql("SELECT member_id FROM sales WHERE sale_id = ?", receipt.sale_id) == [
        (done.member_id,)
    ]
    for paired in (selling, enrolling):
        member = paired.till.checkout.identify(done.card_no)
        assert member.member_id == done.member_id and not member.provisional
        assert member.unsynced_points == 0
        assert member.balance == at_hq["points_balance"]


def test_an_enrolment_lost_by_an_hq_restore_gets_the_other_tills_sales(
    tmp_path: Path, hq_process: HqProcess, make_till
) -> None:
    enrolling, selling = make_till("enrolling"), make_till("selling", store="S002")
    drain(enrolling, selling)
    back_up(hq_process, tmp_path / "hq-backup.sqlite3")
    phone = "15987650102"
    done = enrol_here(enrolling.till, phone)
    drain(enrolling, selling)  # both tills know the member now
    assert selling.till.checkout.identify(phone).member_id == done.member_id

    # HQ is restored from the backup taken before the enrolment.
    restore(hq_process, tmp_path / "hq-backup.sqlite3")
    assert done.member_id not in hq_process.members()

    receipt = sell(selling, done.card_no)  # known here: sold as the member, not provisional
    assert not receipt.provisional and receipt.priced.points_earned > 0
    assert selling.engine.run_until_idle(deadline_s=60).error is None
    assert hq_count(hq_process, receipt.sale_id) == 1
    held = hq_process.sql("SELECT member_id FROM held_sales WHERE sale_id = ?", receipt.sale_id)
    assert held == [(done.member_id,)]
    drain(selling)  # this till knew the member before the restore: that does not settle it
    assert inbox(selling) == [(done.member_id, None)]

    drain(enrolling)  # sends the enrolment HQ lost again: the held sale counts now
    drain(selling)
    assert inbox(selling) == [(done.member_id, "booked")]
    at_hq = hq_process.members()[done.member_id]
    assert at_hq["points_balance"] == receipt.priced.points_earned
    assert at_hq["points_balance"] == ledger_sum(hq_process, done.member_id)
    assert hq_process.sql("SELECT count(*) FROM held_sales") == [(0,)]
    for paired in (selling, enrolling):
        member = paired.till.checkout.identify(done.card_no)
        assert member.member_id == done.member_id
        assert member.unsynced_points == 0
        assert member.balance == at_hq["points_balance"]
    assert sql(enrolling.till.db.path, "SELECT count(*) FROM outbox WHERE status = 'pending'") == [
        (0,)
    ]


def test_a_held_sale_refunded_before_the_enrolment_stays_for_the_manager(
    hq_process: HqProcess, make_till
) -> None:
    """HQ leaves such a sale's points unbooked (the manager's call): the member arriving does
    not settle its inbox entry."""
    enrolling, selling = make_till("enrolling"), make_till("selling", store="S002")
    drain(enrolling, selling)
    done = enrol_here(enrolling.till, "15987650103")
    receipt = sell(selling, done.card_no)
    assert selling.engine.run_until_idle(deadline_s=60).conflicts == 1
    selling.till.checkout.refund_sale(receipt.receipt_no, reason="changed mind")
    drain(selling)  # the refund reaches HQ before the enrolment

    drain(enrolling)
    drain(selling)
    assert hq_process.members()[done.member_id]["points_balance"] == 0  # nothing booked
    assert selling.till.checkout.identify(done.card_no).member_id == done.member_id
    assert inbox(selling) == [(None, None)]  # still open: the manager decides
