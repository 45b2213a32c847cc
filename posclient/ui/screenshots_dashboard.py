"""Screenshots of the store dashboard and of the member panel with offers (issue 8).

    python -m posclient.ui.screenshots_dashboard OUTDIR

Same fixed clock and demo till as posclient/ui/screenshots.py, plus 90 days of synthetic sales
(services/dashboard_sample.py) and a sample of HQ's chain rows, so every chart has something
to show. Works under Xvfb or ``QT_QPA_PLATFORM=offscreen`` (widgets are grabbed, not the screen).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from datetime import timedelta
from functools import partial
from pathlib import Path

from PySide6.QtWidgets import QApplication

from .dashboard_page import DashboardDialog
from .screenshots import FIXED_NOW, Shooter, pump, wait_until
from .window import MainWindow

#: 孙悦 (birthday in two days, first purchase), 周婷 (¥230 short of gold), 赵磊 (dormant),
#: 李强 (points expiring) from resources/demo.
MEMBERS = {"sun": "17600176007", "zhou": "15800158008", "zhao": "13300133006", "li": "13900139002"}


def chain_sample() -> str:
    today = (FIXED_NOW + timedelta(hours=8)).date()
    days = []
    for n in range(30):
        day = today - timedelta(days=29 - n)
        sales = 900 + (n * 37) % 200
        days.append(
            {
                "day": day.isoformat(),
                "members_total": 52_000 + 11 * n,
                "new_members": 8 + (n * 5) % 9,
                "sales": sales,
                "sales_fen": sales * 9_500,
                "member_sales_fen": sales * 6_100,
            }
        )
    as_of = (FIXED_NOW - timedelta(hours=3)).isoformat()
    return json.dumps({"as_of": as_of, "days": days, "version": 1})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    base = Path(tempfile.mkdtemp(prefix="posclient-shots-"))
    os.environ.setdefault("POSCLIENT_SECRETS", "file")
    os.environ.setdefault("POSCLIENT_SECRETS_DIR", str(base / "secrets"))

    from posclient.ui import theme

    theme.prepare_high_dpi()
    app = QApplication(sys.argv[:1])
    theme.apply(app)

    from posclient.app import build_window
    from posclient.bootstrap import open_till
    from posclient.services import dashboard_sample, demo, settings
    from posclient.services.clock import FixedClock
    from posclient.store.uow import UnitOfWork
    from posclient.ui.translation import Translations

    clock = FixedClock(FIXED_NOW)
    till = open_till(base / "till", create=True, clock=clock)
    with UnitOfWork(till.db) as uow:
        demo.load_all(uow.session, till.cipher, clock)
        settings.put(uow.session, "stats:chain", chain_sample())
        uow.commit()
    dashboard_sample.generate(till.db.path, now=FIXED_NOW, count=6_000, days=90, members=600)
    till.checkout.reload_till()
    window = build_window(till, Translations(), lang="zh_CN")
    shooter = Shooter(args.out, (1280, 800), None, None)
    try:
        run(window, shooter)
    finally:
        window.shutdown()
        window.close()
        till.close()
        shutil.rmtree(base, ignore_errors=True)
    return 0


def _has_board(dialog: DashboardDialog) -> bool:
    return dialog.board is not None


def run(window: MainWindow, shooter: Shooter) -> None:
    window.resize(1280, 800)
    window.show()
    window.start()
    wait_until(lambda: window.loginPage.staffCombo.count() > 0)
    login = window.loginPage
    login.select_staff("m01")
    login.pinInput.setText("9999")
    login._on_login()
    page = window.checkoutPage
    wait_until(lambda: window.stack.currentWidget() is page)
    wait_until(lambda: window.ctx.ops.busy == 0)

    for name, phone in MEMBERS.items():
        for lang in ("zh_CN", "en"):
            window.set_language(lang)
            page.scan(phone)
            wait_until(lambda: window.ctx.ops.busy == 0)
            pump(200)
            suffix = "" if lang == "zh_CN" else "-en"
            shooter.shot(f"member-offers-{name}{suffix}", window)
            page._run(page.session.clear_member)
            wait_until(lambda: window.ctx.ops.busy == 0)
    window.set_language("zh_CN")

    for lang in ("zh_CN", "en"):
        window.set_language(lang)
        window.open_dashboard()
        dialog = window.dashboardDialog
        wait_until(partial(_has_board, dialog))
        dialog.resize(1240, 780)
        pump(300)
        shooter.shot("dashboard" if lang == "zh_CN" else "dashboard-en", dialog)
        dialog.reject()
        pump(50)
    window.set_language("zh_CN")


if __name__ == "__main__":
    sys.exit(main())
