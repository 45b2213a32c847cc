"""Camera scanning: video frames to the decoder on a worker thread; the first valid code wins.

The one module outside ``ui/`` that may import Qt (QtMultimedia, QtGui). ``FrameScanner`` listens
to a ``QVideoSink`` — a camera preview's, a media player's, or a test's — and hands at most one
frame at a time to ``decode.decode_frame`` on its own ``QThread``: frames that arrive while a
decode is running are dropped, never queued, so a slow machine scans less often but never lags
behind the camera. zxing-cpp reads every decoded frame, the pyzbar fallback every other one.
The first code that ``decode.classify`` accepts is emitted once as ``codeFound(text)`` and the
scanner stops. Codes seen but unusable (another chain's member QR, a truncated one, a URL) are
reported as ``codeRejected(reason)`` with a ``posclient.i18n`` code.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import QCameraDevice, QMediaDevices, QVideoFrame, QVideoSink

from posclient.domain.codes import DEFAULT_CARD_PREFIX
from posclient.domain.errors import CodeError, PosError

from .decode import SHIPPED_ORDER, DecodeResult, classify, decode_frame

log = logging.getLogger("posclient.scanning")

# (gray bytes, width, height, bytes per line, decoder order) -> what the frame holds
FrameDecoder = Callable[[bytes, int, int, int, Sequence[str]], DecodeResult]

# pyzbar, the fallback, runs on every FALLBACK_EVERY-th frame only: the next frame shows nearly
# the same picture, and a blank frame then costs zxing-cpp alone (bench_scan.py has both).
FALLBACK_EVERY = 2


def default_frame_decoder(
    data: bytes, width: int, height: int, stride: int, order: Sequence[str]
) -> DecodeResult:
    return decode_frame(data, width, height, stride=stride, order=order)


def cameras() -> list[QCameraDevice]:
    """The video inputs Qt can see (empty on a till without a camera)."""
    return list(QMediaDevices.videoInputs())


def gray_frame(image: QImage) -> tuple[bytes, int, int, int]:
    """An 8-bit grayscale copy of ``image``: (bytes, width, height, bytes per line)."""
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    return bytes(gray.constBits()), gray.width(), gray.height(), gray.bytesPerLine()


@dataclass(frozen=True)
class FrameOutcome:
    text: str | None = None
    kind: str | None = None
    reason: str | None = None


class _DecodeWorker(QObject):
    """Lives on the scanner's thread: frame → grayscale → decode → classify."""

    finished = Signal(object)  # FrameOutcome

    def __init__(self, decoder: FrameDecoder, chain: str | None, card_prefix: str) -> None:
        super().__init__()
        self._decoder = decoder
        self._chain = chain
        self._card_prefix = card_prefix
        self._count = 0

    @Slot(object)
    def run(self, frame: QVideoFrame) -> None:
        try:
            image = frame.toImage()  # Qt converts on this thread (CPU, or a thread-local RHI)
            if image.isNull():
                outcome = FrameOutcome()
            else:
                self._count += 1
                full = self._count % FALLBACK_EVERY == 0
                order = SHIPPED_ORDER if full else SHIPPED_ORDER[:1]
                outcome = self._judge(self._decoder(*gray_frame(image), order))
        except PosError as exc:
            outcome = FrameOutcome(reason=exc.code)
        except Exception:  # a bug: keep scanning, but leave the traceback in the log
            log.exception("camera frame decoding failed")
            outcome = FrameOutcome()
        self.finished.emit(outcome)

    def _judge(self, result: DecodeResult) -> FrameOutcome:
        reason: str | None = None
        for code in result.codes:
            try:
                classified = classify(code.text, chain=self._chain, card_prefix=self._card_prefix)
            except CodeError as exc:
                reason = reason or exc.code
                continue
            return FrameOutcome(code.text, classified.kind)
        if reason is None and result.rejected and result.reason != "scan.no_code":
            reason = result.reason  # a truncated member QR, a bad check digit
        return FrameOutcome(reason=reason)


class FrameScanner(QObject):
    """Scans the frames of a ``QVideoSink`` until the first valid code (see module docstring)."""

    codeFound = Signal(str)
    codeRejected = Signal(str)
    _frameReady = Signal(object)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        sink: QVideoSink | None = None,
        chain: str | None = None,
        card_prefix: str = DEFAULT_CARD_PREFIX,
        decoder: FrameDecoder | None = None,
    ) -> None:
        super().__init__(parent)
        self.frames_seen = 0
        self.frames_dropped = 0
        self.frames_decoded = 0
        self._busy = False
        self._active = True
        self._last_reason: str | None = None
        self._sink: QVideoSink | None = None
        self._thread = QThread()
        self._thread.setObjectName("posclient-camera-decoder")
        self._worker = _DecodeWorker(decoder or default_frame_decoder, chain, card_prefix)
        self._worker.moveToThread(self._thread)
        self._connect_signals()
        self._thread.start()
        self.attach(sink if sink is not None else QVideoSink(self))

    def _connect_signals(self) -> None:
        self._frameReady.connect(self._worker.run, Qt.ConnectionType.QueuedConnection)
        self._worker.finished.connect(self._on_decoded, Qt.ConnectionType.QueuedConnection)
        self._thread.finished.connect(self._worker.deleteLater)
        # Owners call shutdown(); these keep a forgotten scanner from outliving its thread's
        # event loop (a running QThread must never be destroyed).
        self.destroyed.connect(self._thread.quit)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # ------------------------------------------------------------ control

    @property
    def sink(self) -> QVideoSink | None:
        return self._sink

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def active(self) -> bool:
        return self._active

    def attach(self, sink: QVideoSink) -> None:
        """Scan the frames of ``sink`` (a camera preview's ``videoSink()``, a player's…)."""
        self.detach()
        self._sink = sink
        sink.videoFrameChanged.connect(self._on_frame)

    def detach(self) -> None:
        if self._sink is not None:
            with contextlib.suppress(RuntimeError, TypeError):  # already gone with its owner
                self._sink.videoFrameChanged.disconnect(self._on_frame)
            self._sink = None

    def start(self) -> None:
        """(Re)arm: the next valid code is emitted."""
        self._active = True
        self._last_reason = None

    def stop(self) -> None:
        self._active = False

    def shutdown(self) -> None:
        """Stop and end the worker thread (waits for a decode in progress, a few ms)."""
        self.stop()
        self.detach()
        if self._thread.isRunning():
            self._thread.quit()
            self._thread.wait()

    # ------------------------------------------------------------ frames

    @Slot(QVideoFrame)
    def _on_frame(self, frame: QVideoFrame) -> None:
        self.frames_seen += 1
        if not self._active or not self._thread.isRunning():
            return
        if self._busy:
            self.frames_dropped += 1  # the decoder is behind: skip, never queue
            return
        if not frame.isValid():
            return
        self._busy = True
        self._frameReady.emit(QVideoFrame(frame))  # our own reference to the shared frame data

    @Slot(object)
    def _on_decoded(self, outcome: FrameOutcome) -> None:
        self._busy = False
        self.frames_decoded += 1
        if not self._active:
            return
        if outcome.text is not None:
            self._active = False
            self.detach()
            log.info(
                "camera code found",
                extra={
                    "kind": outcome.kind,
                    "frames": self.frames_seen,
                    "dropped": self.frames_dropped,
                },
            )
            self.codeFound.emit(outcome.text)
        elif outcome.reason and outcome.reason != self._last_reason:
            self._last_reason = outcome.reason  # once per reason, not once per frame
            log.info("camera code refused", extra={"code": outcome.reason})
            self.codeRejected.emit(outcome.reason)
