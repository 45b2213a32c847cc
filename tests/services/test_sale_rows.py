"""A sale's rows and payload, encoded when it is priced: what is stored is what HQ is told."""

from __future__ import annotations

import json

from posclient.services import sale_rows
from posclient.services.checkout import Cart
from posclient.store import fastpath
from posclient.sync.protocol import SalePayload
from tests.helpers import demo_members, sql

WANG = demo_members()["diamond"]


def cart(till, member_code=None) -> Cart:
    service = till.checkout
    c = Cart(member=service.identify(member_code) if member_code else None)
    c.add(service.find_product("MILK-1L"), 2)
    c.add(service.find_product("NUTS-MIX"), 1)
    return c


def test_stored_lines_and_payload_lines_say_the_same(till):
    prepared = till.checkout.prepare_sale(cart(till, WANG["phone"]))
    receipt = till.checkout.commit_sale(prepared, staff_id="c01")
    columns = ", ".join(fastpath.LINE_COLUMNS)
    stored = sql(till.db.path, f"SELECT {columns} FROM sale_lines ORDER BY line_no")
    assert tuple(map(tuple, stored)) == prepared.encoded.lines
    (text,) = sql(till.db.path, "SELECT payload FROM outbox WHERE seq = ?", receipt.event_seq)[0]
    payload = SalePayload.model_validate_json(text)
    assert payload.receipt_no == receipt.receipt_no and payload.staff_id == "c01"
    for line, row in zip(json.loads(text)["lines"], stored, strict=True):
        by_column = dict(zip(fastpath.LINE_COLUMNS, row, strict=True))
        assert line["amount_due_fen"] == by_column["amount_due"]
        assert line["unit_paid_fen"] == by_column["unit_paid"]
        assert line["points_earned"] == by_column["points_earned"]
    ledger = sql(till.db.path, "SELECT kind, points, detail FROM points_ledger")
    assert ledger == [("earn", receipt.priced.points_earned, prepared.encoded.earning_json)]


def test_a_walk_in_sale_has_no_member_and_no_ledger_entries(till):
    prepared = till.checkout.prepare_sale(cart(till))
    encoded = prepared.encoded
    assert encoded.member_id is None and encoded.ledger == () and encoded.tier_code is None
    payload = sale_rows.payload(
        encoded, receipt_no="R1", store="S001", staff_id="", now=till.clock.now()
    )
    assert payload["member_id"] is None and payload["receipt_no"] == "R1"
    till.checkout.commit_sale(prepared)
    assert sql(till.db.path, "SELECT count(*) FROM points_ledger") == [(0,)]
