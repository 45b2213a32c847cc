"""Real widgets offscreen on a real SQLite till: a window fixture, login and wedge helpers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from posclient.ui import theme
from posclient.ui.context import Context
from posclient.ui.operations import Operations
from posclient.ui.translation import Translations
from posclient.ui.window import MainWindow

pytestmark = pytest.mark.gui

SCANNER_GAP_MS = 3.0
PERSON_GAP_MS = 180.0


class KeyClock:
    """The wedge filter's clock: tests move it, nothing sleeps."""

    def __init__(self) -> None:
        self.ms = 1_000_000.0

    def __call__(self) -> float:
        return self.ms

    def advance(self, ms: float) -> None:
        self.ms += ms


@pytest.fixture(scope="session", autouse=True)
def _themed(qapp):
    theme.apply(qapp)  # the real style sheet and CJK font: layout bugs show up in tests too
    yield


@pytest.fixture
def key_clock() -> KeyClock:
    return KeyClock()


@pytest.fixture
def window(qtbot, till, key_clock) -> Iterator[MainWindow]:
    """The till window on the demo till, login screen showing, staff list loaded."""
    from posclient.services import till_settings

    translations = Translations()
    values = till_settings.load(till.db)
    translations.switch(values.get("lang"))
    ops = Operations()
    ctx = Context(till=till, ops=ops, translations=translations, settings=values)
    win = MainWindow(ctx, wedge_clock=key_clock)
    ops.setParent(win)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    win.start()
    qtbot.waitUntil(lambda: win.loginPage.staffCombo.count() == 3)
    yield win
    win.shutdown()
    assert ops.bugs == [], ops.bugs[0] if ops.bugs else ""


def wait_idle(qtbot, win: MainWindow) -> None:
    """Every queued database operation has finished and its callback has run."""
    qtbot.waitUntil(lambda: win.ctx.ops.busy == 0, timeout=10_000)


def login(qtbot, win: MainWindow, staff_id: str = "c01", pin: str = "1111") -> None:
    page = win.loginPage
    page.select_staff(staff_id)
    page.pinInput.setFocus()
    page.pinInput.setText(pin)
    with qtbot.waitSignal(win.readyToScan, timeout=10_000):
        qtbot.keyClick(page.pinInput, Qt.Key.Key_Return)
    wait_idle(qtbot, win)


def key(target: QWidget, char: str = "", key_code: int | None = None, *, release=True) -> None:
    """One key press (+ release) through QApplication, so the application's filters see it."""
    code = key_code if key_code is not None else (ord(char.upper()) if char else 0)
    QApplication.sendEvent(
        target, QKeyEvent(QEvent.Type.KeyPress, code, Qt.KeyboardModifier.NoModifier, char)
    )
    if release:
        QApplication.sendEvent(
            target, QKeyEvent(QEvent.Type.KeyRelease, code, Qt.KeyboardModifier.NoModifier, char)
        )


def focus_target() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has keyboard focus"
    return widget


def wedge_burst(
    clock: KeyClock, text: str, *, gap: float = SCANNER_GAP_MS, enter: bool = True
) -> None:
    """A keyboard-wedge scanner: keys ``gap`` ms apart, then Enter, into whatever has focus."""
    for char in text:
        clock.advance(gap)
        key(focus_target(), char)
    if enter:
        clock.advance(gap)
        key(focus_target(), "\r", Qt.Key.Key_Return)


def person_types(clock: KeyClock, win: MainWindow, text: str, *, enter: bool = False) -> None:
    """A person at the keyboard: keys far apart; each is released to the widget in time."""
    for char in text:
        clock.advance(PERSON_GAP_MS)
        win.wedge.release_expired()  # what the filter's timer does between keys
        key(focus_target(), char)
    clock.advance(PERSON_GAP_MS)
    win.wedge.release_expired()
    if enter:
        key(focus_target(), "\r", Qt.Key.Key_Return)


def scan(qtbot, win: MainWindow, clock: KeyClock, text: str) -> None:
    """A wedge scan, waiting until the checkout screen shows its result (or its error)."""
    page = win.checkoutPage
    before = page.message.text()
    with qtbot.waitSignal(win.ctx.ops.busyChanged, timeout=10_000):
        wedge_burst(clock, text)
    wait_idle(qtbot, win)
    del before
