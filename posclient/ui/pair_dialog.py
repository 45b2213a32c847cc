"""Pair the till with HQ again (a manager, from Settings): HQ refused the device token (revoked)
or the token is missing, and nothing reaches HQ until a new one-time pairing code is entered.

The same service as the first-run wizard's pairing page and ``posclient-admin pair``
(``services/pairing.pair``), on the operations' network worker: the GUI thread never waits on HQ.
The device token goes to the secret store only; nothing here displays it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from posclient.domain.errors import PosError
from posclient.services import first_run, pairing
from posclient.services import staff as staff_service
from posclient.services.sync import ClientFactory, default_client

from .context import Context
from .first_run import _Field
from .format import named, with_key
from .message_line import MessageLine


class PairDialog(QDialog):
    """HQ address (as set, editable) and the pairing code; ``paired`` once HQ accepted it."""

    # Pairing succeeded (a ``pairing.Paired``), on the GUI thread.
    paired = Signal(object)

    def __init__(
        self,
        ctx: Context,
        *,
        hq_url: str = "",
        client_factory: ClientFactory = default_client,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("pairDialog")
        self.setModal(True)
        self.setMinimumWidth(640)
        self.ctx = ctx
        self.client_factory = client_factory
        # The store before pairing: a code for another store moves the till (said plainly).
        self.old_store = ctx.settings.get("store", "")
        self.paired_as: pairing.Paired | None = None
        layout = QVBoxLayout(self)
        self.intro = named(QLabel(), "pairIntro")
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.reasonLabel = named(QLabel(), "pairReason")
        self.reasonLabel.setWordWrap(True)
        self.reasonLabel.setProperty("level", "warning")  # amber, as the message line's warnings
        layout.addWidget(self.reasonLabel)
        form = QFormLayout()
        self.urlInput = named(_Field(hq_url or ctx.settings.get("hq_url", "")), "pairHqUrl")
        self.codeInput = named(_Field(), "pairCode")
        self.urlLabel, self.codeLabel = QLabel(), QLabel()
        self.urlLabel.setBuddy(self.urlInput)
        self.codeLabel.setBuddy(self.codeInput)
        form.addRow(self.urlLabel, self.urlInput)
        form.addRow(self.codeLabel, self.codeInput)
        layout.addLayout(form)
        self.progress = named(QProgressBar(), "pairProgress")
        self.progress.setRange(0, 0)  # busy: HQ answers in one go
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.message = MessageLine(self, name="pairMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.pairButton = named(QPushButton(), "pairStart")
        self.pairButton.setDefault(True)
        self.closeButton = named(QPushButton(), "pairClose")
        row.addWidget(self.pairButton)
        row.addWidget(self.closeButton)
        layout.addLayout(row)
        self.pairButton.clicked.connect(self.pair)
        self.codeInput.returnPressed.connect(self.pair)
        self.closeButton.clicked.connect(self.reject)
        self._retranslate()
        self.codeInput.setFocus()

    # ------------------------------------------------------------------ texts

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
            self.message.say_again()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Pair with HQ"))
        self.intro.setText(
            self.tr(
                "Type the HQ address and a new one-time pairing code from HQ. Sales waiting on "
                "this till go to HQ as soon as it is paired."
            )
        )
        self.reasonLabel.setText(self._reason())
        self.reasonLabel.setVisible(bool(self.reasonLabel.text()))
        self.urlLabel.setText(self.tr("HQ address"))
        self.codeLabel.setText(self.tr("Pairing code"))
        self.urlInput.setPlaceholderText("https://hq.example.com")
        self.urlInput.setAccessibleName(self.tr("HQ address"))
        self.codeInput.setAccessibleName(self.tr("Pairing code"))
        self.progress.setAccessibleName(self.tr("Pairing with HQ"))
        self.pairButton.setText(with_key(self.tr("Pair"), "Enter"))
        self.closeButton.setText(with_key(self.tr("Close"), "Esc"))

    def _reason(self) -> str:
        """Why the till is being paired (the status bar's reason), or a word of caution."""
        status = self.ctx.status
        if self.paired_as is not None or status is None:
            return ""
        if status.token_refused:
            return self.tr(
                "HQ refused this till's token (revoked): nothing is sent until it is paired again."
            )
        if status.needs_pairing:
            return self.tr(
                "This till has no device token: nothing is sent until it is paired again."
            )
        if status.paired:
            return self.tr(
                "This till is paired and HQ accepts it: pair again only when HQ asks for it "
                "(HQ replaces this device, and its current token stops working)."
            )
        return ""

    def _error(self, exc: PosError) -> None:
        self.message.say("error", lambda: self.ctx.error_text(exc))

    # ------------------------------------------------------------------ pairing

    def pair(self) -> None:
        if self.progress.isVisible() or self.paired_as is not None:
            return
        try:
            staff_service.require(self.ctx.staff, "pair")
            url = first_run.normalise_url(self.urlInput.text())
        except PosError as exc:
            self._error(exc)
            return
        code = self.codeInput.text().strip()
        if not code:
            self.message.say("error", lambda: self.tr("Type the pairing code"))
            self.codeInput.setFocus()
            return
        self._busy(True)
        self.message.say("info", lambda: self.tr("Pairing with HQ…"))
        till = self.ctx.till
        self.ctx.ops.net(
            pairing.pair,
            till.db,
            till.secrets,
            code=code,
            hq_url=url,
            client_factory=self.client_factory,
        ).success(self._paired).failure(self._failed).run()

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        for widget in (self.urlInput, self.codeInput, self.pairButton):
            widget.setEnabled(not busy)

    def _paired(self, paired: pairing.Paired) -> None:
        self._busy(False)
        self.paired_as = paired
        self.codeInput.clear()
        for widget in (self.urlInput, self.codeInput, self.pairButton):
            widget.setEnabled(False)
        self.urlInput.setText(paired.hq_url)
        self.reasonLabel.setVisible(False)
        self.closeButton.setDefault(True)
        self.closeButton.setFocus()
        if paired.moved_pending:  # sales made at the old store will be booked to the new one
            moved = PosError(
                "cli.pair_moved_pending",
                count=paired.moved_pending,
                before=paired.previous_store,
                store=paired.store,
            )
            self.message.say("warning", lambda: self.ctx.error_text(moved))
        elif paired.resent:  # HQ restored from a backup: what it lost goes again
            lost = PosError("cli.sync_resent", count=paired.resent)
            self.message.say("warning", lambda: self.ctx.error_text(lost))
        elif self.old_store and paired.store != self.old_store:
            moved = PosError("setup.store_mismatch", paired=paired.store, typed=self.old_store)
            self.message.say("warning", lambda: self.ctx.error_text(moved))
        else:
            self.message.say(
                "info",
                lambda: (
                    self.tr("Paired: this till is device %1 of store %2. Sending to HQ…")
                    .replace("%1", str(paired.device_no))
                    .replace("%2", paired.store)
                ),
            )
        self.paired.emit(paired)

    def _failed(self, exc: PosError) -> None:
        self._busy(False)
        self._error(exc)
        self.codeInput.setFocus()
        self.codeInput.selectAll()
