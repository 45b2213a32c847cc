"""Values at the edges: numbers and dates out of range, cursors from nowhere, bodies that never
end, points no sale can earn, and what an erasure must also take with it. Never a 500."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from posclient.domain.events import payload_sha256
from posclient.hq import app as hq_app
from posclient.hq import models as m
from posclient.hq.context import Hq
from posclient.hq.demo import load_demo
from posclient.hq.feed import encode_cursor
from posclient.hq.merge import merge
from posclient.hq.server import HeadTimeoutProtocol

from .conftest import LiveServer
from .helpers import Till
from .test_sales import balance, enrolled


def _push(till: Till, client: httpx.Client, events: list[dict[str, Any]]) -> httpx.Response:
    return client.post(
        "/v1/sync/push",
        json={"device_id": till.device_id, "events": events},
        headers=till.headers,
    )


def _with_payload(event: dict[str, Any], **changes: Any) -> dict[str, Any]:
    payload = {**event["payload"], **changes}
    return {**event, "payload": payload, "payload_sha256": payload_sha256(payload)}


@pytest.mark.parametrize(
    "change",
    [
        {"seq": 2**63},
        {"seq": 10**30},
        {"occurred_at": "9999-12-31T23:59:59+00:00"},
        {"occurred_at": "0001-01-01T00:00:00+01:00"},
        {"base": {"member": 10**30}},
        {"seq": "1"},  # numbers are JSON numbers, whole ones
        {"seq": 1.0},
        {"base": {"member": True}},
    ],
)
def test_envelope_values_out_of_range_get_422(
    till: Till, client: httpx.Client, change: dict[str, Any]
) -> None:
    _, enrol = till.enrol()
    response = _push(till, client, [{**enrol, **change}])
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_request"


def test_an_implausible_date_in_a_payload_rejects_that_event_only(
    hq: Hq, till: Till, client: httpx.Client
) -> None:
    member_id, enrol = till.enrol()
    _, good = till.sale(member_id, amount_fen=1000)
    _, late = till.sale(member_id, amount_fen=1000)
    late = _with_payload(late, occurred_at="9999-12-31T23:59:59+00:00")
    _, early = till.sale(member_id, amount_fen=1000)
    early = _with_payload(early, occurred_at="0001-01-01T00:00:00+01:00")
    consent = till.consent(member_id, "marketing", "granted", seen=0)
    consent = _with_payload(consent, consent_version_seen=10**30)
    response = _push(till, client, [enrol, good, late, early, consent])
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == [
        "applied",
        "applied",
        "rejected",
        "rejected",
        "rejected",
    ]
    assert {r["reason"] for r in results[2:]} == {"invalid_payload"}
    with hq.db.read() as conn:
        assert len(conn.execute(select(m.sales.c.sale_id)).all()) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("amount_due_fen", "1000"), ("points_earned", 10.0), ("points_earned", True)],
)
def test_a_payload_number_of_the_wrong_json_type_rejects_the_event(
    till: Till, field: str, value: Any
) -> None:
    member_id, enrol = till.enrol()
    till.push_one(enrol)
    _, sale = till.sale(member_id, amount_fen=1000)
    result = till.push_one(_with_payload(sale, **{field: value}))
    assert (result["status"], result["reason"]) == ("rejected", "invalid_payload"), result
    line = {**sale["payload"]["lines"][0], "qty": "1"}
    _, other = till.sale(member_id, amount_fen=1000)
    result = till.push_one(_with_payload(other, lines=[line]))
    assert (result["status"], result["reason"]) == ("rejected", "invalid_payload"), result


def test_a_sale_dated_in_the_future_is_dated_when_hq_received_it(hq: Hq, till: Till) -> None:
    """Else it would count in the member's 12-month tier window forever."""
    member_id, enrol = till.enrol()
    till.push_one(enrol)
    _, sale = till.sale(member_id, amount_fen=1000)
    result = till.push_one(_with_payload(sale, occurred_at="2150-01-01T00:00:00+00:00"))
    assert result["status"] == "applied" and "clock" in result["detail"]
    with hq.db.read() as conn:
        (when,) = conn.execute(select(m.sales.c.occurred_at)).scalars().all()
    assert when.year == hq.now().year


