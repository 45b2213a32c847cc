"""The conflicts inbox (Ctrl+R, or its status-bar button): what HQ decided differently.

Profile conflicts show, per field, the till's value, HQ's value and where and when the winning
edit was made, with "Re-apply mine" / "Keep HQ's" for assistants and managers. Overdrafts,
coupon and tier corrections are information: the manager marks them read.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from posclient.domain.errors import PosError
from posclient.i18n import hq_reason
from posclient.services import conflicts as conflict_service
from posclient.services.conflicts import Conflict
from posclient.services.status import parse_time

from .context import Context
from .format import named, with_key
from .message_line import MessageLine
from .queue_dialog import event_type_words


class ConflictsDialog(QDialog):
    #: A re-applied edit is in the outbox: the window nudges the sync.
    reapplied = Signal()

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflictsDialog")
        self.ctx = ctx
        self.conflicts: list[Conflict] = []
        self.setMinimumSize(860, 480)
        layout = QVBoxLayout(self)
        self.summaryLabel = named(QLabel(), "conflictsSummary")
        layout.addWidget(self.summaryLabel)
        body = QHBoxLayout()
        self.list = named(QListWidget(), "conflictsList")
        self.list.setMinimumWidth(300)
        # Long lines are cut with "…" (the whole line is the item's tooltip), never scrolled.
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        body.addWidget(self.list, 2)
        right = QVBoxLayout()
        self.headline = named(QLabel(), "conflictHeadline")
        self.headline.setWordWrap(True)
        self.headline.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        right.addWidget(self.headline)
        self.fieldsTable = named(QTableWidget(0, 4), "conflictFields")
        self.fieldsTable.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.fieldsTable.verticalHeader().setVisible(False)
        header = self.fieldsTable.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        right.addWidget(self.fieldsTable, 1)
        right.addStretch(0)  # takes the room when there is no table (information only)
        self.message = named(MessageLine(), "conflictsMessage")
        right.addWidget(self.message)
        buttons = QHBoxLayout()
        self.reapplyButton = named(QPushButton(), "conflictReapply")
        self.discardButton = named(QPushButton(), "conflictDiscard")
        self.closeButton = named(QPushButton(), "conflictsClose")
        self.allReadButton = named(QPushButton(), "conflictsAllRead")
        buttons.addWidget(self.reapplyButton)
        buttons.addWidget(self.discardButton)
        buttons.addWidget(self.allReadButton)
        buttons.addStretch(1)
        buttons.addWidget(self.closeButton)
        right.addLayout(buttons)
        body.addLayout(right, 3)
        layout.addLayout(body, 1)
        self._connect_signals()
        self._retranslate()
        self.reload()

    def _connect_signals(self) -> None:
        self.list.currentRowChanged.connect(self._show)
        self.reapplyButton.clicked.connect(self._reapply)
        self.discardButton.clicked.connect(self._discard)
        self.allReadButton.clicked.connect(self._all_read)
        self.closeButton.clicked.connect(self.accept)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Conflicts from HQ"))
        self.fieldsTable.setHorizontalHeaderLabels(
            [self.tr("Field"), self.tr("This till"), self.tr("HQ (kept)"), self.tr("Changed at")]
        )
        self.closeButton.setText(with_key(self.tr("Close"), "Esc"))
        self.allReadButton.setText(self.tr("Mark all information read"))
        self._render()

    # ------------------------------------------------------------------ data

    def reload(self) -> None:
        till, staff = self.ctx.till, self.ctx.staff
        self.ctx.ops.db(
            conflict_service.list_conflicts,
            till.db,
            till.cipher,
            staff=staff,
            now=till.clock.now(),
        ).success(self._loaded).failure(self._failed).run()

    def _loaded(self, conflicts: list[Conflict]) -> None:
        current = self.list.currentRow()
        self.conflicts = conflicts
        self._render()
        if self.conflicts:
            self.list.setCurrentRow(min(max(current, 0), len(self.conflicts) - 1))

    def _failed(self, error: PosError) -> None:
        self.message.show_error(self.ctx.error_text(error))

    # ------------------------------------------------------------------ rendering

    def _field_words(self, name: str) -> str:
        return {
            "phone": self.tr("Phone"),
            "name": self.tr("Name"),
            "gender": self.tr("Gender"),
            "birthday": self.tr("Birthday"),
            "categories": self.tr("Preferred categories"),
        }.get(name, name)

    @staticmethod
    def _value(value: Any) -> str:
        if value is None:
            return "—"
        if isinstance(value, list):
            return "、".join(str(item) for item in value)
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False)
        return str(value)

    def _line(self, conflict: Conflict) -> str:
        what = event_type_words(conflict.event_type)
        when = self.ctx.clock.local(conflict.created_at).strftime("%m-%d %H:%M")
        receipt = f" {conflict.receipt_no}" if conflict.receipt_no else ""
        return f"{when}  {what}{receipt} · {hq_reason(conflict.kind, None, self.ctx.lang)}"

    def _facts(self, conflict: Conflict) -> str:
        """The sale's receipt, when it was made, its coupon and redeemed points."""
        facts = []
        if conflict.receipt_no:
            facts.append(self.tr("Receipt %1").replace("%1", conflict.receipt_no))
        made = parse_time(conflict.occurred_at)
        if made is not None:
            local = self.ctx.clock.local(made).strftime("%Y-%m-%d %H:%M")
            facts.append(self.tr("made %1").replace("%1", local))
        if conflict.coupon_code:
            facts.append(self.tr("coupon %1").replace("%1", conflict.coupon_code))
        if conflict.points_redeemed:
            facts.append(self.tr("%1 points redeemed").replace("%1", str(conflict.points_redeemed)))
        if conflict.kind == "unknown_member":  # HQ holds the sale for the member's enrolment
            facts.append(self.tr("points booked if the member's enrolment reaches HQ"))
        return self.tr(" · ").join(facts)

    def _render(self) -> None:
        self.summaryLabel.setText(
            self.tr("%1 to look at").replace("%1", str(len(self.conflicts)))
            if self.conflicts
            else self.tr("No conflicts: HQ agreed with everything this till sent.")
        )
        self.list.blockSignals(True)
        row = self.list.currentRow()
        self.list.clear()
        for conflict in self.conflicts:
            item = QListWidgetItem(self._line(conflict))
            item.setToolTip(item.text())
            self.list.addItem(item)
        if self.conflicts:
            self.list.setCurrentRow(min(max(row, 0), len(self.conflicts) - 1))
        self.list.blockSignals(False)
        # Information entries pile up after a day offline: the manager clears them at once.
        self.allReadButton.setVisible(
            any(c.kind not in conflict_service.PROFILE_KINDS for c in self.conflicts)
            and conflict_service.may_acknowledge_all(self.ctx.staff)
        )
        self._show(self.list.currentRow())

    def selected(self) -> Conflict | None:
        row = self.list.currentRow()
        return self.conflicts[row] if 0 <= row < len(self.conflicts) else None

    def _show(self, _row: int) -> None:
        conflict = self.selected()
        self.fieldsTable.setRowCount(0)
        if conflict is None:
            self.headline.setText("")
            for button in (self.reapplyButton, self.discardButton):
                button.setVisible(False)
            return
        reason = hq_reason(conflict.kind, conflict.detail, self.ctx.lang)
        member = conflict.card_no or (conflict.member_id[:8] if conflict.member_id else "")
        # HQ's own words are English: shown as they are only in English; in Chinese the
        # reason above says it (hq_reason falls back to them when it has no words of its own).
        detail = conflict.detail if conflict.detail and self.ctx.lang == "en" else ""
        headline = (
            self.tr("%1 — member %2").replace("%1", reason).replace("%2", member)
            if member
            else reason
        )
        facts = self._facts(conflict)
        self.headline.setText(
            headline + (f"\n{facts}" if facts else "") + (f"\n{detail}" if detail else "")
        )
        self.fieldsTable.setVisible(bool(conflict.fields))
        self.fieldsTable.setRowCount(len(conflict.fields))
        for index, field in enumerate(conflict.fields):
            where = field.winner_store or self.tr("HQ")
            winner_at = parse_time(field.winner_at)
            when = self.ctx.clock.local(winner_at).strftime("%Y-%m-%d %H:%M") if winner_at else ""
            cells = [
                self._field_words(field.name),
                self._value(field.mine),
                self._value(field.theirs),
                f"{where} {when}".strip(),
            ]
            for column, value in enumerate(cells):
                self.fieldsTable.setItem(index, column, QTableWidgetItem(value))
        staff = self.ctx.staff
        may_resolve = conflict_service.may_acknowledge(staff, conflict.kind)
        self.reapplyButton.setVisible(conflict.actionable and may_resolve)
        # A profile conflict about a member this assistant may not open is not theirs (R15).
        self.discardButton.setVisible(may_resolve and conflict.may_open)
        for_manager = self.tr("For the manager: only they mark it as read.")
        if not may_resolve and not conflict.actionable:
            self.message.show_info(for_manager)
        elif self.message.text() == for_manager:
            self.message.show_info("")
        self.reapplyButton.setText(self.tr("Re-apply this till's value"))
        self.discardButton.setText(
            self.tr("Keep HQ's value") if conflict.actionable else self.tr("Mark as read")
        )

    # ------------------------------------------------------------------ actions

    def _reapply(self) -> None:
        conflict = self.selected()
        if conflict is None:
            return
        till = self.ctx.till
        self.ctx.ops.db(
            conflict_service.reapply,
            till.db,
            till.cipher,
            conflict.id,
            staff=self.ctx.staff,
            now=till.clock.now(),
        ).success(self._after_reapply).failure(self._failed).run()

    def _after_reapply(self, _event_id: str) -> None:
        self.message.show_info(self.tr("Sent again: HQ decides when it arrives."))
        self.reapplied.emit()
        self.reload()

    def _discard(self) -> None:
        conflict = self.selected()
        if conflict is None:
            return
        till = self.ctx.till
        self.ctx.ops.db(
            conflict_service.discard,
            till.db,
            conflict.id,
            staff=self.ctx.staff,
            now=till.clock.now(),
        ).success(self._after_discard).failure(self._failed).run()

    def _after_discard(self, _result: object) -> None:
        self.reload()

    def _all_read(self) -> None:
        till = self.ctx.till
        shown = [conflict.id for conflict in self.conflicts]
        self.ctx.ops.db(
            conflict_service.acknowledge_all,
            till.db,
            shown,
            staff=self.ctx.staff,
            now=till.clock.now(),
        ).success(self._after_all_read).failure(self._failed).run()

    def _after_all_read(self, count: int) -> None:
        self.message.show_info(self.tr("%1 marked as read.").replace("%1", str(count)))
        self.reload()
