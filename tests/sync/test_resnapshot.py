"""A new snapshot drops what HQ no longer holds (real HQ process on loopback).

A till whose cursor expired pulls a new snapshot; snapshots carry no tombstones, so a member
erased meanwhile would stay in its cache, name, phone and points (QA round 6).
"""

from __future__ import annotations

from posclient.services import profile
from posclient.services.staff import StaffMember
from tests.helpers import demo_members, sql

from .conftest import HqProcess, hq_cli
from .test_engine import sell

LI = demo_members()["gold"]
WANG = demo_members()["diamond"]
MANAGER = StaffMember("m01", "店长", "manager")


def test_a_member_erased_while_the_cursor_expired_leaves_the_till(
    hq_process: HqProcess, make_till
) -> None:
    behind, other = make_till("behind"), make_till("other")
    assert behind.engine.sync_once().error is None
    assert other.engine.sync_once().error is None
    local = sell(behind, WANG["phone"])  # history here stays; only the erased member goes
    assert behind.engine.sync_once().error is None
    li = other.till.checkout.identify(LI["phone"])
    profile.request_erasure(other.till.db, MANAGER, li.member_id, now=other.till.clock.now())
    assert other.engine.run_until_idle(deadline_s=30).error is None
    hq_cli("maintain", "--db", hq_process.db_url, "--retention-days", "0")  # the tombstone too
    db = behind.till.db.path
    assert sql(db, "SELECT count(*) FROM members WHERE member_id = ?", li.member_id) == [(1,)]

    report = behind.engine.run_until_idle(deadline_s=30)
    assert report.error is None and report.pending == 0
    assert sql(db, "SELECT count(*) FROM members WHERE member_id = ?", li.member_id) == [(0,)]
    assert sql(db, "SELECT count(*) FROM member_identities WHERE member_id = ?", li.member_id) == [
        (0,)
    ]
    assert sql(db, "SELECT count(*) FROM snapshot_unseen") == [(0,)]
    # Everyone else is still here, balances as HQ has them; the till's own sale is kept.
    at_hq = {k: v for k, v in hq_process.members().items() if v.get("status", "active") != "erased"}
    cached = dict(sql(db, "SELECT member_id, points_balance FROM members"))
    assert li.member_id not in cached and set(at_hq) - {li.member_id} <= set(cached)
    wang = behind.till.checkout.identify(WANG["phone"])
    assert wang.balance == hq_process.members()[WANG["member_id"]]["points_balance"]
    assert sql(db, "SELECT count(*) FROM sales WHERE sale_id = ?", local.sale_id) == [(1,)]
    # The erased member's phone finds nobody now (a card sale would be provisional).
    assert sql(db, "SELECT count(*) FROM members") == [(len(cached),)]


def test_a_till_that_snapshots_after_a_merge_knows_the_merged_card(
    hq_process: HqProcess, make_till
) -> None:
    """A member was merged into another at HQ before this till ever synced: the merged card
    finds the survivor (not a provisional member), and the sale's points reach them at HQ."""
    merged, kept = sorted(hq_process.members().values(), key=lambda row: row["member_id"])[:2]
    hq_cli(
        "merge",
        "--db",
        hq_process.db_url,
        "--from",
        merged["member_id"],
        "--into",
        kept["member_id"],
    )
    fresh = make_till("fresh")
    assert fresh.engine.run_until_idle(deadline_s=30).error is None
    found = fresh.till.checkout.identify(merged["card_no"])
    assert found.member_id == kept["member_id"] and not found.provisional
    before = hq_process.members()[kept["member_id"]]["points_balance"]
    receipt = sell(fresh, merged["card_no"])
    assert receipt.priced.points_earned > 0
    assert fresh.engine.run_until_idle(deadline_s=30).error is None
    at_hq = hq_process.members()[kept["member_id"]]["points_balance"]
    assert at_hq == before + receipt.priced.points_earned
    assert fresh.till.checkout.identify(kept["card_no"]).balance == at_hq
