"""The receipt after a sale: shown on screen, printed (printer or PDF) or sent to ESC/POS."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QMarginsF, QSizeF, Signal
from PySide6.QtGui import QKeySequence, QPageLayout, QPageSize, QShortcut, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from posclient.domain.errors import PosError
from posclient.services.checkout import Receipt

from . import receipt as receipt_doc
from .context import Context
from .escpos_printer import print_receipt
from .format import named, with_key
from .message_line import MessageLine

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrinter  # imported when printing: start-up time

RECEIPT_WIDTH_MM = 80
RECEIPT_HEIGHT_MM = 200


class ReceiptDialog(QDialog):
    """Receipt view with print, save as PDF and ESC/POS buttons."""

    printed = Signal(str)  # "pdf:<path>" | "printer" | "escpos"

    def __init__(
        self,
        ctx: Context,
        receipt: Receipt,
        *,
        reprint: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("receiptDialog")
        self.ctx = ctx
        self.receipt = receipt
        self.reprint = reprint
        self.setModal(True)
        self.resize(460, 640)
        layout = QVBoxLayout(self)
        self.receiptView = named(QTextBrowser(), "receiptView")
        layout.addWidget(self.receiptView, 1)
        self.message = MessageLine(self, name="receiptMessage")
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.printButton = named(QPushButton(), "printButton")
        self.pdfButton = named(QPushButton(), "pdfButton")
        self.escposButton = named(QPushButton(), "escposButton")
        self.closeButton = named(QPushButton(), "closeReceipt")
        self.closeButton.setDefault(True)
        for button in (self.printButton, self.pdfButton, self.escposButton, self.closeButton):
            row.addWidget(button)
        layout.addLayout(row)
        self.escposButton.setVisible(bool(ctx.settings.get("escpos")))
        self._print_shortcut = QShortcut(QKeySequence("Ctrl+P"), self)
        self._connect_signals()
        self._retranslate()

    def _connect_signals(self) -> None:
        self.printButton.clicked.connect(self._on_print_clicked)
        self._print_shortcut.activated.connect(self._on_print_clicked)
        self.pdfButton.clicked.connect(self._on_pdf_clicked)
        self.escposButton.clicked.connect(self._on_escpos_clicked)
        self.closeButton.clicked.connect(self.accept)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Receipt %1").replace("%1", self.receipt.receipt_no))
        self.receiptView.setAccessibleName(self.tr("Receipt"))
        self.printButton.setText(with_key(self.tr("Print"), "Ctrl+P"))
        self.pdfButton.setText(self.tr("Save as PDF"))
        self.escposButton.setText(self.tr("Receipt printer"))
        self.closeButton.setText(with_key(self.tr("Close"), "Enter"))
        self.doc = receipt_doc.build(
            self.receipt, lang=self.ctx.lang, clock=self.ctx.clock, reprint=self.reprint
        )
        self.receiptView.setHtml(receipt_doc.to_html(self.doc))

    # ------------------------------------------------------------------ printing

    def document(self) -> QTextDocument:
        document = QTextDocument(self)
        document.setDefaultFont(self.receiptView.font())
        document.setHtml(receipt_doc.to_html(self.doc))
        return document

    def _printer(self) -> QPrinter:
        from PySide6.QtPrintSupport import QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        size = QPageSize(
            QSizeF(RECEIPT_WIDTH_MM, RECEIPT_HEIGHT_MM), QPageSize.Unit.Millimeter, "receipt"
        )
        printer.setPageLayout(
            QPageLayout(size, QPageLayout.Orientation.Portrait, QMarginsF(4, 4, 4, 4))
        )
        return printer

    def save_pdf(self, path: Path | str) -> Path:
        """Write the receipt as a PDF (what "Save as PDF" does after the file dialog)."""
        from PySide6.QtPrintSupport import QPrinter

        printer = self._printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(path))
        self.document().print_(printer)
        target = Path(path)
        if not target.exists():
            raise PosError("print.pdf_failed", path=str(path))
        self.printed.emit(f"pdf:{target}")
        return target

    def _on_pdf_clicked(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save receipt as PDF"), f"{self.receipt.receipt_no}.pdf", "PDF (*.pdf)"
        )
        if not name:
            return
        try:
            self.save_pdf(name)
        except PosError as error:
            self.message.show_error(self.ctx.error_text(error))
        else:
            self.message.show_info(self.tr("Saved %1").replace("%1", name))

    def _on_print_clicked(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog

        printer = self._printer()
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.document().print_(printer)
        self.message.show_info(self.tr("Sent to the printer"))
        self.printed.emit("printer")

    def _on_escpos_clicked(self) -> None:
        spec = self.ctx.settings.get("escpos", "")
        lines = receipt_doc.to_text(self.doc)
        self.escposButton.setEnabled(False)
        self.ctx.ops.net(print_receipt, spec, lines).success(self._on_escpos_done).failure(
            self._on_escpos_failed
        ).run()

    def _on_escpos_done(self, _result: object) -> None:
        self.escposButton.setEnabled(True)
        self.message.show_info(self.tr("Printed on the receipt printer"))
        self.printed.emit("escpos")

    def _on_escpos_failed(self, error: PosError) -> None:
        self.escposButton.setEnabled(True)
        self.message.show_error(self.ctx.error_text(error))
