"""Decoding member and product codes from image files and camera frames (Qt-free).

Two decoders, one after the other: zxing-cpp first, pyzbar only when zxing-cpp accepted nothing.
On the 116 ZXing test photographs in ``shared/testdata/barcodes`` (same validation for all):
zxing-cpp alone reads 112 with no wrong value; pyzbar alone 92, and unchecked it returns 10
wrong texts (it guesses the charset of Shift_JIS QR codes, drops Code 128 FNC4); zxing-cpp then
pyzbar reads 113, none wrong; pyzbar then zxing-cpp 112 with one wrong. Hence this order
(``tests/bench/bench_scan.py`` prints the table; docs/scanning.md has it).

Nothing is returned before it is checked: EAN/UPC check digits, 8/12/13-digit texts of any
symbology, member-code structure (``PCM1``/``PCD1`` through ``posclient.domain.codes``), text
without control characters, a sane length, and no non-ASCII QR text from pyzbar. Files are
size-checked (bytes, then pixels from the header) before a pixel is decoded.
"""

from __future__ import annotations

import io
import logging
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from posclient.domain.codes import (
    DEFAULT_CARD_PREFIX,
    SIGNED_QR_TAG,
    STATIC_QR_TAG,
    CardCode,
    PhoneNumber,
    ScanResult,
    SignedCode,
    StaticQrCode,
    has_valid_gs1_check,
    parse_scan,
)
from posclient.domain.errors import CodeError, PosError

log = logging.getLogger("posclient.scanning")

MAX_FILE_BYTES = 20 * 1024 * 1024  # a phone photo is 2-8 MB; anything bigger is not a scan
MAX_PIXELS = 40_000_000  # checked from the header, before a single pixel is decoded
WORK_MAX_SIDE = 2048  # big photos are shrunk to this before decoding (time stays bounded)
FRAME_MAX_SIDE = 1280  # camera frames above 720p are shrunk too
MAX_TEXT_LENGTH = 4096  # more than any code a till reads; QR's byte-mode maximum is 2953
_ALLOWED_CONTROLS = frozenset("\t\r\n\x1d")  # line breaks in QR text, GS1 group separator

ZXING = "zxing-cpp"
PYZBAR = "pyzbar"
SHIPPED_ORDER: tuple[str, ...] = (ZXING, PYZBAR)

QR, CODE128, EAN13, EAN8 = "QR", "CODE128", "EAN13", "EAN8"
SYMBOLOGIES = (QR, CODE128, EAN13, EAN8)

# What a code is, for the CLI, the camera and logs (posclient.i18n has a label for each).
KIND_MEMBER_CARD = "member_card"
KIND_MEMBER_QR = "member_qr"
KIND_SIGNED = "signed_member_code"
KIND_PRODUCT = "product_barcode"
KIND_SKU = "product_sku"
KIND_PHONE = "phone"


class ScanError(PosError):
    """An image or frame that cannot be decoded: unreadable, too large, no code in it."""


@dataclass(frozen=True)
class DecodedCode:
    """A code found in an image that passed validation (not yet matched to a member)."""

    symbology: str
    text: str
    source_decoder: str


@dataclass(frozen=True)
class Rejection:
    """A code a decoder reported that was not accepted, and why (``reason`` is a message code
    when a person can act on it — e.g. ``qr.malformed`` — else a short tag for the log)."""

    symbology: str
    reason: str
    source_decoder: str


@dataclass(frozen=True)
class DecodeResult:
    """What an image or frame holds: the accepted codes, and what was refused."""

    codes: list[DecodedCode]
    rejected: list[Rejection]

    def __bool__(self) -> bool:
        return bool(self.codes)

    @property
    def texts(self) -> list[str]:
        return [code.text for code in self.codes]

    @property
    def reason(self) -> str:
        """The message code to show when there is no code: a refused member code's or barcode's
        reason (truncated QR, bad check digit) beats a plain "no code found"."""
        for prefix in ("qr.", "card.", "barcode."):
            for item in self.rejected:
                if item.reason.startswith(prefix):
                    return item.reason
        return "scan.no_code"


@dataclass(frozen=True)
class Classified:
    kind: str
    result: ScanResult


RawCode = tuple[str, str]  # (symbology, text) as a decoder reported it, normalised
Decoder = Callable[[Image.Image], list[RawCode]]


# ---------------------------------------------------------------- decoders


