"""Member codes and product barcodes: every valid form parses, every bad one says why."""

from __future__ import annotations

import base64
import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posclient.domain.codes import (
    MAX_CODE_LENGTH,
    CardCode,
    PhoneNumber,
    ProductCode,
    SignedCode,
    StaticQrCode,
    gs1_check_digit,
    has_valid_gs1_check,
    make_card_no,
    parse_card,
    parse_member_code,
    parse_phone,
    parse_scan,
    static_qr_text,
)
from posclient.domain.errors import CodeError

CHAIN = "ACME"
CARD = make_card_no(123_456)  # 2900001234566
EAN13 = "4006381333931"
UPC_A = "036000291452"
EAN8 = "96385074"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


SIGNATURE = bytes(range(64))
PAYLOAD = b'{"m":"42","exp":1718000000}'
SIGNED = f"PCD1:{CHAIN}:{b64(PAYLOAD)}.{b64(SIGNATURE)}"


def reason(call: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(CodeError) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    return info.value.code


# ------------------------------------------------------------------ cards


def test_make_card_no() -> None:
    assert make_card_no(0) == "2900000000001"
    assert make_card_no(123_456) == "2900001234566"
    assert len(make_card_no(9_999_999_999)) == 13
    assert make_card_no(7, prefix="2101").startswith("2101")
    with pytest.raises(ValueError):
        make_card_no(10**10)
    with pytest.raises(ValueError):
        make_card_no(-1)


@settings(deadline=None)
@given(st.integers(0, 10**10 - 1))
def test_card_numbers_round_trip(serial: int) -> None:
    card = make_card_no(serial)
    assert len(card) == 13 and card.startswith("29") and has_valid_gs1_check(card)
    assert parse_card(card) == CardCode(card)
    assert parse_scan(card, chain=CHAIN) == CardCode(card)
    assert parse_member_code(card, chain=CHAIN) == CardCode(card)
    assert parse_scan(static_qr_text(CHAIN, card), chain=CHAIN) == StaticQrCode(CHAIN, card)


@settings(deadline=None)
@given(st.integers(0, 10**10 - 1), st.integers(2, 12), st.integers(1, 9))
def test_any_single_digit_error_in_a_card_is_caught(serial: int, position: int, delta: int) -> None:
    card = make_card_no(serial)
    wrong = card[:position] + str((int(card[position]) + delta) % 10) + card[position + 1 :]
    assert reason(parse_card, wrong) == "card.bad_check_digit"


def test_card_with_spaces_or_dashes() -> None:
    assert parse_card("2900 0012 3456 6") == CardCode(CARD)
    assert parse_scan("2900-0012-3456-6", chain=CHAIN) == CardCode(CARD)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("29000012345", "card.wrong_length"),
        ("290000123456512", "card.wrong_length"),
        (make_card_no(5, prefix="30"), "card.wrong_prefix"),
        (CARD[:-1] + str((int(CARD[-1]) + 1) % 10), "card.bad_check_digit"),
        ("29000O1234566", "card.not_digits"),
        ("", "card.not_digits"),
    ],
)
def test_card_rejections(text: str, code: str) -> None:
    assert reason(parse_card, text) == code


def test_card_rejection_params() -> None:
    with pytest.raises(CodeError) as info:
        parse_card("29000012345")
    assert info.value.params == {"length": 11, "expected": 13}
    with pytest.raises(CodeError) as info:
        parse_card(CARD, prefix="21")
    assert info.value.params == {"prefix": "21"}


def test_a_card_with_a_bad_check_digit_is_not_mistaken_for_a_product() -> None:
    bad = CARD[:-1] + str((int(CARD[-1]) + 1) % 10)
    assert reason(parse_scan, bad, chain=CHAIN) == "card.bad_check_digit"
    assert reason(parse_member_code, bad, chain=CHAIN) == "card.bad_check_digit"


# ------------------------------------------------------------------ phones


@pytest.mark.parametrize(
    "text",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "+8613800138000",
        "0086-138-0013-8000",
        "(+86) 138-0013-8000",
        " 13800138000\r\n",
    ],
)
def test_valid_phone_numbers(text: str) -> None:
    expected = PhoneNumber("13800138000")
    assert parse_phone(text.strip()) == expected
    assert parse_scan(text, chain=CHAIN) == expected
    assert parse_member_code(text, chain=CHAIN) == expected


