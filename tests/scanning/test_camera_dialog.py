"""CameraScanDialog offscreen: no camera here, so the message; frames into its preview's sink."""

from __future__ import annotations

import pytest
from PIL import Image

pytest.importorskip("PySide6.QtMultimedia")

from PySide6.QtGui import QImage
from PySide6.QtMultimedia import QVideoFrame
from PySide6.QtWidgets import QComboBox, QDialog, QLabel

from posclient.domain.codes import static_qr_text
from posclient.scanning.render import member_qr_image
from posclient.ui.camera_dialog import CameraScanDialog

pytestmark = pytest.mark.gui

MEMBER_QR = static_qr_text("DEMO", "2990000000019")


def qr_frame(text: str) -> QVideoFrame:
    canvas = Image.new("L", (640, 480), 235)
    qr = member_qr_image(text, box_size=6)
    canvas.paste(qr, (100, 60))
    data = canvas.tobytes()
    return QVideoFrame(QImage(data, 640, 480, 640, QImage.Format.Format_Grayscale8).copy())


@pytest.fixture
def dialog(qtbot):
    made = []

    def make(**kwargs) -> CameraScanDialog:
        dlg = CameraScanDialog(None, **kwargs)
        qtbot.addWidget(dlg)
        made.append(dlg)
        return dlg

    yield make
    for dlg in made:
        dlg.done(QDialog.DialogCode.Rejected)


def test_opens_without_a_camera_and_says_so(dialog, qtbot):
    dlg = dialog()  # the real device list: this machine has no video input
    dlg.show()
    qtbot.waitExposed(dlg)
    status = dlg.findChild(QLabel, "cameraStatus")
    picker = dlg.findChild(QComboBox, "cameraPicker")
    assert status is not None and picker is not None
    # In whichever language an earlier test left installed (translators are per application).
    assert "No camera found" in status.text() or "未找到摄像头" in status.text()
    assert not picker.isEnabled()
    assert status.accessibleName() and picker.accessibleName()


def test_first_code_is_emitted_and_the_dialog_closes(dialog, qtbot):
    dlg = dialog(devices=[])
    dlg.show()
    qtbot.waitExposed(dlg)
    with qtbot.waitSignal(dlg.codeScanned, timeout=10_000) as blocker:
        dlg.scanner.sink.setVideoFrame(qr_frame(MEMBER_QR))
    assert blocker.args == [MEMBER_QR]
    assert dlg.result() == QDialog.DialogCode.Accepted
    assert not dlg.isVisible()


def test_a_foreign_member_code_shows_the_reason_and_keeps_scanning(dialog, qtbot, monkeypatch):
    monkeypatch.setenv("POSCLIENT_LANG", "en")
    dlg = dialog(devices=[], chain="DEMO")
    dlg.show()
    with qtbot.waitSignal(dlg.scanner.codeRejected, timeout=10_000):
        dlg.scanner.sink.setVideoFrame(qr_frame(static_qr_text("OTHER", "2990000000019")))
    assert dlg.status_text == "This member code belongs to another retailer"
    assert dlg.isVisible()
    with qtbot.waitSignal(dlg.codeScanned, timeout=10_000) as blocker:
        dlg.scanner.sink.setVideoFrame(qr_frame(MEMBER_QR))
    assert blocker.args == [MEMBER_QR]


def test_cancel_stops_the_scanner(dialog, qtbot):
    dlg = dialog(devices=[])
    dlg.show()
    dlg.reject()
    assert dlg.result() == QDialog.DialogCode.Rejected
    assert not dlg.scanner.active and dlg.scanner.sink is None
