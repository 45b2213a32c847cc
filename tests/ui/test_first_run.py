"""The first-run wizard driven like a person would, against the real HQ process."""

from __future__ import annotations

import socket
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from posclient.bootstrap import open_till
from posclient.services import first_run, settings, till_settings
from posclient.services.sync import TOKEN
from posclient.ui.first_run import FirstRunWizard
from posclient.ui.operations import Operations
from posclient.ui.translation import Translations
from tests.helpers import demo_members_json
from tests.sync.conftest import HqProcess, fast_client, free_port, hq_cli

pytestmark = pytest.mark.gui


@pytest.fixture
def hq_process(tmp_path):
    """The real HQ process on loopback, as in tests/sync."""
    hq = HqProcess(tmp_path / "hq.sqlite3", free_port())
    hq_cli("demo-data", "--db", hq.db_url, "--members", "6")
    hq.start()
    yield hq
    hq.stop()


@pytest.fixture
def fresh_till(tmp_path):
    till = open_till(tmp_path / "till", create=True)
    yield till
    till.close()


@pytest.fixture
def wizard(qtbot, fresh_till):
    ops = Operations()
    wiz = FirstRunWizard(fresh_till, ops, Translations(), client_factory=fast_client)
    ops.setParent(wiz)
    qtbot.addWidget(wiz)
    wiz.show()
    yield wiz
    ops.close()


def next_page(qtbot, wiz) -> None:
    button = wiz.button(QWizard.WizardButton.NextButton)
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def type_into(qtbot, field, text: str) -> None:
    field.clear()
    qtbot.keyClicks(field, text)


