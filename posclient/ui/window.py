"""The till's main window: login and checkout pages, the status bar, scanner routing."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QWidget,
)

from posclient.domain.errors import PosError
from posclient.scanning.wedge import WedgeConfig
from posclient.services import staff as staff_service
from posclient.services import status as status_service
from posclient.services import till_settings
from posclient.services.staff import StaffMember
from posclient.services.status import TillStatus
from posclient.services.sync import ClientFactory, default_client

from . import format as fmt
from .checkout_page import CheckoutPage
from .context import Context
from .crash_dialog import CrashDialog
from .format import named, with_key
from .login_page import LoginPage
from .sync_controller import SyncController
from .wedge_filter import WedgeFilter

log = logging.getLogger("posclient.ui")

STATUS_REFRESH_MS = 5_000
#: While first-load pages arrive, the status is read again at most this often (seconds).
PROGRESS_STATUS_S = 1.0
MIN_SIZE = (1024, 720)


#: Status bar layout allowances (px): around each widget, and at the bar's ends.
STATUS_BAR_SPACING = 8
STATUS_BAR_MARGIN = 24


class MainWindow(QMainWindow):
    """Composition of the screens for one till; app.py builds the Context."""

    #: The checkout screen is showing with the scan field focused.
    readyToScan = Signal()
    statusRefreshed = Signal(object)  # TillStatus
    languageChanged = Signal(str)

    def __init__(
        self,
        ctx: Context,
        *,
        wedge_clock: Callable[[], float] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.ctx = ctx
        self.setMinimumSize(*MIN_SIZE)
        # Offline redemption caps follow the status bar's idea of online (services stay Qt-free).
        ctx.till.checkout.is_online = lambda: ctx.online
        self.stack = QStackedWidget(self)
        self.loginPage = LoginPage(ctx, self)
        self.checkoutPage = CheckoutPage(ctx, self)
        self.stack.addWidget(self.loginPage)
        self.stack.addWidget(self.checkoutPage)
        self.setCentralWidget(self.stack)
        self._build_status_bar()
        kwargs = {"clock": wedge_clock} if wedge_clock is not None else {}
        self.wedge = WedgeFilter(
            WedgeConfig.from_settings(ctx.settings),
            enabled=self._wedge_enabled,
            parent=self,
            **kwargs,
        )
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self.wedge)
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_REFRESH_MS)
        self._logout_shortcut = QShortcut(QKeySequence("Ctrl+L"), self)
        self._settings_shortcut = QShortcut(QKeySequence("F10"), self)
        self._queue_shortcut = QShortcut(QKeySequence("Ctrl+J"), self)
        self._conflicts_shortcut = QShortcut(QKeySequence("Ctrl+R"), self)
        self.sync: SyncController | None = None
        # How the pairing dialog reaches HQ (tests: shorter timeouts).
        self.client_factory: ClientFactory = default_client
        # The status as read from the database, and whether the device token is there (looked
        # at on the network worker: the OS keyring may be slow; None until known).
        self._raw_status: TillStatus | None = None
        self._has_token: bool | None = None
        self._token_checking = False
        self._progress_status_at = float("-inf")  # monotonic time of the last refresh by pages
        self._dashboard_shortcut = QShortcut(QKeySequence("F11"), self)  # issue 8
        self._crash_dialogs: list[CrashDialog] = []
        # issue 7: enrol, member profile, audit log (buttons in the status bar, Ctrl+N/I/Shift+A)
        from .member_actions import MemberActions

        self.memberActions = MemberActions(self)
        self._connect_signals()
        self._retranslate()
        self._status_timer.start()
        self.refresh_status()

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        self.staffLabel = named(QLabel(), "staffLabel")
        # Who is logged in gives way first when the bar is full (the connection text never).
        self.staffLabel.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.staffLabel.setMinimumWidth(80)
        self.logoutButton = named(QPushButton(), "logoutButton")
        self.settingsButton = named(QPushButton(), "settingsButton")
        self.dashboardButton = named(QPushButton(), "dashboardButton")  # issue 8
        self.syncStatus = named(QLabel(), "syncStatus")
        self.syncStatus.setProperty("online", False)
        self.syncProgress = named(QProgressBar(), "syncProgress")
        self.syncProgress.setVisible(False)
        self.queueButton = named(QPushButton(), "queueButton")
        self.conflictsButton = named(QPushButton(), "conflictsButton")
        self.conflictsButton.setVisible(False)
        for button in (
            self.logoutButton,
            self.settingsButton,
            self.dashboardButton,
            self.queueButton,
            self.conflictsButton,
        ):
            button.setProperty("small", True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        bar.addWidget(self.staffLabel)
        bar.addWidget(self.logoutButton)
        bar.addWidget(self.settingsButton)
        bar.addPermanentWidget(self.syncProgress)
        bar.addWidget(self.dashboardButton)
        bar.addPermanentWidget(self.syncStatus)
        bar.addPermanentWidget(self.conflictsButton)
        bar.addPermanentWidget(self.queueButton)

    def _connect_signals(self) -> None:
        self.loginPage.loggedIn.connect(self._on_logged_in)
        self.loginPage.languageToggled.connect(self._on_language_toggled)
        self.checkoutPage.saleCompleted.connect(self._on_sale_completed)
        self.checkoutPage.refunded.connect(self._on_sale_completed)
        self.wedge.scanned.connect(self._on_scanned)
        self.wedge.partialScan.connect(self._on_partial_scan)
        self.ctx.ops.posError.connect(self._on_pos_error)
        self.ctx.ops.bug.connect(self._on_bug)
        self._status_timer.timeout.connect(self.refresh_status)
        self.logoutButton.clicked.connect(self.logout)
        self._logout_shortcut.activated.connect(self.logout)
        self.settingsButton.clicked.connect(self.open_settings)
        self._settings_shortcut.activated.connect(self.open_settings)
        self.queueButton.clicked.connect(self.open_queue)
        self._queue_shortcut.activated.connect(self.open_queue)
        self.conflictsButton.clicked.connect(self.open_conflicts)
        self._conflicts_shortcut.activated.connect(self.open_conflicts)
        self.dashboardButton.clicked.connect(self.open_dashboard)
        self._dashboard_shortcut.activated.connect(self.open_dashboard)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self.setWindowTitle(
            self.tr("posclient checkout · %1").replace("%1", self.ctx.till.checkout.till.store_name)
        )
        self.logoutButton.setText(with_key(self.tr("Switch user"), "Ctrl+L"))
        self.settingsButton.setText(with_key(self.tr("Settings"), "F10"))
        self.dashboardButton.setText(with_key(self.tr("Dashboard"), "F11"))
        self.memberActions.retranslate()  # issue 7
        self.syncStatus.setAccessibleName(self.tr("Connection and queue"))
        self.queueButton.setText(with_key(self.tr("Queue"), "Ctrl+J"))
        # Numbers only on the bar (the status bar is full); what it is, in its tooltip.
        self.syncProgress.setFormat("%v / %m")
        self.syncProgress.setToolTip(self.tr("First load from HQ"))
        self.syncProgress.setAccessibleName(self.tr("First load from HQ"))
        self._render_staff()
        self._render_status()
        self._fit_status_bar()

    # ------------------------------------------------------------------ login

    def start(self) -> None:
        """Show the login screen (or, if someone is logged in already, the checkout)."""
        if self.ctx.staff is None:
            self.stack.setCurrentWidget(self.loginPage)
            self.loginPage.reload()
        else:
            self._show_checkout()

    def login_as(self, staff: StaffMember) -> None:
        """Log in without a PIN (demo mode only: the throwaway demo's cashier)."""
        self._on_logged_in(staff)

    def _on_logged_in(self, staff: StaffMember) -> None:
        self.ctx.staff = staff
        self._render_staff()
        self._show_checkout()

    def _show_checkout(self) -> None:
        self.stack.setCurrentWidget(self.checkoutPage)
        self.checkoutPage.start()
        self.checkoutPage.scanInput.setFocus()
        self.readyToScan.emit()

    def logout(self) -> None:
        """Switch user: the sale in progress stays for whoever logs in next."""
        if self.ctx.staff is None:
            return
        log.info("staff logout", extra={"staff": self.ctx.staff.staff_id})
        self.ctx.staff = None
        self._render_staff()
        self.stack.setCurrentWidget(self.loginPage)
        self.loginPage.reload()

    def _render_staff(self) -> None:
        staff = self.ctx.staff
        self.logoutButton.setVisible(staff is not None)
        self.settingsButton.setVisible(staff is not None)
        self.dashboardButton.setVisible(staff is not None)
        if hasattr(self, "memberActions"):  # issue 7
            self.memberActions.render_staff()
        if staff is None:
            self.staffLabel.setText(self.tr("Not logged in"))
        else:
            self.staffLabel.setText(
                f"{staff.name} ({staff.staff_id}) · {self.loginPage.role_name(staff.role)}"
            )

    # ------------------------------------------------------------------ scanning

    def _wedge_enabled(self) -> bool:
        return QApplication.activeModalWidget() is None

    def _on_scanned(self, text: str) -> None:
        if self.ctx.staff is None or self.stack.currentWidget() is not self.checkoutPage:
            self.loginPage.message.show_error(self.ctx.error_text(PosError("staff.login_required")))
            return
        self.checkoutPage.scan(text)

    def _on_partial_scan(self, _text: str) -> None:
        if self.stack.currentWidget() is self.checkoutPage:
            self.checkoutPage.show_partial_scan()

    # ------------------------------------------------------------------ status

    def refresh_status(self) -> None:
        db, clock = self.ctx.till.db, self.ctx.clock
        self.ctx.ops.db(lambda: status_service.read(db, now=clock.now())).success(
            self._on_status
        ).run()

    def _on_status(self, status: TillStatus) -> None:
        self._raw_status = status
        if status.online:
            self._has_token = True  # HQ took it within the last minutes
        elif status.hq_url and not status.token_refused:
            self._check_token()
        self._apply_status()

    def _check_token(self) -> None:
        """Is the device token in the secret store? (network worker: a keyring may block)"""
        if self._token_checking:
            return
        self._token_checking = True
        self.ctx.ops.net(status_service.has_token, self.ctx.till.secrets).success(
            self._on_token
        ).run()

    def _on_token(self, present: bool | None) -> None:
        self._token_checking = False
        if present != self._has_token:
            self._has_token = present
            self._apply_status()

    def _apply_status(self) -> None:
        if self._raw_status is None:
            return
        was_online = self.ctx.online
        status = status_service.with_token(self._raw_status, self._has_token)
        self.ctx.status = status
        self._render_status()
        if status.online != was_online:
            self.checkoutPage.set_online(status.online)
        self.statusRefreshed.emit(status)
        dialog = getattr(self, "queueDialog", None)
        if dialog is not None and dialog.isVisible():
            dialog.refresh_reasons()

    def _render_status(self) -> None:
        status = self.ctx.status
        if status is None:
            self.syncStatus.setText("…")
            return
        if status.needs_pairing:
            # Sync has stopped: only a manager with a new pairing code gets it going again.
            state = self.tr("Pair again") if status.paired else self.tr("Pair with HQ")
        else:
            state = self.tr("Online") if status.online else self.tr("Offline")
        text = f"● {state} · " + self.tr("%1 waiting").replace("%1", str(status.pending))
        if status.rejected:
            text += " · " + self.tr("%1 rejected").replace("%1", str(status.rejected))
        synced = None
        if status.last_sync_ok is not None:
            # When HQ last took and gave everything, in sight: offline, how old the balances are.
            synced = fmt.local_hhmm(self.ctx.clock, status.last_sync_ok)
            text += " · " + self.tr("synced %1").replace("%1", synced)
        self.syncStatus.setText(text)
        if synced is not None:
            tip = self.tr("Last sync %1").replace("%1", synced)
        elif not status.paired:
            tip = self.tr("Not paired with HQ: sales are kept on this till")
        else:
            tip = self.tr("Never synced")
        if status.needs_pairing:
            why = (
                self.tr("HQ refused this till's token (revoked).")
                if status.token_refused
                else self.tr("This till has no device token for HQ.")
            )
            lines = [
                why,
                self.tr(
                    "A manager must enter a new pairing code in Settings (F10). Sales stay on "
                    "this till until then."
                ),
            ]
            if status.last_sync_ok is not None:
                lines.append(tip)
            tip = "\n".join(lines)
        self.syncStatus.setToolTip(tip)
        self.syncStatus.setProperty("needsPairing", status.needs_pairing)
        self.conflictsButton.setVisible(status.conflicts > 0)
        self.conflictsButton.setText(
            with_key(self.tr("Conflicts: %1").replace("%1", str(status.conflicts)), "Ctrl+R")
        )
        self.syncStatus.setProperty("online", status.online)
        self.syncStatus.style().unpolish(self.syncStatus)
        self.syncStatus.style().polish(self.syncStatus)
        self._fit_status_bar()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_status_bar()

    def _fit_status_bar(self) -> None:
        """The connection and queue text is never cut: when the status bar would not fit the
        window, its buttons drop their key hints (the tooltip keeps them)."""
        buttons = self.statusBar().findChildren(QPushButton)
        for button in buttons:
            full = button.property("fullText")
            text = button.text()
            if full is None or text not in (full, full.partition("  ")[0]):
                full = text  # set anew (language, counts) since the last fit
                button.setProperty("fullText", full)
            button.setText(full)
            if "  " in full:
                button.setToolTip(full)
        self.syncStatus.setMinimumWidth(self.syncStatus.sizeHint().width())
        if self._status_bar_width() > self.width() - STATUS_BAR_MARGIN:
            for button in buttons:
                button.setText(str(button.property("fullText")).partition("  ")[0])

    def _status_bar_width(self) -> int:
        """What the status bar's visible widgets ask for, side by side."""
        direct = self.statusBar().findChildren(
            QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly
        )
        shown = [w for w in direct if w.isVisibleTo(self)]
        return sum(w.sizeHint().width() + STATUS_BAR_SPACING for w in shown)

    def _on_sale_completed(self, _receipt: object) -> None:
        self.outbox_changed()

    def outbox_changed(self) -> None:
        """Something new waits in the outbox (a sale, a refund, a profile edit, a consent
        withdrawal, an erasure): show the queue and start a sync pass now."""
        self.refresh_status()
        if self.sync is not None:
            self.sync.nudge()

    # ------------------------------------------------------------------ sync with HQ

    def attach_sync(self, controller: SyncController) -> None:
        """Background sync for this window (app.py builds it once the till is paired)."""
        self.sync = controller
        controller.setParent(self)
        controller.passFinished.connect(self._on_sync_pass)
        controller.progress.connect(self._on_sync_progress)
        controller.indexing.connect(self._on_sync_indexing)

    def _on_sync_pass(self, report: object) -> None:
        done = getattr(report, "snapshot_done", None)
        if done is None or done >= (getattr(report, "snapshot_total", None) or 0):
            self.syncProgress.setVisible(False)
        self.refresh_status()
        dialog = getattr(self, "queueDialog", None)
        if dialog is not None and dialog.isVisible():
            dialog.reload()
            dialog.pass_finished(report)

    def _on_sync_progress(self, done: int, total: int) -> None:
        """First load: a progress bar while members arrive; the till already sells.

        Pages arriving prove HQ is answering: the status (online, and with it the online
        redemption rules) follows them at once instead of at the next timed refresh.
        """
        now = time.monotonic()
        if now - self._progress_status_at >= PROGRESS_STATUS_S:
            self._progress_status_at = now
            self.refresh_status()
        if total <= 0 or done >= total:
            self.syncProgress.setVisible(False)
            return
        self.syncProgress.setRange(0, total)
        self.syncProgress.setValue(done)
        if not self.syncProgress.isVisible():
            widest = "8" * len(str(total))  # room for the count at its widest
            text = self.syncProgress.format().replace("%v", widest).replace("%m", widest)
            self.syncProgress.setFixedWidth(
                self.syncProgress.fontMetrics().horizontalAdvance(text) + 24
            )
            self.syncProgress.setVisible(True)
            self._fit_status_bar()

    def _on_sync_indexing(self, busy: bool) -> None:
        """After a first load, the card and phone look-ups are built (seconds; the till sells
        meanwhile): a busy bar that says so, instead of a full bar that says nothing."""
        if busy:
            self.syncProgress.setRange(0, 0)
            self.syncProgress.setFormat("")
            # As wide as the count it replaces ("1000000 / 1000000"), not the whole bar.
            wide = self.syncProgress.fontMetrics().horizontalAdvance("8" * 17)
            self.syncProgress.setFixedWidth(wide + 24)
            self.syncProgress.setToolTip(self.tr("Preparing card and phone look-ups"))
            self.syncProgress.setVisible(True)
            self._fit_status_bar()
            return
        self.syncProgress.setVisible(False)
        self.syncProgress.setFormat("%v / %m")
        self.syncProgress.setToolTip(self.tr("First load from HQ"))

    def open_queue(self) -> None:
        from .queue_dialog import QueueDialog

        dialog = QueueDialog(self.ctx, self)
        dialog.syncRequested.connect(self._queue_sync_now)
        dialog.finished.connect(lambda _=0: self.checkoutPage.focus_scan())
        self.queueDialog = dialog
        dialog.open()

    def _after_conflicts(self) -> None:
        self.refresh_status()
        self.checkoutPage.focus_scan()  # scanner keys must reach the scan field again

    def _queue_sync_now(self) -> None:
        """The queue view's "Sync now" (the view itself says so when the till needs pairing)."""
        if self.sync is None:
            self.queueDialog.show_error(PosError("sync.not_paired"))
            return
        self._sync_now()

    def _sync_now(self) -> None:
        if self.sync is None:
            self._on_pos_error(PosError("sync.not_paired"))
            return
        self.sync.schedule.resume()
        self.sync.start()

    def open_conflicts(self) -> None:
        try:
            staff_service.require(self.ctx.staff, "conflicts")
        except PosError as error:
            self._on_pos_error(error)
            return
        from .conflicts_dialog import ConflictsDialog

        dialog = ConflictsDialog(self.ctx, self)
        dialog.reapplied.connect(self._sync_now)
        dialog.finished.connect(lambda _=0: self._after_conflicts())
        self.conflictsDialog = dialog
        dialog.open()

    # ------------------------------------------------------------------ errors

    def _on_pos_error(self, error: PosError) -> None:
        page = self.stack.currentWidget()
        line = getattr(page, "message", None)
        if line is not None:
            line.show_error(self.ctx.error_text(error))

    def _on_bug(self, details: str) -> None:
        dialog = CrashDialog(details, self)
        self._crash_dialogs.append(dialog)
        dialog.finished.connect(lambda _=0, d=dialog: self._crash_dialogs.remove(d))
        dialog.show()

    # ------------------------------------------------------------------ settings, language

    def open_settings(self) -> None:
        try:
            staff_service.require(self.ctx.staff, "settings")
        except PosError as error:
            self._on_pos_error(error)
            return
        from .settings_dialog import SettingsDialog

        staff = self.ctx.staff
        dialog = SettingsDialog(
            self.ctx.settings, self, can_pair=staff is not None and staff.can("pair")
        )
        dialog.pairRequested.connect(lambda: self.open_pairing(dialog))
        dialog.accepted.connect(lambda: self.save_settings(dialog.values()))
        dialog.finished.connect(lambda _=0: self.checkoutPage.scanInput.setFocus())
        self.settingsDialog = dialog
        dialog.open()

    def open_pairing(self, settings_dialog: QWidget | None = None) -> None:
        """Pair the till with HQ again (managers): a new one-time code for a refused or missing
        device token. From Settings, the address typed there is the one tried."""
        try:
            staff_service.require(self.ctx.staff, "pair")
        except PosError as error:
            self._on_pos_error(error)
            return
        from .pair_dialog import PairDialog

        field = getattr(settings_dialog, "hqInput", None)
        dialog = PairDialog(
            self.ctx,
            hq_url=field.text().strip() if field is not None else "",
            client_factory=self.client_factory,
            parent=settings_dialog or self,
        )
        dialog.paired.connect(self._on_paired)
        if settings_dialog is None:
            dialog.finished.connect(lambda _=0: self.checkoutPage.focus_scan())
        self.pairDialog = dialog
        dialog.open()

    def _on_paired(self, _paired: object) -> None:
        """Paired again: HQ's store and address in the settings, and the background sync on."""
        self._has_token = True
        till = self.ctx.till

        def reload() -> dict[str, str]:
            till.checkout.reload_till()  # the store may have changed
            return till_settings.load(till.db)

        self.ctx.ops.db(reload).success(self._on_repaired).run()
        if self.sync is None:
            from posclient.services.sync import SyncEngine

            engine = SyncEngine(
                till.db, cipher=till.cipher, secrets=till.secrets, now=till.clock.now
            )
            self.attach_sync(
                SyncController(engine, self.ctx.ops, after_pull=till.checkout.reload_till)
            )
        assert self.sync is not None
        self.sync.start()
        self.refresh_status()

    def _on_repaired(self, values: dict[str, str]) -> None:
        self.ctx.settings = values
        dialog = getattr(self, "settingsDialog", None)
        if dialog is not None and dialog.isVisible():
            dialog.set_paired(values.get("hq_url", ""), values.get("store", ""))
        self._retranslate()  # the window title names the store

    # --- issue 8: the store dashboard (managers; F8 is the coupon field's key, hence F11)
    def open_dashboard(self) -> None:
        if self.ctx.staff is None or self.stack.currentWidget() is not self.checkoutPage:
            return
        if not self.ctx.staff.can("dashboard"):
            self._on_pos_error(PosError("dashboard.managers_only"))
            return
        from .dashboard_page import DashboardDialog

        dialog = DashboardDialog(self.ctx, self)
        dialog.finished.connect(lambda _=0: self.checkoutPage.scanInput.setFocus())
        self.dashboardDialog = dialog
        dialog.open()
        dialog.load()

    # --- end issue 8

    def save_settings(self, values: dict[str, str]) -> None:
        till = self.ctx.till

        def save() -> dict[str, str]:
            saved = till_settings.save(till.db, values)
            till.checkout.reload_till()  # issue 9: the store code may have changed
            return saved

        self.ctx.ops.db(save).success(self._on_settings_saved).run()

    def _on_settings_saved(self, values: dict[str, str]) -> None:
        self.ctx.settings = values
        self.wedge.set_config(WedgeConfig.from_settings(values))
        self.set_language(values.get("lang", "zh_CN"))

    def set_language(self, lang: str) -> None:
        """Switch every screen's language now (Qt sends LanguageChange to each widget)."""
        self.ctx.translations.switch(lang)
        self.languageChanged.emit(self.ctx.lang)

    def _on_language_toggled(self) -> None:
        lang = "zh_CN" if self.ctx.lang == "en" else "en"
        self.set_language(lang)
        self.ctx.ops.db(till_settings.save, self.ctx.till.db, {"lang": lang}).success(
            lambda values: setattr(self.ctx, "settings", values)
        ).run()

    # ------------------------------------------------------------------ shutdown

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop timers, remove the application-wide filter, let the workers finish."""
        self._status_timer.stop()
        if self.sync is not None:
            self.sync.close()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.wedge)
        self.ctx.ops.close()
