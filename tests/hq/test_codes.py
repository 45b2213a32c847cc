"""Dynamic member codes (Ed25519, codesign) and the phone look-up used at enrolment."""

from __future__ import annotations

import httpx
import pytest

from posclient.domain.errors import CodeError
from posclient.hq.context import Hq
from posclient.security.codesign import (
    b64url,
    b64url_decode,
    generate_keypair,
    sign_member_code,
    verify_member_code,
)

from .helpers import Till
from .test_sales import enrolled

NOW = 1_800_000_000


def test_sign_and_verify_round_trip_and_refusals() -> None:
    private, public = generate_keypair()
    text = sign_member_code(private, chain="PC", member_id="m-1", now=NOW)
    assert text.startswith("PCD1:PC:") and "=" not in text
    assert verify_member_code(text, public, chain="PC", now=NOW + 60) == "m-1"
    cases = {
        "qr.expired": lambda: verify_member_code(text, public, chain="PC", now=NOW + 121),
        "qr.foreign_chain": lambda: verify_member_code(text, public, chain="XY", now=NOW),
        "qr.bad_signature": lambda: verify_member_code(
            text, generate_keypair()[1], chain="PC", now=NOW
        ),
        "qr.malformed": lambda: verify_member_code("PCD1:PC:abc", public, chain="PC", now=NOW),
    }
    for code, call in cases.items():
        with pytest.raises(CodeError) as caught:
            call()
        assert caught.value.code == code
    payload, signature = text.split(":")[2].split(".")
    forged = (
        sign_member_code(private, chain="PC", member_id="m-2", now=NOW).split(":")[2].split(".")[0]
    )
    with pytest.raises(CodeError) as caught:
        verify_member_code(f"PCD1:PC:{forged}.{signature}", public, chain="PC", now=NOW)
    assert caught.value.code == "qr.bad_signature"
    assert b64url_decode(b64url(b"\x00\xff")) == b"\x00\xff"
    assert payload


def test_dynamic_code_endpoint_signs_with_the_paired_key(hq: Hq, till: Till) -> None:
    member_id = enrolled(till)
    response = till.client.post(f"/v1/members/{member_id}/dynamic-code", headers=till.headers)
    assert response.status_code == 200
    code = response.json()["code"]
    public = b64url_decode(till.pairing["code_public_key"])
    assert verify_member_code(code, public, chain=till.pairing["chain"]) == member_id
    missing = till.client.post(
        "/v1/members/00000000-0000-4000-8000-000000000000/dynamic-code", headers=till.headers
    )
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_lookup_by_phone_is_masked(hq: Hq, till: Till) -> None:
    member_id = enrolled(till, phone="13812345678", name="王小明")
    found = till.client.get(
        "/v1/members/lookup", params={"phone": "13812345678"}, headers=till.headers
    )
    assert found.status_code == 200
    assert found.json()["member_id"] == member_id
    assert found.json()["masked_phone"] == "138****5678" and found.json()["masked_name"] == "王**"
    assert (
        till.client.get(
            "/v1/members/lookup", params={"phone": "13800000000"}, headers=till.headers
        ).status_code
        == 404
    )
    assert (
        till.client.get(
            "/v1/members/lookup", params={"phone": "12345"}, headers=till.headers
        ).status_code
        == 422
    )


def test_lookup_follows_a_phone_change_made_after_sales(till: Till) -> None:
    """Sales write the member without its indexed columns; a phone patch must still move the
    phone index (it is written by its own statement, only when it changed)."""
    member_id = enrolled(till, phone="13812345670")
    till.push_one(till.sale(member_id, amount_fen=1000)[1])
    patched = till.push_one(till.patch(member_id, {"phone": ("13812345671", 1)}))
    assert patched["status"] == "applied"
    till.push_one(till.sale(member_id, amount_fen=1000)[1])

    def lookup(phone: str) -> httpx.Response:
        return till.client.get("/v1/members/lookup", params={"phone": phone}, headers=till.headers)

    assert lookup("13812345670").status_code == 404
    found = lookup("13812345671")
    assert found.status_code == 200 and found.json()["member_id"] == member_id
