"""The sync queue (Ctrl+J, or its button on the status bar): events waiting for HQ and events HQ
rejected, with the reason in words; "Sync now" asks for a pass at once and says how it went.
While the till must be paired again (HQ refused its token, or it has none), the events say they
are held back for that, and "Sync now" says so instead of trying."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from posclient.domain.errors import PosError
from posclient.i18n import hq_reason
from posclient.services import status as status_service

from .context import Context
from .format import named, with_key
from .message_line import MessageLine

# An event's last error meaning HQ will take nothing until the till is paired again.
PAIRING_ERRORS = frozenset({"sync.unauthorized", "sync.not_paired"})


def event_type_words(event_type: str) -> str:
    """What an outbox event is, in words (shared by the queue view and the conflicts inbox)."""
    words = {
        "sale.completed": QCoreApplication.translate("SyncEvents", "Sale"),
        "refund.completed": QCoreApplication.translate("SyncEvents", "Refund"),
        "member.enrolled": QCoreApplication.translate("SyncEvents", "Enrolment"),
        "member.patched": QCoreApplication.translate("SyncEvents", "Profile edit"),
        "consent.recorded": QCoreApplication.translate("SyncEvents", "Consent decision"),
        "member.erasure_requested": QCoreApplication.translate("SyncEvents", "Erasure request"),
        "audit.recorded": QCoreApplication.translate("SyncEvents", "Audit record"),
        "points.opening": QCoreApplication.translate("SyncEvents", "Opening points balance"),
    }
    return words.get(event_type, event_type)


class QueueDialog(QDialog):
    """Read-only list; refreshes after each sync pass while open."""

    #: The user asked for a sync pass now.
    syncRequested = Signal()

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queueDialog")
        self.ctx = ctx
        self.events: list[dict[str, Any]] = []
        self.setMinimumSize(760, 420)
        layout = QVBoxLayout(self)
        self.summaryLabel = named(QLabel(), "queueSummary")
        self.summaryLabel.setWordWrap(True)
        layout.addWidget(self.summaryLabel)
        self.table = named(QTableWidget(0, 5), "queueTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        self.message = MessageLine(self, name="queueMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        # "Sync now" was pressed and its pass has not ended yet.
        self._asked = False
        row = QHBoxLayout()
        self.syncButton = named(QPushButton(), "queueSyncNow")
        self.closeButton = named(QPushButton(), "queueClose")
        row.addStretch(1)
        row.addWidget(self.syncButton)
        row.addWidget(self.closeButton)
        layout.addLayout(row)
        self.syncButton.clicked.connect(self.sync_now)
        self.closeButton.clicked.connect(self.accept)
        self._retranslate()
        self.reload()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Sync queue"))
        self.table.setHorizontalHeaderLabels(
            [self.tr("No."), self.tr("What"), self.tr("State"), self.tr("Time"), self.tr("Reason")]
        )
        self.table.setAccessibleName(self.tr("Events waiting for HQ or rejected by HQ"))
        self.syncButton.setText(self.tr("Sync now"))
        self.closeButton.setText(with_key(self.tr("Close"), "Esc"))
        self._render()

    # ------------------------------------------------------------------ sync now

    def _needs_pairing(self) -> bool:
        status = self.ctx.status
        return status is not None and status.needs_pairing

    def _pairing_words(self) -> str:
        return self.tr(
            "This till must be paired with HQ again before anything is sent: a manager enters "
            "a new pairing code in Settings (F10)."
        )

    def _not_sent_words(self) -> str:
        return self.tr("Not sent: pair this till with HQ again first (a manager, Settings F10).")

    def sync_now(self) -> None:
        if self._needs_pairing():
            self._asked = False
            self.message.show_error(self._not_sent_words(), beep=False)
            return
        self._asked = True
        self.message.show_info(self.tr("Syncing with HQ…"))
        self.syncRequested.emit()

    def pass_finished(self, report: object) -> None:
        """A sync pass ended: say how, when "Sync now" asked for it."""
        if not self._asked:
            return
        self._asked = False
        error = getattr(report, "error", None)
        if error in PAIRING_ERRORS:
            self.message.show_error(self._not_sent_words(), beep=False)
        elif error:
            self.show_error(PosError(error))
        else:
            self.message.show_info(self.tr("Synced with HQ."))

    def show_error(self, error: PosError) -> None:
        self._asked = False
        self.message.show_error(self.ctx.error_text(error), beep=False)

    def refresh_reasons(self) -> None:
        """The till's status changed (pairing needed or not): the reasons follow."""
        self._render()

    # ------------------------------------------------------------------ list

    def reload(self) -> None:
        db = self.ctx.till.db

        def load() -> list[dict[str, Any]]:
            with db.read() as session:
                return status_service.queue_events(session)

        self.ctx.ops.db(load).success(self._loaded).run()

    def _loaded(self, events: list[dict[str, Any]]) -> None:
        self.events = events
        self._render()

    def _state_words(self, state: str) -> str:
        return {"pending": self.tr("Waiting"), "rejected": self.tr("Rejected by HQ")}.get(
            state, state
        )

    def _render(self) -> None:
        pending = sum(1 for event in self.events if event["status"] == "pending")
        rejected = sum(1 for event in self.events if event["status"] == "rejected")
        held = self._needs_pairing()
        offline = self.ctx.status is not None and not self.ctx.status.online
        if not self.events:
            summary = self.tr("Nothing is waiting: HQ has everything.")
        else:
            summary = (
                self.tr("%1 waiting for HQ, %2 rejected (kept here, never dropped).")
                .replace("%1", str(pending))
                .replace("%2", str(rejected))
            )
        if held:
            summary += "\n" + self._pairing_words()
        self.summaryLabel.setText(summary)
        self.table.setRowCount(len(self.events))
        for index, event in enumerate(self.events):
            occurred: datetime = event["occurred_at"]
            reason = hq_reason(event["reason"], event["detail"], self.ctx.lang)
            waiting = not reason and event["status"] == "pending"
            if waiting and (held or event["last_error"] in PAIRING_ERRORS):
                reason = self.tr("Held back: this till must be paired with HQ again")
            elif waiting and offline:
                reason = self.tr("HQ unreachable: sent by itself when HQ answers")
            elif waiting and event["last_error"]:
                reason = self.tr("Not sent yet (%1 attempts)").replace("%1", str(event["attempts"]))
            cells = [
                str(event["seq"]),
                event_type_words(event["type"]),
                self._state_words(event["status"]),
                self.ctx.clock.local(occurred).strftime("%m-%d %H:%M:%S"),
                reason,
            ]
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if column == 0:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(index, column, item)
