"""POST /v1/sync/push: idempotency, per-event results, validation, hash-chain checks."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Sequence
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from posclient.domain.events import payload_sha256
from posclient.hq import models as m
from posclient.hq.context import Hq
from posclient.hq.pairing import device_report

from .helpers import Till, now_iso


def test_applied_then_duplicate_returns_the_stored_result(hq: Hq, till: Till) -> None:
    member_id, enrol = till.enrol()
    first = till.push_one(enrol)
    assert first["status"] == "applied"
    _, sale = till.sale(member_id, amount_fen=5000, points_redeemed=100)
    overdraft = till.push_one(sale)
    assert overdraft["status"] == "conflict" and overdraft["reason"] == "points_overdraft"
    again = till.push(enrol, sale)["results"]
    assert [r["status"] for r in again] == ["duplicate", "duplicate"]
    assert again[1]["original_status"] == "conflict"
    assert again[1]["reason"] == "points_overdraft"
    assert again[1]["state"] == overdraft["state"]
    with hq.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(m.sales)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(m.events)).scalar_one() == 2


def test_same_id_other_payload_is_rejected_key_reuse(hq: Hq, till: Till) -> None:
    _, enrol = till.enrol()
    till.push_one(enrol)
    altered = copy.deepcopy(enrol)
    altered["payload"]["profile"]["name"] = "别人"
    altered["payload_sha256"] = payload_sha256(altered["payload"])
    result = till.push_one(altered)
    assert result["status"] == "rejected" and result["reason"] == "key_reuse"
    # The original answer is unharmed.
    assert till.push_one(enrol)["status"] == "duplicate"
    issues = device_report(hq)[0]["chain_issues"]
    assert [i["kind"] for i in issues] == ["key_reuse"]


def test_a_rejected_event_does_not_block_the_ones_behind_it(hq: Hq, till: Till) -> None:
    member_id, enrol = till.enrol()
    refund = till.refund("00000000-0000-4000-8000-000000000001", amount_fen=100)
    bad = till.event("sale.completed", {"sale_id": "not-a-uuid"})
    _, sale = till.sale(member_id, amount_fen=1000)
    results = till.push(enrol, refund, bad, sale)["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "rejected", "applied"]
    assert results[1]["reason"] == "unknown_sale"
    assert results[2]["reason"] == "invalid_payload" and "sale_id" in results[2]["detail"]
    # A rejection stays one when the till asks again (it must reach a person).
    assert till.push_one(refund)["status"] == "rejected"


def test_write_checkpoint_is_reached_by_pull(hq: Hq, till: Till) -> None:
    _, cursor, _ = till.pull_all()
    member_id, enrol = till.enrol()
    body = till.push(enrol)
    changes, _, position = till.pull_all(cursor)
    assert position >= body["write_checkpoint"] > 0
    assert any(c["entity"] == "member" and c["id"] == member_id for c in changes)


def test_malformed_bodies_get_422_with_a_reason(till: Till, client: httpx.Client) -> None:
    _, enrol = till.enrol()
    cases = [
        b"not json",
        json.dumps({"device_id": till.device_id, "events": []}).encode(),
        json.dumps({"device_id": till.device_id, "events": [enrol] * 201}).encode(),
        json.dumps(
            {"device_id": till.device_id, "events": [{**enrol, "payload_sha256": "0" * 64}]}
        ).encode(),
        json.dumps(
            {"device_id": till.device_id, "events": [{**enrol, "hlc": "yesterday"}]}
        ).encode(),
        json.dumps({"device_id": till.device_id, "events": [{**enrol, "extra": 1}]}).encode(),
        json.dumps({"device_id": till.device_id, "events": [enrol, enrol]}).encode(),
    ]
    for body in cases:
        response = client.post(
            "/v1/sync/push",
            content=body,
            headers={**till.headers, "Content-Type": "application/json"},
        )
        assert response.status_code == 422, body[:80]
        problem = response.json()
        assert problem["error"] == "invalid_request" and problem["detail"]


def test_events_of_another_device_are_refused(till: Till, till2: Till) -> None:
    _, enrol = till2.enrol()
    response = till.client.post(
        "/v1/sync/push",
        json={"device_id": till2.device_id, "events": [enrol]},
        headers=till.headers,
    )
    assert response.status_code == 403 and response.json()["error"] == "device_mismatch"


def test_events_naming_another_store_are_recorded_for_the_tills_own(
    hq: Hq, till: Till, till2: Till
) -> None:
    """A till pushes for the store it is paired with: a sale booked to another store would
    count in that store's figures. Not refused either: a till sells before it is first paired
    (its store then the default), and those events must reach HQ."""
    member_id, enrol = till.enrol()
    assert till.push_one(enrol)["status"] == "applied"
    sale = till.sale(member_id, amount_fen=10_000)[1]
    forged = till2.event("sale.completed", {**sale["payload"], "store": till.store})
    ok = till2.sale(member_id, amount_fen=5_000)[1]
    results = till2.push(forged, ok)["results"]
    assert [r["status"] for r in results] == ["applied", "applied"], results
    assert "recorded for store S002" in results[0]["detail"]
    with hq.db.read() as conn:
        stores = conn.execute(select(m.sales.c.store)).scalars().all()
    assert stores == ["S002", "S002"] and till.store == "S001"


def test_oversized_body_gets_413(till: Till, client: httpx.Client) -> None:
    response = client.post(
        "/v1/sync/push",
        content=b"x" * (17 * 1024 * 1024),
        headers={**till.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413 and response.json()["error"] == "too_large"


def test_gaps_and_broken_links_are_flagged_not_refused(hq: Hq, till: Till) -> None:
    member_id, enrol = till.enrol()
    _, lost = till.sale(member_id, amount_fen=100)  # never pushed: a gap
    _, sale = till.sale(member_id, amount_fen=200)
    _, forged = till.sale(member_id, amount_fen=300)
    forged["prev_hash"] = "f" * 64  # a broken link: an altered journal
    results = till.push(enrol, sale, forged)["results"]
    assert [r["status"] for r in results] == ["applied", "applied", "applied"]
    assert lost["seq"] == 2
    kinds = [(i["seq"], i["kind"]) for i in device_report(hq)[0]["chain_issues"]]
    assert kinds == [(3, "gap"), (4, "broken_link")]
    # Idempotency is unaffected by chain issues.
    assert [r["status"] for r in till.push(enrol, sale, forged)["results"]] == ["duplicate"] * 3
    assert len(device_report(hq)[0]["chain_issues"]) == 2


def test_an_intact_chain_has_no_issues(hq: Hq, till: Till) -> None:
    member_id, enrol = till.enrol()
    events = [enrol] + [till.sale(member_id, amount_fen=100 * i)[1] for i in range(1, 5)]
    till.push(*events[:2])
    till.push(*events[2:])
    report = device_report(hq)[0]
    assert report["chain_issues"] == [] and report["last_seq"] == 5


def test_withdrawals_and_erasures_that_jump_the_queue_are_not_chain_issues(
    hq: Hq, till: Till
) -> None:
    """The till sends consent withdrawals and erasures ahead of older events (DESIGN): HQ
    sees seq 5 and 7 before 1..4 and 6. That is no gap, no reuse; the chain still holds."""
    member_id, enrol = till.enrol()
    first = till.sale(member_id, amount_fen=100)[1]
    second = till.sale(member_id, amount_fen=200)[1]
    third = till.sale(member_id, amount_fen=300)[1]
    withdrawal = till.consent(member_id, "marketing", "withdrawn", seen=0)
    fourth = till.sale(member_id, amount_fen=400)[1]
    erasure = till.erase(member_id)
    assert [e["seq"] for e in (withdrawal, erasure)] == [5, 7]
    till.push(withdrawal, erasure)  # the urgent ones first, as the till's queue does
    till.push(enrol, first, second)
    till.push(third, fourth)
    report = device_report(hq)[0]
    assert report["chain_issues"] == [], report["chain_issues"]
    # The chain walked through the early ones: the next event links on seq 7.
    last = till.sale(None, amount_fen=500)[1]
    till.push(last)
    report = device_report(hq)[0]
    assert report["chain_issues"] == [] and report["last_seq"] == 8


def test_a_queue_jumper_does_not_hide_a_missing_event_behind_it(hq: Hq, till: Till) -> None:
    member_id, enrol = till.enrol()
    till.sale(member_id, amount_fen=100)  # seq 2: never arrives
    withdrawal = till.consent(member_id, "marketing", "withdrawn", seen=0)  # seq 3
    _, after = till.sale(member_id, amount_fen=200)  # seq 4
    till.push(withdrawal)
    till.push(enrol)
    till.push(after)
    kinds = [(i["seq"], i["kind"]) for i in device_report(hq)[0]["chain_issues"]]
    assert kinds == [(4, "gap")]


def test_an_event_altered_before_a_queue_jumper_is_a_broken_link(hq: Hq, till: Till) -> None:
    """The chain walks through the early withdrawal with HQ's own hashes: an altered event
    before it (re-hashed by whoever altered it) still breaks the link of the event after it."""
    member_id, enrol = till.enrol()  # seq 1
    withdrawal = till.consent(member_id, "marketing", "withdrawn", seen=0)  # seq 2
    _, after = till.sale(member_id, amount_fen=200)  # seq 3
    forged_payload = {**enrol["payload"], "name": "改过的名字"}
    enrol = {
        **enrol,
        "payload": forged_payload,
        "payload_sha256": payload_sha256(forged_payload),
    }
    till.push(withdrawal)
    till.push(enrol)
    till.push(after)
    kinds = [(i["seq"], i["kind"]) for i in device_report(hq)[0]["chain_issues"]]
    assert kinds == [(3, "broken_link")]


def test_concurrent_pushes_over_the_same_members_all_apply(hq: Hq, till: Till, till2: Till) -> None:
    """Two tills push batches touching the same members in opposite orders at once (on
    PostgreSQL a deadlock, retried as a whole batch); every sale lands exactly once."""
    import threading

    from .test_sales import balance

    members = []
    for n in range(4):
        member_id, enrol = till.enrol(phone=f"1390000000{n}")
        till.push_one(enrol)
        members.append(member_id)
    batches = {
        till: [[till.sale(mid, amount_fen=1000)[1] for mid in members] for _ in range(5)],
        till2: [
            [till2.sale(mid, amount_fen=1000)[1] for mid in reversed(members)] for _ in range(5)
        ],
    }
    failures: list[BaseException] = []

    def run(device: Till) -> None:
        try:
            with httpx.Client(base_url=str(device.client.base_url), timeout=60) as own:
                for events in batches[device]:
                    response = own.post(
                        "/v1/sync/push",
                        json={"device_id": device.device_id, "events": events},
                        headers=device.headers,
                    )
                    assert response.status_code == 200, response.text
                    assert {r["status"] for r in response.json()["results"]} == {"applied"}
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(device,)) for device in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    for member_id in members:
        assert balance(hq, member_id) == 10 * 10
    with hq.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(m.sales)).scalar_one() == 40


def test_a_rejection_mid_batch_undoes_only_that_event(hq: Hq, till: Till) -> None:
    """Event 3 of 5 fails after it wrote its sale row (its points lot exists, exhausted): that
    row is rolled back, events 1, 2, 4 and 5 stay applied, and the feed has every change of
    the batch once, numbered in order up to the write checkpoint."""
    from .test_sales import balance, enrolled

    a, b = enrolled(till, phone="13900000001"), enrolled(till, phone="13900000002")
    _, before, _ = till.pull_all()
    first_id, first = till.sale(a, amount_fen=1000, points_earned=10, lot_id="L-A")
    _, spend = till.sale(a, amount_fen=0, points_redeemed=10, points_earned=0)  # L-A now empty
    clash_id, clash = till.sale(a, amount_fen=2000, points_earned=20, lot_id="L-A")
    _, fourth = till.sale(b, amount_fen=3000, points_earned=30)
    _, fifth = till.sale(a, amount_fen=4000, points_earned=40)
    body = till.push(first, spend, clash, fourth, fifth)
    results = body["results"]
    assert [r["status"] for r in results] == ["applied"] * 2 + ["rejected"] + ["applied"] * 2
    assert results[2]["reason"] == "lot_exists"
    assert balance(hq, a) == 40 and balance(hq, b) == 30
    with hq.db.read() as conn:
        sales = set(conn.execute(select(m.sales.c.sale_id)).scalars())
        stored = dict(conn.execute(select(m.events.c.event_id, m.events.c.status)).all())
        positions = list(conn.execute(select(m.changes.c.pos).order_by(m.changes.c.pos)).scalars())
    assert first_id in sales and clash_id not in sales and len(sales) == 4
    assert [stored[e["event_id"]] for e in (first, spend, clash, fourth, fifth)] == [
        "applied",
        "applied",
        "rejected",
        "applied",
        "applied",
    ]
    assert positions == list(range(positions[0], positions[-1] + 1))
    assert positions[-1] == body["write_checkpoint"]
    changes, _, _ = till.pull_all(before)
    members = [c for c in changes if c["entity"] == "member"]
    assert sorted(c["id"] for c in members) == sorted([a, b])  # each member once, latest state
    latest = {c["id"]: c["data"] for c in members}
    assert latest[a]["points_balance"] == 40 and latest[a]["purchase_count"] == 3
    # Asked again, every answer is the stored one.
    again = till.push(first, spend, clash, fourth, fifth)["results"]
    assert [r["status"] for r in again] == ["duplicate"] * 2 + ["rejected"] + ["duplicate"] * 2


def test_an_event_id_twice_in_one_batch_is_applied_once(hq: Hq, till: Till) -> None:
    from .test_sales import balance, enrolled

    member_id = enrolled(till)
    _, sale = till.sale(member_id, amount_fen=1000, points_earned=10)
    copy_ = {**sale, "seq": sale["seq"] + 1}
    altered = copy.deepcopy(sale)
    altered["seq"] = sale["seq"] + 2
    altered["payload"]["receipt_no"] = "OTHER"
    altered["payload_sha256"] = payload_sha256(altered["payload"])
    till.seq += 2
    results = till.push(sale, copy_, altered)["results"]
    assert [r["status"] for r in results] == ["applied", "duplicate", "rejected"]
    assert results[1]["original_status"] == "applied" and results[2]["reason"] == "key_reuse"
    assert balance(hq, member_id) == 10
    with hq.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(m.sales)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(m.events)).scalar_one() == 2


def test_an_id_claimed_by_a_concurrent_push_is_answered_from_it(hq: Hq, till: Till) -> None:
    """Another push holds the same event id, uncommitted: this push waits for it (PostgreSQL:
    on the unique key, then runs again; SQLite: on the write lock) and answers from it."""
    import threading
    import time

    from sqlalchemy import insert

    from posclient.hq.push import push
    from posclient.sync.protocol import EventResult, PushRequest, PushResponse, ResultStatus

    from .test_sales import enrolled

    member_id = enrolled(till)
    _, sale = till.sale(member_id, amount_fen=1000)
    request = PushRequest.model_validate({"device_id": till.device_id, "events": [sale]})
    answers: list[PushResponse | BaseException] = []

    def run() -> None:
        try:
            answers.append(push(hq, request))
        except BaseException as exc:  # reported below
            answers.append(exc)

    thread = threading.Thread(target=run)
    with hq.db.write() as conn:
        stored = EventResult(event_id=sale["event_id"], status=ResultStatus.APPLIED)
        conn.execute(
            insert(m.events).values(
                event_id=sale["event_id"],
                device_id="another-device",
                seq=1,
                type="sale.completed",
                payload_sha256="0" * 64,
                hlc=sale["hlc"],
                status="applied",
                result=stored.model_dump_json(),
                received_at=hq.now(),
            )
        )
        thread.start()
        time.sleep(1.0)  # the push reaches the claimed id and waits
    thread.join(60)
    [answer] = answers
    assert isinstance(answer, PushResponse), answer
    assert answer.results[0].status == "rejected" and answer.results[0].reason == "key_reuse"
    with hq.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(m.sales)).scalar_one() == 0


def test_savepoints_are_taken_only_when_an_event_is_refused(
    hq: Hq, till: Till, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clean batch is applied without savepoints (they double the cost of its writes); a
    batch with a refusal is undone whole and applied again, event by event, with them."""
    from posclient.hq.fastsql import Fast

    from .test_sales import enrolled

    statements: list[str] = []
    run = Fast.run

    def recording(self: Fast, text: str, params: Sequence[Any] = ()) -> int:
        statements.append(text)
        return run(self, text, params)

    monkeypatch.setattr(Fast, "run", recording)
    member_id = enrolled(till)
    _, first = till.sale(member_id, amount_fen=1000, points_earned=10)
    _, second = till.sale(member_id, amount_fen=2000, points_earned=20)
    statements.clear()
    assert [r["status"] for r in till.push(first, second)["results"]] == ["applied"] * 2
    assert not [s for s in statements if "SAVEPOINT" in s]

    _, third = till.sale(member_id, amount_fen=3000, points_earned=30)
    bad = till.refund("00000000-0000-4000-8000-000000000001", amount_fen=100)
    statements.clear()
    results = till.push(third, bad)["results"]
    assert [r["status"] for r in results] == ["applied", "rejected"]
    assert statements.count("SAVEPOINT event") == 2
    assert statements.count("ROLLBACK TO SAVEPOINT event") == 1
    with hq.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(m.sales)).scalar_one() == 3


