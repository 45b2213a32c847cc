"""The frame scanner fed like a camera: QVideoFrame(QImage) frames and an animated GIF played
through QMediaPlayer into its QVideoSink. Real decoding, on the worker thread, offscreen."""

from __future__ import annotations

import threading

import pytest
from PIL import Image

pytest.importorskip("PySide6.QtMultimedia")

from PySide6.QtCore import QUrl
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import QMediaPlayer, QVideoFrame

from posclient.domain.codes import static_qr_text
from posclient.scanning import decode
from posclient.scanning.camera import FrameScanner, cameras, default_frame_decoder
from posclient.scanning.render import member_qr_image

pytestmark = pytest.mark.gui

CARD = "2990000000019"
MEMBER_QR = static_qr_text("DEMO", CARD)


def frame_of(image: Image.Image, size=(640, 480)) -> QVideoFrame:
    canvas = Image.new("RGB", size, (235, 235, 235))
    canvas.paste(
        image.convert("RGB"), ((size[0] - image.width) // 2, (size[1] - image.height) // 2)
    )
    data = canvas.tobytes()
    qimage = QImage(data, size[0], size[1], size[0] * 3, QImage.Format.Format_RGB888).copy()
    return QVideoFrame(qimage)


def qr_frame(text: str = MEMBER_QR) -> QVideoFrame:
    return frame_of(member_qr_image(text, box_size=6))


def blank_frame() -> QVideoFrame:
    return frame_of(Image.new("L", (10, 10), 235))


class RecordingDecoder:
    """The real frame decoder, noting which thread each call ran on."""

    def __init__(self) -> None:
        self.threads: list[int] = []
        self.orders: list[tuple[str, ...]] = []

    def __call__(self, data, width, height, stride, order):
        self.threads.append(threading.get_ident())
        self.orders.append(tuple(order))
        return default_frame_decoder(data, width, height, stride, order)


@pytest.fixture
def make_scanner(qtbot):
    made: list[FrameScanner] = []

    def make(**kwargs) -> FrameScanner:
        scanner = FrameScanner(**kwargs)
        made.append(scanner)
        return scanner

    yield make
    for scanner in made:
        scanner.shutdown()


def decoded_once(qtbot, scanner: FrameScanner, frame: QVideoFrame) -> None:
    """Feed one frame and wait until the worker has answered for it."""
    before = scanner.frames_decoded
    scanner.sink.setVideoFrame(frame)
    qtbot.waitUntil(lambda: scanner.frames_decoded > before, timeout=10_000)


def test_first_valid_code_is_emitted_once_and_decoding_is_off_the_gui_thread(qtbot, make_scanner):
    decoder = RecordingDecoder()
    scanner = make_scanner(decoder=decoder)
    found: list[str] = []
    scanner.codeFound.connect(found.append)
    decoded_once(qtbot, scanner, blank_frame())
    assert found == [] and scanner.active
    with qtbot.waitSignal(scanner.codeFound, timeout=10_000) as blocker:
        scanner.sink.setVideoFrame(qr_frame())
    assert blocker.args == [MEMBER_QR]
    assert not scanner.active and scanner.sink is None  # stopped and detached
    assert decoder.threads and threading.main_thread().ident not in decoder.threads
    assert found == [MEMBER_QR]
    # zxing-cpp on every frame, the pyzbar fallback on every other one
    assert decoder.orders == [(decode.ZXING,), (decode.ZXING, decode.PYZBAR)]


def test_frames_arriving_while_busy_are_dropped_not_queued(qtbot, make_scanner):
    decoder = RecordingDecoder()
    scanner = make_scanner(decoder=decoder)
    sink = scanner.sink
    with qtbot.waitSignal(scanner.codeFound, timeout=10_000) as blocker:
        for _ in range(5):  # no event loop in between: the worker's answer cannot come back yet
            sink.setVideoFrame(qr_frame())
        assert scanner.busy and scanner.frames_dropped == 4
    assert blocker.args == [MEMBER_QR]
    assert len(decoder.threads) == 1  # one decode for five frames
    sink.setVideoFrame(qr_frame())  # after the code: nobody listens any more
    assert scanner.frames_seen == 5


def test_unusable_codes_are_reported_once_and_scanning_goes_on(qtbot, make_scanner):
    scanner = make_scanner(chain="DEMO")
    reasons: list[str] = []
    scanner.codeRejected.connect(reasons.append)
    decoded_once(qtbot, scanner, qr_frame(static_qr_text("OTHER", CARD)))
    decoded_once(qtbot, scanner, qr_frame(static_qr_text("OTHER", CARD)))
    decoded_once(qtbot, scanner, qr_frame("PCM1:DEMO:29900000"))
    decoded_once(qtbot, scanner, blank_frame())
    assert reasons == ["qr.foreign_chain", "qr.bad_card"]
    assert scanner.active
    with qtbot.waitSignal(scanner.codeFound, timeout=10_000) as blocker:
        scanner.sink.setVideoFrame(qr_frame())
    assert blocker.args == [MEMBER_QR]


def test_product_barcode_counts_as_a_valid_code(qtbot, make_scanner):
    from posclient.scanning.render import code128_image

    scanner = make_scanner()
    with qtbot.waitSignal(scanner.codeFound, timeout=10_000) as blocker:
        scanner.sink.setVideoFrame(frame_of(code128_image("6901234000016", module_px=3)))
    assert blocker.args == ["6901234000016"]


def test_an_animated_gif_played_as_a_fake_camera(qtbot, make_scanner, tmp_path):
    qr = member_qr_image(MEMBER_QR, box_size=5)
    frames = []
    for index in range(8):  # a few empty frames, then the member holds up the phone
        frame = Image.new("L", (320, 240), 250 - index)  # distinct: GIF keeps every frame
        if index >= 4:
            frame.paste(qr, ((320 - qr.width) // 2, (240 - qr.height) // 2))
        frames.append(frame)
    path = tmp_path / "camera.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=40, loop=0)

    scanner = make_scanner()
    player = QMediaPlayer()
    player.setVideoSink(scanner.sink)
    player.setLoops(QMediaPlayer.Loops.Infinite)
    player.setSource(QUrl.fromLocalFile(str(path)))
    try:
        with qtbot.waitSignal(scanner.codeFound, timeout=20_000) as blocker:
            player.play()
        assert blocker.args == [MEMBER_QR]
    finally:
        player.stop()
    assert scanner.frames_seen >= 1


def test_no_camera_devices_here():
    assert isinstance(cameras(), list)