def test_a_consent_flag_must_be_true_or_false(till: Till) -> None:
    member_id, enrol = till.enrol()
    till.push_one(enrol)
    consent = till.consent(member_id, "marketing", "granted", seen=0)
    result = till.push_one(_with_payload(consent, guardian="yes"))
    assert (result["status"], result["reason"]) == ("rejected", "invalid_payload"), result


def test_a_claim_no_sale_can_earn_is_capped_as_a_conflict(hq: Hq, till: Till) -> None:
    member_id, enrol = till.enrol()
    till.push_one(enrol)
    # ¥10 at the member's tier at HQ (normal, 1×) earns at most 10 points.
    ours = hq.tier("normal").points_multiplier
    _, sale = till.sale(member_id, amount_fen=1000, points_earned=10**10)
    result = till.push_one(sale)
    assert result["status"] == "conflict" and result["reason"] == "earn_capped"
    assert result["state"]["member"]["points_balance"] == int(10 * ours)
    # A till that priced the sale at a higher tier (its cache of the member is older) keeps
    # what it promised, up to what that tier earns: a 2× promise at 1,000 fen stands.
    best = max(hq.tiers, key=lambda tier: tier.points_multiplier)
    most = int(10 * best.points_multiplier)
    _, fair = till.sale(member_id, amount_fen=1000, points_earned=most, tier_code=best.code)
    assert till.push_one(fair)["status"] == "applied"
    # QA 6: more than the sale's own tier earns is capped at it, even below the best tier's.
    _, over = till.sale(member_id, amount_fen=1000, points_earned=most, tier_code="normal")
    result = till.push_one(over)
    assert result["status"] == "conflict" and result["reason"] == "earn_capped"
    assert result["state"]["member"]["points_balance"] == int(10 * ours) + most + int(10 * ours)
    # A tier HQ does not know earns no more than the member's tier here.
    _, bogus = till.sale(member_id, amount_fen=1000, points_earned=most, tier_code="bogus")
    assert till.push_one(bogus)["reason"] == "earn_capped"


@pytest.mark.parametrize("position", [10**6, 2**63, 10**30])
def test_a_cursor_ahead_of_the_feed_is_refused_not_followed(till: Till, position: int) -> None:
    till.push_one(till.enrol()[1])
    for state in (
        {"v": 1, "p": position},
        {"v": 1, "s": position, "ph": 0, "a": "", "d": 0, "t": 0, "st": "S001"},
    ):
        response = till.pull(encode_cursor(state))
        assert response.status_code == 422, response.text
        assert response.json()["error"] == "invalid_cursor"


