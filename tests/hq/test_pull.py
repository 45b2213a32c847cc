"""GET /v1/sync/pull: snapshot order and progress, feed continuation, tombstones, 410, cursors."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from posclient.hq import models as m
from posclient.hq.context import Hq
from posclient.hq.demo import load_demo
from posclient.hq.maintenance import maintain
from posclient.sync.protocol import (
    CouponData,
    KeyData,
    MemberData,
    PointsRules,
    ProductData,
    PullResponse,
    TierData,
)

from .conftest import Clock
from .helpers import Till

MODELS = {
    "tier": TierData,
    "rule": PointsRules,
    "key": KeyData,
    "product": ProductData,
    "coupon": CouponData,
    "member": MemberData,
}


def test_snapshot_pages_in_order_with_own_store_members_first(hq: Hq, till2: Till) -> None:
    load_demo(hq, members=40)
    with hq.db.read() as conn:
        own = conn.execute(
            select(func.count()).select_from(m.members).where(m.members.c.home_store == "S002")
        ).scalar_one()
    cursor, pages, changes = "", [], []
    while True:
        response = till2.pull(cursor, limit=7)
        assert response.status_code == 200
        page = PullResponse.model_validate(response.json())
        pages.append(page)
        changes.extend(page.changes)
        cursor = page.next_cursor
        if not page.snapshot:
            break
    snapshot_pages = [p for p in pages if p.snapshot]
    assert all(len(p.changes) == 7 for p in snapshot_pages[:-1])
    assert [p.snapshot_done for p in snapshot_pages] == sorted(
        p.snapshot_done or 0 for p in snapshot_pages
    )
    assert snapshot_pages[-1].snapshot_done == snapshot_pages[-1].snapshot_total == 40
    order = [c.entity.value for c in changes]
    firsts = [order.index(e) for e in ("tier", "rule", "key", "product", "coupon", "member")]
    assert firsts == sorted(firsts)
    for change in changes:
        MODELS[change.entity.value].model_validate(change.data)
    stores = [c.data["home_store"] for c in changes if c.entity.value == "member" and c.data]
    assert stores[:own] == ["S002"] * own and "S002" not in stores[own:]
    # The feed continues from where the snapshot began: nothing new yet.
    tail = till2.pull(cursor).json()
    assert tail["changes"] == [] and tail["has_more"] is False
    assert tail["position"] == snapshot_pages[0].position


def _snapshot(till: Till, limit: int, **params: str) -> list[dict[str, Any]]:
    cursor, pages = "", []
    while True:
        response = till.client.get(
            "/v1/sync/pull",
            params={"cursor": cursor, "limit": limit, **params},
            headers=till.headers,
        )
        assert response.status_code == 200, response.text
        page = response.json()
        PullResponse.model_validate(page)
        pages.append(page)
        cursor = page["next_cursor"]
        if not page.get("snapshot"):
            return pages


def test_snapshot_members_as_a_list_same_members_same_pages(hq: Hq, till2: Till) -> None:
    load_demo(hq, members=40)
    plain = _snapshot(till2, 7)
    listed = _snapshot(till2, 7, members="list")
    assert all("members" not in page for page in plain)  # only for a till that asks
    assert [len(p["changes"]) + len(p.get("members") or ()) for p in listed] == [
        len(p["changes"]) for p in plain
    ]
    assert [p["snapshot_done"] for p in listed[:-1]] == [p["snapshot_done"] for p in plain[:-1]]
    puts = [c for p in plain for c in p["changes"]]
    # Listed: the non-member changes exactly as before, then each page's members as documents
    # (the member puts' data, in the same order); nothing else differs.
    assert [c for p in listed for c in p["changes"]] == [c for c in puts if c["entity"] != "member"]
    members = [doc for p in listed for doc in p.get("members") or ()]
    assert members == [c["data"] for c in puts if c["entity"] == "member"]
    assert len(members) == 40
    # Listed documents go out as the database's UTF-8 bytes: the names are Chinese.
    assert any(not (doc["profile"]["name"] or "").isascii() for doc in members)
    for doc in members:
        MemberData.model_validate(doc)
    # Feed pages never list members (a put there keeps its place among the changes).
    assert "members" not in listed[-1] and listed[-1]["changes"] == []


def test_members_query_takes_changes_or_list_only(till: Till) -> None:
    response = till.client.get("/v1/sync/pull", params={"members": "all"}, headers=till.headers)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"


def test_a_change_during_the_snapshot_is_not_lost(hq: Hq, till: Till) -> None:
    load_demo(hq, members=30)
    first = till.pull("", limit=40).json()
    member_id, enrol = till.enrol(phone="13611112222")
    till.push_one(enrol)
    changes, _, _ = till.pull_all(first["next_cursor"], limit=40)
    assert member_id in {c["id"] for c in changes if c["entity"] == "member"}


def test_old_cursor_gets_410_and_a_new_snapshot_works(hq: Hq, till: Till, clock: Clock) -> None:
    _, cursor, _ = till.pull_all()
    member_id, enrol = till.enrol()
    till.push_one(enrol)
    clock.advance(days=91)
    assert maintain(hq)["pruned_changes"] > 0
    gone = till.pull(cursor)
    assert gone.status_code == 410
    assert gone.json()["error"] == "cursor_expired"
    changes, _, _ = till.pull_all("")
    assert member_id in {c["id"] for c in changes}


def test_feed_after_retention_keeps_recent_changes(hq: Hq, till: Till, clock: Clock) -> None:
    _, cursor, _ = till.pull_all()
    clock.advance(days=10)
    member_id, enrol = till.enrol()
    till.push_one(enrol)
    maintain(hq)
    changes, _, _ = till.pull_all(cursor)
    assert [c["id"] for c in changes if c["entity"] == "member"] == [member_id]


def test_bad_cursors_and_limits_get_422(till: Till) -> None:
    for params in (
        {"cursor": "garbage!"},
        {"cursor": "eyJ2IjoyfQ"},
        {"limit": 0},
        {"limit": 100000},
    ):
        response = till.client.get("/v1/sync/pull", params=params, headers=till.headers)
        assert response.status_code == 422, params
        assert response.json()["error"] in ("invalid_cursor", "invalid_request")


def test_a_page_sends_each_entity_at_its_last_put_and_every_delete(hq: Hq, till: Till) -> None:
    """A member put by three pushes reaches a till once per page, at the last version; the
    cursor still passes every change, and a page boundary keeps both sides' last puts."""
    _, cursor, start = till.pull_all()
    member_id, enrol = till.enrol(phone="13611113333")
    till.push_one(enrol)
    for amount in (1000, 2000, 3000):
        assert till.push_one(till.sale(member_id, amount_fen=amount)[1])["status"] == "applied"
    other_id, other = till.enrol(phone="13611114444")
    till.push_one(other)
    till.push_one(till.erase(other_id))
    page = till.pull(cursor, limit=100).json()
    members = [c for c in page["changes"] if c["entity"] == "member"]
    mine = [c for c in members if c["id"] == member_id]
    assert len(mine) == 1 and mine[0]["data"]["purchase_count"] == 3
    assert mine[0]["version"] == max(c["version"] for c in mine)
    assert [c["op"] for c in members if c["id"] == other_id][-1] == "delete"
    assert page["position"] >= start + 6 and not page["has_more"]
    # Two changes per page: the member's puts land in different pages, each sent.
    changes, _, _ = till.pull_all(cursor, limit=2)
    versions = [c["version"] for c in changes if c["id"] == member_id]
    assert len(versions) >= 2 and versions == sorted(versions)


