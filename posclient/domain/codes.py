"""Member codes and product barcodes: parse what was scanned or typed, or say why not.

Formats (DESIGN "Member codes"):

- member card: 13 digits, the chain's card prefix (default ``29``, GS1's in-store range, so a card
  never collides with a product's EAN), EAN-13 check digit; printed as Code 128;
- static member QR (printed card, enrolment screen): ``PCM1:<chain>:<card number>``;
- dynamic member QR (member app): ``PCD1:<chain>:<payload>.<signature>``, base64url, the payload
  signed by HQ with Ed25519 (verified outside the domain, which has no crypto);
- CN mobile number: 11 digits ``1[3-9]…``, optionally ``+86``/``0086`` (or ``86`` without the
  plus, 13 digits, where that cannot be one of the chain's cards), spaces or dashes;
- product: EAN-13 / EAN-8 / UPC-A with check digit, or a SKU typed by hand.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from .errors import CodeError

DEFAULT_CARD_PREFIX = "29"
STATIC_QR_TAG = "PCM1"
SIGNED_QR_TAG = "PCD1"
_CHAIN_RE = re.compile(r"^[A-Z0-9]{2,16}$")
_SKU_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{1,31}$")
_SEPARATORS = re.compile(r"[\s\-()]")
_BASE64URL_RE = re.compile(r"[A-Za-z0-9_-]+")
MAX_CODE_LENGTH = 1024
#: Full-width forms a Chinese input method types (１３８, ＋８６, －) and the ideographic space,
#: mapped to their ASCII characters.
_FULL_WIDTH = {0xFF01 + offset: 0x21 + offset for offset in range(94)} | {0x3000: 0x20}


def _ascii(text: str) -> str:
    return text.translate(_FULL_WIDTH)


def _digits(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts ² or ٣, which int() may not parse."""
    return text.isascii() and text.isdigit()


@dataclass(frozen=True)
class CardCode:
    card_no: str


@dataclass(frozen=True)
class StaticQrCode:
    chain: str
    card_no: str


@dataclass(frozen=True)
class SignedCode:
    """A dynamic member code; ``payload``/``signature`` still need Ed25519 verification."""

    chain: str
    payload: bytes
    signature: bytes
    text: str


@dataclass(frozen=True)
class PhoneNumber:
    digits: str


@dataclass(frozen=True)
class ProductCode:
    """A product barcode (validated) or a SKU typed by hand."""

    value: str
    is_barcode: bool


MemberCode = CardCode | StaticQrCode | SignedCode | PhoneNumber
ScanResult = MemberCode | ProductCode


def gs1_check_digit(body: str) -> int:
    """GS1 check digit (EAN-8/13, UPC-A) for the digits before the check digit."""
    total = 0
    for position, char in enumerate(reversed(body)):
        total += int(char) * (3 if position % 2 == 0 else 1)
    return (10 - total % 10) % 10


def has_valid_gs1_check(code: str) -> bool:
    return (
        _digits(code) and len(code) in (8, 12, 13) and gs1_check_digit(code[:-1]) == int(code[-1])
    )


def make_card_no(serial: int, prefix: str = DEFAULT_CARD_PREFIX) -> str:
    """Card number for a member serial: prefix + zero-padded serial + check digit (13 digits)."""
    width = 12 - len(prefix)
    if serial < 0 or serial >= 10**width:
        raise ValueError("card serial out of range")
    body = f"{prefix}{serial:0{width}d}"
    return body + str(gs1_check_digit(body))


def static_qr_text(chain: str, card_no: str) -> str:
    return f"{STATIC_QR_TAG}:{chain}:{card_no}"


def _clean(text: str) -> str:
    if len(text) > MAX_CODE_LENGTH:
        raise CodeError("code.too_long", max=MAX_CODE_LENGTH)
    cleaned = "".join(ch for ch in _ascii(text) if ch.isprintable()).strip()
    if not cleaned:
        raise CodeError("code.empty")
    return cleaned


def parse_card(text: str, *, prefix: str = DEFAULT_CARD_PREFIX) -> CardCode:
    digits = _SEPARATORS.sub("", _ascii(text))
    if not _digits(digits):
        raise CodeError("card.not_digits")
    if len(digits) != 13:
        raise CodeError("card.wrong_length", length=len(digits), expected=13)
    if not digits.startswith(prefix):
        raise CodeError("card.wrong_prefix", prefix=prefix)
    if gs1_check_digit(digits[:-1]) != int(digits[-1]):
        raise CodeError("card.bad_check_digit")
    return CardCode(digits)


#: A mainland mobile number: 11 digits, 13–19 first.
_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")


def _country_code_mobile(digits: str) -> bool:
    """``86`` and a mobile number, without the ``+`` (13 digits): how many people in China
    write their number with the country code. No EAN-13 starts so (GS1 has not given out 861)."""
    return len(digits) == 13 and digits.startswith("86") and bool(_MOBILE_RE.fullmatch(digits[2:]))


def parse_phone(text: str) -> PhoneNumber:
    """A mainland China mobile number, or CodeError with the reason."""
    raw = _SEPARATORS.sub("", _ascii(text).strip())
    if not raw:
        raise CodeError("phone.empty")
    if raw.startswith("+86"):
        raw = raw[3:]
    elif raw.startswith("0086"):
        raw = raw[4:]
    elif _country_code_mobile(raw):
        raw = raw[2:]
    if not _digits(raw):
        raise CodeError("phone.not_digits")
    if len(raw) != 11:
        raise CodeError("phone.wrong_length", length=len(raw), expected=11)
    if raw[0] != "1" or raw[1] not in "3456789":
        raise CodeError("phone.bad_prefix")
    return PhoneNumber(raw)