def upce_to_ean13(code: str) -> str | None:
    """Expand an 8-digit UPC-E to its 13-digit EAN form (how pyzbar reports it), or None."""
    if len(code) != 8 or not code.isdigit() or code[0] not in "01":
        return None
    ns, d, check = code[0], code[1:7], code[7]
    last = d[5]
    if last in "012":
        body = d[0:2] + last + "0000" + d[2:5]
    elif last == "3":
        body = d[0:3] + "00000" + d[3:5]
    elif last == "4":
        body = d[0:4] + "00000" + d[4]
    else:
        body = d[0:5] + "0000" + last
    return "0" + ns + body + check


def _normalise(symbology: str, text: str) -> RawCode:
    """UPC-A and UPC-E become the EAN-13 both decoders agree on (a leading 0)."""
    if symbology == "UPCA" and len(text) == 12:
        return EAN13, "0" + text
    if symbology == "UPCE":
        return EAN13, upce_to_ean13(text) or text
    return symbology, text


_ZXING_NAMES = {
    "QRCode": QR,
    "Code128": CODE128,
    "EAN13": EAN13,
    "EAN8": EAN8,
    "UPCA": "UPCA",
    "UPCE": "UPCE",
}


def _zxing_decode(gray: Image.Image) -> list[RawCode]:
    import zxingcpp

    fmt = zxingcpp.BarcodeFormat
    found = zxingcpp.read_barcodes(
        gray,
        formats=zxingcpp.BarcodeFormats((fmt.QRCode, fmt.Code128, fmt.EAN13, fmt.EAN8, fmt.UPCE)),
        text_mode=zxingcpp.TextMode.Plain,  # the content itself, no "<GS>"-style decoration
    )
    reads: list[tuple[str, str, tuple[int, int, int, int]]] = []
    for barcode in found:
        if not barcode.valid:
            continue
        name = _ZXING_NAMES.get(getattr(barcode.format, "name", ""), "")
        if name:
            reads.append((name, barcode.text, _box(barcode.position)))
    # An EAN/UPC "found" inside a Code 128's bars is a misread of them (a member card's Code 128
    # can hold a run of bars that passes as an EAN-13 with a valid check digit): dropped.
    wide = [box for name, _, box in reads if name == CODE128]
    return [
        _normalise(name, text)
        for name, text, box in reads
        if name in (CODE128, QR) or not any(_overlap(box, other) for other in wide)
    ]


def _box(position: Any) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of a zxing-cpp result's corners."""
    corners = (position.top_left, position.top_right, position.bottom_right, position.bottom_left)
    xs, ys = [point.x for point in corners], [point.y for point in corners]
    return min(xs), min(ys), max(xs), max(ys)


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _pyzbar_decode(gray: Image.Image) -> list[RawCode]:
    from pyzbar import pyzbar
    from pyzbar.pyzbar import ZBarSymbol

    symbols = [ZBarSymbol.QRCODE, ZBarSymbol.CODE128, ZBarSymbol.EAN13, ZBarSymbol.EAN8]
    symbols.append(ZBarSymbol.UPCE)
    found = pyzbar.decode((gray.tobytes(), gray.width, gray.height), symbols=symbols)
    out: list[RawCode] = []
    for symbol in found:
        try:
            text = symbol.data.decode("utf-8")  # zbar hands over UTF-8 (after its charset guess)
        except UnicodeDecodeError:
            continue
        name = "QR" if symbol.type == "QRCODE" else symbol.type
        out.append(_normalise(name, text))
    return out


DECODERS: dict[str, Decoder] = {ZXING: _zxing_decode, PYZBAR: _pyzbar_decode}
_unavailable: set[str] = set()


def available_decoders() -> list[str]:
    """The decoders whose native library loads here (for ``doctor`` and the CLI)."""
    names = []
    for name in DECODERS:
        try:
            if name == ZXING:
                import zxingcpp  # noqa: F401
            else:
                from pyzbar import pyzbar  # noqa: F401
        except (ImportError, OSError):
            continue
        names.append(name)
    return names


# ---------------------------------------------------------------- validation


def _embedded_chain(text: str) -> str | None:
    parts = text.strip().split(":")
    if len(parts) >= 2 and parts[0].upper() in (STATIC_QR_TAG, SIGNED_QR_TAG):
        return parts[1]
    return None


def looks_like_member_qr(text: str) -> bool:
    return text.strip()[:5].upper() in (f"{STATIC_QR_TAG}:", f"{SIGNED_QR_TAG}:")