@pytest.mark.parametrize("prefix", "3456789")
def test_every_mobile_prefix(prefix: str) -> None:
    assert parse_phone(f"1{prefix}912345678") == PhoneNumber(f"1{prefix}912345678")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "phone.empty"),
        ("  - ", "phone.empty"),
        ("138-0013-800O", "phone.not_digits"),
        ("+86", "phone.not_digits"),
        ("1380013800", "phone.wrong_length"),
        ("+86 138 0013 80000", "phone.wrong_length"),
        ("12800138000", "phone.bad_prefix"),
        ("10800138000", "phone.bad_prefix"),
    ],
)
def test_phone_rejections(text: str, code: str) -> None:
    assert reason(parse_phone, text) == code


def test_phone_reasons_through_scan_and_member_field() -> None:
    assert reason(parse_scan, "12800138000", chain=CHAIN) == "phone.bad_prefix"
    assert reason(parse_scan, "+86 1380013800", chain=CHAIN) == "phone.wrong_length"
    # In the member field every 11-digit number is taken for a phone number.
    assert reason(parse_member_code, "23800138000", chain=CHAIN) == "phone.bad_prefix"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("13800138", "phone.wrong_length"),  # a phone number short of digits
        ("1380013800", "phone.wrong_length"),
        ("138001380011", "phone.wrong_length"),
        ("299000000003", "card.wrong_length"),  # a card short of a digit
        ("29900000000951", "card.wrong_length"),
        ("2890000000034", "card.wrong_prefix"),
        ("6901234567892", "code.product_not_member"),  # a real product barcode
        ("12345", "code.unknown_format"),
    ],
)
def test_the_member_field_tells_a_mistyped_phone_or_card_as_such(text: str, code: str) -> None:
    assert reason(parse_member_code, text, chain=CHAIN) == code


def test_full_width_digits_typed_with_a_chinese_input_method() -> None:
    # A cashier typing with the IME in full-width mode gets the same member, not a riddle.
    assert parse_phone("１３８００１３８０００") == PhoneNumber("13800138000")
    assert parse_member_code("＋８６ １３８－００１３－８０００", chain=CHAIN) == PhoneNumber(
        "13800138000"
    )
    assert parse_scan("２９００００１２３４５６６", chain=CHAIN) == CardCode(CARD)


@pytest.mark.parametrize(
    "text",
    [
        "١٣٨٠٠١٣٨٠٠٠",  # Arabic-Indic digits: isdigit() but not ours
        "٢٩٠٠٠٠١٢٣٤٥٦٦",
        "29000012345₆6",  # subscript six
    ],
)
def test_other_unicode_digits_are_refused_with_a_reason(text: str) -> None:
    for parse in (parse_scan, parse_member_code):
        with pytest.raises(CodeError):
            parse(text, chain=CHAIN)
    with pytest.raises(CodeError):
        parse_card(text)
    with pytest.raises(CodeError):
        parse_phone(text)


# ------------------------------------------------------------------ QR codes


def test_static_qr() -> None:
    text = static_qr_text(CHAIN, CARD)
    assert text == f"PCM1:ACME:{CARD}"
    assert parse_scan(text, chain=CHAIN) == StaticQrCode(CHAIN, CARD)
    assert parse_member_code(text, chain=CHAIN) == StaticQrCode(CHAIN, CARD)
    # Scanners may send the tag in lower case.
    assert parse_scan(f"pcm1:ACME:{CARD}", chain=CHAIN) == StaticQrCode(CHAIN, CARD)


