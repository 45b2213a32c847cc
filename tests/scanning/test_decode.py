"""Decoding images and frames: the real photographs, validation, and bad input of every kind."""

from __future__ import annotations

import base64
import io
import logging
import os
import struct
import zlib
from collections import Counter

import pytest
from PIL import Image

from posclient.domain.codes import static_qr_text
from posclient.domain.errors import CodeError
from posclient.scanning import decode
from posclient.scanning.decode import (
    KIND_MEMBER_CARD,
    KIND_MEMBER_QR,
    KIND_PHONE,
    KIND_PRODUCT,
    KIND_SIGNED,
    KIND_SKU,
    ScanError,
    classify,
    decode_file,
    decode_frame,
    decode_image,
    upce_to_ean13,
)
from posclient.scanning.render import code128_image, member_qr_image
from tests.scanning.barcode_testdata import TESTDATA, folders, samples

CARD = "2990000000019"  # the first demo member's card

# Measured with zxing-cpp 3.1.1 first and pyzbar 0.1.9 (zbar 0.23) as fallback; see
# tests/bench/bench_scan.py. A change means a decoder or the validation changed: look first.
MEASURED = {"code128-1": 7, "ean13-3": 55, "qrcode-2": 32, "qrcode-5": 19}

needs_testdata = pytest.mark.skipif(not TESTDATA.is_dir(), reason=f"no test images at {TESTDATA}")


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width``×``height`` pixels but carries almost no data (a bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def on_canvas(image: Image.Image, size=(640, 480), at=(60, 40)) -> Image.Image:
    canvas = Image.new("L", size, 255)
    canvas.paste(image, at)
    return canvas


# ---------------------------------------------------------------- the real photographs


@needs_testdata
def test_testdata_every_accepted_value_is_right_and_detection_is_as_measured():
    found: Counter[str] = Counter()
    wrong = []
    for sample in samples():
        result = decode_file(sample.path)
        wrong += [(sample.key, text[:40]) for text in result.texts if sample.is_wrong(text)]
        if sample.expected in result.texts:
            found[sample.folder] += 1
    assert wrong == []
    assert dict(found) == MEASURED
    assert set(MEASURED) == set(folders())


@needs_testdata
def test_zxing_misses_one_photo_that_pyzbar_reads_so_the_fallback_counts():
    sample = next(s for s in samples("qrcode-2") if s.name == "28")
    assert decode_file(sample.path, order=[decode.ZXING]).codes == []
    result = decode_file(sample.path)
    assert result.texts == [sample.expected]
    assert result.codes[0].source_decoder == decode.PYZBAR


@needs_testdata
def test_control_characters_are_not_accepted_even_when_the_qr_holds_them():
    # qrcode-2/33 holds "\x01\x10AD:SUB:…": decoded fine, but no till code looks like that.
    sample = next(s for s in samples("qrcode-2") if s.name == "33")
    result = decode_file(sample.path)
    assert result.codes == []
    assert "control_chars" in {r.reason for r in result.rejected}
    assert result.reason == "scan.no_code"


# ---------------------------------------------------------------- validation


def test_member_qr_and_card_barcode_decode_and_classify():
    qr = decode_image(on_canvas(member_qr_image(static_qr_text("DEMO", CARD), box_size=5)))
    assert [(c.symbology, c.text) for c in qr.codes] == [("QR", "PCM1:DEMO:2990000000019")]
    assert classify(qr.texts[0], chain="DEMO").kind == KIND_MEMBER_QR
    bars = decode_image(on_canvas(code128_image(CARD, module_px=3)))
    assert [(c.symbology, c.text) for c in bars.codes] == [("CODE128", CARD)]
    assert classify(CARD).kind == KIND_MEMBER_CARD


def test_code128_with_a_bad_check_digit_is_refused_with_the_reason():
    bad = CARD[:-1] + str((int(CARD[-1]) + 1) % 10)
    result = decode_image(on_canvas(code128_image(bad, module_px=3)))
    assert result.codes == []
    assert result.reason == "barcode.bad_check_digit"


def test_truncated_member_qr_is_refused_with_the_qr_reason():
    result = decode_image(on_canvas(member_qr_image("PCM1:DEMO:29900000", box_size=5)))
    assert result.codes == []
    assert result.reason == "qr.bad_card"
    result = decode_image(on_canvas(member_qr_image("PCM1:DEMO", box_size=5)))
    assert result.codes == [] and result.reason == "qr.malformed"


def test_foreign_chain_qr_decodes_but_the_till_refuses_it():
    result = decode_image(on_canvas(member_qr_image(static_qr_text("OTHER", CARD), box_size=5)))
    assert result.texts == ["PCM1:OTHER:2990000000019"]  # structurally fine
    with pytest.raises(CodeError) as exc:
        classify(result.texts[0], chain="DEMO")
    assert exc.value.code == "qr.foreign_chain"


def test_garbage_qr_payload_is_decoded_but_is_no_till_code():
    result = decode_image(on_canvas(member_qr_image("http://example.com/?x=1", box_size=5)))
    assert result.texts == ["http://example.com/?x=1"]
    with pytest.raises(CodeError) as exc:
        classify(result.texts[0])
    assert exc.value.code == "code.unknown_format"


def signed_text(chain: str = "DEMO") -> str:
    payload = base64.urlsafe_b64encode(b'{"c":"DEMO","exp":2,"iat":1,"m":"x","n":"n"}').rstrip(b"=")
    signature = base64.urlsafe_b64encode(bytes(range(64))).rstrip(b"=")
    return f"PCD1:{chain}:{payload.decode()}.{signature.decode()}"


def test_signed_member_code_is_accepted_structurally_and_left_for_verification():
    text = signed_text()
    result = decode_image(on_canvas(member_qr_image(text, box_size=4)))
    assert result.texts == [text]
    classified = classify(text, chain="DEMO")
    assert classified.kind == KIND_SIGNED
    assert classified.result.signature == bytes(range(64))  # type: ignore[union-attr]
    truncated = text[:-20]  # signature cut short: not 64 bytes any more
    result = decode_image(on_canvas(member_qr_image(truncated, box_size=4)))
    assert result.codes == [] and result.reason == "qr.malformed"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (CARD, KIND_MEMBER_CARD),
        ("PCM1:DEMO:" + CARD, KIND_MEMBER_QR),
        ("pcm1:DEMO:" + CARD, KIND_MEMBER_QR),
        ("13800138000", KIND_PHONE),
        ("6901234000016", KIND_PRODUCT),
        ("96385074", KIND_PRODUCT),
        ("A1001", KIND_SKU),
    ],
)
def test_classify_kinds(text, kind):
    assert classify(text).kind == kind


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("PCM1:demo:" + CARD, "qr.malformed"),
        ("PCM1:DEMO:" + CARD[:-1] + "0", "qr.bad_card"),
        ("PCD1:DEMO:abc", "qr.malformed"),
        ("6901234000017", "barcode.bad_check_digit"),
        ("Code 128", "code.unknown_format"),
        ("", "code.empty"),
        ("２９９００００００００１９", "code.unknown_format"),  # full-width digits
        ("PCM1:DEMO:２９９００００００００１９", "code.unknown_format"),
    ],
)
def test_classify_reasons(text, reason):
    with pytest.raises(CodeError) as exc:
        classify(text)
    assert exc.value.code == reason