def kind_of(result: ScanResult) -> str:
    if isinstance(result, CardCode):
        return KIND_MEMBER_CARD
    if isinstance(result, StaticQrCode):
        return KIND_MEMBER_QR
    if isinstance(result, SignedCode):
        return KIND_SIGNED
    if isinstance(result, PhoneNumber):
        return KIND_PHONE
    return KIND_PRODUCT if result.is_barcode else KIND_SKU


def classify(
    text: str, *, chain: str | None = None, card_prefix: str = DEFAULT_CARD_PREFIX
) -> Classified:
    """What a decoded text is for the till; CodeError with the reason when it is nothing usable.

    With ``chain=None`` a member QR is checked for structure only (any chain): the checkout, which
    knows the till's chain, refuses another retailer's code with its own reason. Signed codes
    (``PCD1``) are never verified here; the checkout verifies them with HQ's key.
    """
    if any(char.isdigit() and not char.isascii() for char in text):
        # full-width or other non-ASCII digits pass str.isdigit() and int() in domain.codes and
        # would come back as a "product barcode"; no printed code carries them
        raise CodeError("code.unknown_format")
    use_chain = chain if chain is not None else (_embedded_chain(text) or "-")
    result = parse_scan(text, chain=use_chain, card_prefix=card_prefix)
    return Classified(kind_of(result), result)


def rejection(raw: RawCode, decoder: str) -> str | None:
    """Why a decoder's output must not be accepted, or None if it may.

    A message code (``barcode.bad_check_digit``, ``qr.malformed``…) where it helps a person, else
    a short tag for the log (``control_chars``, ``unreliable_charset``…).
    """
    symbology, text = raw
    if not text.strip():
        return "empty"
    if len(text) > MAX_TEXT_LENGTH:
        return "too_long"
    for char in text:
        code = ord(char)
        if (code < 32 and char not in _ALLOWED_CONTROLS) or 0x7F <= code < 0xA0 or code == 0xFFFD:
            return "control_chars"
    if symbology in (EAN13, EAN8):
        expected = 13 if symbology == EAN13 else 8
        if len(text) != expected or not has_valid_gs1_check(text):
            return "barcode.bad_check_digit"
    elif (
        text.isascii()
        and text.isdigit()
        and len(text) in (8, 12, 13)
        and not has_valid_gs1_check(text)
    ):
        # a card or product number carried by Code 128 or QR: the same check digit applies
        return "barcode.bad_check_digit"
    if looks_like_member_qr(text):
        try:
            classify(text)
        except CodeError as exc:
            return exc.code
    if decoder == PYZBAR and symbology == QR and not text.isascii():
        # zbar guesses the charset of byte-mode QR data and gets Shift_JIS wrong (testdata
        # qrcode-2); member and product codes are ASCII, so nothing usable is lost.
        return "unreliable_charset"
    return None


# ---------------------------------------------------------------- images


def to_gray(image: Image.Image) -> Image.Image:
    """8-bit grayscale; transparent areas become white (a QR on a transparent PNG stays dark)."""
    if image.mode == "L":
        return image
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("L")
    if image.mode.startswith("I"):  # 16/32-bit: scale to 8 bits instead of clipping to white
        wide = image.convert("I")
        high = wide.getextrema()[1]
        if isinstance(high, int | float) and high > 255:
            wide = wide.point(lambda v: v * (255 / high))
        return wide.convert("L")
    return image.convert("L")


def _shrink(gray: Image.Image, max_side: int) -> Image.Image:
    longest = max(gray.size)
    if longest <= max_side:
        return gray
    scale = max_side / longest
    size = (max(1, round(gray.width * scale)), max(1, round(gray.height * scale)))
    return gray.resize(size, Image.Resampling.BOX)


def decode_gray(gray: Image.Image, *, order: Sequence[str] = SHIPPED_ORDER) -> DecodeResult:
    """Run the decoders in ``order``; the next runs only if the previous accepted nothing."""
    rejected: list[Rejection] = []
    tried = 0
    for name in order:
        if name in _unavailable:
            continue
        try:
            raw_codes = DECODERS[name](gray)
        except (ImportError, OSError) as exc:  # library missing: the other decoder carries on
            _unavailable.add(name)
            log.warning("decoder unavailable", extra={"decoder": name, "error": type(exc).__name__})
            continue
        tried += 1
        accepted: list[DecodedCode] = []
        for raw in raw_codes:
            reason = rejection(raw, name)
            if reason is not None:
                rejected.append(Rejection(raw[0], reason, name))
                continue
            code = DecodedCode(raw[0], raw[1], name)
            if all((c.symbology, c.text) != (code.symbology, code.text) for c in accepted):
                accepted.append(code)
        if accepted:
            _log_result(name, accepted, rejected)
            return DecodeResult(accepted, rejected)
    if not tried:
        raise ScanError("scan.no_decoder")
    if rejected:
        _log_result("", [], rejected)
    return DecodeResult([], rejected)


