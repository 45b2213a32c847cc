"""One line under the scan field saying what just happened, or why it did not."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QLabel, QWidget


class MessageLine(QLabel):
    """Errors in red, warnings in amber, confirmations in green; never a modal box."""

    def __init__(self, parent: QWidget | None = None, *, name: str = "messageLine") -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWordWrap(False)
        self.setMinimumHeight(30)
        self.show_info("")

    def show_error(self, text: str, *, beep: bool = True) -> None:
        self._show(text, "error")
        if beep:
            QApplication.beep()

    def show_warning(self, text: str) -> None:
        self._show(text, "warning")

    def show_info(self, text: str) -> None:
        self._show(text, "info")

    @property
    def level(self) -> str:
        return str(self.property("level"))

    def _show(self, text: str, level: str) -> None:
        self.setText(text)
        self.setToolTip(text)
        self.setProperty("level", level)
        self.style().unpolish(self)
        self.style().polish(self)
