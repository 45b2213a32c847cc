"""Rendering member codes: the member QR, a Code 128 card number and a printable card (Qt-free).

The card is ID-1 size (85.6 × 54 mm) at 300 dpi, as PNG or PDF (Pillow writes both): store name,
masked member name, the static member QR (``PCM1:<chain>:<card>``, error correction M, quiet zone)
and the card number as Code 128 with the digits printed under it. Code 128 is encoded here (sets B
and C, about 150 lines) rather than pulling in another dependency; tests read every rendering
back with zxing-cpp and pyzbar.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont, features

from posclient.domain.codes import DEFAULT_CARD_PREFIX, parse_card, static_qr_text
from posclient.security.masking import mask_name

log = logging.getLogger("posclient.scanning")

CARD_WIDTH_MM = 85.6
CARD_HEIGHT_MM = 54.0
CARD_DPI = 300
CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)
LATIN_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)

# ---------------------------------------------------------------- Code 128

# Bar/space widths (in modules) of the 107 Code 128 symbols: bar, space, bar, space, bar, space
# (the stop symbol has a final 2-module bar). Values 0-102 are data, 103-105 start A/B/C.
# fmt: off
_PATTERNS = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312",
    "132212", "221213", "221312", "231212", "112232", "122132", "122231", "113222",
    "123122", "123221", "223211", "221132", "221231", "213212", "223112", "312131",
    "311222", "321122", "321221", "312212", "322112", "322211", "212123", "212321",
    "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
    "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121",
    "313121", "211331", "231131", "213113", "213311", "213131", "311123", "311321",
    "331121", "312113", "312311", "332111", "314111", "221411", "431111", "111224",
    "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
    "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112",
    "421211", "212141", "214121", "412121", "111143", "111341", "131141", "114113",
    "114311", "411113", "411311", "113141", "114131", "311141", "411131", "211412",
    "211214", "211232", "2331112",
)
# fmt: on
CODE_B, CODE_C = 100, 99
START_B, START_C, STOP = 104, 105, 106
CODE128_MAX_LENGTH = 80


def _digit_run(text: str, start: int) -> int:
    end = start
    while end < len(text) and text[end].isdigit():
        end += 1
    return end - start


def code128_values(text: str) -> list[int]:
    """Symbol values for ``text`` (printable ASCII): start, data, checksum, stop.

    Set C (two digits per symbol) for runs of at least four digits, or a text of digits only;
    set B otherwise. An odd run spends its first digit in set B so the rest pairs up.
    """
    if not text or len(text) > CODE128_MAX_LENGTH:
        raise ValueError("Code 128 text must have 1-80 characters")
    if any(not 32 <= ord(char) <= 126 for char in text):
        raise ValueError("Code 128 (sets B/C) encodes printable ASCII only")
    values: list[int] = []
    current = ""
    i = 0
    while i < len(text):
        run = _digit_run(text, i)
        whole = run == len(text) and run >= 2
        if run >= 4 or whole:
            if run % 2:  # odd: one digit in set B first
                if current != "B":
                    values.append(START_B if not values else CODE_B)
                    current = "B"
                values.append(ord(text[i]) - 32)
                i += 1
                run -= 1
            if current != "C":
                values.append(START_C if not values else CODE_C)
                current = "C"
            for j in range(i, i + run, 2):
                values.append(int(text[j : j + 2]))
            i += run
            continue
        if current != "B":
            values.append(START_B if not values else CODE_B)
            current = "B"
        values.append(ord(text[i]) - 32)
        i += 1
    checksum = (values[0] + sum(pos * value for pos, value in enumerate(values[1:], 1))) % 103
    return [*values, checksum, STOP]


def code128_widths(text: str) -> list[int]:
    """Alternating bar/space widths in modules, starting with a bar, ending with the stop bar."""
    return [int(width) for value in code128_values(text) for width in _PATTERNS[value]]


def code128_image(
    text: str, *, module_px: int = 4, height_px: int = 150, quiet_modules: int = 10
) -> Image.Image:
    """A grayscale Code 128 image with quiet zones (no human-readable text)."""
    widths = code128_widths(text)
    total = sum(widths) + 2 * quiet_modules
    image = Image.new("L", (total * module_px, height_px), 255)
    draw = ImageDraw.Draw(image)
    x = quiet_modules * module_px
    for index, width in enumerate(widths):
        if index % 2 == 0:
            draw.rectangle((x, 0, x + width * module_px - 1, height_px - 1), fill=0)
        x += width * module_px
    return image


# ---------------------------------------------------------------- QR


def member_qr_image(text: str, *, box_size: int = 10, border: int = 4) -> Image.Image:
    """The member QR (error correction M, ``border`` modules of quiet zone), grayscale."""
    qr = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=border
    )
    qr.add_data(text)
    qr.make(fit=True)
    image: Image.Image = qr.make_image().get_image().convert("L")
    return image


def _qr_modules(text: str, border: int) -> int:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border)
    qr.add_data(text)
    qr.make(fit=True)
    return int(qr.modules_count) + 2 * border


def png_bytes(image: Image.Image, *, dpi: int | None = None) -> bytes:
    buffer = io.BytesIO()
    if dpi:
        image.save(buffer, "PNG", dpi=(dpi, dpi))
    else:
        image.save(buffer, "PNG")
    return buffer.getvalue()


def member_qr_png(text: str, *, box_size: int = 10, border: int = 4) -> bytes:
    """PNG bytes of the member QR (enrolment screen, reprint)."""
    return png_bytes(member_qr_image(text, box_size=box_size, border=border))


# ---------------------------------------------------------------- card


def _font(size: int, *, cjk: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A TrueType font that has the glyphs, or Pillow's built-in one (never an exception)."""
    for path in (*CJK_FONTS, *LATIN_FONTS) if cjk else (*LATIN_FONTS, *CJK_FONTS):
        if Path(path).is_file():
            try:
                return ImageFont.truetype(path, size)
            except OSError:
                continue
    log.warning("no TrueType font found; card text uses the built-in font")
    return ImageFont.load_default(size)