def test_a_chunked_body_over_the_limit_gets_413(till: Till, client: httpx.Client) -> None:
    def chunks() -> Any:
        block = b"x" * (1024 * 1024)
        for _ in range(17):
            yield block

    response = client.post(
        "/v1/sync/push",
        content=chunks(),
        headers={**till.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413 and response.json()["error"] == "too_large"


def test_a_body_that_stops_arriving_gets_408(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hq_app, "BODY_TIMEOUT_S", 0.5)
    with _connect(server) as sock:
        sock.sendall(
            b"POST /v1/sync/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\n"
            b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"devi'
        )
        answer = _closed_after(sock).decode()  # the answer, then the server closes
    assert answer.startswith("HTTP/1.1 408"), answer
    assert json.loads(answer.split("\r\n\r\n", 1)[1])["error"] == "timeout"


def test_a_nul_anywhere_in_a_body_is_a_422_not_a_500(till: Till, client: httpx.Client) -> None:
    """PostgreSQL cannot store U+0000 in text: refused before any of it is applied."""
    member_id, enrol = till.enrol()
    till.push_one(enrol)
    _, sale = till.sale(member_id, amount_fen=1000)
    sale = _with_payload(sale, receipt_no="R-1\x00")
    response = _push(till, client, [sale])
    assert response.status_code == 422, response.text
    assert "NUL" in response.json()["detail"]
    assert _push(till, client, [sale]).status_code == 422  # and stays refused, nothing half-done
    response = client.post("/v1/pair", json={"pairing_code": "ABCDEFGH", "device_name": "t\x00"})
    assert response.status_code == 422 and "NUL" in response.json()["detail"]
    # A backslash followed by "u0000" is just text.
    _, fine = till.sale(member_id, amount_fen=1000)
    fine = _with_payload(fine, receipt_no="R-2\\u0000")
    assert _push(till, client, [fine]).json()["results"][0]["status"] == "applied"


@pytest.mark.parametrize("kind", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_a_body_that_is_not_sent_as_json_is_told_so(
    till: Till, client: httpx.Client, kind: str
) -> None:
    _, enrol = till.enrol()
    body = json.dumps({"device_id": till.device_id, "events": [enrol]})
    headers = {**till.headers, "Content-Type": kind} if kind else till.headers
    response = client.post("/v1/sync/push", content=body, headers=headers)
    assert response.status_code == 422
    assert "Content-Type: application/json" in response.json()["detail"]


@pytest.mark.parametrize(
    "change",
    [{"st": "S001\x00"}, {"a": "\x00"}, {"t": -5}, {"d": -1}, {"s": True}, {"a": 7}],
)
def test_a_hand_made_snapshot_cursor_is_refused(till: Till, change: dict[str, Any]) -> None:
    till.push_one(till.enrol()[1])
    state = {"v": 1, "s": 0, "ph": 0, "a": "", "d": 0, "t": 10, "st": "S001", **change}
    response = till.pull(encode_cursor(state))
    assert response.status_code == 422 and response.json()["error"] == "invalid_cursor"


def _connect(server: LiveServer) -> socket.socket:
    """A raw TCP connection to the live HQ, to send HTTP a byte at a time."""
    host, port = server.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def _one_response(sock: socket.socket) -> bytes:
    """One whole response (head and Content-Length body), however the bytes arrive."""
    received = b""
    while b"\r\n\r\n" not in received:
        received += sock.recv(65536)
    head, body = received.split(b"\r\n\r\n", 1)
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def _closed_after(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


@pytest.mark.parametrize(
    "head",
    [
        b"",  # connects and sends nothing
        b"GET /v1/health HTTP/1.1\r\nHost: x\r\n",  # a head that never ends (slowloris)
    ],
)
def test_a_request_head_that_never_ends_is_cut_off(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch, head: bytes
) -> None:
    monkeypatch.setattr(HeadTimeoutProtocol, "head_timeout", 0.5)
    with _connect(server) as sock:
        sock.sendall(head)
        assert _closed_after(sock) == b""  # closed, nothing to answer: no request arrived


def test_a_kept_alive_connection_still_gets_its_deadline_for_the_next_head(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(HeadTimeoutProtocol, "head_timeout", 0.5)
    with _connect(server) as sock:
        # A slow but steady client is served: each part arrives within the deadline.
        sock.sendall(b"GET /v1/health HTTP/1.1\r\n")
        time.sleep(0.2)
        sock.sendall(b"Host: x\r\n\r\n")
        answer = _one_response(sock)
        assert answer.startswith(b"HTTP/1.1 200"), answer
        sock.sendall(b"GET /v1/health HTTP/1.1\r\nHo")  # then stalls in the next head
        assert _closed_after(sock) == b""


def test_an_erasure_also_forgets_the_duplicates_merged_into_the_member(
    hq: Hq, till: Till, till2: Till
) -> None:
    _, cursor, _ = till.pull_all()
    kept, first = till.enrol(phone="13911112222", name="王重复")
    till.push_one(first)
    duplicate, second = till2.enrol(phone="13911112222", name="王重复")
    assert till2.push_one(second)["reason"] == "merge_candidate"
    merge(hq, duplicate, kept)
    assert till.push_one(till.erase(kept))["status"] == "applied"
    changes, _, _ = till.pull_all(cursor)
    text = json.dumps(changes, ensure_ascii=False)
    assert "13911112222" not in text and "王重复" not in text


def test_a_pull_page_keeps_the_survivors_put_ahead_of_a_merge(
    hq: Hq, till: Till, till2: Till
) -> None:
    """Puts of one member are folded into their last one in a page, but not across a merge:
    a till applying the page must already hold the survivor when the merge comes."""
    _, cursor, _ = till.pull_all()
    kept = enrolled(till, phone="13911113333")
    duplicate = enrolled(till2, phone="13911114444")
    merge(hq, duplicate, kept)
    changes, _, _ = till.pull_all(cursor)
    order = [(c["op"], c["id"]) for c in changes if c["entity"] == "member"]
    merge_at = order.index(("merge", duplicate))
    assert ("put", kept) in order[:merge_at], order
    assert order[-1] == ("put", kept)  # and the survivor's state after the merge


def test_a_withdrawal_by_the_survivor_forgets_what_its_merged_duplicate_sent(
    hq: Hq, till: Till, till2: Till
) -> None:
    _, cursor, _ = till.pull_all()
    kept = enrolled(till, phone="13911115555")
    duplicate = enrolled(
        till2, phone="13911116666", purposes=("membership", "sensitive"), birthday="1966-06-06"
    )
    merge(hq, duplicate, kept)
    result = till.push_one(till.consent(kept, "sensitive", "withdrawn", seen=1))
    assert result["status"] in ("applied", "conflict"), result
    changes, _, _ = till.pull_all(cursor)
    assert "1966-06-06" not in json.dumps(changes, ensure_ascii=False)


def test_the_refund_of_the_last_money_takes_back_the_last_earned_points(hq: Hq, till: Till) -> None:
    member_id = enrolled(till)
    sale_id, sale = till.sale(member_id, amount_fen=5000, points_earned=50)
    till.push_one(sale)
    part = till.push_one(till.refund(sale_id, amount_fen=2000, points_reversed=20))
    assert part["status"] == "applied"
    rest = till.push_one(till.refund(sale_id, amount_fen=3000, points_reversed=0))
    assert rest["status"] == "conflict" and rest["reason"] == "reversal_completed"
    assert balance(hq, member_id) == 0


def test_another_members_points_coupon_does_not_raise_the_earn_cap(hq: Hq, till: Till) -> None:
    load_demo(hq, members=0)
    member_id = enrolled(till)
    # CB-ZHAO doubles points, but it is another member's: ¥10 earns at most 10 × the tier.
    best = max(hq.tiers, key=lambda tier: tier.points_multiplier)
    most = int(10 * best.points_multiplier)
    _, sale = till.sale(
        member_id,
        amount_fen=1000,
        points_earned=2 * most,
        coupon_code="CB-ZHAO",
        tier_code=best.code,
    )
    result = till.push_one(sale)
    assert result["reason"] in ("earn_capped", "coupon_already_used") or result["status"] == (
        "conflict"
    )
    assert balance(hq, member_id) == most


@pytest.mark.parametrize("bad", [True, False, None, "7", 1.5])
def test_a_cursor_position_that_is_not_a_whole_number_is_refused(till: Till, bad: Any) -> None:
    response = till.pull(encode_cursor({"v": 1, "p": bad}))
    assert response.status_code == 422 and response.json()["error"] == "invalid_cursor"
