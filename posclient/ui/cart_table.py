"""The cart: one row per line with price, editable quantity, line discounts and amount."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from posclient.domain.pricing import MAX_QTY, CartLine, PricedCart

from . import format as fmt
from .stepper import Stepper

COL_NO, COL_NAME, COL_PRICE, COL_QTY, COL_DISCOUNT, COL_AMOUNT = range(6)
ROW_HEIGHT = 46
QTY_WIDTH = 140


class CartTable(QTableWidget):
    """Scans add rows; the quantity spin box edits a line; the selected line can be removed."""

    qtyChanged = Signal(int, int)  # line_no, qty
    removeRequested = Signal(int)  # line_no

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 6, parent)
        self.setObjectName("cartTable")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        header = self.horizontalHeader()
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        for col in (COL_NO, COL_PRICE, COL_DISCOUNT, COL_AMOUNT):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_QTY, QHeaderView.ResizeMode.Fixed)
        self.setColumnWidth(COL_QTY, QTY_WIDTH)
        header.setMinimumSectionSize(44)
        self._lang = "zh_CN"
        self._retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self.setAccessibleName(self.tr("Cart"))
        self.setHorizontalHeaderLabels(
            [
                "#",
                self.tr("Item"),
                self.tr("Price"),
                self.tr("Qty"),
                self.tr("Discount"),
                self.tr("Amount"),
            ]
        )

    # ------------------------------------------------------------------ rendering

    def show_cart(
        self,
        lines: tuple[CartLine, ...],
        priced: PricedCart,
        *,
        lang: str,
        focus_line: int | None = None,
    ) -> None:
        self._lang = lang
        keep = focus_line or self.selected_line()
        self.setRowCount(len(priced.lines))
        for row, (line, p) in enumerate(zip(lines, priced.lines, strict=True)):
            price = fmt.yuan(p.unit_paid)
            list_price = self.tr("List price %1").replace("%1", fmt.yuan(p.unit_price))
            cells = {
                COL_NO: str(p.line_no),
                COL_NAME: line.product.display_name(lang),
                COL_PRICE: price,
                COL_DISCOUNT: fmt.minus_yuan(p.discounts),
                COL_AMOUNT: fmt.yuan(p.gross - p.discounts),
            }
            for col, text in cells.items():
                item = QTableWidgetItem(text)
                if col != COL_NAME:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if col == COL_NAME:
                    item.setToolTip(f"{line.product.sku}  {line.product.barcode or ''}")
                if col == COL_PRICE and p.unit_paid != p.unit_price:
                    item.setToolTip(list_price)  # the saving is in the discount column
                self.setItem(row, col, item)
            self._qty_spin(row, p.line_no, p.qty)
        if keep and 1 <= keep <= self.rowCount():
            self.selectRow(keep - 1)

    def _qty_spin(self, row: int, line_no: int, qty: int) -> None:
        editor = self.cellWidget(row, COL_QTY)
        if not isinstance(editor, Stepper):
            editor = Stepper(minimum=1, maximum=MAX_QTY, edit_width=44)
            editor.setContentsMargins(3, 3, 3, 3)
            editor.committed.connect(lambda value, e=editor: self._on_qty_changed(e, value))
            self.setCellWidget(row, COL_QTY, editor)
        editor.setObjectName(f"qty_{line_no}")
        editor.edit.setAccessibleName(self.tr("Quantity of line %1").replace("%1", str(line_no)))
        editor.setProperty("line_no", line_no)
        editor.set_value(qty)

    def _on_qty_changed(self, editor: Stepper, value: int) -> None:
        self.qtyChanged.emit(int(editor.property("line_no")), value)

    def selected_line(self) -> int | None:
        rows = self.selectionModel().selectedRows() if self.selectionModel() else []
        return rows[0].row() + 1 if rows else None

    def qty_editor(self, line_no: int) -> Stepper | None:
        if not 1 <= line_no <= self.rowCount():
            return None
        editor = self.cellWidget(line_no - 1, COL_QTY)
        return editor if isinstance(editor, Stepper) else None

    def move_selection(self, delta: int) -> None:
        if not self.rowCount():
            return
        current = (self.selected_line() or (0 if delta > 0 else self.rowCount() + 1)) - 1
        self.selectRow(max(0, min(self.rowCount() - 1, current + delta)))