@pytest.mark.parametrize(
    ("upce", "ean13"),
    [("01234565", "0012345000065"), ("04252614", "0042100005264"), ("00000001", None)],
)
def test_upce_expansion(upce, ean13):
    expanded = upce_to_ean13(upce)
    if ean13 is None:
        assert expanded is None or not decode.has_valid_gs1_check(expanded)
    else:
        assert expanded == ean13


def test_upc_codes_read_the_same_with_both_decoders():
    zxingcpp = pytest.importorskip("zxingcpp")
    fmt = zxingcpp.BarcodeFormat
    for barcode_format, text, expected in [
        (fmt.UPCA, "036000291452", "0036000291452"),
        (fmt.UPCE, "01234565", "0012345000065"),
        (fmt.EAN8, "96385074", "96385074"),
    ]:
        raw = zxingcpp.create_barcode(text, barcode_format).to_image(scale=3)
        height, width = raw.shape[:2]
        image = on_canvas(Image.frombytes("L", (width, height), bytes(memoryview(raw))))
        for decoder in (decode.ZXING, decode.PYZBAR):
            result = decode_image(image, order=[decoder])
            assert [(c.symbology, c.text) for c in result.codes] == [
                ("EAN8" if len(expected) == 8 else "EAN13", expected)
            ], decoder


def test_transparent_and_16_bit_images_decode():
    qr = member_qr_image(static_qr_text("DEMO", CARD), box_size=5)
    rgba = Image.new("RGBA", qr.size, (0, 0, 0, 0))  # transparent black background
    rgba.putalpha(qr.point(lambda v: 255 - v))  # dark modules opaque, the rest transparent
    assert decode_image(rgba).texts == [static_qr_text("DEMO", CARD)]
    wide = qr.convert("I").point(lambda v: v * 257)
    assert decode_image(wide).texts == [static_qr_text("DEMO", CARD)]


def test_frames_with_row_padding_and_bad_geometry():
    frame = on_canvas(member_qr_image(static_qr_text("DEMO", CARD), box_size=5))
    stride = frame.width + 16
    rows = [
        frame.tobytes()[y * frame.width : (y + 1) * frame.width] + b"\x00" * 16
        for y in range(frame.height)
    ]
    result = decode_frame(b"".join(rows), frame.width, frame.height, stride=stride)
    assert result.texts == [static_qr_text("DEMO", CARD)]
    assert not decode_frame(bytes(640 * 480), 640, 480)
    with pytest.raises(ValueError):
        decode_frame(b"\x00" * 10, 640, 480)
    with pytest.raises(ValueError):
        decode_frame(b"", 0, 480)
    with pytest.raises(ScanError) as exc:
        decode_frame(b"", 10_000, 10_000)
    assert exc.value.code == "scan.image_too_large"


