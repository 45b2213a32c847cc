"""Cancel (void) the sale in progress, with a reason for the audit log."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .format import named, with_key


class VoidDialog(QDialog):
    """Pick or type a reason; the sale is voided only when there is one."""

    def __init__(self, summary: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("voidDialog")
        self.setModal(True)
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        self.summaryLabel = named(QLabel(summary), "voidSummary")
        self.summaryLabel.setWordWrap(True)
        layout.addWidget(self.summaryLabel)
        self.reasonCombo = named(QComboBox(), "voidReasonChoice")
        layout.addWidget(self.reasonCombo)
        self.reasonInput = named(QLineEdit(), "voidReason")
        layout.addWidget(self.reasonInput)
        row = QHBoxLayout()
        self.confirmButton = named(QPushButton(), "voidConfirm")
        self.backButton = named(QPushButton(), "voidBack")
        row.addWidget(self.confirmButton)
        row.addWidget(self.backButton)
        layout.addLayout(row)
        self._connect_signals()
        self._retranslate()
        self.reasonInput.setFocus()

    def _connect_signals(self) -> None:
        self.confirmButton.clicked.connect(self._on_confirm)
        self.backButton.clicked.connect(self.reject)
        self.reasonCombo.currentIndexChanged.connect(self._on_choice)
        self.reasonInput.textChanged.connect(self._on_text)
        self.reasonInput.returnPressed.connect(self._on_confirm)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Cancel the sale"))
        current = self.reasonCombo.currentIndex()
        self.reasonCombo.blockSignals(True)
        self.reasonCombo.clear()
        self.reasonCombo.addItems(
            [
                self.tr("Choose a reason…"),
                self.tr("Customer changed their mind"),
                self.tr("Wrong items scanned"),
                self.tr("Price disagreement"),
                self.tr("Payment failed"),
            ]
        )
        self.reasonCombo.setCurrentIndex(max(0, current))
        self.reasonCombo.blockSignals(False)
        self.reasonInput.setPlaceholderText(self.tr("Reason (required)"))
        self.reasonInput.setAccessibleName(self.tr("Reason"))
        self.confirmButton.setText(with_key(self.tr("Cancel sale"), "Enter"))
        self.backButton.setText(with_key(self.tr("Keep selling"), "Esc"))
        self._on_text(self.reasonInput.text())

    def _on_choice(self, index: int) -> None:
        if index > 0:
            self.reasonInput.setText(self.reasonCombo.itemText(index))

    def _on_text(self, text: str) -> None:
        self.confirmButton.setEnabled(bool(text.strip()))

    def _on_confirm(self) -> None:
        if self.reason():
            self.accept()

    def reason(self) -> str:
        return self.reasonInput.text().strip()
