"""Event identity: canonical JSON, payload hashes and the per-device hash chain are stable.

The golden values below were computed by hand (bytes written out, hashed with hashlib), not by
the code under test: HQ and every till must agree on them byte for byte, across versions.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posclient.domain.events import EventType, canonical_json, chain_hash, payload_sha256

PAYLOAD = {
    "ok": True,
    "member": "会员-42",
    "note": None,
    "items": [{"qty": 2, "name": "香皂"}],
    "amount_fen": 9950,
}
CANONICAL = (
    '{"amount_fen":9950,"items":[{"name":"香皂","qty":2}],"member":"会员-42","note":null,"ok":true}'
).encode()
PAYLOAD_SHA = "9e63f6fc0acab02ca12dcca0152f2b99d730ef610abd8eb880d764dd3ad72073"
SALE_ID = "0b8a3f1e-9c2d-4e5f-8a7b-1c2d3e4f5a6b"
REFUND_ID = "5f0c6a2e-1b3d-4c5e-9f7a-2b3c4d5e6f70"
FIRST_HASH = "d7ffdcad8c143cb4b0955098f53e05388b4863f07d4dbb8264e86ad30a06acfa"
SECOND_HASH = "6469032344533a16e443fa3400dcc6115aea71fe5a7465fc637f7872a85351bf"


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert canonical_json(PAYLOAD) == CANONICAL
    assert "香皂".encode() in canonical_json(PAYLOAD)  # not \\u9999 escapes


def test_payload_sha256_golden() -> None:
    assert payload_sha256(PAYLOAD) == PAYLOAD_SHA
    assert hashlib.sha256(CANONICAL).hexdigest() == PAYLOAD_SHA


def test_chain_hash_golden() -> None:
    first = chain_hash(
        None, event_id=SALE_ID, seq=1, type="sale.completed", payload_hash=PAYLOAD_SHA
    )
    assert first == FIRST_HASH
    second = chain_hash(
        first, event_id=REFUND_ID, seq=2, type=EventType.REFUND_COMPLETED, payload_hash=PAYLOAD_SHA
    )
    assert second == SECOND_HASH


def test_chain_hash_depends_on_every_field() -> None:
    base: dict[str, Any] = {
        "event_id": SALE_ID,
        "seq": 1,
        "type": "sale.completed",
        "payload_hash": PAYLOAD_SHA,
    }
    reference = chain_hash(FIRST_HASH, **base)
    assert chain_hash(SECOND_HASH, **base) != reference
    for field, other in [
        ("event_id", REFUND_ID),
        ("seq", 2),
        ("type", "refund.completed"),
        ("payload_hash", "0" * 64),
    ]:
        assert chain_hash(FIRST_HASH, **{**base, field: other}) != reference
    # The first event of a device has no predecessor; None and "" are the same start.
    assert chain_hash(None, **base) == chain_hash("", **base) == FIRST_HASH


@pytest.mark.parametrize(
    "value", [{"x": float("nan")}, {"x": float("inf")}, {"x": {1, 2}}, {"x": b"bytes"}]
)
def test_canonical_json_refuses_what_has_no_single_byte_form(value: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        canonical_json(value)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**15), 10**15)
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(deadline=None)
@given(json_values)
def test_canonical_json_round_trips_and_ignores_key_order(value: Any) -> None:
    data = canonical_json(value)
    assert json.loads(data.decode("utf-8")) == value
    if isinstance(value, dict):
        reordered = dict(reversed(list(value.items())))
        assert canonical_json(reordered) == data
        assert payload_sha256(reordered) == payload_sha256(value)
    assert payload_sha256(value) == hashlib.sha256(data).hexdigest()


def test_event_types_are_the_wire_names() -> None:
    assert {t.value for t in EventType} == {
        "sale.completed",
        "refund.completed",
        "member.enrolled",
        "member.patched",
        "consent.recorded",
        "member.erasure_requested",
        "audit.recorded",
        "points.opening",
    }
    assert EventType("sale.completed") is EventType.SALE_COMPLETED
    assert f"{EventType.SALE_COMPLETED}" == "sale.completed"