def test_the_push_answer_text_is_the_response_model_serialised(hq: Hq, till: Till) -> None:
    """``push_json`` reuses each stored answer's text: it must be exactly what pydantic would
    write for the response (applied, conflict with member state, rejected, a repeat)."""
    from posclient.hq.push import push_json
    from posclient.sync.protocol import PushRequest, PushResponse

    member_id, enrol = till.enrol()
    _, overdraft = till.sale(member_id, amount_fen=5000, points_redeemed=100)
    bad = till.event("sale.completed", {"sale_id": "not-a-uuid"})
    _, sale = till.sale(member_id, amount_fen=1000)
    answers = []
    for events in ([enrol, overdraft], [enrol, overdraft, bad, sale]):
        request = PushRequest.model_validate({"device_id": till.device_id, "events": events})
        text = push_json(hq, request)
        response = PushResponse.model_validate_json(text)
        assert text == response.model_dump_json()
        answers.append([r.status.value for r in response.results])
    assert answers == [
        ["applied", "conflict"],
        ["duplicate", "duplicate", "rejected", "applied"],
    ]
    assert response.results[1].state is not None and response.results[1].state["member"]


def test_sale_lines_that_do_not_add_up_are_refused(hq: Hq, till: Till) -> None:
    """A forged or broken line cannot set spend, tier or points at will (QA round 4)."""
    member_id, enrol = till.enrol()
    till.push_one(enrol)

    def sale_with(**line_changes: int) -> dict[str, Any]:
        line = {
            "line_no": 1,
            "sku": "MILK-1L",
            "qty": 1,
            "unit_price_fen": 100,
            "unit_paid_fen": 100,
            "gross_fen": 100,
            "amount_due_fen": 100,
            "points_earned": 1,
            **line_changes,
        }
        return till.event(
            "sale.completed",
            {
                "sale_id": str(uuid.uuid4()),
                "receipt_no": f"R{till.seq + 1}",
                "store": till.store,
                "member_id": member_id,
                "lines": [line],
                "subtotal_fen": line["gross_fen"],
                "amount_due_fen": line["amount_due_fen"],
                "points_redeemed": line.get("points_redeemed", 0),
                "points_earned": line["points_earned"],
                "occurred_at": now_iso(),
            },
        )

    forged = [
        sale_with(amount_due_fen=10**9),  # ¥10,000,000 due on a ¥1 line
        sale_with(qty=5),  # 5 × ¥1 with a gross of ¥1
        sale_with(unit_paid_fen=150),  # paid above the list price
        sale_with(amount_due_fen=0, points_redeemed=50_000, points_earned=0),
    ]
    results = till.push(*forged, sale_with())["results"]
    assert [r["reason"] for r in results[:4]] == ["invalid_payload"] * 4
    assert "gross" in results[0]["detail"] and "unit_price_fen × qty" in results[1]["detail"]
    assert results[4]["status"] == "applied"
    # Only the honest sale counted.
    assert results[4]["state"] is None or results[4]["state"]["member"]["spend_12m_fen"] == 100
    with hq.db.read() as conn:
        spend = conn.execute(
            select(m.members.c.spend_12m_fen).where(m.members.c.member_id == member_id)
        ).scalar_one()
    assert spend == 100
