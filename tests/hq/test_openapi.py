"""The OpenAPI contract: served at /openapi.json and committed as resources/hq-openapi.json.

Regenerate after an API change with:
    PYTHONPATH=. python -m posclient.hq.cli openapi > resources/hq-openapi.json
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from posclient.hq.cli import openapi_text

COMMITTED = Path(__file__).resolve().parents[2] / "resources" / "hq-openapi.json"


def test_committed_openapi_matches_the_app(client: httpx.Client) -> None:
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert client.get("/openapi.json").json() == committed
    assert openapi_text().strip() == COMMITTED.read_text(encoding="utf-8").strip()
    assert set(committed["paths"]) == {
        "/v1/health",
        "/v1/pair",
        "/v1/sync/push",
        "/v1/sync/position",
        "/v1/sync/pull",
        "/v1/members/lookup",
        "/v1/members/{member_id}/dynamic-code",
    }