class PrinterServer:
    """A network 'printer': a TCP listener that keeps what it receives."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.data = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            while chunk := conn.recv(4096):
                self.data += chunk

    def close(self) -> None:
        self.sock.close()


def test_first_run_pairs_and_saves(qtbot, wizard, fresh_till, hq_process: HqProcess) -> None:
    assert first_run.needs_setup(fresh_till.db)
    # language: the wizard starts in Chinese; switch to English and back
    assert wizard.windowTitle() == "设置收银机"
    wizard.languagePage.combo.setCurrentIndex(wizard.languagePage.combo.findData("en"))
    qtbot.waitUntil(lambda: wizard.windowTitle() == "Set up this till")
    assert wizard.lang == "en" and wizard.hqPage.title() == "Head office (HQ)"
    next_page(qtbot, wizard)

    # HQ: a bad address is refused in one line, a dead one fails the check, the real one passes
    hq_page = wizard.hqPage
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    type_into(qtbot, hq_page.urlInput, "hq.example")
    qtbot.mouseClick(hq_page.checkButton, Qt.MouseButton.LeftButton)
    assert "must start with http" in hq_page.message.text() and not next_button.isEnabled()
    type_into(qtbot, hq_page.urlInput, "http://127.0.0.1:99999")
    qtbot.mouseClick(hq_page.checkButton, Qt.MouseButton.LeftButton)
    assert "invalid port" in hq_page.message.text() and not next_button.isEnabled()
    type_into(qtbot, hq_page.urlInput, f"http://127.0.0.1:{free_port()}")
    qtbot.mouseClick(hq_page.checkButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: hq_page.message.level == "error", timeout=10_000)
    assert not next_button.isEnabled()
    type_into(qtbot, hq_page.urlInput, hq_process.url)
    qtbot.mouseClick(hq_page.checkButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(next_button.isEnabled, timeout=10_000)
    assert hq_page.message.text().startswith("HQ reachable: chain DEMO")
    next_page(qtbot, wizard)

    # pairing: a wrong code is refused, then a real one from HQ pairs the till
    pair_page = wizard.pairPage
    type_into(qtbot, pair_page.storeInput, "s001")
    type_into(qtbot, pair_page.codeInput, "WRONG-CODE")
    qtbot.mouseClick(pair_page.pairButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pair_page.message.level == "error", timeout=10_000)
    assert not next_button.isEnabled()
    code = hq_process.pairing_code("S001")
    type_into(qtbot, pair_page.codeInput, code)
    qtbot.mouseClick(pair_page.pairButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(next_button.isEnabled, timeout=10_000)
    assert pair_page.message.text().startswith("Paired: this till is device")
    assert "S001" in pair_page.message.text()
    token = fresh_till.secrets.get(TOKEN)
    assert token and token not in pair_page.message.text()
    next_page(qtbot, wizard)

    # printer: a test receipt goes to the (network) printer
    printer = PrinterServer()
    try:
        type_into(qtbot, wizard.printerPage.escposInput, f"network:127.0.0.1:{printer.port}")
        qtbot.mouseClick(wizard.printerPage.testButton, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: wizard.printerPage.printed, timeout=10_000)
        qtbot.waitUntil(lambda: "测试小票".encode("gb18030") in printer.data, timeout=5_000)
    finally:
        printer.close()
    next_page(qtbot, wizard)

    # scanner: a member card typed by the wedge (digits + Enter) is decoded and shown
    scan = wizard.scannerPage.scanInput
    qtbot.keyClicks(scan, "2990000000018")
    qtbot.keyClick(scan, Qt.Key.Key_Return)
    assert "check digit" in wizard.scannerPage.message.text()
    qtbot.keyClicks(scan, "6901234567892")
    qtbot.keyClick(scan, Qt.Key.Key_Return)
    assert wizard.scannerPage.result.text() == "Product code: 6901234567892"
    # the scanner's Enter ran the test scan only: it did not press Finish
    assert wizard.isVisible() and not wizard.saved
    assert wizard.scannerPage.message.text() == "Scanner works"
    # back to Chinese: what the page says is said again in Chinese
    wizard.switch_language("zh_CN")
    qtbot.waitUntil(lambda: wizard.scannerPage.message.text() == "扫码枪工作正常")
    assert wizard.scannerPage.result.text() == "商品条码：6901234567892"

    finish = wizard.button(QWizard.WizardButton.FinishButton)
    qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.result() == QWizard.DialogCode.Accepted, timeout=10_000)
    values = till_settings.load(fresh_till.db)
    assert values["lang"] == "zh_CN" and values["store"] == "S001"
    assert values["hq_url"] == hq_process.url
    assert values["escpos"] == f"network:127.0.0.1:{printer.port}"
    assert not first_run.needs_setup(fresh_till.db)
    with fresh_till.db.read() as session:
        assert settings.get(session, "device_id", "").startswith("local-") is False
    assert token not in fresh_till.db.path.read_bytes().decode("latin-1")


def test_store_mismatch_follows_hq(qtbot, wizard, hq_process: HqProcess) -> None:
    assert wizard.lang == "zh_CN"
    next_page(qtbot, wizard)
    type_into(qtbot, wizard.hqPage.urlInput, hq_process.url)
    qtbot.mouseClick(wizard.hqPage.checkButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(wizard.button(QWizard.WizardButton.NextButton).isEnabled, timeout=10_000)
    assert wizard.hqPage.message.text().startswith("总部可连接")
    next_page(qtbot, wizard)
    page = wizard.pairPage
    type_into(qtbot, page.storeInput, "S009")
    type_into(qtbot, page.codeInput, hq_process.pairing_code("S002"))
    qtbot.mouseClick(page.pairButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.paired is not None, timeout=10_000)
    assert page.message.level == "warning" and "S002" in page.message.text()
    assert page.storeInput.text() == "S002"


def test_manager_edits_hq_address_and_store_in_settings(qtbot, window) -> None:
    from tests.ui.conftest import login, wait_idle

    login(qtbot, window, "m01", "9999")
    window.open_settings()
    dialog = window.settingsDialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.storeInput.text() == "S001" and dialog.hqInput.text() == ""
    type_into(qtbot, dialog.hqInput, "hq.example.com")  # no scheme: refused, nothing saved
    qtbot.mouseClick(dialog.saveButton, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert "总部地址应以 http:// 或 https:// 开头" in window.checkoutPage.message.text()
    assert till_settings.load(window.ctx.till.db)["hq_url"] == ""
    window.open_settings()
    dialog = window.settingsDialog
    qtbot.waitUntil(dialog.isVisible)
    type_into(qtbot, dialog.hqInput, "https://hq.example.com/")
    type_into(qtbot, dialog.storeInput, "s002")
    qtbot.mouseClick(dialog.saveButton, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    values = till_settings.load(window.ctx.till.db)
    assert values["hq_url"] == "https://hq.example.com" and values["store"] == "S002"
    assert window.ctx.till.checkout.till.store == "S002"


def test_the_running_till_takes_the_daily_backup_off_the_gui_thread(qtbot, till) -> None:
    from posclient.services import backup
    from posclient.ui.maintenance import CHECK_EVERY_MS, DailyBackup

    ops = Operations()
    daily = DailyBackup(ops, till.data_dir)
    try:
        daily.start()
        qtbot.waitUntil(lambda: daily.last is not None, timeout=10_000)
        assert daily.timer.isActive() and daily.timer.interval() == CHECK_EVERY_MS
        files = list(backup.daily_dir(till.data_dir).glob("daily-*.sqlite3.gz"))
        assert files == [daily.last.path]
        assert backup.verify(files[0]).counts["members"] == len(demo_members_json())
        first = daily.last
        daily.check()  # the hourly check on the same day takes nothing new
        qtbot.waitUntil(lambda: ops.busy == 0)
        assert daily.last is first
        assert len(list(backup.daily_dir(till.data_dir).iterdir())) == 1
    finally:
        daily.timer.stop()
        ops.close()
