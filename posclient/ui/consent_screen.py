"""The consent notice on the customer-facing screen, when the till has one.

With a second screen connected, the customer reads each purpose's notice there, full screen, in
their language; without one the notice is shown in the enrolment dialog itself and the staff
member turns the till towards the customer.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from .format import named


def customer_screen(screens: Sequence[QScreen], till_screen: QScreen | None) -> QScreen | None:
    """The screen the customer faces: the first one that is not the till's; None if only one."""
    for screen in screens:
        if screen is not till_screen:
            return screen
    return None


def find_customer_screen(widget: QWidget) -> QScreen | None:
    return customer_screen(QGuiApplication.screens(), widget.screen())


class CustomerNoticeWindow(QWidget):
    """A frameless full-screen window on the customer's screen showing one notice at a time."""

    def __init__(self, screen: QScreen) -> None:
        super().__init__(None, Qt.WindowType.FramelessWindowHint | Qt.WindowType.Tool)
        self.setObjectName("customerNotice")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(60, 60, 60, 60)
        self.title = named(QLabel(), "customerNoticeTitle")
        self.body = named(QLabel(), "customerNoticeBody")
        self.body.setWordWrap(True)
        self.body.setStyleSheet("font-size: 28px;")
        self.title.setStyleSheet("font-size: 34px; font-weight: bold;")
        layout.addWidget(self.title)
        layout.addWidget(self.body, 1)
        self.setGeometry(screen.geometry())

    def show_notices(self, title: str, texts: list[str]) -> None:
        self.title.setText(title)
        self.body.setText("\n\n".join(texts))
        self.showFullScreen()
