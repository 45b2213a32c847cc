"""The snapshot's JSON, written by hand for speed (hq/pull.py), is what the documents dump to."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import insert, select

from posclient.hq import models as m
from posclient.hq import pull
from posclient.hq.context import Hq
from posclient.hq.coupons import coupon_doc
from posclient.hq.demo import load_demo
from posclient.hq.feed import dumps


def test_coupon_and_member_changes_are_the_documents(hq: Hq) -> None:
    load_demo(hq, members=60)
    with hq.db.write() as conn:
        conn.execute(
            insert(m.coupons).values(
                code='Q"1\\券',
                member_id=None,
                kind="comeback",
                discount_type="percent",
                value="7.5",
                min_spend_fen=0,
                valid_from=date(2026, 1, 1),
                valid_until=date(2026, 12, 31),
                status="available",
                version=4,
            )
        )
    with hq.db.read() as conn:
        rows = conn.execute(select(m.coupons)).all()
    assert len(rows) > 10 and any(r.member_id is None for r in rows)
    for row in rows:
        assert pull._coupon_text(row) == dumps(coupon_doc(row))

    changes, cursor = [], ""
    while True:
        page = json.loads(pull.pull(hq, store="S001", cursor=cursor, limit=37))
        changes += page["changes"]
        cursor = page["next_cursor"]
        if not page.get("snapshot"):
            break
    with hq.db.read() as conn:
        docs = dict(conn.execute(select(m.members.c.member_id, m.members.c.doc)).all())
        coupons = {r.code: json.loads(dumps(coupon_doc(r))) for r in rows}
    members = [c for c in changes if c["entity"] == "member"]
    assert len(members) == 60
    for change in members:
        assert change["data"] == json.loads(docs[change["id"]])
        assert change["version"] == change["data"]["version"] and change["op"] == "put"
    assert {c["id"]: c["data"] for c in changes if c["entity"] == "coupon"} == coupons
