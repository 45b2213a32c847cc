"""The application-wide wedge filter with simulated key events and a controlled clock:
scans wherever focus is, people's typing untouched, IME events, partial bursts."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QInputMethodEvent, QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from posclient.scanning.wedge import WedgeConfig
from posclient.ui.wedge_filter import WedgeFilter
from tests.ui.conftest import key, login, person_types, scan, wait_idle, wedge_burst


@pytest.fixture
def form(qtbot, qapp, key_clock):
    """Two IME-enabled text fields and a wedge filter on the application."""
    widget = QWidget()
    layout = QVBoxLayout(widget)
    first, second = QLineEdit(objectName="first"), QLineEdit(objectName="second")
    layout.addWidget(first)
    layout.addWidget(second)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    first.setFocus()
    qtbot.waitUntil(first.hasFocus)
    wedge = WedgeFilter(WedgeConfig(prefix="]E0"), clock=key_clock)
    scans: list[str] = []
    partial: list[str] = []
    wedge.scanned.connect(scans.append)
    wedge.partialScan.connect(partial.append)
    qapp.installEventFilter(wedge)
    yield widget, first, second, wedge, scans, partial
    qapp.removeEventFilter(wedge)


def ime(target: QWidget, *, preedit: str = "", commit: str = "") -> None:
    event = QInputMethodEvent(preedit, [])
    if commit:
        event.setCommitString(commit)
    QApplication.sendEvent(target, event)


def test_scan_wherever_focus_is_and_field_stays_clean(form, key_clock):
    _, first, second, _, scans, _ = form
    wedge_burst(key_clock, "]E06901234000009")
    second.setFocus()
    wedge_burst(key_clock, "2990000000026")
    assert scans == ["6901234000009", "2990000000026"]
    assert first.text() == second.text() == ""


def test_person_typing_reaches_the_field_through_the_timer(qtbot, form, key_clock):
    _, first, _, _, scans, _ = form
    key(first, "S")
    assert first.text() == ""  # held: it might be the start of a scan
    key_clock.advance(120)  # no key followed within the gap …
    qtbot.waitUntil(lambda: first.text() == "S")  # … so the filter's timer hands it over
    key_clock.advance(150)
    key(first, "A")
    key_clock.advance(150)
    key(first, "V")  # the previous key is released first: order is kept
    assert first.text() == "SA"
    key_clock.advance(150)
    key(first, "\r", Qt.Key.Key_Return)
    assert first.text() == "SAV" and scans == []


def test_editing_keys_release_held_keys_in_order(form, key_clock):
    _, first, _, _, _, _ = form
    first.setText("12")
    first.end(False)
    key_clock.advance(200)
    key(first, "3")
    key(first, "", Qt.Key.Key_Backspace)  # not a scanner key: "3" goes in, then Backspace
    assert first.text() == "12"


def test_ime_composition_is_left_alone_and_scans_still_work(form, key_clock):
    _, first, _, _, scans, _ = form
    key_clock.advance(200)
    key(first, "a")  # held …
    ime(first, preedit="zhong")  # … the IME starts composing: the person's "a" goes in first
    assert first.text() == "a"
    ime(first, commit="中")
    assert first.text() == "a中"
    # Scanners send plain key events even with a Chinese IME active: still a scan.
    ime(first, preedit="wen")
    wedge_burst(key_clock, "6971234000279")
    assert scans == ["6971234000279"]
    ime(first, commit="文")
    assert first.text() == "a中文"


def test_cjk_key_text_is_a_person(form, key_clock):
    _, first, _, _, scans, _ = form
    key_clock.advance(200)
    key(first, "你", 0)
    assert first.text() == "你" and scans == []


def test_partial_burst_is_dropped_and_reported(qtbot, form, key_clock):
    _, first, _, wedge, scans, partial = form
    wedge_burst(key_clock, "690123", enter=False)  # the scanner was cut off
    key_clock.advance(100)
    wedge.release_expired()
    assert partial == ["690123"] and scans == [] and first.text() == ""


def test_command_keys_and_autorepeat_pass_straight_through(form, key_clock):
    _, first, _, _, scans, _ = form
    first.setText("abc")
    first.selectAll()
    QApplication.sendEvent(
        first,
        QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier, "x"),
    )
    assert first.text() == ""  # Ctrl+X cut, untouched by the filter
    QApplication.sendEvent(
        first,
        QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_7, Qt.KeyboardModifier.NoModifier, "7", True),
    )
    assert first.text() == "7" and scans == []


def test_scan_while_focus_is_on_a_button_of_the_till(qtbot, window, key_clock):
    login(qtbot, window)
    page = window.checkoutPage
    page.refundButton.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    page.refundButton.setFocus()
    scan(qtbot, window, key_clock, "6971234000279")
    assert [line.product.sku for line in page.state.lines] == ["CHIPS"]


def test_partial_burst_warns_the_cashier(qtbot, window, key_clock):
    login(qtbot, window)
    page = window.checkoutPage
    wedge_burst(key_clock, "2990000", enter=False)
    key_clock.advance(100)
    window.wedge.release_expired()
    assert page.message.text() == "扫描不完整，请重新扫描"
    assert page.scanInput.text() == ""


def test_typing_in_the_scan_field_is_manual_entry(qtbot, window, key_clock):
    login(qtbot, window)
    page = window.checkoutPage
    person_types(key_clock, window, "MILK-1L")  # a SKU typed by hand
    assert page.scanInput.text() == "MILK-1L"
    qtbot.keyClick(page.scanInput, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    assert [line.product.sku for line in page.state.lines] == ["MILK-1L"]
