"""HQ restored from a backup: the till sends again the events HQ acknowledged and lost.

Against the real HQ process on loopback: each pull page says how far HQ's chain holds this
till's events (``device_seq``); acknowledged events above it go back in the queue, HQ takes them
once, and the till's balances agree with HQ's ledger again. In normal operation nothing is ever
sent twice this way.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from posclient.bootstrap import open_till
from posclient.services import sync
from posclient.store.uow import UnitOfWork
from tests.helpers import demo_members, init_demo, sql

from .conftest import HqProcess
from .test_engine import _small_batches, sell

WANG = demo_members()["diamond"]  # 26,800 points
LI = demo_members()["gold"]


def copy_db(source: Path, target: Path) -> None:
    """A consistent copy of an SQLite file (SQLite's backup API), as a backup tool makes."""
    for stale in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        stale.unlink(missing_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def back_up(hq: HqProcess, target: Path) -> None:
    """HQ stopped, its database copied as a backup tool would, HQ started again."""
    hq.stop()
    copy_db(hq.db_path, target)
    hq.start()


def restore(hq: HqProcess, backup: Path) -> None:
    """HQ stopped, its database replaced by ``backup`` (its disk failed), HQ started again."""
    hq.stop()
    copy_db(backup, hq.db_path)
    hq.start()


def enrolled_after_a_backup(tmp_path: Path, hq: HqProcess, make_till, phone: str):  # type: ignore[no-untyped-def]
    """A till in step with HQ, HQ backed up, then a member enrolled at the till: (the paired
    till, the enrolment)."""
    paired = make_till()
    assert paired.engine.run_until_idle(deadline_s=60).error is None
    back_up(hq, tmp_path / "hq-backup.sqlite3")
    return paired, enrol_here(paired.till, phone)


def enrol_here(till, phone: str):  # type: ignore[no-untyped-def]
    """A member enrolled at this till (membership only), as an assistant would."""
    from posclient.services import enrolment
    from posclient.services.enrolment import EnrolForm
    from posclient.sync.protocol import ConsentPurpose

    return enrolment.enrol(
        till.db,
        till.cipher,
        EnrolForm(phone=phone, decisions={ConsentPurpose.MEMBERSHIP: True}),
        staff_id="m01",
        staff_role="manager",
        now=till.clock.now(),
    )


def hq_count(hq: HqProcess, sale_id: str) -> int:
    return int(hq.sql("SELECT count(*) FROM sales WHERE sale_id = ?", sale_id)[0][0])


def test_hq_restored_from_a_backup_gets_the_events_it_lost_again(
    tmp_path: Path, hq_process: HqProcess, make_till
) -> None:
    paired = make_till()
    assert paired.engine.sync_once().error is None
    kept = sell(paired, WANG["phone"], redeem=1000)
    assert paired.engine.sync_once().applied == 1
    hq_process.stop()
    copy_db(hq_process.db_path, tmp_path / "hq-backup.sqlite3")
    hq_process.start()
    lost = [sell(paired, WANG["phone"], redeem=500), sell(paired, LI["phone"]), sell(paired)]
    report = paired.engine.sync_once()
    assert report.error is None and report.applied == 3 and report.pending == 0
    assert all(hq_count(hq_process, r.sale_id) == 1 for r in lost)

    # HQ's disk fails; it is restored from the backup taken before the last three sales.
    restore(hq_process, tmp_path / "hq-backup.sqlite3")
    assert all(hq_count(hq_process, r.sale_id) == 0 for r in lost)

    report = paired.engine.run_until_idle(deadline_s=60)
    assert report.error is None and report.pending == 0
    assert report.resent == 3 and report.applied == 3
    for receipt in [kept, *lost]:
        assert hq_count(hq_process, receipt.sale_id) == 1
    at_hq = hq_process.members()
    for person in (WANG, LI):
        member = paired.till.checkout.identify(person["phone"])
        assert member.unsynced_points == 0
        assert member.balance == at_hq[person["member_id"]]["points_balance"]
    wang = paired.till.checkout.identify(WANG["phone"])
    assert wang.balance == 26800 - 1000 - 500 + kept.priced.points_earned + (
        lost[0].priced.points_earned
    )
    # Settled: the next pass sends nothing again.
    again = paired.engine.sync_once()
    assert again.error is None and again.resent == 0 and again.pushed == 0


def test_nothing_is_sent_twice_in_normal_operation(hq_process: HqProcess, make_till) -> None:
    paired = make_till()
    _small_batches(paired, 4)  # several pushes, and sale runs at HQ
    assert paired.engine.sync_once().error is None
    for n in range(11):
        sell(paired, (WANG["phone"], LI["phone"], None)[n % 3])
    report = paired.engine.run_until_idle(deadline_s=60)
    assert report.error is None and report.resent == 0 and report.duplicates == 0
    newest = sql(paired.till.db.path, "SELECT max(seq) FROM outbox")[0][0]
    client = paired.engine.client()
    page = client.read_pull(client.fetch_pull("", 10))
    assert page.device_seq == newest
    assert paired.engine.sync_once().resent == 0


def test_only_acknowledged_events_below_the_first_waiting_one_go_back(tmp_path: Path) -> None:
    """Rejected events stay rejected; events that jumped the queue ahead of a waiting one sit
    above HQ's chain by design and stay answered; the points of those sent again count as
    unsynced until HQ answers once more."""
    till = open_till(init_demo(tmp_path / "till"))
    try:
        for _ in range(7):
            sell_at(till)
        statuses = {
            1: "applied",
            2: "applied",
            3: "duplicate",
            4: "conflict",
            5: "rejected",
            6: "pending",
            7: "applied",
        }
        db = till.db.path
        conn = sqlite3.connect(db)
        with conn:
            for seq, status in statuses.items():
                conn.execute(
                    "UPDATE outbox SET status = ?, acked_checkpoint = ? WHERE seq = ?",
                    (status, None if status == "pending" else 10, seq),
                )
            conn.execute("UPDATE points_ledger SET confirmed = 1 WHERE event_seq != 6")
        conn.close()
        with UnitOfWork(till.db) as uow:
            assert sync.requeue_lost(uow.session, 2) == 2  # seqs 3 and 4
            uow.commit()
        rows = dict(sql(db, "SELECT seq, status FROM outbox"))
        assert rows == {**statuses, 3: "pending", 4: "pending"}
        unconfirmed = sql(db, "SELECT DISTINCT event_seq FROM points_ledger WHERE NOT confirmed")
        assert {seq for (seq,) in unconfirmed} == {3, 4, 6}
        acked = sql(db, "SELECT acked_checkpoint FROM outbox WHERE seq IN (3, 4)")
        assert acked == [(None,), (None,)]
        with UnitOfWork(till.db) as uow:
            assert sync.requeue_lost(uow.session, 7) == 0  # HQ holds them all
    finally:
        till.close()


def test_a_till_pairing_again_lists_acknowledged_events_at_doubling_distances(
    tmp_path: Path,
) -> None:
    from posclient.services.pairing import chain_marks

    till = open_till(init_demo(tmp_path / "till"))
    try:
        for _ in range(7):
            sell_at(till)
        conn = sqlite3.connect(till.db.path)
        with conn:
            for seq, status in {5: "rejected", 6: "pending"}.items():
                conn.execute("UPDATE outbox SET status = ? WHERE seq = ?", (status, seq))
            conn.execute("UPDATE outbox SET status = 'applied' WHERE seq NOT IN (5, 6)")
        conn.close()
        with till.db.read() as session:
            marks = chain_marks(session, 7)  # 7, 6, 5, 3 and 1: not the rejected nor pending
            assert [mark.seq for mark in marks] == [7, 3, 1]
            rows = dict(sql(till.db.path, "SELECT seq, event_id FROM outbox"))
            assert [str(mark.event_id) for mark in marks] == [rows[7], rows[3], rows[1]]
            assert chain_marks(session, 0) == []
    finally:
        till.close()


def sell_at(till) -> None:  # type: ignore[no-untyped-def]
    from posclient.services.checkout import Cart

    service = till.checkout
    cart = Cart(member=service.identify(WANG["phone"]))
    cart.add(service.find_product("MILK-1L"), 1)
    service.complete_sale(cart)


def test_an_offline_pass_reports_where_the_feed_stands(hq_process: HqProcess, make_till) -> None:
    """QA 6: an offline `sync --json` said position 0."""
    paired = make_till()
    first = paired.engine.sync_once()
    assert first.error is None and first.position > 0
    hq_process.stop()
    offline = paired.engine.sync_once()
    assert offline.error == "sync.offline" and offline.position == first.position


def test_a_member_enrolled_here_and_lost_by_hq_survives_the_new_snapshot(
    tmp_path: Path, hq_process: HqProcess, make_till
) -> None:
    """QA 7: HQ restored from a backup older than an enrolment made here answers 410; the new
    snapshot lacks the member, whose enrolment just went back in the queue: the till dropped it
    (codes, profile) and sent the enrolment for a member it no longer had."""
    phone = "15987650001"
    paired, done = enrolled_after_a_backup(tmp_path, hq_process, make_till, phone)
    till = paired.till
    receipt = sell(paired, phone)
    report = paired.engine.run_until_idle(deadline_s=60)
    assert report.error is None and report.pending == 0
    assert sql(
        till.db.path,
        "SELECT synced_at IS NOT NULL FROM members WHERE member_id = ?",
        done.member_id,
    ) == [(1,)]  # HQ's copy of the member arrived by the feed

    restore(hq_process, tmp_path / "hq-backup.sqlite3")
    assert done.member_id not in hq_process.members()

    # The new snapshot alone (no push yet): the member stays, its enrolment back in the queue.
    pulled = sync.SyncReport()
    paired.engine.pull_all(pulled)
    assert pulled.resent >= 2 and pulled.snapshot_done >= 1
    assert till.checkout.identify(phone).member_id == done.member_id
    waiting = sql(till.db.path, "SELECT type FROM outbox WHERE status = 'pending'")
    assert ("member.enrolled",) in waiting

    report = paired.engine.run_until_idle(deadline_s=60)
    assert report.error is None and report.pending == 0
    member = till.checkout.identify(phone)  # still known here, by its phone
    assert member.member_id == done.member_id
    at_hq = hq_process.members()[done.member_id]
    assert at_hq["card_no"] == done.card_no
    assert hq_count(hq_process, receipt.sale_id) == 1
    assert member.unsynced_points == 0 and member.balance == at_hq["points_balance"]


def test_the_points_of_a_member_hq_lost_count_as_unsynced_and_once(
    tmp_path: Path, hq_process: HqProcess, make_till
) -> None:
    """QA 8 (Low), and worse than it looked: after the new snapshot the till kept the lost
    member's lots as HQ had last sent them, which already held the points of the sales that
    went back in the queue. The balance showed them as confirmed, and a redemption among them
    counted twice (901 points showed as 801). Now what the till had from HQ for that member
    goes: their points are this till's own entries, unconfirmed until HQ takes them again."""
    phone = "15987650002"
    paired, done = enrolled_after_a_backup(tmp_path, hq_process, make_till, phone)
    till = paired.till
    sell(paired, phone, items=(("NUTS-MIX", 10),))
    assert paired.engine.run_until_idle(deadline_s=60).error is None  # HQ confirms them
    sell(paired, phone, redeem=100)
    assert paired.engine.run_until_idle(deadline_s=60).error is None
    before = till.checkout.identify(phone)
    assert before.unsynced_points == 0 and before.balance > 100

    restore(hq_process, tmp_path / "hq-backup.sqlite3")
    pulled = sync.SyncReport()
    paired.engine.pull_all(pulled)  # the new snapshot alone: nothing sent yet
    assert pulled.resent >= 3 and pulled.error is None
    lost = till.checkout.identify(phone)
    assert lost.member_id == done.member_id
    assert lost.balance == before.balance  # each point once, the redemption once
    assert lost.confirmed_balance == 0 and lost.unsynced_points == before.balance
    assert lost.as_of is None  # HQ confirms nothing of this member now

    report = paired.engine.run_until_idle(deadline_s=60)
    assert report.error is None and report.pending == 0
    after = till.checkout.identify(phone)
    assert after.unsynced_points == 0
    assert after.balance == before.balance == hq_process.members()[done.member_id]["points_balance"]


def test_a_till_paired_again_with_hq_restored_from_a_backup_sends_what_hq_lost(
    tmp_path: Path, hq_process: HqProcess, make_till
) -> None:
    """QA 7: the till had paired again after HQ's backup was taken; HQ restored from it knows
    no such device (401), and pairing once more started the new device's chain at the till's
    newest event: the sales HQ had lost were never sent again."""
    from posclient.services import pairing

    from .conftest import fast_client

    paired = make_till()
    till = paired.till
    assert paired.engine.sync_once().error is None  # members from HQ
    kept = sell(paired, WANG["phone"])
    assert paired.engine.sync_once().applied == 1
    hq_process.stop()
    copy_db(hq_process.db_path, tmp_path / "hq-backup.sqlite3")
    hq_process.start()

    def pair_again() -> pairing.Paired:
        return pairing.pair(
            till.db, till.secrets, code=hq_process.pairing_code(), client_factory=fast_client
        )

    assert pair_again().resent == 0  # e.g. its token was revoked: HQ holds everything
    lost = [sell(paired, WANG["phone"], redeem=500), sell(paired, LI["phone"])]
    assert paired.engine.sync_once().applied == 2

    restore(hq_process, tmp_path / "hq-backup.sqlite3")
    assert paired.engine.sync_once().error == "sync.unauthorized"  # HQ never heard of it
    again = pair_again()
    assert again.resent == 2
    waiting = sql(till.db.path, "SELECT seq FROM outbox WHERE status = 'pending' ORDER BY seq")
    newest = sql(till.db.path, "SELECT max(seq) FROM outbox")[0][0]
    assert [seq for (seq,) in waiting] == [newest - 1, newest]

    report = paired.engine.run_until_idle(deadline_s=60)
    assert report.error is None and report.pending == 0 and report.applied == 2
    for receipt in [kept, *lost]:
        assert hq_count(hq_process, receipt.sale_id) == 1
    at_hq = hq_process.members()
    for person in (WANG, LI):
        member = till.checkout.identify(person["phone"])
        assert member.unsynced_points == 0
        assert member.balance == at_hq[person["member_id"]]["points_balance"]
    # The new device's chain continued where HQ stood: no gap, no broken link flagged.
    issues = hq_process.sql("SELECT kind FROM chain_issues WHERE device_id = ?", again.device_id)
    assert issues == []


def test_a_sale_waiting_when_the_restored_hq_comes_back_goes_after_what_hq_lost(
    tmp_path: Path, hq_process: HqProcess, make_till
) -> None:
    """QA 8: the pass pushed the waiting sale first; HQ's chain jumped over the events it had
    lost (a gap), pull pages then said HQ held everything and nothing was sent again: the
    member's enrolment and the sales before it never reached HQ."""
    phone = "15987650002"
    paired, done = enrolled_after_a_backup(tmp_path, hq_process, make_till, phone)
    till = paired.till
    first = sell(paired, phone)
    assert paired.engine.run_until_idle(deadline_s=60).pending == 0

    hq_process.stop()
    copy_db(tmp_path / "hq-backup.sqlite3", hq_process.db_path)
    later = sell(paired, phone)  # while HQ is down: waiting when it comes back
    hq_process.start()

    report = paired.engine.run_until_idle(deadline_s=60)
    assert report.error is None and report.pending == 0 and report.resent >= 2
    device = sql(till.db.path, "SELECT value FROM meta WHERE key = 'device_id'")[0][0]
    issues = hq_process.sql("SELECT kind, detail FROM chain_issues WHERE device_id = ?", device)
    assert issues == []
    at_hq = hq_process.members()[done.member_id]
    for receipt in (first, later):
        assert hq_count(hq_process, receipt.sale_id) == 1
    member = till.checkout.identify(phone)
    assert member.unsynced_points == 0 and member.balance == at_hq["points_balance"]
    assert at_hq["points_balance"] == first.priced.points_earned + later.priced.points_earned


def test_pairing_again_behind_events_hq_holds_does_not_send_them_forever(
    hq_process: HqProcess, make_till
) -> None:
    """QA 8: HQ took three sales but their answers were lost; the device was revoked and the
    till paired again. The new device's chain started before the three, their duplicates did
    not move it, and every pull page put them back in the queue: an endless loop."""
    from posclient.services import pairing

    from .conftest import fast_client, hq_cli

    paired = make_till()
    till = paired.till
    assert paired.engine.sync_once().error is None
    sold = [sell(paired, WANG["phone"]) for _ in range(3)]
    assert paired.engine.sync_once().applied == 3
    # The answers "lost": the till still has the three waiting.
    db = sqlite3.connect(till.db.path)
    with db:
        db.execute(
            "UPDATE outbox SET status = 'pending', result = NULL, acked_checkpoint = NULL, "
            "acked_at = NULL WHERE type = 'sale.completed'"
        )
        db.execute("UPDATE points_ledger SET confirmed = 0")
    db.close()
    device = sql(till.db.path, "SELECT value FROM meta WHERE key = 'device_id'")[0][0]
    hq_cli("revoke", "--db", hq_process.db_url, "--device", device)
    again = pairing.pair(
        till.db, till.secrets, code=hq_process.pairing_code(), client_factory=fast_client
    )
    assert again.resent == 0
    report = paired.engine.run_until_idle(deadline_s=20)
    assert report.error is None and report.pending == 0
    assert report.duplicates == 3 and report.resent == 0 and report.pushed == 3
    for receipt in sold:
        assert hq_count(hq_process, receipt.sale_id) == 1
    newest = sql(till.db.path, "SELECT max(seq) FROM outbox")[0][0]
    held = hq_process.sql("SELECT last_seq FROM devices WHERE device_id = ?", again.device_id)
    assert held == [(newest,)]
    settled = paired.engine.sync_once()
    assert settled.pushed == 0 and settled.resent == 0


def test_pairing_waits_for_a_sync_pass_and_says_so_if_it_does_not_end(
    hq_process: HqProcess, make_till
) -> None:
    """QA 8: pairing in the middle of a pass set the new device's chain from a queue the pass
    was still sending."""
    import pytest

    from posclient.domain.errors import PosError
    from posclient.services import applock, pairing

    from .conftest import fast_client

    paired = make_till()
    till = paired.till
    code = hq_process.pairing_code()
    with applock.held(till.db.path.parent, applock.SYNC_LOCK_NAME):  # a pass is running
        with pytest.raises(PosError) as refused:
            pairing.pair(till.db, till.secrets, code=code, client_factory=fast_client, wait_s=0.3)
        assert refused.value.code == "sync.busy"
        assert paired.engine.sync_once().error == "sync.busy"
    # The code was not used: it pairs the till once the pass is over.
    assert pairing.pair(till.db, till.secrets, code=code, client_factory=fast_client).store
