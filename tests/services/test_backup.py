"""Daily automatic backups with retention, on a fixed clock; a backup while the till writes."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta

from posclient.services import backup
from posclient.services.checkout import Cart
from tests.helpers import demo_members_json


def test_daily_backup_keeps_the_newest_seven(till) -> None:
    start = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
    made = []
    for day in range(10):
        now = start + timedelta(days=day)
        info = backup.maybe_daily_backup(till.data_dir, now)
        assert info is not None
        made.append(info.path.name)
        # the same day again: nothing new
        assert backup.maybe_daily_backup(till.data_dir, now + timedelta(hours=5)) is None
    kept = sorted(p.name for p in backup.daily_dir(till.data_dir).iterdir())
    assert kept == made[-7:]
    assert kept[0] == f"daily-{(start + timedelta(days=3)).astimezone().date()}.sqlite3.gz"
    assert backup.verify(backup.daily_dir(till.data_dir) / kept[-1]).counts["members"] == len(
        demo_members_json()
    )


def test_no_database_no_backup(tmp_path) -> None:
    assert backup.maybe_daily_backup(tmp_path / "none", datetime.now(UTC)) is None


def test_backup_while_the_till_sells_is_consistent(till, tmp_path) -> None:
    service = till.checkout
    stop = threading.Event()
    sold = []

    def sell() -> None:
        while not stop.is_set():
            cart = Cart()
            cart.add(service.find_product("CHIPS"), 1)
            sold.append(service.complete_sale(cart))

    worker = threading.Thread(target=sell)
    worker.start()
    try:
        infos = [backup.backup(till.data_dir, tmp_path / f"b{i}.sqlite3") for i in range(5)]
    finally:
        stop.set()
        worker.join()
    assert sold
    for info in infos:
        conn = sqlite3.connect(info.path)
        try:
            # every sale in a copy has its outbox event: no torn snapshot
            assert conn.execute("SELECT count(*) FROM sales").fetchone()[0] == info.counts["sales"]
            assert info.counts["outbox"] == info.counts["sales"]
        finally:
            conn.close()
