"""feed.dumps: the text stored and sent is what json.dumps would write (compact, UTF-8)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from posclient.hq.feed import dumps

VALUES: list[Any] = [
    {},
    [],
    {"name": "王芳", "tags": ["tier:gold", "rfm:dormant"], "n": None, "ok": True, "no": False},
    {"text": 'quote " backslash \\ tab \t newline \n nul \x00 del \x7f ls \u2028 emoji 😀'},
    {"big": 10**15, "neg": -(10**12), "zero": 0, "float": 0.1, "exp": 1e16},
    {"nested": {"lots": [{"lot_id": "a", "remaining": 5, "expires_on": "2027-01-01"}]}},
    {"1": "numeric-looking key", "": "empty key"},
]


@pytest.mark.parametrize("value", VALUES)
def test_dumps_writes_what_json_dumps_writes(value: Any) -> None:
    assert dumps(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
