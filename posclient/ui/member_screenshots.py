"""Screenshots of the member screens (issue 7) with demo data:

    python -m posclient.ui.member_screenshots OUTDIR

Works offscreen (QT_QPA_PLATFORM=offscreen): each dialog is grabbed as a widget. Fixed clock as
in ``posclient.ui.screenshots``; the throwaway till is removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from .screenshots import FIXED_NOW, WANG_CARD, Shooter, idle, pump, wait_until


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    base = Path(tempfile.mkdtemp(prefix="posclient-shots-"))
    os.environ.setdefault("POSCLIENT_SECRETS", "file")
    os.environ.setdefault("POSCLIENT_SECRETS_DIR", str(base / "secrets"))
    from posclient.ui import theme

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
    shooter = Shooter(args.out, (1280, 800), None, None)
    try:
        run(window, shooter)
    finally:
        window.shutdown()
        window.close()
        till.close()
        shutil.rmtree(base, ignore_errors=True)
    QCoreApplication.processEvents()
    return 0


def _login(window, staff_id: str, pin: str) -> None:  # type: ignore[no-untyped-def]
    window.logout()
    idle(window)
    window.loginPage.select_staff(staff_id)
    window.loginPage.pinInput.setText(pin)
    window.loginPage._on_login()
    wait_until(lambda: window.stack.currentWidget() is window.checkoutPage)
    idle(window)


def run(window, shooter: Shooter) -> None:  # type: ignore[no-untyped-def]
    window.resize(1280, 800)
    window.show()
    window.start()
    wait_until(lambda: window.loginPage.staffCombo.count() > 0)
    _login(window, "a01", "2222")
    actions = window.memberActions
    shooter.shot("members-statusbar", window)

    actions.open_enrol()
    d = actions.enrolDialog
    d.phoneInput.setText("13612340099")
    d._on_check()
    idle(window)
    shooter.shot("enrol-phone", d)
    d._show_consent()
    for purpose, check in d.agree.items():
        check.setChecked(purpose.value in ("membership", "personalised"))
    pump(100)
    shooter.shot("enrol-consent", d)
    window.set_language("en")
    pump(200)
    d.customerLang.setCurrentIndex(1)
    shooter.shot("enrol-consent-en", d)
    window.set_language("zh_CN")
    d.customerLang.setCurrentIndex(0)
    pump(200)
    d._show_details()
    d.nameInput.setText("欧阳晓")
    d.genderInput.setCurrentIndex(1)
    d.categoryChecks["dairy"].setChecked(True)
    shooter.shot("enrol-details", d)
    d._on_enrol()
    idle(window)
    shooter.shot("enrol-done", d)
    d._on_close()
    idle(window)

    actions.open_enrol()
    d = actions.enrolDialog
    d.phoneInput.setText("13800138001")
    d._on_check()
    idle(window)
    shooter.shot("enrol-duplicate", d)
    d.reject()

    window.checkoutPage.scan(WANG_CARD)
    idle(window)
    actions.open_profile()
    idle(window)
    shooter.shot("profile", actions.profileDialog)
    actions.profileDialog.tabs.setCurrentIndex(2)
    pump(100)
    shooter.shot("profile-points", actions.profileDialog)
    actions.profileDialog.accept()

    _login(window, "c01", "1111")
    actions.open_profile()
    idle(window)
    shooter.shot("profile-cashier-masked", actions.profileDialog)
    actions.profileDialog.accept()

    _login(window, "m01", "9999")
    actions.open_audit()
    idle(window)
    shooter.shot("audit-log", actions.auditDialog)
    actions.auditDialog.accept()


if __name__ == "__main__":
    sys.exit(main())
