"""SIGKILL the till at random moments while it sells and syncs, many times (real processes).

After every kill the database must open and pass SQLite's integrity check; after the last one a
clean process drains the queue. Then: every sale completed locally is at HQ exactly once, the
till's balance for every member equals HQ's ledger, and no event was dropped or rejected.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from posclient.bootstrap import open_till
from posclient.services.sync import SyncEngine

from .conftest import HqProcess, PairedTill, fast_client, paired_till
from .test_flapping import check_converged

ROUNDS = int(os.environ.get("POSCLIENT_KILL_ROUNDS", "25"))
ROOT = Path(__file__).resolve().parents[2]


def run_child(
    data_dir: Path, seed: int, life_s: float, module: str = "tests.sync.kill_child"
) -> None:
    """Run ``python -m module DATA_DIR SEED`` until it is ready, let it work, SIGKILL it."""
    child = subprocess.Popen(
        [sys.executable, "-m", module, str(data_dir), str(seed)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None
    line = child.stdout.readline()  # opened, migrated, ready to sell
    assert line.strip() == b"ready", child.stderr.read().decode() if child.stderr else ""
    time.sleep(life_s)
    if child.poll() is not None:  # it must still be working when the kill comes
        raise AssertionError(f"child died on its own: {child.stderr.read().decode()}")
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    assert child.returncode == -signal.SIGKILL


@pytest.mark.slow
def test_sigkill_during_sync_loses_and_duplicates_nothing(
    tmp_path: Path, hq_process: HqProcess
) -> None:
    data_dir = tmp_path / "till"
    first = paired_till(data_dir, hq_process)
    assert first.engine.sync_once().error is None  # catalogue and members in
    first.close()
    rng = random.Random(20261123)
    for round_no in range(ROUNDS):
        run_child(data_dir, rng.randrange(2**31), rng.uniform(0.4, 2.5))
        conn = sqlite3.connect(data_dir / "posclient.sqlite3")
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",), round_no
        finally:
            conn.close()
    till = open_till(data_dir)
    engine = SyncEngine(
        till.db, cipher=till.cipher, secrets=till.secrets, client_factory=fast_client
    )
    paired = PairedTill(till, engine)
    try:
        sales = till.db.path
        assert sales.exists()
        for _ in range(2):
            report = engine.run_until_idle(deadline_s=60)
            assert report.error is None and report.pending == 0, report
        check_converged(hq_process, [paired], {})
        count = sqlite3.connect(till.db.path).execute("SELECT count(*) FROM sales").fetchone()[0]
        assert count >= ROUNDS  # the kills did not stop it from selling
    finally:
        paired.close()
