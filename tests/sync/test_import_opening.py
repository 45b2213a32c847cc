"""A legacy import on a paired till: HQ credits the imported balance once (real HQ process)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_admin import admin
from tests.helpers import sql

from .conftest import HqProcess


def test_an_imported_balance_reaches_hq_once(tmp_path: Path, hq_process: HqProcess, make_till):
    paired = make_till()
    assert paired.engine.sync_once().error is None
    source = tmp_path / "old.csv"
    source.write_text("会员编号,手机号,姓名,积分\nL001,13711112222,周杰,1200\n", encoding="utf-8")
    paired.till.close()  # the import runs as its own process, as a shop assistant runs it
    report = json.loads(admin(paired.till.data_dir, "import-members", str(source), "--json").stdout)
    assert report["created"] == 1 and report["opening_points"] == 1200
    (payload,) = sql(paired.till.db.path, "SELECT payload FROM outbox WHERE type='points.opening'")
    member_id = json.loads(payload[0])["member_id"]
    synced = paired.engine.run_until_idle(deadline_s=60)
    assert synced.error is None and synced.pending == 0 and synced.rejected == 0
    assert hq_process.members()[member_id]["points_balance"] == 1200
