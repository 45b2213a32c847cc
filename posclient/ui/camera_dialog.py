"""Scan a member or product code with a camera: pick a camera, live preview, first code wins."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import Signal, Slot
from PySide6.QtMultimedia import QCamera, QCameraDevice, QMediaCaptureSession, QMediaDevices
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from posclient.domain.codes import DEFAULT_CARD_PREFIX
from posclient.i18n import text as reason_text
from posclient.scanning.camera import FrameScanner

log = logging.getLogger("posclient.ui")


class CameraScanDialog(QDialog):
    """Emits ``codeScanned(text)`` for the first valid code and closes (accepted).

    ``chain``/``card_prefix``: the till's, so another retailer's member QR is refused here with
    its reason; ``None`` leaves that to the checkout. ``devices``: the cameras to offer (default:
    every video input Qt sees; tests pass ``[]``).
    """

    codeScanned = Signal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        chain: str | None = None,
        card_prefix: str = DEFAULT_CARD_PREFIX,
        devices: Sequence[QCameraDevice] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("cameraScanDialog")
        self.setWindowTitle(self.tr("Scan with the camera"))
        self._fixed_devices = devices is not None
        self._devices: list[QCameraDevice] = list(devices) if devices is not None else []
        self._camera: QCamera | None = None
        self._closed = False

        self._picker = QComboBox(self)
        self._picker.setObjectName("cameraPicker")
        self._picker.setAccessibleName(self.tr("Camera"))
        self._preview = QVideoWidget(self)
        self._preview.setObjectName("cameraPreview")
        self._preview.setAccessibleName(self.tr("Camera preview"))
        self._preview.setMinimumSize(320, 240)
        self._status = QLabel(self)
        self._status.setObjectName("cameraStatus")
        self._status.setAccessibleName(self.tr("Scan status"))
        self._status.setWordWrap(True)
        self._buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self._buttons.setObjectName("cameraButtons")

        layout = QVBoxLayout(self)
        layout.addWidget(self._picker)
        layout.addWidget(self._preview, 1)
        layout.addWidget(self._status)
        layout.addWidget(self._buttons)

        self._session = QMediaCaptureSession(self)
        self._session.setVideoOutput(self._preview)
        self._media_devices = QMediaDevices(self)
        self.scanner = FrameScanner(
            self, sink=self._preview.videoSink(), chain=chain, card_prefix=card_prefix
        )
        self._connect_signals()
        self._fill_picker(self._devices if self._fixed_devices else QMediaDevices.videoInputs())

    def _connect_signals(self) -> None:
        self._picker.currentIndexChanged.connect(self._on_camera_chosen)
        self._buttons.rejected.connect(self.reject)
        self._media_devices.videoInputsChanged.connect(self._on_inputs_changed)
        self.scanner.codeFound.connect(self._on_code_found)
        self.scanner.codeRejected.connect(self._on_code_rejected)

    # ------------------------------------------------------------ cameras

    @property
    def status_text(self) -> str:
        return self._status.text()

    def _fill_picker(self, devices: Sequence[QCameraDevice]) -> None:
        self._devices = list(devices)
        self._picker.blockSignals(True)
        self._picker.clear()
        for device in self._devices:
            self._picker.addItem(device.description())
        self._picker.blockSignals(False)
        self._preview.setVisible(bool(self._devices))
        if not self._devices:
            self._stop_camera()
            self._picker.setEnabled(False)
            self._picker.addItem(self.tr("No camera"))
            self._status.setText(
                self.tr(
                    "No camera found. Connect a camera, or scan the code with the barcode "
                    "scanner or type the card or phone number."
                )
            )
            return
        self._picker.setEnabled(True)
        default = QMediaDevices.defaultVideoInput()
        ids = [device.id() for device in self._devices]
        index = ids.index(default.id()) if default.id() in ids else 0
        self._picker.setCurrentIndex(index)
        self._on_camera_chosen(index)

    @Slot(int)
    def _on_camera_chosen(self, index: int) -> None:
        if not 0 <= index < len(self._devices):
            return
        self._stop_camera()
        camera = QCamera(self._devices[index], self)
        camera.errorOccurred.connect(self._on_camera_error)
        self._camera = camera
        self._session.setCamera(camera)
        camera.start()
        self.scanner.start()
        self._status.setText(self.tr("Hold the member code or barcode in front of the camera."))

    def _stop_camera(self) -> None:
        if self._camera is not None:
            self._camera.stop()
            self._session.setCamera(None)  # type: ignore[arg-type]
            self._camera.deleteLater()
            self._camera = None

    @Slot()
    def _on_inputs_changed(self) -> None:
        if not self._fixed_devices and not self._closed:
            self._fill_picker(QMediaDevices.videoInputs())

    @Slot(QCamera.Error, str)
    def _on_camera_error(self, _error: QCamera.Error, message: str) -> None:
        log.warning("camera error", extra={"error": message[:80]})
        self._status.setText(self.tr("The camera cannot be used: %1").replace("%1", message))

    # ------------------------------------------------------------ codes

    @Slot(str)
    def _on_code_found(self, code: str) -> None:
        QApplication.beep()
        self._status.setText(self.tr("Code read."))
        self.codeScanned.emit(code)
        self.accept()

    @Slot(str)
    def _on_code_rejected(self, reason: str) -> None:
        self._status.setText(reason_text(reason))

    def done(self, result: int) -> None:
        if not self._closed:
            self._closed = True
            self.scanner.shutdown()
            self._stop_camera()
        super().done(result)
