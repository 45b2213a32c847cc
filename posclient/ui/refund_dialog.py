"""Refund a past sale found by its receipt number: all of it or some lines."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from posclient.domain.errors import PosError
from posclient.domain.pricing import name_in
from posclient.i18n import text as i18n_text
from posclient.services.checkout import RefundReceipt
from posclient.store.models import SaleLineRow, SaleRow

from . import format as fmt
from .context import Context
from .format import named, with_key
from .message_line import MessageLine
from .stepper import Stepper


class RefundDialog(QDialog):
    """Find the sale, choose quantities, give a reason, refund (one transaction)."""

    refunded = Signal(object)  # RefundReceipt

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("refundDialog")
        self.ctx = ctx
        self.sale: SaleRow | None = None
        self.names_en: dict[int, str] = {}  # line_no → English name, for an English screen
        self.setModal(True)
        self.resize(720, 520)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.receiptInput = named(QLineEdit(), "refundReceiptInput")
        self.findButton = named(QPushButton(), "refundFind")
        row.addWidget(self.receiptInput, 1)
        row.addWidget(self.findButton)
        layout.addLayout(row)
        self.saleLabel = named(QLabel(), "refundSale")
        layout.addWidget(self.saleLabel)
        self.linesTable = named(QTableWidget(0, 5), "refundLines")
        self.linesTable.verticalHeader().hide()
        self.linesTable.verticalHeader().setDefaultSectionSize(44)
        self.linesTable.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.linesTable.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.linesTable.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.linesTable, 1)
        self.reasonInput = named(QLineEdit(), "refundReason")
        layout.addWidget(self.reasonInput)
        self.message = MessageLine(self, name="refundMessage")
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.refundButton = named(QPushButton(), "refundConfirm")
        self.refundButton.setEnabled(False)
        self.closeButton = named(QPushButton(), "refundClose")
        buttons.addStretch(1)
        buttons.addWidget(self.refundButton)
        buttons.addWidget(self.closeButton)
        layout.addLayout(buttons)
        self._connect_signals()
        self._retranslate()
        self.receiptInput.setFocus()

    def _connect_signals(self) -> None:
        self.receiptInput.returnPressed.connect(self._on_find)
        self.findButton.clicked.connect(self._on_find)
        self.refundButton.clicked.connect(self._on_refund)
        self.closeButton.clicked.connect(self.reject)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Refund"))
        self.receiptInput.setPlaceholderText(self.tr("Receipt number, e.g. S001-0000-0000001"))
        self.receiptInput.setAccessibleName(self.tr("Receipt number"))
        self.findButton.setText(with_key(self.tr("Find"), "Enter"))
        self.reasonInput.setPlaceholderText(self.tr("Reason for the refund"))
        self.reasonInput.setAccessibleName(self.tr("Reason"))
        self.refundButton.setText(self.tr("Refund selected"))
        self.closeButton.setText(with_key(self.tr("Close"), "Esc"))
        self.linesTable.setHorizontalHeaderLabels(
            ["#", self.tr("Item"), self.tr("Sold"), self.tr("Refunded"), self.tr("Refund qty")]
        )
        self._render_sale()

    # ------------------------------------------------------------------ find

    def _on_find(self) -> None:
        number = self.receiptInput.text().strip()
        if not number:
            return
        self.ctx.ops.db(self._find, number).success(self._on_found).failure(self._on_failed).run()

    def _find(self, number: str) -> tuple[SaleRow, dict[int, str]]:
        """On the database worker: the sale and its products' English names."""
        checkout = self.ctx.till.checkout
        sale = checkout.find_sale(number)
        return sale, checkout.english_names(sale)

    def _on_found(self, found: tuple[SaleRow, dict[int, str]]) -> None:
        self.sale, self.names_en = found
        self.message.show_info("")
        self._render_sale()
        self.reasonInput.setFocus()

    def _render_sale(self) -> None:
        sale = self.sale
        if sale is None:
            self.saleLabel.setText(self.tr("Scan or type the receipt number of the sale."))
            self.linesTable.setRowCount(0)
            return
        when = fmt.local_hhmm(self.ctx.clock, sale.created_at)
        self.saleLabel.setText(
            self.tr("Receipt %1 · %2 · paid %3")
            .replace("%1", sale.receipt_no)
            .replace("%2", when)
            .replace("%3", fmt.yuan(sale.amount_due))
        )
        self.linesTable.setRowCount(len(sale.lines))
        any_left = False
        for row, line in enumerate(sale.lines):
            left = line.qty - line.refunded_qty
            any_left = any_left or left > 0
            for col, value in enumerate(
                (str(line.line_no), self._name(line), str(line.qty), str(line.refunded_qty))
            ):
                item = QTableWidgetItem(value)
                if col != 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.linesTable.setItem(row, col, item)
            spin = Stepper(minimum=0, maximum=max(0, left), edit_width=44)
            spin.setObjectName(f"refundQty_{line.line_no}")
            spin.setContentsMargins(3, 3, 3, 3)
            spin.set_value(max(0, left))
            spin.setEnabled(left > 0)
            self.linesTable.setCellWidget(row, 4, spin)
        self.refundButton.setEnabled(any_left)

    def quantities(self) -> dict[int, int]:
        out: dict[int, int] = {}
        if self.sale is None:
            return out
        for row, line in enumerate(self.sale.lines):
            spin = self.linesTable.cellWidget(row, 4)
            if isinstance(spin, Stepper) and spin.typed_value() > 0:
                out[line.line_no] = spin.typed_value()
        return out

    def _name(self, line: SaleLineRow) -> str:
        return name_in(self.ctx.lang, line.name, self.names_en.get(line.line_no, ""))

    # ------------------------------------------------------------------ refund

    def _on_refund(self) -> None:
        if self.sale is None:
            return
        staff = self.ctx.staff
        self.refundButton.setEnabled(False)
        self.ctx.ops.db(
            self.ctx.till.checkout.refund_sale,
            self.sale.receipt_no,
            quantities=self.quantities(),
            staff_id=staff.staff_id if staff else "",
            reason=self.reasonInput.text().strip(),
        ).success(self._on_refunded).failure(self._on_failed).run()

    def _on_refunded(self, refund: RefundReceipt) -> None:
        self.message.show_info(self.done_text(refund))
        self.refunded.emit(refund)
        # Show the sale as it is now (refunded quantities), ready for another refund or close.
        self.ctx.ops.db(self.ctx.till.checkout.find_sale, refund.receipt_no).success(
            self._on_reloaded
        ).run()

    def _on_reloaded(self, sale: SaleRow) -> None:
        self.sale = sale
        self._render_sale()

    def done_text(self, refund: RefundReceipt) -> str:
        return i18n_text(
            "cli.refund_done",
            self.ctx.lang,
            receipt=refund.receipt_no,
            amount=refund.amount,
            restored=refund.points_restored,
            reversed=refund.points_reversed,
        )

    def _on_failed(self, error: PosError) -> None:
        self.refundButton.setEnabled(self.sale is not None)
        self.message.show_error(self.ctx.error_text(error))
        self.receiptInput.selectAll()