def test_signed_qr() -> None:
    parsed = parse_scan(SIGNED, chain=CHAIN)
    assert parsed == SignedCode(CHAIN, PAYLOAD, SIGNATURE, SIGNED)
    assert parse_member_code(SIGNED + "\r", chain=CHAIN) == parsed


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("PCM1:ACME", "qr.malformed"),
        ("PCM1:ACME:", "qr.malformed"),
        (f"PCM1:ACME:{CARD}:x", "qr.malformed"),
        (f"PCM1:acme:{CARD}", "qr.malformed"),
        (f"PCM1:A:{CARD}", "qr.malformed"),
        (f"PCM1:OTHER:{CARD}", "qr.foreign_chain"),
        (f"PCD1:OTHER:{b64(b'x')}.{b64(SIGNATURE)}", "qr.foreign_chain"),
        ("PCM1:ACME:29000012345", "qr.bad_card"),
        ("PCM1:ACME:3000001234565", "qr.bad_card"),
        ("PCD1:ACME:abc", "qr.malformed"),
        (f"PCD1:ACME:.{b64(SIGNATURE)}", "qr.malformed"),
        (f"PCD1:ACME:a.b.{b64(SIGNATURE)}", "qr.malformed"),
        (f"PCD1:ACME:{b64(b'payload')}.{b64(SIGNATURE[:63])}", "qr.malformed"),
        (f"PCD1:ACME:{b64(b'payload')}.a", "qr.malformed"),  # impossible base64 length
        # Characters outside base64url are not silently skipped.
        (f"PCD1:ACME:!!!!{b64(b'payload')}.{b64(SIGNATURE)}", "qr.malformed"),
        (f"PCD1:ACME:{b64(b'payload')}.{b64(SIGNATURE)}==", "qr.malformed"),
        (
            f"PCD1:ACME:{b64(b'payload')}.{b64(SIGNATURE)[:10]}*~*~{b64(SIGNATURE)[10:]}",
            "qr.malformed",
        ),
    ],
)
def test_qr_rejections(text: str, code: str) -> None:
    assert reason(parse_scan, text, chain=CHAIN) == code
    assert reason(parse_member_code, text, chain=CHAIN) == code


def test_bad_card_in_qr_names_the_card_reason() -> None:
    with pytest.raises(CodeError) as info:
        parse_scan("PCM1:ACME:29000012345", chain=CHAIN)
    assert info.value.params == {"reason": "card.wrong_length"}


# ------------------------------------------------------------------ products and the rest


@pytest.mark.parametrize("code", [EAN13, UPC_A, EAN8])
def test_product_barcodes(code: str) -> None:
    assert has_valid_gs1_check(code)
    assert parse_scan(code, chain=CHAIN) == ProductCode(code, is_barcode=True)


def test_gs1_check_digit() -> None:
    assert gs1_check_digit(EAN13[:-1]) == 1
    assert gs1_check_digit(UPC_A[:-1]) == 2
    assert gs1_check_digit(EAN8[:-1]) == 4
    assert not has_valid_gs1_check("1234567")
    assert not has_valid_gs1_check("40063813339311")


@pytest.mark.parametrize("code", [EAN13, UPC_A, EAN8])
def test_product_barcode_with_a_wrong_check_digit(code: str) -> None:
    wrong = code[:-1] + str((int(code[-1]) + 3) % 10)
    assert reason(parse_scan, wrong, chain=CHAIN) == "barcode.bad_check_digit"


def test_sku_typed_by_hand() -> None:
    assert parse_scan("ABC-123", chain=CHAIN) == ProductCode("ABC-123", is_barcode=False)
    assert parse_scan("tea_01", chain=CHAIN) == ProductCode("tea_01", is_barcode=False)


def test_a_product_in_the_member_field() -> None:
    assert reason(parse_member_code, EAN13, chain=CHAIN) == "code.product_not_member"
    assert reason(parse_member_code, "ABC-123", chain=CHAIN) == "code.unknown_format"


@pytest.mark.parametrize(
    "text", ["12345", "123456789", "23800138000", "1" * 14, "???", "会员", "A", "-abc"]
)
def test_unknown_format(text: str) -> None:
    assert reason(parse_scan, text, chain=CHAIN) == "code.unknown_format"


def test_too_long() -> None:
    assert reason(parse_scan, "A" * (MAX_CODE_LENGTH + 1), chain=CHAIN) == "code.too_long"
    assert reason(parse_member_code, "1" * (MAX_CODE_LENGTH + 1), chain=CHAIN) == "code.too_long"
    # At the limit the text is looked at (and found to be no known format).
    assert reason(parse_scan, "A" * MAX_CODE_LENGTH, chain=CHAIN) == "code.unknown_format"


@pytest.mark.parametrize("text", ["", "   ", "\r\n", "\t\x00\x1b"])
def test_empty(text: str) -> None:
    assert reason(parse_scan, text, chain=CHAIN) == "code.empty"
    assert reason(parse_member_code, text, chain=CHAIN) == "code.empty"