# ---------------------------------------------------------------- bad input


def reason_for(path) -> str:
    with pytest.raises(ScanError) as exc:
        decode_file(path)
    return exc.value.code


def test_missing_empty_random_and_truncated_files(tmp_path):
    assert reason_for(tmp_path / "nope.png") == "scan.file_not_found"
    assert reason_for(tmp_path) == "scan.unreadable_image"  # a directory
    assert reason_for(write(tmp_path, "empty.png", b"")) == "scan.unreadable_image"
    assert reason_for(write(tmp_path, "random.png", os.urandom(4096))) == "scan.unreadable_image"
    whole = png(on_canvas(member_qr_image(static_qr_text("DEMO", CARD), box_size=5)))
    truncated = write(tmp_path, "truncated.png", whole[: len(whole) // 2])
    assert reason_for(truncated) == "scan.unreadable_image"
    text = write(tmp_path, "note.png", b"PCM1:DEMO:2990000000019\n")
    assert reason_for(text) == "scan.unreadable_image"


def test_header_bombs_are_refused_before_decoding(tmp_path):
    huge = write(tmp_path, "100mp.png", png_header_only(10_000, 10_000))  # Pillow warns at 89 MP
    assert reason_for(huge) == "scan.image_too_large"
    over = write(tmp_path, "50mp.png", png_header_only(8_000, 6_250))  # our own 40 MP limit
    assert reason_for(over) == "scan.image_too_large"
    lying = write(tmp_path, "lying.png", png_header_only(3_000, 3_000))  # allowed size, no data
    assert reason_for(lying) == "scan.unreadable_image"


def test_oversized_file_is_refused_by_its_size(tmp_path):
    path = tmp_path / "big.png"
    with path.open("wb") as handle:
        handle.truncate(decode.MAX_FILE_BYTES + 1)
    with pytest.raises(ScanError) as exc:
        decode_file(path)
    assert exc.value.code == "scan.file_too_large"
    assert exc.value.params == {"max_mb": 20}


def test_ten_megabyte_noise_image_has_no_code(tmp_path):
    noise = Image.frombytes("RGB", (1900, 1800), os.urandom(1900 * 1800 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, "PNG", compress_level=1)
    assert len(buffer.getvalue()) > 10_000_000
    result = decode_file(write(tmp_path, "noise.png", buffer.getvalue()))
    assert result.codes == [] and result.reason == "scan.no_code"


def test_big_photo_is_shrunk_and_still_decodes(tmp_path):
    photo = Image.new("L", (4000, 3000), 230)
    photo.paste(member_qr_image(static_qr_text("DEMO", CARD), box_size=16), (1500, 1000))
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=90)
    result = decode_file(write(tmp_path, "photo.jpg", buffer.getvalue()))
    assert result.texts == [static_qr_text("DEMO", CARD)]


def test_animated_gif_uses_its_first_frame(tmp_path):
    qr = on_canvas(member_qr_image(static_qr_text("DEMO", CARD), box_size=4), (320, 240), (20, 20))
    blank = Image.new("L", (320, 240), 255)
    path = tmp_path / "anim.gif"
    qr.save(path, save_all=True, append_images=[blank], duration=100)
    assert decode_file(path).texts == [static_qr_text("DEMO", CARD)]


def test_logs_never_contain_decoded_text(caplog):
    caplog.set_level(logging.DEBUG, logger="posclient")
    decode_image(on_canvas(member_qr_image(static_qr_text("DEMO", CARD), box_size=5)))
    decode_image(on_canvas(code128_image("13800138000", module_px=3)))
    decode_image(on_canvas(member_qr_image("PCM1:DEMO:29900000", box_size=5)))
    assert caplog.records, "decoding logs its counts"
    for record in caplog.records:
        flat = str(vars(record))
        assert CARD not in flat and "13800138000" not in flat and "29900000" not in flat


def test_a_missing_decoder_library_leaves_the_other_one(monkeypatch):
    def missing(_gray):
        raise ImportError("Unable to find zbar shared library")

    monkeypatch.setattr(decode, "_unavailable", set())
    monkeypatch.setitem(decode.DECODERS, decode.ZXING, missing)
    image = on_canvas(member_qr_image(static_qr_text("DEMO", CARD), box_size=5))
    result = decode_image(image)
    assert result.texts == [static_qr_text("DEMO", CARD)]
    assert result.codes[0].source_decoder == decode.PYZBAR
    monkeypatch.setitem(decode.DECODERS, decode.PYZBAR, missing)
    monkeypatch.setattr(decode, "_unavailable", set())
    with pytest.raises(ScanError) as exc:
        decode_image(image)
    assert exc.value.code == "scan.no_decoder"
    assert set(decode.available_decoders()) == {decode.ZXING, decode.PYZBAR}  # the real ones
