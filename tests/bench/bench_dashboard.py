"""Store dashboard benchmark: open the dashboard on a till holding a year of sales.

    python tests/bench/bench_dashboard.py [--sales 200000] [--runs 7] [--dir DIR]

Bulk-loads ≈ 200,000 sales over 365 days (two lines each, 60 % by 5,000 members) into a real
SQLite till, then times opening the dashboard the way the manager does: the dialog is built,
the figures are computed on the database worker, the six charts are drawn and the whole dialog
is painted (``grab``), offscreen. Baselines measured in the same run on the same file: a bare
``SELECT count(*) FROM sales`` and a full-table ``sum(amount_due)``. Not part of the test suite:
it never fails on time, it reports.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("POSCLIENT_SECRETS", "file")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def timed_sql(path: Path, query: str, runs: int) -> list[float]:
    conn = sqlite3.connect(path)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        conn.execute(query).fetchall()
        times.append(time.perf_counter() - start)
    conn.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--dir", type=Path, default=None, help="keep the database here")
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from posclient.ui import theme

    app = QApplication(sys.argv[:1])
    theme.apply(app)

    from posclient.bootstrap import open_till
    from posclient.services import dashboard, dashboard_sample, demo
    from posclient.services.staff import StaffMember
    from posclient.store.uow import UnitOfWork
    from posclient.ui.context import Context
    from posclient.ui.dashboard_page import DashboardDialog
    from posclient.ui.operations import Operations
    from posclient.ui.screenshots import wait_until
    from posclient.ui.translation import Translations

    base = args.dir or Path(tempfile.mkdtemp(prefix="posclient-bench-"))
    os.environ.setdefault("POSCLIENT_SECRETS_DIR", str(base / "secrets"))
    data_dir = base / f"till-dashboard-{args.sales}"
    fresh = not (data_dir / "posclient.sqlite3").exists()
    till = open_till(data_dir, create=True)
    if fresh:
        with UnitOfWork(till.db) as uow:
            demo.load_all(uow.session, till.cipher, till.clock)
            uow.commit()
        started = time.perf_counter()
        dashboard_sample.generate(till.db.path, now=till.clock.now(), count=args.sales)
        print(f"loaded {args.sales:,} sales in {time.perf_counter() - started:.1f} s")

    translations = Translations()
    translations.switch("zh_CN")
    ops = Operations()
    ctx = Context(till=till, ops=ops, translations=translations)
    ctx.staff = StaffMember("m01", "店长", "manager")

    opens: list[float] = []
    computes: list[float] = []
    for _ in range(args.runs):
        start = time.perf_counter()
        dialog = DashboardDialog(ctx)
        dialog.resize(1240, 780)
        dialog.show()
        dialog.load()
        wait_until(lambda d=dialog: d.board is not None, timeout=30)
        dialog.grab()  # every chart laid out and painted
        opens.append(time.perf_counter() - start)
        assert dialog.board is not None
        computes.append(dialog.board.computed_in_ms / 1000)
        dialog.close()
        dialog.deleteLater()
        app.processEvents()
    count_times = timed_sql(till.db.path, "SELECT count(*) FROM sales", args.runs)
    sum_times = timed_sql(till.db.path, "SELECT sum(amount_due) FROM sales", args.runs)
    board = dashboard.load(till.db, now=till.clock.now(), tz=till.clock.tz)

    ms = 1000
    rows = [
        ("open dashboard, first", opens[0] * ms, "≤ 500 ms"),
        ("open dashboard, p50", statistics.median(opens) * ms, "≤ 500 ms"),
        ("open dashboard, max", max(opens) * ms, "≤ 500 ms"),
        ("  of which figures (SQL) p50", statistics.median(computes) * ms, ""),
        ("SELECT count(*) FROM sales", statistics.median(count_times) * ms, "(baseline)"),
        ("SELECT sum(amount_due) FROM sales", statistics.median(sum_times) * ms, "(baseline)"),
    ]
    print(
        f"\nposclient dashboard benchmark — {args.sales:,} sales over 365 days, "
        f"{args.runs} opens, 30-day sales ¥{board.sales_30d:,}, data in {base}"
    )
    print(f"{'metric':<36} {'measured':>12} {'target':>12}")
    for name, value, target in rows:
        print(f"{name:<36} {value:>9.1f} ms {target:>12}")
    ops.close()
    till.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
