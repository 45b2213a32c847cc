"""posclient: the till. Composition root: config → database → services → window.

``posclient --demo`` makes a throwaway data directory with the demo catalogue, members, coupons
and staff (``posclient.services.demo``), logs the demo cashier in and opens the checkout screen
ready to sell. In the background it starts the reference HQ on loopback with the same dataset
(``posclient.services.demo_hq``), pairs the till with it and syncs: the status bar turns
"online" within seconds. ``--no-hq`` keeps the demo on local data only (always "offline").

A paired till (``posclient-admin pair CODE``) syncs in the background from the start.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from posclient import __version__

if TYPE_CHECKING:  # Qt and the database load after the arguments are parsed
    from PySide6.QtWidgets import QApplication

    from posclient.bootstrap import Till
    from posclient.services.demo_hq import LocalHq
    from posclient.ui.operations import Operations
    from posclient.ui.translation import Translations
    from posclient.ui.window import MainWindow

DEMO_STAFF = "c01"
#: Set to print a line when the checkout screen is ready to scan (benchmarks); "exit" also quits.
READY_MARKER_ENV = "POSCLIENT_READY_MARKER"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="posclient", description="posclient till (收银机)")
    parser.add_argument("--version", action="version", version=f"posclient {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="demo data (in a throwaway dir unless --data-dir), demo cashier logged in",
    )
    parser.add_argument(
        "--no-hq",
        action="store_true",
        help="demo without the local reference HQ (the till stays offline)",
    )
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--lang", default=None, help="zh_CN (default) or en")
    # issue 9: installer smoke test
    parser.add_argument("--smoke", action="store_true", help="start offscreen, open the DB, exit")
    return parser.parse_args(argv)


def demo_dirs(data_dir: Path | None) -> Path:
    """The demo's data dir (a throwaway temp dir unless given); its secrets go in a sibling
    directory, in files, never in the OS keyring, unless POSCLIENT_SECRETS_DIR is set."""
    if data_dir is None:
        data_dir = Path(tempfile.mkdtemp(prefix="posclient-demo-")) / "till"
    if not os.environ.get("POSCLIENT_SECRETS_DIR"):
        secrets = data_dir.parent / f"{data_dir.name}-secrets"
        secrets.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.environ["POSCLIENT_SECRETS_DIR"] = str(secrets)
        os.environ.setdefault("POSCLIENT_SECRETS", "file")
    return data_dir


def open_demo_till(data_dir: Path) -> Till:
    """Open the till in ``data_dir``, loading the demo data if it has no products yet."""
    from posclient.bootstrap import open_till
    from posclient.services import demo
    from posclient.store.uow import UnitOfWork

    till = open_till(data_dir, create=True)
    if not till.checkout.list_products():
        with UnitOfWork(till.db) as uow:
            demo.load_all(uow.session, till.cipher, till.clock)
            uow.commit()
        till.checkout.reload_till()
    return till


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.smoke:  # issue 9: installer smoke test
        from posclient.ui.smoke import run

        return run(args.data_dir)
    from posclient import log as logsetup
    from posclient.i18n import message, normalise_lang

    data_dir = demo_dirs(args.data_dir) if args.demo else (args.data_dir or default_dir())
    # A logs folder that cannot be written does not keep the till from selling (as in the CLI).
    problem = logsetup.setup(data_dir / "logs", optional=True)
    if problem is not None:
        from posclient.i18n import os_reason, text

        print(
            text(
                "cli.log_unavailable",
                normalise_lang(args.lang),
                path=str(data_dir / "logs"),
                reason=os_reason(problem),
            ),
            file=sys.stderr,
        )

    from PySide6.QtWidgets import QApplication

    from posclient.ui import theme

    theme.prepare_high_dpi()
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("posclient")
    theme.apply(app)

    from posclient.ui.qt_check import warn_if_broken

    warn_if_broken()

    from posclient.domain.errors import PosError
    from posclient.ui.translation import Translations

    translations = Translations()
    # issue 9: one running till per data dir (posclient-admin restore waits for it to close)
    from posclient.services.applock import AppLock

    app_lock = AppLock(data_dir)
    try:
        app_lock.acquire()
    except PosError as exc:
        print(message(exc, normalise_lang(args.lang)), file=sys.stderr)
        return 1
    # end issue 9
    try:
        if args.demo:
            till = open_demo_till(data_dir)
        else:
            from posclient.bootstrap import open_till

            till = open_till(data_dir, create=True)  # issue 9: a new till gets the wizard
    except PosError as exc:
        translations.switch(args.lang)
        print(message(exc, normalise_lang(args.lang)), file=sys.stderr)
        return 1
    if not args.demo:  # issue 9: first-run wizard while the till is not set up
        from posclient.ui.first_run import run_if_needed

        if not run_if_needed(till, translations, marker=os.environ.get(READY_MARKER_ENV)):
            till.close()
            return 0
    window = build_window(till, translations, lang=args.lang)
    if not args.demo:  # issue 9: automatic daily backup (R16), on the database worker
        from posclient.ui.maintenance import DailyBackup

        DailyBackup(window.ctx.ops, data_dir, window).start()
    if args.demo:
        print(f"posclient demo: data in {data_dir} (throwaway)", file=sys.stderr)
        from posclient.services.staff import list_staff

        demo_staff = next((s for s in list_staff(till.db) if s.staff_id == DEMO_STAFF), None)
        if demo_staff is not None:
            window.login_as(demo_staff)
        else:
            window.start()
    else:
        window.start()
    window.show()
    demo_hq = start_sync(till, window, demo=args.demo and not args.no_hq, data_dir=data_dir)
    if os.environ.get(READY_MARKER_ENV):
        _announce_ready(app, window, exit_after=os.environ[READY_MARKER_ENV] == "exit")
    code = app.exec()
    window.shutdown()
    if demo_hq is not None:
        demo_hq.stop()
    till.close()
    app_lock.release()  # issue 9
    return int(code)


def start_sync(till: Till, window: MainWindow, *, demo: bool, data_dir: Path) -> LocalHq | None:
    """Background sync for a paired till; for the demo, first a local HQ to pair with."""
    from posclient.services import pairing, settings
    from posclient.services.sync import SyncEngine
    from posclient.ui.sync_controller import SyncController

    engine = SyncEngine(till.db, cipher=till.cipher, secrets=till.secrets, now=till.clock.now)
    controller = SyncController(engine, window.ctx.ops, after_pull=till.checkout.reload_till)
    window.attach_sync(controller)
    with till.db.read() as session:
        paired = bool(settings.get(session, "paired_at"))
    if paired:
        controller.start()
        return None
    if not demo:
        return None
    from posclient.services.demo_hq import LocalHq, start_and_pair

    hq = LocalHq(data_dir.parent / f"{data_dir.name}-hq")

    def pair(code: str, url: str) -> None:
        pairing.pair(till.db, till.secrets, code=code, hq_url=url, device_name="demo-till")
        till.checkout.reload_till()

    def paired_ok(_hq: LocalHq) -> None:
        print(f"posclient demo: reference HQ at {hq.url} (paired)", file=sys.stderr)
        controller.start()

    window.ctx.ops.net(start_and_pair, hq, pair).success(paired_ok).run()
    return hq


def default_dir() -> Path:
    from posclient.bootstrap import default_data_dir

    return default_data_dir()


def build_window(till: Till, translations: Translations, *, lang: str | None = None) -> MainWindow:
    """Context → MainWindow (also used by the screenshots script and the benchmark)."""
    from posclient.services import till_settings
    from posclient.ui.context import Context
    from posclient.ui.operations import Operations
    from posclient.ui.window import MainWindow

    values = till_settings.load(till.db)
    translations.switch(lang or values.get("lang"))
    ops = Operations()
    ctx = Context(till=till, ops=ops, translations=translations, settings=values)
    window = MainWindow(ctx)
    ops.setParent(window)
    _install_excepthook(ops)
    return window


def _install_excepthook(ops: Operations) -> None:
    """A bug in a GUI-thread slot is logged and shown in the crash dialog, not lost."""

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        ops.report_bug(exc.with_traceback(tb))

    sys.excepthook = hook


def _announce_ready(app: QApplication, window: MainWindow, *, exit_after: bool) -> None:
    from PySide6.QtCore import QTimer

    def announce() -> None:
        page = window.checkoutPage
        if window.isVisible() and window.stack.currentWidget() is page and page.state is not None:
            print("posclient-ready", flush=True)
            if exit_after:
                QTimer.singleShot(0, app.quit)
            return
        QTimer.singleShot(5, announce)

    QTimer.singleShot(0, announce)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