def _log_result(decoder: str, codes: list[DecodedCode], rejected: list[Rejection]) -> None:
    # counts, symbologies and reasons only: decoded texts are member codes and phone numbers
    log.debug(
        "image decoded",
        extra={
            "decoder": decoder,
            "codes": len(codes),
            "symbologies": ",".join(sorted({c.symbology for c in codes})),
            "rejected": ",".join(sorted({r.reason for r in rejected})),
        },
    )


def decode_image(image: Image.Image, *, order: Sequence[str] = SHIPPED_ORDER) -> DecodeResult:
    """Codes in a PIL image (any mode); big images are shrunk first."""
    if image.width * image.height > MAX_PIXELS:
        raise ScanError("scan.image_too_large", max_mp=MAX_PIXELS // 1_000_000)
    return decode_gray(_shrink(to_gray(image), WORK_MAX_SIDE), order=order)


def decode_frame(
    data: bytes | bytearray | memoryview,
    width: int,
    height: int,
    *,
    stride: int | None = None,
    order: Sequence[str] = SHIPPED_ORDER,
) -> DecodeResult:
    """Codes in an 8-bit grayscale frame (``stride`` bytes per row, default ``width``)."""
    stride = width if stride is None else stride
    if width <= 0 or height <= 0 or stride < width:
        raise ValueError("bad frame geometry")
    if width * height > MAX_PIXELS:
        raise ScanError("scan.image_too_large", max_mp=MAX_PIXELS // 1_000_000)
    if len(data) < stride * (height - 1) + width:
        raise ValueError("frame buffer shorter than its geometry")
    gray = Image.frombytes("L", (width, height), bytes(data), "raw", "L", stride)
    return decode_gray(_shrink(gray, FRAME_MAX_SIDE), order=order)


def open_image(data: bytes) -> Image.Image:
    """A fully loaded PIL image from file bytes, or ScanError with the reason."""
    if not data:
        raise ScanError("scan.unreadable_image")
    try:
        with warnings.catch_warnings():
            # Pillow warns from 89 MP and refuses from 179 MP; our own limit is lower.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ScanError("scan.image_too_large", max_mp=MAX_PIXELS // 1_000_000)
            if max(width, height) > WORK_MAX_SIDE:
                image.draft("L", (WORK_MAX_SIDE, WORK_MAX_SIDE))  # JPEG: decode at 1/2..1/8
            image.load()
    except ScanError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise ScanError("scan.image_too_large", max_mp=MAX_PIXELS // 1_000_000) from exc
    except MemoryError as exc:
        raise ScanError("scan.image_too_large", max_mp=MAX_PIXELS // 1_000_000) from exc
    except Exception as exc:  # Pillow's plugins raise OSError, SyntaxError, ValueError, struct…
        log.info("image unreadable", extra={"error": type(exc).__name__})
        raise ScanError("scan.unreadable_image") from exc
    return image


def read_image_file(path: str | os.PathLike[str]) -> bytes:
    """The bytes of an image file, refusing missing, unreadable and oversized files."""
    file = Path(path)
    try:
        size = file.stat().st_size
        if not file.is_file():
            raise ScanError("scan.unreadable_image")
        if size > MAX_FILE_BYTES:
            raise ScanError("scan.file_too_large", max_mb=MAX_FILE_BYTES // (1024 * 1024))
        with file.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError as exc:
        raise ScanError("scan.file_not_found") from exc
    except OSError as exc:
        raise ScanError("scan.unreadable_image") from exc
    if len(data) > MAX_FILE_BYTES:  # grew while we read it
        raise ScanError("scan.file_too_large", max_mb=MAX_FILE_BYTES // (1024 * 1024))
    return data


def decode_file(
    path: str | os.PathLike[str], *, order: Sequence[str] = SHIPPED_ORDER
) -> DecodeResult:
    """Codes in an image file (none: ``result.reason``); ScanError if it cannot be read."""
    return decode_image(open_image(read_image_file(path)), order=order)
