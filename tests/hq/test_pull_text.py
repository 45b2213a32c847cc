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


def test_progress_counts_up_to_what_was_sent(hq: Hq) -> None:
    """The first page does not count the active members (a full read of the table): the total
    is every member row until the last snapshot page, which reports what was really sent."""
    load_demo(hq, members=50)
    with hq.db.write() as conn:
        gone = conn.execute(select(m.members.c.member_id).limit(4)).scalars().all()
        conn.execute(
            m.members.update().where(m.members.c.member_id.in_(gone)).values(status="merged")
        )
    pages, cursor = [], ""
    while True:
        page = json.loads(pull.pull(hq, store="S001", cursor=cursor, limit=9))
        cursor = page["next_cursor"]
        if not page.get("snapshot"):
            break
        pages.append(page)
    sent = sum(1 for p in pages for c in p["changes"] if c["entity"] == "member")
    assert sent == 46
    assert all(p["snapshot_done"] <= p["snapshot_total"] for p in pages)
    assert [p["snapshot_done"] for p in pages] == sorted(p["snapshot_done"] for p in pages)
    assert pages[0]["snapshot_total"] == 50
    assert pages[-1]["snapshot_done"] == pages[-1]["snapshot_total"] == 46
