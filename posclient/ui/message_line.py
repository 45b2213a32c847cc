"""One line under the scan field saying what just happened, or why it did not."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QApplication, QLabel, QWidget


class MessageLine(QLabel):
    """Errors in red, warnings in amber, confirmations in green; never a modal box."""

    def __init__(self, parent: QWidget | None = None, *, name: str = "messageLine") -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWordWrap(False)
        self.setMinimumHeight(30)
        self._said: tuple[str, Callable[[], str]] | None = None
        self.show_info("")

    def say(self, level: str, render: Callable[[], str]) -> None:
        """Show ``render()`` at ``level`` ("error" without a beep, "warning", "info") and keep
        it, so that ``say_again`` words it anew after the language changed."""
        self._said = (level, render)
        self.say_again()

    def say_again(self) -> None:
        """The last ``say``, rendered again (call it on QEvent.LanguageChange)."""
        if self._said is None:
            return
        level, render = self._said
        if level == "error":
            self.show_error(render(), beep=False)
        elif level == "warning":
            self.show_warning(render())
        else:
            self.show_info(render())

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