def test_scanner_control_characters_are_dropped() -> None:
    assert parse_scan(f"\x02{EAN13}\r\n", chain=CHAIN) == ProductCode(EAN13, is_barcode=True)


def test_another_card_prefix() -> None:
    card = make_card_no(42, prefix="21")
    assert parse_scan(card, chain=CHAIN, card_prefix="21") == CardCode(card)
    assert parse_member_code(card, chain=CHAIN, card_prefix="21") == CardCode(card)


ODD_DIGITS = "0123456789²₆٣١０１"
#: Card-, phone- and barcode-shaped strings of any Unicode digits, and anything at all.
scanned_text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=ODD_DIGITS + "+-: PCMD1ACME.", max_size=30),
    st.text(alphabet=ODD_DIGITS, min_size=11, max_size=11).map(lambda rest: "29" + rest),
    st.text(alphabet=ODD_DIGITS, min_size=10, max_size=10).map(lambda rest: "1" + rest),
    st.text(alphabet=ODD_DIGITS, min_size=8, max_size=13),
)


@settings(deadline=None)
@given(scanned_text)
def test_parsing_anything_fails_only_with_a_code_error(text: str) -> None:
    # Whatever a scanner or a keyboard sends: a result or a reason, never a traceback.
    for parse in (parse_scan, parse_member_code):
        with contextlib.suppress(CodeError):
            parse(text, chain=CHAIN)
    for strict in (parse_card, parse_phone):
        with contextlib.suppress(CodeError):
            strict(text)


# ------------------------------------------------------------------ QA round 4: near misses


@pytest.mark.parametrize(
    "text", ["8613800138001", "86 138 0013 8001", "86-13800138001", "８６１３８００１３８００１"]
)
def test_a_mobile_number_with_86_but_no_plus_is_the_phone(text: str) -> None:
    """How many people in China write their number: 86 and the 11 digits (no EAN-13 starts
    861, and the chain's cards start 29)."""
    assert parse_member_code(text, chain=CHAIN) == PhoneNumber("13800138001")
    assert parse_scan(text, chain=CHAIN) == PhoneNumber("13800138001")
    assert parse_phone(text) == PhoneNumber("13800138001")


def test_86_and_a_mobile_number_where_the_cards_start_86_too() -> None:
    """A chain whose cards start 86: a valid card is the card; anything else is told as the
    phone number it looks like, with how to type it, not as a bad card check digit."""
    card = make_card_no(1_380_013_800, prefix="86")
    assert card.startswith("861380013800")  # also 86 and the mobile number 1380013800x
    assert parse_member_code(card, chain=CHAIN, card_prefix="86") == CardCode(card)
    assert parse_scan(card, chain=CHAIN, card_prefix="86") == CardCode(card)
    phone_like = card[:-1] + str((int(card[-1]) + 1) % 10)  # not a card: its check digit fails
    assert reason(parse_member_code, phone_like, chain=CHAIN, card_prefix="86") == (
        "phone.country_code"
    )
    assert reason(parse_scan, phone_like, chain=CHAIN, card_prefix="86") == "phone.country_code"
    # 86 and something that is not a mobile number stays a card's reason.
    assert reason(parse_member_code, "8612800138001", chain=CHAIN) == "card.wrong_prefix"


def test_a_static_qr_code_sent_in_lower_case_is_read() -> None:
    """A scanner in Caps Lock sends the whole code in lower case: tag, chain and card number
    mean the same in either case."""
    text = f"pcm1:acme:{CARD}"
    assert parse_scan(text, chain=CHAIN) == StaticQrCode(CHAIN, CARD)
    assert parse_member_code(text, chain=CHAIN) == StaticQrCode(CHAIN, CARD)
    assert reason(parse_scan, f"pcm1:other:{CARD}", chain=CHAIN) == "qr.foreign_chain"


def test_a_signed_qr_code_sent_in_lower_case_says_why() -> None:
    """Lower case destroys a signed code's base64: "read in lower case", not "tampered" or
    "malformed"."""
    lowered = SIGNED.lower()
    assert reason(parse_member_code, lowered, chain=CHAIN) == "qr.lowercased"
    assert reason(parse_scan, lowered, chain=CHAIN) == "qr.lowercased"
    # The same code as sent is still read as before.
    assert isinstance(parse_scan(SIGNED, chain=CHAIN), SignedCode)
