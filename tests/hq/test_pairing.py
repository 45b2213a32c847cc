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


def test_pairing_again_starts_the_chain_at_the_newest_event_this_hq_holds(
    hq: Hq, client: httpx.Client
) -> None:
    """The same HQ (its code key) restored from a backup: the till lists acknowledged events
    newest first, HQ starts the new device's chain at the newest it holds. Another HQ's key, or
    no list, and the chain goes on where the till says."""
    import uuid

    from posclient.domain.events import chain_hash

    till = pair_till(hq, client)
    marks = []
    for n in range(3):
        _, event = till.enrol(phone=f"1391234560{n}")
        marks.append({"seq": event["seq"], "event_id": event["event_id"], "event_hash": till.prev})
        assert till.push_one(event)["status"] == "applied"
    # A fourth event HQ acknowledged, then lost with the restore.
    lost_id, lost_hash = (
        str(uuid.uuid4()),
        chain_hash(till.prev, event_id="x", seq=4, type="audit.recorded", payload_hash="0" * 64),
    )
    listed = [{"seq": 4, "event_id": lost_id, "event_hash": lost_hash}, *reversed(marks)]
    own_key = till.pairing["code_public_key"]

    def pair(**extra: object) -> dict:
        body = {
            "pairing_code": new_pairing_code(hq, "S001"),
            "continues_seq": 4,
            "continues_hash": lost_hash,
            **extra,
        }
        response = client.post("/v1/pair", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def chain_of(device_id: str) -> tuple[int, str | None]:
        with hq.db.read() as conn:
            row = conn.execute(
                select(m.devices.c.last_seq, m.devices.c.last_hash).where(
                    m.devices.c.device_id == device_id
                )
            ).one()
        return int(row.last_seq), row.last_hash

    restored = pair(known_key=own_key, acknowledged=listed)
    assert restored["device_seq"] == 3
    assert chain_of(restored["device_id"]) == (3, marks[2]["event_hash"])
    # Holding the newest listed (seq 4 was rejected, never listed): the chain goes on at 4.
    held = pair(known_key=own_key, acknowledged=listed[1:])
    assert held["device_seq"] == 4 and chain_of(held["device_id"]) == (4, lost_hash)
    # Another HQ's key (a till moved to another HQ), or no list: as the till says.
    for extra in ({"known_key": "another-key", "acknowledged": listed}, {}):
        other = pair(**extra)
        assert other["device_seq"] == 4 and chain_of(other["device_id"]) == (4, lost_hash)
    # Nothing listed is held: from the start, the till sends all it listed again.
    unknown = [{**mark, "event_id": str(uuid.uuid4())} for mark in listed]
    assert pair(known_key=own_key, acknowledged=unknown)["device_seq"] == 0
    # Marks above continues_seq are not the chain's: ignored.
    above = [{"seq": 9, "event_id": marks[0]["event_id"], "event_hash": lost_hash}]
    assert pair(known_key=own_key, acknowledged=above)["device_seq"] == 4
