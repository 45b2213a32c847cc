"""A till HQ no longer accepts (device revoked: 401; or its device token gone) says so in the
status bar and the queue view, "Sync now" says why nothing happens, and a manager pairs it again
from Settings with a new code: the status returns to online and the waiting sale reaches HQ.
All against the real HQ process on loopback."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from posclient import app
from posclient.services import settings, staff, status
from posclient.services.sync import TOKEN
from posclient.store.uow import UnitOfWork
from tests.helpers import sql
from tests.sync.conftest import fast_client, hq_cli
from tests.ui import served
from tests.ui.conftest import login, scan, wait_idle

MILK = "6901234000009"


@pytest.fixture
def hq(tmp_path: Path):
    yield from served.demo_hq(tmp_path)


@pytest.fixture
def till(data_dir: Path, clock, hq):
    yield from served.paired_demo_till(data_dir, clock, hq)


def device_id(till) -> str:
    with till.db.read() as session:
        return settings.get(session, "device_id") or ""


def sell_milk(qtbot, window, key_clock) -> str:
    page = window.checkoutPage
    scan(qtbot, window, key_clock, MILK)
    with qtbot.waitSignal(page.saleCompleted, timeout=10_000) as paid:
        qtbot.keyClick(page.scanInput, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: page.receiptDialog is not None and page.receiptDialog.isVisible())
    page.receiptDialog.accept()
    qtbot.waitUntil(lambda: page.receiptDialog is None)
    return paid.args[0].receipt_no


def open_pair_dialog_from_settings(qtbot, window):
    """F10, then "Pair with HQ…" in the settings dialog (a manager is logged in)."""
    qtbot.keyClick(window.checkoutPage.scanInput, Qt.Key.Key_F10)
    settings_dialog = window.settingsDialog
    qtbot.waitUntil(settings_dialog.isVisible)
    assert settings_dialog.pairButton.isVisible()
    qtbot.mouseClick(settings_dialog.pairButton, Qt.MouseButton.LeftButton)
    dialog = window.pairDialog
    qtbot.waitUntil(dialog.isVisible)
    return settings_dialog, dialog


def pair_with(qtbot, dialog, code: str) -> None:
    dialog.codeInput.setText(code)
    qtbot.mouseClick(dialog.pairButton, Qt.MouseButton.LeftButton)


def test_revoked_till_says_pair_again_and_a_manager_pairs_it_again(
    qtbot, window, key_clock, till, hq, data_dir, clock
):
    window.client_factory = fast_client
    app.start_sync(till, window, demo=False, data_dir=data_dir)
    controller = window.sync
    qtbot.waitUntil(lambda: "在线" in window.syncStatus.text(), timeout=30_000)

    # HQ revokes the device; the next sale's pass gets 401.
    old_device = device_id(till)
    hq_cli("revoke", "--db", hq.db_url, "--device", old_device)
    clock.at += timedelta(seconds=1)
    login(qtbot, window, "c01", "1111")
    receipt_no = sell_milk(qtbot, window, key_clock)
    qtbot.waitUntil(
        lambda: (
            controller.last_report is not None
            and controller.last_report.error == "sync.unauthorized"
        ),
        timeout=15_000,
    )
    qtbot.waitUntil(lambda: "需要重新配对" in window.syncStatus.text(), timeout=10_000)
    assert window.syncStatus.text().startswith("● 需要重新配对 · 待上传 1 · 同步于 ")
    assert "总部拒绝了本机的令牌" in window.syncStatus.toolTip()
    assert "店长" in window.syncStatus.toolTip() and "F10" in window.syncStatus.toolTip()
    assert not window.ctx.online and window.ctx.status.needs_pairing
    assert window.syncStatus.property("needsPairing") is True
    # The same source of truth as `posclient-admin status`'s needs_pairing.
    with till.db.read() as session:
        assert status.needs_pairing(settings.all_settings(session))

    # The queue view names the reason; "Sync now" says why nothing is sent.
    qtbot.keyClick(window.checkoutPage.scanInput, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    queue = window.queueDialog
    qtbot.waitUntil(lambda: queue.table.rowCount() == 1)
    assert sql(till.db.path, "SELECT last_error FROM outbox WHERE status = 'pending'") == [
        ("sync.unauthorized",)
    ]
    assert queue.table.item(0, 4).text() == "暂缓上传：本机需要重新与总部配对"
    assert "尚未送达" not in queue.table.item(0, 4).text()
    assert "重新与总部配对" in queue.summaryLabel.text()
    passes = controller.last_report
    queue.syncButton.click()
    assert queue.message.level == "error"
    assert queue.message.text() == "未上传：请先重新与总部配对（店长，设置 F10）。"
    wait_idle(qtbot, window)
    assert controller.last_report is passes and not controller.running  # nothing was tried
    queue.close()

    # Not for a cashier: no settings, no pairing.
    window.open_pairing()
    assert getattr(window, "pairDialog", None) is None
    assert "无权" in window.checkoutPage.message.text()
    assert not staff.can("cashier", "pair") and not staff.can("assistant", "pair")
    assert staff.can("manager", "pair")

    # A manager pairs again from Settings: a used code is refused in one line, a fresh one pairs.
    window.logout()
    login(qtbot, window, "m01", "9999")
    settings_dialog, dialog = open_pair_dialog_from_settings(qtbot, window)
    assert dialog.urlInput.text() == hq.url
    assert "总部拒绝了本机的令牌" in dialog.reasonLabel.text()
    pair_with(qtbot, dialog, "NOT-A-CODE")
    assert dialog.progress.isVisible() and not dialog.pairButton.isEnabled()  # off the GUI thread
    qtbot.waitUntil(lambda: dialog.message.level == "error", timeout=10_000)
    assert dialog.message.text() == "配对码无效或已使用"
    assert not dialog.progress.isVisible() and dialog.pairButton.isEnabled()

    clock.at += timedelta(seconds=1)
    pair_with(qtbot, dialog, hq.pairing_code())
    qtbot.waitUntil(lambda: dialog.paired_as is not None, timeout=10_000)
    assert dialog.message.text().startswith("配对成功")
    token = till.secrets.get(TOKEN)
    assert token and token not in dialog.message.text()
    assert device_id(till) != old_device

    # The background sync resumes by itself: the waiting sale reaches HQ, the status is online.
    qtbot.waitUntil(lambda: (receipt_no,) in served.hq_sales(hq), timeout=15_000)
    qtbot.waitUntil(
        lambda: window.syncStatus.text().startswith("● 在线 · 待上传 0 · 同步于 "), timeout=10_000
    )
    assert window.ctx.online and not window.ctx.status.needs_pairing
    assert settings_dialog.hqInput.text() == hq.url and settings_dialog.storeInput.text() == "S001"
    devices = hq_cli("devices", "--db", hq.db_url)
    assert f"{old_device}" in devices and "revoked" in devices
    dialog.close()
    settings_dialog.close()


def test_missing_token_says_pair_again_in_english_and_pairing_brings_it_back(
    qtbot, window, key_clock, till, hq, data_dir, clock
):
    till.secrets.delete(TOKEN)  # a till opened without its secrets
    window.client_factory = fast_client
    window.set_language("en")
    app.start_sync(till, window, demo=False, data_dir=data_dir)
    qtbot.waitUntil(lambda: "Pair again" in window.syncStatus.text(), timeout=10_000)
    assert window.syncStatus.text() == "● Pair again · 0 waiting"
    assert "no device token" in window.syncStatus.toolTip()
    qtbot.waitUntil(lambda: window.sync.schedule.stopped, timeout=10_000)

    login(qtbot, window, "m01", "9999")
    receipt_no = sell_milk(qtbot, window, key_clock)
    qtbot.waitUntil(lambda: window.syncStatus.text() == "● Pair again · 1 waiting", timeout=10_000)
    window.open_queue()
    queue = window.queueDialog
    qtbot.waitUntil(lambda: queue.table.rowCount() == 1)
    assert queue.table.item(0, 4).text() == "Held back: this till must be paired with HQ again"
    queue.syncButton.click()
    assert queue.message.text().startswith("Not sent: pair this till with HQ again first")
    queue.close()

    # From the status: no Settings in between (F10 is the usual way; the dialog is the same).
    clock.at += timedelta(seconds=1)
    window.open_pairing()
    dialog = window.pairDialog
    assert dialog.windowTitle() == "Pair with HQ"
    assert "no device token" in dialog.reasonLabel.text()
    pair_with(qtbot, dialog, "")
    assert dialog.message.text() == "Type the pairing code"
    pair_with(qtbot, dialog, hq.pairing_code())
    qtbot.waitUntil(lambda: dialog.paired_as is not None, timeout=10_000)
    assert dialog.message.text().startswith("Paired: this till is device")
    qtbot.waitUntil(lambda: (receipt_no,) in served.hq_sales(hq), timeout=15_000)
    qtbot.waitUntil(lambda: window.syncStatus.text() == "● Online · 0 waiting", timeout=10_000)
    dialog.close()


def test_pairing_unreachable_hq_says_so_and_changes_nothing(qtbot, window, till, hq, clock):
    """HQ down while pairing again: one translated line, the till keeps needing pairing."""
    with UnitOfWork(till.db) as uow:  # what the engine records on a 401
        settings.put(uow.session, "auth_failed", "1")
        uow.commit()
    window.client_factory = fast_client
    window.refresh_status()
    qtbot.waitUntil(lambda: "需要重新配对" in window.syncStatus.text(), timeout=10_000)
    hq.stop()
    login(qtbot, window, "m01", "9999")
    window.open_pairing()
    dialog = window.pairDialog
    pair_with(qtbot, dialog, "ABCD-EFGH")
    qtbot.waitUntil(lambda: dialog.message.level == "error", timeout=15_000)
    assert dialog.message.text().startswith("无法连接总部")
    assert "配对码未使用" in dialog.message.text()
    dialog.urlInput.setText("ftp://nowhere")
    pair_with(qtbot, dialog, "ABCD-EFGH")
    assert dialog.message.level == "error" and "ftp://nowhere" in dialog.message.text()
    window.set_language("en")  # the line is said again in the new language
    qtbot.waitUntil(lambda: dialog.message.text().isascii())
    assert (
        dialog.message.text() == "The HQ address must start with http:// or https://: ftp://nowhere"
    )
    assert dialog.windowTitle() == "Pair with HQ"
    window.refresh_status()
    wait_idle(qtbot, window)
    assert window.syncStatus.text().startswith("● Pair again")
    dialog.close()


def test_needs_pairing_follows_the_engine_flag_and_the_token():
    assert status.needs_pairing({"auth_failed": "1"})
    assert not status.needs_pairing({"auth_failed": ""})
    assert status.needs_pairing({"hq_url": "http://hq", "auth_failed": ""}, has_token=False)
    assert not status.needs_pairing({"hq_url": "http://hq"}, has_token=None)
    assert not status.needs_pairing({"hq_url": ""}, has_token=False)  # no HQ: just offline
