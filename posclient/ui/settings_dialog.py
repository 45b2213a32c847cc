"""Till settings: language, receipt printer (ESC/POS), keyboard-wedge scanner."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .format import named, with_key
from .message_line import MessageLine
from .translation import LANGUAGES


class SettingsDialog(QDialog):
    """Edits a copy of the settings; ``values()`` is what to save."""

    # The manager asked to pair the till with HQ again ("Pair with HQ…").
    pairRequested = Signal()

    def __init__(
        self, current: dict[str, str], parent: QWidget | None = None, *, can_pair: bool = False
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setModal(True)
        self.setMinimumWidth(640)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.langCombo = named(QComboBox(), "languageChoice")
        for code, name in LANGUAGES.items():
            self.langCombo.addItem(name, code)
        self.langCombo.setCurrentIndex(
            max(0, self.langCombo.findData(current.get("lang", "zh_CN")))
        )
        self.escposInput = named(QLineEdit(current.get("escpos", "")), "escposSetting")
        self.prefixInput = named(QLineEdit(current.get("wedge_prefix", "")), "wedgePrefix")
        self.suffixInput = named(QLineEdit(current.get("wedge_suffix", "")), "wedgeSuffix")
        self.gapInput = named(QLineEdit(current.get("wedge_max_gap_ms", "")), "wedgeGap")
        self.minInput = named(QLineEdit(current.get("wedge_min_length", "")), "wedgeMinLength")
        # issue 9: what the first-run wizard set, editable here by a manager
        self.hqInput = named(QLineEdit(current.get("hq_url", "")), "hqUrlSetting")
        self.storeInput = named(QLineEdit(current.get("store", "")), "storeSetting")
        self._labels = [QLabel() for _ in range(8)]
        for label, field in zip(
            self._labels,
            (
                self.langCombo,
                self.escposInput,
                self.prefixInput,
                self.suffixInput,
                self.gapInput,
                self.minInput,
                self.hqInput,  # issue 9
                self.storeInput,
            ),
            strict=True,
        ):
            label.setBuddy(field)
            form.addRow(label, field)
        # Pairing again (HQ refused the token, or it is missing): managers only, own dialog.
        self.pairButton = named(QPushButton(self), "settingsPair")
        self.pairButton.setVisible(can_pair)
        if can_pair:
            pair_row = QHBoxLayout()
            pair_row.addWidget(self.pairButton)
            pair_row.addStretch(1)
            form.addRow("", pair_row)
        layout.addLayout(form)
        self.message = MessageLine(self, name="settingsMessage")
        layout.addWidget(self.message)
        row = QHBoxLayout()
        row.addStretch(1)
        self.saveButton = named(QPushButton(), "settingsSave")
        self.saveButton.setDefault(True)
        self.cancelButton = named(QPushButton(), "settingsCancel")
        row.addWidget(self.saveButton)
        row.addWidget(self.cancelButton)
        layout.addLayout(row)
        self._connect_signals()
        self._retranslate()

    def _connect_signals(self) -> None:
        self.saveButton.clicked.connect(self.accept)
        self.cancelButton.clicked.connect(self.reject)
        self.pairButton.clicked.connect(self.pairRequested)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Settings"))
        texts = (
            self.tr("Language"),
            self.tr("Receipt printer (ESC/POS)"),
            self.tr("Scanner prefix"),
            self.tr("Scanner suffix"),
            self.tr("Max. gap between scanner keys (ms)"),
            self.tr("Shortest scan (characters)"),
            self.tr("HQ address"),  # issue 9
            self.tr("Store code"),
        )
        for label, text in zip(self._labels, texts, strict=True):
            label.setText(text)
        self.escposInput.setPlaceholderText(
            self.tr("usb:04b8:0202, network:192.168.1.50 or file:/dev/usb/lp0; empty for none")
        )
        self.gapInput.setPlaceholderText("40")
        self.minInput.setPlaceholderText("4")
        self.pairButton.setText(self.tr("Pair with HQ…"))
        self.pairButton.setToolTip(
            self.tr("Enter a new pairing code from HQ when HQ refused this till's token")
        )
        self.saveButton.setText(with_key(self.tr("Save"), "Enter"))
        self.cancelButton.setText(with_key(self.tr("Cancel"), "Esc"))

    def set_paired(self, hq_url: str, store: str) -> None:
        """The till was paired again: show HQ's address and store, so Save keeps them."""
        self.hqInput.setText(hq_url)
        self.storeInput.setText(store)

    def values(self) -> dict[str, str]:
        return {
            "lang": str(self.langCombo.currentData()),
            "escpos": self.escposInput.text().strip(),
            "wedge_prefix": self.prefixInput.text(),
            "wedge_suffix": self.suffixInput.text(),
            "wedge_max_gap_ms": self.gapInput.text().strip(),
            "wedge_min_length": self.minInput.text().strip(),
            "hq_url": self.hqInput.text().strip(),  # issue 9
            "store": self.storeInput.text().strip(),
        }