def _b64decode(part: str) -> bytes:
    # urlsafe_b64decode silently skips characters outside the alphabet: refuse them instead, so
    # one code has one text.
    if not _BASE64URL_RE.fullmatch(part):
        raise CodeError("qr.malformed")
    padded = part + "=" * (-len(part) % 4)
    try:
        return base64.urlsafe_b64decode(padded.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise CodeError("qr.malformed") from exc


def _parse_qr(
    text: str, *, chain: str, prefix: str, lowercased: bool = False
) -> StaticQrCode | SignedCode:
    """``lowercased``: the code came in lower case (a scanner in Caps Lock sends it so). The tag,
    chain and card number mean the same in either case; a signed code's base64 does not."""
    parts = text.split(":")
    tag = parts[0]
    if len(parts) != 3 or not parts[2]:
        raise CodeError("qr.malformed")
    code_chain = parts[1].upper() if lowercased else parts[1]
    if not _CHAIN_RE.match(code_chain):
        raise CodeError("qr.malformed")
    if code_chain != chain:
        raise CodeError("qr.foreign_chain")
    if tag == STATIC_QR_TAG:
        try:
            card = parse_card(parts[2], prefix=prefix)
        except CodeError as exc:
            raise CodeError("qr.bad_card", reason=exc.code) from exc
        return StaticQrCode(code_chain, card.card_no)
    if lowercased:
        # Its letters' case is lost: the signature cannot be checked. Say why, not "tampered".
        raise CodeError("qr.lowercased")
    pieces = parts[2].split(".")
    if len(pieces) != 2 or not all(pieces):
        raise CodeError("qr.malformed")
    payload, signature = _b64decode(pieces[0]), _b64decode(pieces[1])
    if len(signature) != 64:
        raise CodeError("qr.malformed")
    return SignedCode(code_chain, payload, signature, text)


def parse_scan(text: str, *, chain: str, card_prefix: str = DEFAULT_CARD_PREFIX) -> ScanResult:
    """Tell a member code from a product code. Raises CodeError with the reason."""
    cleaned = _clean(text)
    upper_tag = cleaned[:5].upper()
    if upper_tag in (f"{STATIC_QR_TAG}:", f"{SIGNED_QR_TAG}:"):
        return _parse_qr(
            cleaned[:4].upper() + cleaned[4:],
            chain=chain,
            prefix=card_prefix,
            lowercased=cleaned == cleaned.lower(),
        )
    compact = _SEPARATORS.sub("", cleaned)
    if compact.startswith(("+86", "0086")):
        return parse_phone(compact)
    if _digits(compact):
        if len(compact) == 11 and compact.startswith("1"):
            return parse_phone(compact)
        if len(compact) == 13 and compact.startswith(card_prefix):
            return _card_or_phone(compact, card_prefix)
        if _country_code_mobile(compact):
            return parse_phone(compact)
        if len(compact) in (8, 12, 13):
            if not has_valid_gs1_check(compact):
                raise CodeError("barcode.bad_check_digit")
            return ProductCode(compact, is_barcode=True)
        raise CodeError("code.unknown_format")
    if _SKU_RE.match(cleaned):
        return ProductCode(cleaned, is_barcode=False)
    raise CodeError("code.unknown_format")


def _card_or_phone(digits: str, prefix: str) -> CardCode:
    """13 digits with the card prefix. Where the prefix is also how ``86`` + a mobile number
    starts (a chain whose cards start 86), a valid card is a card; anything else is told as the
    phone number it probably is, and how to type it."""
    try:
        return parse_card(digits, prefix=prefix)
    except CodeError as exc:
        if _country_code_mobile(digits):
            raise CodeError("phone.country_code") from exc
        raise


def parse_member_code(
    text: str, *, chain: str, card_prefix: str = DEFAULT_CARD_PREFIX
) -> MemberCode:
    """Like parse_scan, but only member codes (the member field, F2)."""
    cleaned = _clean(text)
    compact = _SEPARATORS.sub("", cleaned)
    if _digits(compact):
        # Only member codes go here, so a wrong number of digits is told as what it looks like
        # (a phone, a card), not as a product barcode with a bad check digit.
        if (
            len(compact) == 11
            or compact.startswith("0086")
            or (
                compact.startswith("1")
                and 8 <= len(compact) <= 12
                and not compact.startswith(card_prefix)
            )
        ):
            return parse_phone(compact)
        if compact.startswith(card_prefix):
            return _card_or_phone(compact, card_prefix)
        if _country_code_mobile(compact):
            return parse_phone(compact)
        if len(compact) in (8, 12, 13) and has_valid_gs1_check(compact):
            raise CodeError("code.product_not_member")
        if len(compact) == 13:
            raise CodeError("card.wrong_prefix", prefix=card_prefix)
        raise CodeError("code.unknown_format")
    result = parse_scan(cleaned, chain=chain, card_prefix=card_prefix)
    if isinstance(result, ProductCode):
        if result.is_barcode:
            raise CodeError("code.product_not_member")
        raise CodeError("code.unknown_format")
    return result
