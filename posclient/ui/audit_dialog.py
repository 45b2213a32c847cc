"""The audit log of personal data (managers only): who viewed or changed which member, when."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QDialog,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from posclient.services import member_audit
from posclient.services.member_audit import AuditLine

from .context import Context
from .format import named


class AuditDialog(QDialog):
    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.lines: list[AuditLine] = []
        self.setObjectName("auditDialog")
        self.resize(860, 560)
        layout = QVBoxLayout(self)
        self.table = named(QTableWidget(0, 6), "auditTable")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        self.closeButton = named(QPushButton(), "auditClose")
        layout.addWidget(self.closeButton)
        self.closeButton.clicked.connect(self.accept)
        self._retranslate()
        ctx.ops.db(member_audit.recent, ctx.till.db).success(self._show).run()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Audit log of personal data"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Time"),
                self.tr("Staff"),
                self.tr("Member card"),
                self.tr("Action"),
                self.tr("Fields"),
                self.tr("Queued for HQ"),
            ]
        )
        self.closeButton.setText(self.tr("Close"))
        self._show(self.lines)

    def action_name(self, action: str) -> str:
        names = {
            "member.enrolled": self.tr("Enrolled"),
            "profile.viewed": self.tr("Viewed profile"),
            "profile.edited": self.tr("Edited profile"),
            "consent.granted": self.tr("Consent given"),
            "consent.withdrawn": self.tr("Consent withdrawn"),
            "member.erasure_requested": self.tr("Erasure requested"),
            "sale.voided": self.tr("Sale cancelled"),
        }
        return names.get(action, action)

    def _show(self, lines: list[AuditLine]) -> None:
        self.lines = lines
        self.table.setRowCount(len(lines))
        for r, line in enumerate(lines):
            local = self.ctx.clock.local(line.at).strftime("%m-%d %H:%M")
            cells = (
                local,
                line.staff_id,
                line.card_no,
                self.action_name(line.action),
                ", ".join(line.fields),
                self.tr("Yes") if line.synced else self.tr("No"),
            )
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
