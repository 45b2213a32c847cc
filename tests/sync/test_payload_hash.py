"""HQ's check of an event's payload_sha256 (the quick path must agree with canonical_json)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posclient.domain.events import canonical_json, payload_sha256
from posclient.sync.protocol import payload_matches

_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**15), 10**15)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
_PAYLOADS = st.dictionaries(st.text(max_size=8), _VALUES, max_size=6)


@settings(deadline=None, max_examples=300)
@given(payload=_PAYLOADS, other=_PAYLOADS)
def test_a_payload_matches_its_own_hash_in_any_key_order_and_no_other(
    payload: dict[str, Any], other: dict[str, Any]
) -> None:
    digest = payload_sha256(payload)
    # As a till sends it (canonical text, parsed back) and in another key order.
    as_sent = json.loads(canonical_json(payload))
    reordered = dict(reversed(list(payload.items())))
    assert payload_matches(as_sent, digest)
    assert payload_matches(reordered, digest)
    assert payload_matches(other, digest) == (canonical_json(other) == canonical_json(payload))


def test_nan_never_passes_for_null() -> None:
    """pydantic-core would write NaN as null by default; it is no JSON value at all."""
    digest = payload_sha256({"x": None})
    with pytest.raises(ValueError, match="not JSON compliant"):
        payload_matches({"x": float("nan")}, digest)
    assert payload_matches({"x": None}, digest)