def _fit_text(
    draw: ImageDraw.ImageDraw, text: str, max_width: int, size: int
) -> tuple[str, ImageFont.FreeTypeFont | ImageFont.ImageFont]:
    """Shrink the font (down to 60 %) and then cut the text with … until it fits."""
    cjk = any(ord(char) > 0x2E7F for char in text)
    for candidate in range(size, int(size * 0.6) - 1, -2):
        font = _font(candidate, cjk=cjk)
        if draw.textlength(text, font=font) <= max_width:
            return text, font
    while text and draw.textlength(text + "…", font=font) > max_width:
        text = text[:-1]
    return text + "…", font


def group_digits(card_no: str) -> str:
    return " ".join(card_no[i : i + 4] for i in range(0, len(card_no), 4))


def member_card_image(
    *,
    card_no: str,
    chain: str,
    store_name: str = "",
    member_name: str = "",
    card_prefix: str = DEFAULT_CARD_PREFIX,
    dpi: int = CARD_DPI,
) -> Image.Image:
    """The printable card: QR and Code 128 of ``card_no`` (validated), store, masked name."""
    card = parse_card(card_no, prefix=card_prefix).card_no
    scale = dpi / 25.4
    width, height = round(CARD_WIDTH_MM * scale), round(CARD_HEIGHT_MM * scale)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    margin = round(4 * scale)

    qr_text = static_qr_text(chain, card)
    qr_px = round(28 * scale)  # a 28 mm square: an easy target for a phone or a 2D scanner
    modules = _qr_modules(qr_text, border=4)
    qr = member_qr_image(qr_text, box_size=max(2, qr_px // modules), border=4)
    qr_left = width - margin - qr.width + round(2 * scale)  # the quiet zone may reach the margin
    image.paste(qr, (qr_left, margin - round(2 * scale)))

    text_width = qr_left - margin
    if store_name:
        shown, font = _fit_text(draw, store_name.strip(), text_width, round(5 * scale))
        draw.text((margin, margin), shown, fill=0, font=font)
    if member_name:
        shown, font = _fit_text(draw, mask_name(member_name), text_width, round(3.6 * scale))
        draw.text((margin, margin + round(8 * scale)), shown, fill=0, font=font)

    module_px = max(1, round(0.34 * scale))  # X dimension ~0.34 mm
    bar_height = round(11 * scale)
    barcode = code128_image(card, module_px=module_px, height_px=bar_height, quiet_modules=10)
    bar_top = height - margin - bar_height - round(4.5 * scale)
    image.paste(barcode, (margin - 10 * module_px + round(1 * scale), bar_top))
    digits_font = _font(round(3.2 * scale), cjk=False)
    bars_centre = margin + round(1 * scale) + (barcode.width - 20 * module_px) // 2
    draw.text(
        (bars_centre, bar_top + bar_height + 4),
        group_digits(card),
        fill=0,
        font=digits_font,
        anchor="ma",
    )
    return image


def bilevel(image: Image.Image) -> Image.Image:
    """Pure black and white (threshold, no dithering): what goes into the PDF."""
    return (
        image.convert("L")
        .point(lambda v: 255 if v >= 128 else 0)
        .convert("1", dither=Image.Dither.NONE)
    )


def card_bytes(image: Image.Image, fmt: str, *, dpi: int = CARD_DPI) -> bytes:
    """The card as ``png`` or ``pdf`` bytes (page size = card size at ``dpi``).

    Pillow stores grayscale PDF images as JPEG, which blurs bar edges; a bilevel image is stored
    losslessly (CCITT G4 with libtiff, else uncompressed), so the PDF prints sharp bars.
    """
    buffer = io.BytesIO()
    if fmt == "png":
        image.save(buffer, "PNG", dpi=(dpi, dpi))
    elif fmt == "pdf":
        page = bilevel(image)
        if not features.check("libtiff"):
            page = page.convert("P")  # ASCIIHex: lossless, larger
        page.save(buffer, "PDF", resolution=float(dpi), title="Member card")
    else:
        raise ValueError(f"unknown card format: {fmt}")
    return buffer.getvalue()
