"""Rendering: every Code 128 symbol, the member QR and the whole card read back by both decoders."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from posclient.domain.codes import make_card_no, static_qr_text
from posclient.domain.errors import CodeError
from posclient.scanning import decode, render
from posclient.scanning.render import (
    code128_image,
    code128_values,
    code128_widths,
    member_card_image,
    member_qr_image,
    member_qr_png,
)

DECODERS = (decode.ZXING, decode.PYZBAR)
CARD = "2990000000019"


def raw_read(image: Image.Image, decoder: str) -> list[tuple[str, str]]:
    """What a decoder itself reads (no validation: this tests the encoder, not the checks)."""
    return decode.DECODERS[decoder](decode.to_gray(image))


def code128_reads(text: str) -> dict[str, list[str]]:
    image = code128_image(text, module_px=2, height_px=60)
    return {name: [t for s, t in raw_read(image, name) if s == "CODE128"] for name in DECODERS}


# ---------------------------------------------------------------- Code 128


def test_code128_structure_of_a_card_number():
    values = code128_values(CARD)
    assert values[0] == render.START_B and values[-1] == render.STOP
    assert values[1] == ord("2") - 32  # the odd digit in set B …
    assert values[2:9] == [render.CODE_C, 99, 0, 0, 0, 0, 19]  # … then 12 digits in set C
    checksum = (values[0] + sum(i * v for i, v in enumerate(values[1:-2], 1))) % 103
    assert values[-2] == checksum
    widths = code128_widths(CARD)
    assert sum(widths) == 11 * (len(values) - 1) + 13
    assert all(1 <= w <= 4 for w in widths)


def test_every_symbol_pattern_reads_back_as_data_and_as_checksum():
    # Set B data 0..94 and every checksum value 0..102: two characters whose checksum is ``k``.
    texts = []
    for target in range(103):
        pair = next(
            (a, b) for a in range(95) for b in range(95) if (104 + a + 2 * b) % 103 == target
        )
        texts.append(chr(pair[0] + 32) + chr(pair[1] + 32))
    digits = "".join(f"{n:02d}" for n in range(100))  # set C data 00..99
    texts += [digits[i : i + 80] for i in range(0, 200, 80)]
    for text in texts:
        assert code128_values(text)[-2] in range(103)
        reads = code128_reads(text)
        assert reads == {name: [text] for name in DECODERS}, text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=24)
)
def test_code128_round_trip_any_printable_ascii(text):
    assert code128_reads(text) == {name: [text] for name in DECODERS}


@pytest.mark.parametrize("bad", ["", "é", "tab\there", "x" * 81])
def test_code128_refuses_what_sets_b_and_c_cannot_hold(bad):
    with pytest.raises(ValueError):
        code128_values(bad)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=10**10 - 1))
def test_card_serials_round_trip_as_code128_and_qr(serial):
    card = make_card_no(serial)
    bars = Image.new("L", (700, 200), 255)
    bars.paste(code128_image(card, module_px=3, height_px=120), (20, 40))
    for name in DECODERS:
        assert decode.decode_image(bars, order=[name]).texts == [card], name
    qr = member_qr_image(static_qr_text("DEMO", card), box_size=4)
    result = decode.decode_image(qr)
    assert result.texts == [f"PCM1:DEMO:{card}"]
    assert decode.classify(result.texts[0], chain="DEMO").kind == decode.KIND_MEMBER_QR


# ---------------------------------------------------------------- QR


def test_member_qr_png_has_error_correction_m_and_a_quiet_zone():
    text = static_qr_text("DEMO", CARD)
    image = Image.open(io.BytesIO(member_qr_png(text, box_size=10, border=4)))
    assert image.format == "PNG"
    gray = image.convert("L")
    assert gray.getpixel((39, 39)) == 255 and gray.getpixel((40, 40)) == 0  # 4-module margin
    zxingcpp = pytest.importorskip("zxingcpp")
    found = zxingcpp.read_barcodes(gray)
    assert [b.text for b in found] == [text]
    assert found[0].ec_level == "M"


# ---------------------------------------------------------------- the card


def card_codes(image: Image.Image, order) -> set[tuple[str, str]]:
    return {(c.symbology, c.text) for c in decode.decode_image(image, order=order).codes}


def test_card_png_reads_back_with_each_decoder():
    image = member_card_image(
        card_no=CARD, chain="DEMO", store_name="上海南京东路旗舰店", member_name="张伟"
    )
    assert image.size == (1011, 638)  # 85.6 × 54 mm at 300 dpi
    data = render.card_bytes(image, "png")
    png = Image.open(io.BytesIO(data))
    assert png.info["dpi"] == pytest.approx((300, 300), abs=0.01)
    expected = {("QR", "PCM1:DEMO:" + CARD), ("CODE128", CARD)}
    for name in DECODERS:
        assert card_codes(png, [name]) == expected, name


def test_card_pdf_is_one_card_sized_page_with_lossless_bars():
    image = member_card_image(card_no=CARD, chain="DEMO", store_name="Store 1")
    data = render.card_bytes(image, "pdf")
    assert data.startswith(b"%PDF-")
    box = re.search(rb"/MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", data)
    assert box is not None
    width_mm, height_mm = (float(v) / 72 * 25.4 for v in box.groups())
    assert width_mm == pytest.approx(85.6, abs=0.1) and height_mm == pytest.approx(54, abs=0.1)
    assert b"/DCTDecode" not in data  # no JPEG: bar edges stay sharp
    # what the PDF embeds is the bilevel card, which reads back too
    assert card_codes(render.bilevel(image), decode.SHIPPED_ORDER) == {
        ("QR", "PCM1:DEMO:" + CARD),
        ("CODE128", CARD),
    }


def test_card_refuses_a_bad_card_number():
    with pytest.raises(CodeError) as exc:
        member_card_image(card_no=CARD[:-1] + "0", chain="DEMO")
    assert exc.value.code == "card.bad_check_digit"


def test_card_without_any_truetype_font_still_renders(monkeypatch):
    monkeypatch.setattr(render, "CJK_FONTS", ("/nonexistent/font.ttc",))
    monkeypatch.setattr(render, "LATIN_FONTS", ())
    image = member_card_image(card_no=CARD, chain="DEMO", store_name="演示门店", member_name="王芳")
    assert card_codes(image, decode.SHIPPED_ORDER) == {
        ("QR", "PCM1:DEMO:" + CARD),
        ("CODE128", CARD),
    }


def test_long_store_name_is_fitted_and_never_overlaps_the_qr():
    name = "非常非常长的门店名称" * 4
    image = member_card_image(card_no=CARD, chain="LONGCHAINNAME16X", store_name=name)
    assert card_codes(image, decode.SHIPPED_ORDER) == {
        ("QR", "PCM1:LONGCHAINNAME16X:" + CARD),
        ("CODE128", CARD),
    }


def test_an_ean13_misread_inside_a_card_code128_is_dropped():
    """Found by the property test above: zxing-cpp reads an EAN-13 with a valid check digit
    ("0416777144265") in the bars of card 2900012960164's Code 128, beside the card itself.
    A camera scan of that card offered a product barcode too."""
    card = "2900012960164"
    bars = Image.new("L", (700, 200), 255)
    bars.paste(code128_image(card, module_px=3, height_px=120), (20, 40))
    for name in DECODERS:
        assert decode.decode_image(bars, order=[name]).texts == [card], name
