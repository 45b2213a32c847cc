"""The dialog for a bug: what to do now, and the traceback (already in the log) for support."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


class CrashDialog(QMessageBox):
    """Non-modal: the till keeps working; the sale in progress is not lost."""

    def __init__(self, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crashDialog")
        self.setIcon(QMessageBox.Icon.Critical)
        self.setWindowTitle(self.tr("Unexpected error"))
        self.setText(
            self.tr(
                "Something went wrong inside posclient. The sale in progress is kept; "
                "try again, and tell support if it happens again."
            )
        )
        self.setDetailedText(details)
        self.setStandardButtons(QMessageBox.StandardButton.Close)
        self.setModal(False)
