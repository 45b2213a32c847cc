"""Dynamic member codes: Ed25519-signed, short-lived ``PCD1:<chain>:<payload>.<sig>`` texts.

HQ holds the private key and signs; tills hold the public key and verify offline. The payload is
``canonical_json({"c": chain, "m": member_id, "iat": s, "exp": s, "n": nonce})``, both parts
base64url without padding.
"""

from __future__ import annotations

import base64
import json
import secrets
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from posclient.domain.codes import SIGNED_QR_TAG, SignedCode, parse_member_code
from posclient.domain.errors import CodeError
from posclient.domain.events import canonical_json

DEFAULT_VALIDITY_S = 120
#: Till clocks drift: a code stamped up to this far in the future still verifies.
CLOCK_LEEWAY_S = 300


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode("ascii"))


def generate_keypair() -> tuple[bytes, bytes]:
    """A new (private, public) Ed25519 key pair, raw 32 bytes each."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return private, public


def public_key_of(private_raw: bytes) -> bytes:
    key = Ed25519PrivateKey.from_private_bytes(private_raw)
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def sign_member_code(
    private_raw: bytes,
    *,
    chain: str,
    member_id: str,
    now: float | None = None,
    validity_s: int = DEFAULT_VALIDITY_S,
    nonce: str | None = None,
) -> str:
    """The code text a member app shows for ``member_id`` (valid ``validity_s`` seconds)."""
    issued = int(time.time() if now is None else now)
    payload = canonical_json(
        {
            "c": chain,
            "m": member_id,
            "iat": issued,
            "exp": issued + validity_s,
            "n": nonce if nonce is not None else b64url(secrets.token_bytes(9)),
        }
    )
    signature = Ed25519PrivateKey.from_private_bytes(private_raw).sign(payload)
    return f"{SIGNED_QR_TAG}:{chain}:{b64url(payload)}.{b64url(signature)}"


def verify_signed(
    code: SignedCode, public_raw: bytes, *, chain: str, now: float | None = None
) -> str:
    """Member id of an already parsed dynamic code, or CodeError with the reason."""
    if code.chain != chain:
        raise CodeError("qr.foreign_chain")
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(code.signature, code.payload)
    except (InvalidSignature, ValueError) as exc:
        raise CodeError("qr.bad_signature") from exc
    try:
        body = json.loads(code.payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise CodeError("qr.malformed") from exc
    if not isinstance(body, dict):
        raise CodeError("qr.malformed")
    member_id, issued, expires = body.get("m"), body.get("iat"), body.get("exp")
    if not isinstance(member_id, str) or not member_id:
        raise CodeError("qr.malformed")
    if not isinstance(issued, int) or not isinstance(expires, int):
        raise CodeError("qr.malformed")
    if body.get("c") != chain:
        raise CodeError("qr.foreign_chain")
    current = time.time() if now is None else now
    if current > expires or issued > current + CLOCK_LEEWAY_S:
        raise CodeError("qr.expired")
    return member_id


def verify_member_code(
    text: str, public_raw: bytes, *, chain: str, now: float | None = None
) -> str:
    """Member id a dynamic code text stands for; CodeError ``qr.*`` when it must be refused."""
    try:
        parsed = parse_member_code(text, chain=chain)
    except CodeError as exc:
        if exc.code == "qr.foreign_chain":
            raise
        raise CodeError("qr.malformed") from exc
    if not isinstance(parsed, SignedCode):
        raise CodeError("qr.malformed")
    return verify_signed(parsed, public_raw, chain=chain, now=now)