def test_a_cursor_into_a_feed_written_again_after_a_restore_is_refused(hq: Hq, till: Till) -> None:
    """QA 8: HQ restored from a backup hands out the positions after it again; once other
    tills' pushes made the feed as long as a till's cursor, the cursor was no longer "ahead"
    and the till skipped every change in between. A cursor carries its last change's
    fingerprint; a different change at that position means the feed was written again."""
    import base64
    import json

    from sqlalchemy import update

    from posclient.hq.feed import decode_cursor, encode_cursor

    _, enrol = till.enrol(phone="13611110001")
    till.push_one(enrol)
    _, cursor, position = till.pull_all()
    assert decode_cursor(cursor)["c"]
    assert till.pull(cursor).status_code == 200
    # The same position now holds another change (as after a restore and new pushes).
    with hq.db.write() as conn:
        conn.execute(
            update(m.changes).where(m.changes.c.pos == position).values(entity_id="someone-else")
        )
    refused = till.pull(cursor)
    assert refused.status_code == 422 and refused.json()["error"] == "invalid_cursor"
    # A cursor from before fingerprints is taken as it is; a new snapshot works.
    old = decode_cursor(cursor)
    del old["c"]
    assert till.pull(encode_cursor(old)).status_code == 200
    assert till.pull_all("")[2] >= position
    # A forged fingerprint is refused like a changed feed, not echoed.
    forged = (
        base64.urlsafe_b64encode(json.dumps({"v": 1, "p": position, "c": "x" * 16}).encode())
        .decode()
        .rstrip("=")
    )
    assert till.pull(forged).status_code == 422


def test_a_snapshot_names_merged_members_cards_after_the_members(hq: Hq, till2: Till) -> None:
    """A till that snapshots after a merge never saw the merged member: the snapshot ends with a
    merge change per merged member, naming its card and the member the merges ended in."""
    from posclient.hq.merge import merge

    load_demo(hq, members=12)
    with hq.db.read() as conn:
        rows = conn.execute(
            select(m.members.c.member_id, m.members.c.card_no)
            .where(m.members.c.status == "active")
            .order_by(m.members.c.member_id)
            .limit(3)
        ).all()
    (a, a_card), (b, b_card), (c, _) = rows
    merge(hq, a, b)
    merge(hq, b, c)  # a ended in c, through b
    changes = [ch for page in _snapshot(till2, 5) for ch in page["changes"]]
    merges = [ch for ch in changes if ch["op"] == "merge"]
    assert {ch["id"]: ch["data"] for ch in merges} == {
        a: {"from": a, "into": c, "card_no": a_card},
        b: {"from": b, "into": c, "card_no": b_card},
    }
    last_put = max(i for i, ch in enumerate(changes) if ch["op"] == "put")
    assert min(changes.index(ch) for ch in merges) > last_put
    puts = {ch["id"] for ch in changes if ch["entity"] == "member" and ch["op"] == "put"}
    assert c in puts and a not in puts and b not in puts


def test_a_merge_in_the_feed_names_the_merged_members_card(hq: Hq, till2: Till) -> None:
    from posclient.hq.merge import merge

    load_demo(hq, members=6)
    cursor = _snapshot(till2, 50)[-1]["next_cursor"]
    with hq.db.read() as conn:
        (a, a_card), (b, _) = conn.execute(
            select(m.members.c.member_id, m.members.c.card_no)
            .order_by(m.members.c.member_id)
            .limit(2)
        ).all()
    merge(hq, a, b)
    changes = till2.pull(cursor).json()["changes"]
    assert [ch["data"] for ch in changes if ch["op"] == "merge"] == [
        {"from": a, "into": b, "card_no": a_card}
    ]
