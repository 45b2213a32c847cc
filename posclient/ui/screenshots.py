"""Screenshots of every screen with demo data, for the README (run by scripts/screenshots.sh).

    python -m posclient.ui.screenshots OUTDIR [--size 1280x800] [--only NAME] [--name FILE]

Needs a display: scripts/screenshots.sh runs it under Xvfb. The clock is fixed (23 Nov 2026,
10:30 in Shanghai) so the pictures do not change from run to run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

if TYPE_CHECKING:
    from posclient.ui.window import MainWindow

FIXED_NOW = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
#: 王芳 (diamond, 26,800 points, birthday coupon BD-WANG 15 % off) from resources/demo.
WANG_CARD = "2990000000019"
#: MILK-1L and NUTS-MIX (member prices), OIL-5L (list price: the tier discount applies).
MILK, NUTS, OIL = "6901234000009", "6961234000263", "6961234000065"


def pump(ms: int = 50) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("screen did not get ready")
        pump(20)


class Shooter:
    """Drives the real window through a sale and saves what the X server shows."""

    def __init__(self, out: Path, size: tuple[int, int], only: str | None, name: str | None):
        self.out, self.size, self.only, self.name = out, size, only, name
        out.mkdir(parents=True, exist_ok=True)
        self.saved: list[Path] = []

    def shot(self, name: str, widget: QWidget | None = None, *, screen: bool = False) -> None:
        if self.only and self.only != name:
            return
        pump(250)  # let the X server paint
        if screen:
            qscreen = QGuiApplication.primaryScreen()
            assert qscreen is not None
            pixmap = qscreen.grabWindow(0)
        else:
            assert widget is not None
            pixmap = widget.grab()
        path = self.out / f"{self.name or name}.png"
        pixmap.save(str(path))
        self.saved.append(path)
        print(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", default="1280x800")
    parser.add_argument("--only", default=None, help="just this screen (e.g. checkout)")
    parser.add_argument("--name", default=None, help="file name for --only")
    args = parser.parse_args(argv)
    width, height = (int(part) for part in args.size.split("x"))
    base = Path(tempfile.mkdtemp(prefix="posclient-shots-"))
    os.environ.setdefault("POSCLIENT_SECRETS", "file")
    os.environ.setdefault("POSCLIENT_SECRETS_DIR", str(base / "secrets"))

    from posclient.ui import theme

    theme.prepare_high_dpi()
    app = QApplication(sys.argv[:1])
    theme.apply(app)

    from posclient.app import build_window
    from posclient.bootstrap import open_till
    from posclient.services import demo
    from posclient.services.clock import FixedClock
    from posclient.store.uow import UnitOfWork
    from posclient.ui.translation import Translations

    clock = FixedClock(FIXED_NOW)
    till = open_till(base / "till", create=True, clock=clock)
    with UnitOfWork(till.db) as uow:
        demo.load_all(uow.session, till.cipher, clock)
        uow.commit()
    till.checkout.reload_till()
    window = build_window(till, Translations(), lang="zh_CN")
    shooter = Shooter(args.out, (width, height), args.only, args.name)
    try:
        run(window, shooter, (width, height))
    finally:
        window.shutdown()
        window.close()
        till.close()
        shutil.rmtree(base, ignore_errors=True)  # the throwaway till and its secrets
    QCoreApplication.processEvents()
    return 0


def idle(window: MainWindow) -> None:
    wait_until(lambda: window.ctx.ops.busy == 0)


def run(window: MainWindow, shooter: Shooter, size: tuple[int, int]) -> None:
    window.move(0, 0)
    window.resize(*size)
    window.show()
    window.activateWindow()
    window.start()
    wait_until(lambda: window.loginPage.staffCombo.count() > 0)
    login = window.loginPage
    login.select_staff("c01")
    login.pinInput.setText("1111")
    shooter.shot("login", window)

    login._on_login()
    wait_until(lambda: window.stack.currentWidget() is window.checkoutPage)
    idle(window)
    page = window.checkoutPage
    shooter.shot("checkout-empty", window)

    for code in (WANG_CARD, MILK, MILK, NUTS, OIL):
        page.scan(code)
        idle(window)
    page._on_coupon_clicked("BD-WANG")
    idle(window)
    page._run(page.session.set_redeem, 3000)
    idle(window)
    page.cartTable.selectRow(1)
    shooter.shot("checkout", window)

    page.scan("6901234009996")  # a barcode that is not in the catalogue
    idle(window)
    shooter.shot("error-unknown-code", window)

    window.resize(1024, 768)
    pump(200)
    shooter.shot("checkout-1024x768", window)
    window.resize(*size)
    pump(100)

    window.set_language("en")
    pump(200)
    shooter.shot("checkout-en", window)
    window.set_language("zh_CN")
    pump(200)

    page._on_pay()
    wait_until(lambda: page.receiptDialog is not None and page.receiptDialog.isVisible())
    shooter.shot("receipt", screen=True)
    assert page.last_receipt is not None and page.receiptDialog is not None
    receipt_no = page.last_receipt.receipt_no
    page.receiptDialog.accept()
    idle(window)

    page._on_refund()
    dialog = page.refundDialog
    wait_until(dialog.isVisible)
    dialog.receiptInput.setText(receipt_no)
    dialog._on_find()
    idle(window)
    dialog.reasonInput.setText("质量问题")
    shooter.shot("refund", screen=True)
    dialog.reject()

    window.logout()
    idle(window)
    login.select_staff("m01")
    login.pinInput.setText("9999")
    login._on_login()
    wait_until(lambda: window.stack.currentWidget() is page)
    idle(window)
    window.open_settings()
    wait_until(window.settingsDialog.isVisible)
    shooter.shot("settings", screen=True)
    window.settingsDialog.reject()


if __name__ == "__main__":
    sys.exit(main())
