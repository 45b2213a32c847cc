"""Pairing, device tokens (stored hashed), 401 for missing, unknown and revoked tokens."""

from __future__ import annotations

import hashlib

import httpx
from sqlalchemy import select

from posclient.hq import models as m
from posclient.hq.context import Hq
from posclient.hq.pairing import new_pairing_code, revoke

from .conftest import pair_till


def test_pairing_code_pairs_once_and_token_is_stored_hashed(hq: Hq, client: httpx.Client) -> None:
    code = new_pairing_code(hq, "S001")
    first = client.post("/v1/pair", json={"pairing_code": code, "device_name": "front"})
    assert first.status_code == 200
    body = first.json()
    assert body["store"] == "S001" and body["chain"] == hq.chain and body["card_prefix"] == "29"
    assert 1 <= body["device_no"] <= 8999
    again = client.post("/v1/pair", json={"pairing_code": code, "device_name": "second"})
    assert again.status_code == 403
    assert again.json()["error"] == "pairing_refused"
    with hq.db.read() as conn:
        stored = conn.execute(select(m.devices.c.token_hash)).scalars().all()
    assert stored == [hashlib.sha256(body["device_token"].encode()).hexdigest()]
    assert body["device_token"] not in stored


def test_device_numbers_are_unique(hq: Hq, client: httpx.Client) -> None:
    numbers = {pair_till(hq, client, "S001", f"t{i}").device_no for i in range(4)}
    assert len(numbers) == 4


def test_every_other_endpoint_needs_a_valid_token(hq: Hq, client: httpx.Client) -> None:
    assert client.get("/v1/health").status_code == 200
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        for method, path in (
            ("GET", "/v1/sync/pull"),
            ("POST", "/v1/sync/push"),
            ("GET", "/v1/members/lookup?phone=13912345678"),
            ("POST", "/v1/members/00000000-0000-0000-0000-000000000000/dynamic-code"),
        ):
            response = client.request(method, path, headers=headers, json={})
            assert response.status_code == 401, (method, path, headers)
            assert response.json()["error"] == "unauthorized"


def test_revoked_token_gets_401(hq: Hq, client: httpx.Client) -> None:
    till = pair_till(hq, client)
    assert till.pull().status_code == 200
    assert revoke(hq, till.device_id)
    response = till.pull()
    assert response.status_code == 401
    assert set(response.json()) == {"error", "detail"}
