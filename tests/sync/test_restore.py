"""Restore a backup onto a fresh data dir and resume syncing with the real HQ process (R16).

Sell, back up (one sale still unsent), sell more and sync, restore onto a fresh directory with
the same secrets, sync again and sell: HQ has every sale exactly once and the balances agree.
"""

from __future__ import annotations

from pathlib import Path

from posclient.bootstrap import open_till
from posclient.services.sync import SyncEngine
from tests.cli.test_admin import admin
from tests.helpers import demo_members

from .conftest import HqProcess, PairedTill, fast_client
from .test_engine import sell

WANG = demo_members()["diamond"]


def hq_sales(hq: HqProcess, sale_id: str) -> int:
    return int(hq.sql("SELECT count(*) FROM sales WHERE sale_id = ?", sale_id)[0][0])


def test_restore_on_a_fresh_dir_resumes_sync_without_duplicates(
    tmp_path: Path, hq_process: HqProcess, make_till
) -> None:
    paired = make_till("till")
    assert paired.engine.sync_once().error is None
    first = sell(paired, WANG["phone"], redeem=1000)
    assert paired.engine.sync_once().applied == 1
    unsent = sell(paired, WANG["phone"])  # still in the outbox when the backup is taken
    backup_file = tmp_path / "till-backup.sqlite3.gz"
    admin(paired.till.data_dir, "backup", str(backup_file))
    after_backup = sell(paired, WANG["phone"], redeem=500)
    report = paired.engine.sync_once()
    assert report.error is None and report.applied == 2 and report.pending == 0
    device_id = paired.till.checkout.till.device_id
    paired.close()

    # The till's disk dies; a new data dir gets the backup (same machine: same secrets).
    fresh = tmp_path / "fresh"
    out = admin(fresh, "restore", str(backup_file), lang="en")
    assert "Restored from" in out.stdout
    till = open_till(fresh)
    restored = PairedTill(
        till,
        SyncEngine(till.db, cipher=till.cipher, secrets=till.secrets, client_factory=fast_client),
    )
    try:
        assert restored.till.checkout.till.device_id == device_id
        report = restored.engine.sync_once()
        # The sale that was unsent in the backup went again: HQ answers "duplicate" = done.
        assert report.error is None and report.duplicates == 1 and report.applied == 0
        assert report.pending == 0 and report.rejected == 0
        later = sell(restored, WANG["phone"])
        report = restored.engine.sync_once()
        assert report.error is None and report.applied == 1 and report.rejected == 0
        for receipt in (first, unsent, after_backup, later):
            assert hq_sales(hq_process, receipt.sale_id) == 1
        events = hq_process.sql(
            "SELECT count(*) FROM events WHERE device_id = ? AND type = 'sale.completed'",
            device_id,
        )
        assert events == [(4,)]
        # The points of the sale made after the backup came back with the feed.
        hq_balance = hq_process.members()[WANG["member_id"]]["points_balance"]
        member = restored.till.checkout.identify(WANG["phone"])
        assert member.balance == member.confirmed_balance == hq_balance
        expected = (
            26800
            - 1000
            - 500
            + sum(r.priced.points_earned for r in (first, unsent, after_backup, later))
        )
        assert hq_balance == expected
        # HQ accepts the restored till's events; the seq it reused is flagged for an
        # operator (HQ never refuses an event for its seq), not lost.
        issues = hq_process.sql("SELECT kind FROM chain_issues WHERE device_id = ?", device_id)
        assert issues == [("seq_reused",)]
    finally:
        restored.close()
