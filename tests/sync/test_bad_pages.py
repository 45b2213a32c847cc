"""A pull page with a malformed entity is refused with a SyncError and changes nothing.

A malformed member is skipped (test_feedapply); any other malformed entity (a coupon checked
while the page is prepared, a product checked as it is written) refuses the whole page:
``sync.bad_response``, nothing of the page applied, the cursor where it was.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from posclient.bootstrap import Till, open_till
from posclient.services import settings
from posclient.services.sync import TOKEN, SyncEngine
from posclient.store.uow import UnitOfWork
from posclient.sync.client import HqClient
from tests.helpers import sql

from .test_feedapply import MEMBERS

PRODUCT = {
    "sku": "MILK-1L",
    "barcode": "6900000000011",
    "name": "牛奶 1L",
    "name_en": "Milk 1L",
    "price_fen": 1290,
    "member_price_fen": 1190,
    "discountable": True,
    "points_price": None,
    "points_cash_fen": 0,
    "category": "dairy",
    "active": True,
    "version": 1,
}
COUPON = {
    "code": "C-1",
    "member_id": None,
    "kind": "general",
    "discount_type": "fixed",
    "value": "500",
    "min_spend_fen": 0,
    "valid_from": "2026-01-01",
    "valid_until": "2027-01-01",
    "status": "available",
    "version": 1,
}


def page(*changes: dict[str, Any], members: list[dict[str, Any]] | None = None) -> bytes:
    body: dict[str, Any] = {
        "changes": list(changes),
        "next_cursor": "after",
        "has_more": False,
        "position": 5,
    }
    if members is not None:
        body["members"] = members
    return json.dumps(body).encode()


def put(entity: str, entity_id: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"entity": entity, "op": "put", "id": entity_id, "version": 1, "data": data}


@pytest.fixture
def till(tmp_path: Path) -> Iterator[Till]:
    till = open_till(tmp_path / "till", create=True)
    with UnitOfWork(till.db) as uow:
        settings.put(uow.session, "hq_url", "http://hq.test")
        settings.put(uow.session, "device_id", "till-1")
        uow.commit()
    till.secrets.set(TOKEN, "token")
    yield till
    till.close()


def engine_serving(till: Till, body: bytes) -> SyncEngine:
    def hq(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/sync/pull"
        return httpx.Response(200, content=body)

    return SyncEngine(
        till.db,
        cipher=till.cipher,
        secrets=till.secrets,
        client_factory=lambda url, token: HqClient(url, token, transport=httpx.MockTransport(hq)),
    )


def test_the_pages_serve_as_they_are(till: Till) -> None:
    """The control: the same page with well-formed entities is applied."""
    engine = engine_serving(
        till, page(put("product", "MILK-1L", PRODUCT), put("coupon", "C-1", COUPON))
    )
    report = engine.sync_once()
    engine.close()
    assert report.error is None and report.pulled == 2
    assert sql(till.db.path, "SELECT sku FROM products") == [("MILK-1L",)]
    assert sql(till.db.path, "SELECT code FROM coupons") == [("C-1",)]


@pytest.mark.parametrize(
    "bad",
    [
        put("coupon", "C-2", {**COUPON, "code": "C-2", "discount_type": "bogus"}),
        put("coupon", "C-2", {**COUPON, "code": "C-2", "valid_until": "never"}),
        put("product", "NUTS", {**PRODUCT, "sku": "NUTS", "price_fen": "a lot"}),
        put("tier", "gold", {"code": "gold"}),
    ],
    ids=["coupon type", "coupon date", "product price", "tier"],
)
def test_a_malformed_entity_refuses_the_page(till: Till, bad: dict[str, Any]) -> None:
    body = page(
        put("product", "MILK-1L", PRODUCT),
        put("coupon", "C-1", COUPON),
        bad,
        members=[MEMBERS[0]],
    )
    engine = engine_serving(till, body)
    report = engine.sync_once()
    engine.close()
    assert report.error == "sync.bad_response"
    for table in ("products", "coupons", "members", "tiers"):
        assert sql(till.db.path, f"SELECT count(*) FROM {table}") == [(0,)], table
    with till.db.read() as session:
        assert not settings.get(session, "pull_cursor")
