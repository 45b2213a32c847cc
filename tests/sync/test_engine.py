"""The till's sync engine against the real HQ process on loopback."""

from __future__ import annotations

import itertools
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from posclient.bootstrap import open_till
from posclient.domain.errors import PosError
from posclient.services import pairing, settings
from posclient.services.checkout import Cart
from posclient.services.staff import StaffMember
from posclient.services.sync import SyncReport
from posclient.services.sync_schedule import SyncSchedule
from posclient.store import fastpath
from posclient.store.uow import UnitOfWork
from posclient.sync.client import SyncError
from tests.helpers import demo_members, sql

from .conftest import HqProcess, fast_client, hq_cli
from .faultproxy import FaultProxy

WANG = demo_members()["diamond"]  # 26,800 points, coupon BD-WANG
LI = demo_members()["gold"]


def sell(paired, phone=None, items=(("MILK-1L", 2), ("NUTS-MIX", 1)), redeem=0, coupon=None):
    service = paired.till.checkout
    cart = Cart()
    if phone:
        cart.member = service.identify(phone)
    for sku, qty in items:
        cart.add(service.find_product(sku), qty)
    if coupon:
        cart.coupon = service.find_coupon(coupon, cart)
    cart.redeem_points = redeem
    return service.complete_sale(cart)


def test_pairing_keeps_the_token_out_of_the_database_and_logs(
    tmp_path: Path, hq_process: HqProcess, make_till, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    paired = make_till()
    token = paired.till.secrets.get("device-token")
    assert token and len(token) >= 20
    db_bytes = b"".join(p.read_bytes() for p in paired.till.data_dir.glob("posclient.sqlite3*"))
    assert token.encode() not in db_bytes
    assert token not in caplog.text
    with paired.till.db.read() as session:
        values = settings.all_settings(session)
    assert values["store"] == "S001" and values["chain"] == "DEMO" and values["paired_at"]
    assert int(values["device_no"]) >= 1


def test_used_pairing_code_is_refused(tmp_path: Path, hq_process: HqProcess, make_till) -> None:
    code = hq_process.pairing_code()
    first = make_till("a")
    with pytest.raises(SyncError) as err:
        pairing.pair(
            first.till.db,
            first.till.secrets,
            code=code,
            hq_url=hq_process.url,
            client_factory=fast_client,
        )
        pairing.pair(
            first.till.db,
            first.till.secrets,
            code=code,
            hq_url=hq_process.url,
            client_factory=fast_client,
        )
    assert err.value.code == "sync.pairing_refused"


def test_first_sync_loads_the_shop_and_a_sale_reaches_hq_once(hq_process, make_till) -> None:
    paired = make_till()
    report = paired.engine.sync_once()
    assert report.error is None and report.pulled > 30  # tiers, rules, key, products, members
    member = paired.till.checkout.identify(WANG["phone"])
    assert member.balance == 26800 and not member.provisional
    receipt = sell(paired, WANG["phone"], redeem=1000, coupon="BD-WANG")
    before = paired.till.checkout.identify(WANG["phone"])
    assert before.unsynced_points == -1000 + receipt.priced.points_earned
    report = paired.engine.sync_once()
    assert report.error is None and report.applied == 1 and report.pending == 0
    assert hq_process.sql("SELECT count(*) FROM sales WHERE sale_id = ?", receipt.sale_id) == [(1,)]
    after = paired.till.checkout.identify(WANG["phone"])
    hq_balance = hq_process.members()[WANG["member_id"]]["points_balance"]
    assert after.balance == after.confirmed_balance == hq_balance == before.balance
    assert after.unsynced_points == 0
    # Pushing again sends nothing; HQ still has the sale once.
    assert paired.engine.sync_once().pushed == 0


def test_two_tills_see_each_others_sales(hq_process, make_till) -> None:
    a, b = make_till("a"), make_till("b", store="S002")
    a.engine.sync_once()
    b.engine.sync_once()
    receipt = sell(a, LI["phone"], redeem=2000)
    a.engine.sync_once()
    b.engine.sync_once()
    seen_by_b = b.till.checkout.identify(LI["phone"])
    assert seen_by_b.balance == 12300 - 2000 + receipt.priced.points_earned


def test_coupon_used_at_two_offline_tills_first_wins(hq_process, make_till) -> None:
    a, b = make_till("a"), make_till("b")
    a.engine.sync_once()
    b.engine.sync_once()
    first = sell(a, WANG["phone"], coupon="BD-WANG")
    second = sell(b, WANG["phone"], coupon="BD-WANG")  # b had not heard of a's sale
    a.engine.sync_once()
    report = b.engine.sync_once()
    assert report.conflicts == 1 and report.pending == 0
    rows = sql(b.till.db.path, "SELECT kind, member_id, detail FROM conflicts")
    assert rows[0][0] == "coupon_already_used"
    # Both sales stand at HQ.
    for receipt in (first, second):
        assert hq_process.sql("SELECT count(*) FROM sales WHERE sale_id = ?", receipt.sale_id) == [
            (1,)
        ]


def test_an_overdraft_behind_a_coupon_conflict_reaches_the_inbox_too(hq_process, make_till) -> None:
    """QA 10: both tills sold to 王芳 offline with her birthday coupon and most of her points.
    HQ answered the second sale with two reasons (coupon already used, points overdraft); the
    till filed only the first, and the overdraft was left in the English detail text."""
    a, b = make_till("a"), make_till("b")
    a.engine.sync_once()
    b.engine.sync_once()
    points = b.till.checkout.identify(WANG["phone"]).balance
    big = (("FORMULA-900", 3), ("NUTS-MIX", 4))
    for paired in (a, b):  # b had not heard of a's sale
        redeem = min(points, 20000) // 100 * 100
        sell(paired, WANG["phone"], items=big, redeem=redeem, coupon="BD-WANG")
    assert a.engine.sync_once().error is None
    report = b.engine.sync_once()
    assert report.error is None and report.pending == 0
    kinds = {kind for (kind,) in sql(b.till.db.path, "SELECT kind FROM conflicts")}
    assert kinds == {"coupon_already_used", "points_overdraft"}
    assert hq_process.members()[WANG["member_id"]]["points_balance"] < 0


def test_a_card_hq_does_not_know_is_named_in_the_conflicts_inbox(hq_process, make_till) -> None:
    from posclient.domain.codes import make_card_no
    from posclient.services import conflicts

    paired = make_till()
    paired.engine.sync_once()
    card = make_card_no(987_654)  # a valid card no till or HQ has heard of
    receipt = sell(paired, card)
    assert receipt.provisional
    assert paired.engine.sync_once().conflicts == 1
    (shown,) = conflicts.list_conflicts(
        paired.till.db,
        paired.till.cipher,
        staff=StaffMember("m01", "店长", "manager"),
        now=paired.till.clock.now(),
    )
    assert shown.kind == "unknown_member" and shown.card_no == card
    assert shown.receipt_no == receipt.receipt_no  # the manager finds the sale by it


def test_a_conflict_whose_answer_was_lost_still_reaches_the_inbox(hq_process, make_till) -> None:
    """QA 6: HQ committed, its answer was dropped; the repeat comes back a duplicate carrying
    the first answer (a conflict), and the till files it as it would have the first time."""
    from posclient.domain.codes import make_card_no
    from posclient.services import conflicts

    manager = StaffMember("m01", "店长", "manager")
    faults = iter(["drop_response"])
    with FaultProxy(
        hq_process.url,
        schedule=lambda n, m, p: next(faults, "ok") if p.startswith("/v1/sync/push") else "ok",
    ) as proxy:
        paired = make_till(url=proxy.url)
        paired.engine.sync_once()
        now = paired.till.clock.now()

        def inbox() -> list[Any]:
            return conflicts.list_conflicts(
                paired.till.db, paired.till.cipher, staff=manager, now=now
            )

        card = make_card_no(987_655)
        sell(paired, card)
        assert paired.engine.sync_once().error is not None  # the answer never came
        report = paired.engine.run_until_idle(deadline_s=20)
        assert report.error is None and report.duplicates == 1 and report.pending == 0
        (shown,) = inbox()
        assert shown.kind == "unknown_member" and shown.card_no == card
        # Answered a third time (sent again after an HQ restore, say): still one item.
        with UnitOfWork(paired.till.db) as uow:
            fastpath.driver(uow.session).execute("UPDATE outbox SET status = 'pending'")
            uow.commit()
        assert paired.engine.sync_once().error is None
        assert len(inbox()) == 1


def test_rejected_event_does_not_block_the_queue(hq_process, make_till) -> None:
    paired = make_till()
    paired.engine.sync_once()
    sell(paired, WANG["phone"])
    # A refund for a sale HQ never heard of: HQ must reject it.
    from posclient.domain.events import EventType
    from posclient.services import outbox

    with UnitOfWork(paired.till.db) as uow:
        payload = {
            "refund_id": "5f0c1a34-0000-4000-8000-000000000001",
            "sale_id": "5f0c1a34-0000-4000-8000-000000000002",
            "receipt_no": "S001-9999-0000001",
            "store": "S001",
            "lines": [{"line_no": 1, "qty": 1, "amount_fen": 100}],
            "amount_fen": 100,
            "occurred_at": "2026-11-23T08:00:00+00:00",
        }
        from datetime import UTC, datetime

        outbox.append(
            uow.session,
            type=EventType.REFUND_COMPLETED,
            payload=payload,
            occurred_at=datetime.now(UTC),
        )
        uow.commit()
    after = sell(paired, LI["phone"])
    report = paired.engine.sync_once()
    assert report.rejected == 1 and report.applied == 2 and report.pending == 0
    assert hq_process.sql("SELECT count(*) FROM sales WHERE sale_id = ?", after.sale_id) == [(1,)]
    rows = sql(paired.till.db.path, "SELECT status, last_error FROM outbox ORDER BY seq")
    assert [r[0] for r in rows] == ["applied", "rejected", "applied"]
    assert rows[1][1]


def test_revoked_token_stops_sync_and_asks_for_pairing(hq_process, make_till) -> None:
    paired = make_till()
    paired.engine.sync_once()
    with paired.till.db.read() as session:
        device_id = settings.get(session, "device_id")
    hq_cli("revoke", "--db", hq_process.db_url, "--device", device_id)
    sell(paired, WANG["phone"])
    report = paired.engine.sync_once()
    assert report.error == "sync.unauthorized" and report.pending == 1
    with paired.till.db.read() as session:
        assert settings.get(session, "auth_failed") == "1"
    from tests.cli.test_admin import admin

    status = json.loads(admin(paired.till.data_dir, "status", "--json").stdout)
    assert status["needs_pairing"] is True and status["hq_reachable"] is True


def test_paired_again_the_till_continues_its_event_chain(hq_process, make_till) -> None:
    """The documented remedy for a revoked token (pair again) must not look like tampering:
    the new device's chain starts where the till's stands, so no gap is flagged."""
    paired = make_till()
    paired.engine.sync_once()  # the members
    sell(paired, WANG["phone"])
    assert paired.engine.sync_once().pending == 0
    with paired.till.db.read() as session:
        device_id = settings.get(session, "device_id")
    hq_cli("revoke", "--db", hq_process.db_url, "--device", device_id)
    sell(paired, WANG["phone"])
    sell(paired, None)
    assert paired.engine.sync_once().error == "sync.unauthorized"
    pairing.pair(
        paired.till.db,
        paired.till.secrets,
        code=hq_process.pairing_code(),
        client_factory=fast_client,
    )
    report = paired.engine.run_until_idle(deadline_s=20)
    assert report.error is None and report.pending == 0
    devices = json.loads(hq_cli("devices", "--db", hq_process.db_url, "--json"))
    assert len(devices) == 2
    assert [d["chain_issues"] for d in devices] == [[], []]
    assert [d["last_seq"] for d in devices] == [1, 3]


def test_an_address_that_is_not_an_hq_is_not_called_a_bad_code(hq_process, tmp_path) -> None:
    till = open_till(tmp_path / "t", create=True)
    code = hq_process.pairing_code()
    try:
        for url in (f"{hq_process.url}/v1", f"{hq_process.url}/nothing-here"):
            with pytest.raises(PosError) as caught:
                pairing.pair(
                    till.db, till.secrets, code=code, hq_url=url, client_factory=fast_client
                )
            assert caught.value.code == "sync.not_hq"
        # The code was not used up: it still pairs with the right address.
        paired = pairing.pair(
            till.db, till.secrets, code=code, hq_url=hq_process.url, client_factory=fast_client
        )
        assert paired.device_id
    finally:
        till.close()


def test_hqs_retry_after_reaches_the_schedule(hq_process, make_till) -> None:
    with FaultProxy(hq_process.url, retry_after="7") as proxy:
        paired = make_till(url=proxy.url)
        paired.engine.sync_once()
        sell(paired, None)
        proxy.schedule = lambda n, m, p: "error_503"
        report = paired.engine.sync_once()
        assert report.error == "sync.retry_later" and report.retry_after == 7.0
        assert report.pending == 1
        assert SyncSchedule().after(report) == 7.0  # never sooner than HQ asked
        # A 500 that says when to come back is taken at its word too (QA 10).
        proxy.schedule = lambda n, m, p: "error_500_retry"
        report = paired.engine.sync_once()
        assert report.error == "sync.server_error" and report.retry_after == 7.0
        assert SyncSchedule().after(report) == 7.0


def test_until_idle_stops_rather_than_knock_before_retry_after(hq_process, make_till) -> None:
    """HQ asks for an hour (the till waits 10 min at most); 5 s are left: the till stops with
    the reason, asking nothing more."""
    with FaultProxy(hq_process.url, retry_after="3600") as proxy:
        paired = make_till(url=proxy.url)
        paired.engine.sync_once()
        sell(paired, None)
        proxy.schedule = lambda n, m, p: "error_503"
        before = proxy.stats.requests
        slept: list[float] = []
        report = paired.engine.run_until_idle(deadline_s=5, sleep=slept.append)
        assert report.error == "sync.retry_later" and report.retry_after == 600.0
        assert proxy.stats.requests - before == 1 and slept == []
        assert report.pending == 1


def test_until_idle_reports_every_pass(hq_process, make_till) -> None:
    paired = make_till()
    report = paired.engine.run_until_idle(deadline_s=20)
    assert report.error is None and report.pulled > 30 and report.pages >= 1
    assert report.snapshot_total is not None and report.snapshot_done == report.snapshot_total


def test_offline_is_normal_and_retries_later(hq_process, make_till) -> None:
    with FaultProxy(hq_process.url) as proxy:
        paired = make_till(url=proxy.url)
        paired.engine.sync_once()
        proxy.schedule = lambda n, m, p: "drop_request"
        receipt = sell(paired, None)
        report = paired.engine.sync_once()
        assert report.error == "sync.offline" and report.pending == 1
        rows = sql(paired.till.db.path, "SELECT status, attempts, last_error FROM outbox")
        assert rows == [("pending", 1, "sync.offline")]
        proxy.schedule = lambda n, m, p: "ok"
        report = paired.engine.run_until_idle(deadline_s=20)
        assert report.error is None and report.pending == 0
    assert hq_process.sql("SELECT count(*) FROM sales WHERE sale_id = ?", receipt.sale_id) == [(1,)]


@pytest.mark.parametrize(
    "fault",
    [
        "drop_response",
        "truncate",
        "duplicate",
        "garbage",
        "error_500",
        "error_500_retry",
        "error_503",
    ],
)
def test_each_fault_on_push_loses_nothing_and_applies_nothing_twice(
    hq_process, make_till, fault
) -> None:
    faults = iter([fault])
    with FaultProxy(
        hq_process.url,
        schedule=lambda n, m, p: next(faults, "ok") if p.startswith("/v1/sync/push") else "ok",
    ) as proxy:
        paired = make_till(url=proxy.url)
        paired.engine.sync_once()
        receipts = [sell(paired, WANG["phone"], redeem=100) for _ in range(3)]
        first = paired.engine.sync_once()
        assert first.error is not None or fault == "duplicate"
        final = paired.engine.run_until_idle(deadline_s=20)
        assert final.error is None and final.pending == 0
    for receipt in receipts:
        assert hq_process.sql("SELECT count(*) FROM sales WHERE sale_id = ?", receipt.sale_id) == [
            (1,)
        ]
    member = paired.till.checkout.identify(WANG["phone"])
    assert member.unsynced_points == 0
    assert member.balance == hq_process.members()[WANG["member_id"]]["points_balance"]


def test_malformed_pull_page_applies_nothing(hq_process, make_till) -> None:
    with FaultProxy(hq_process.url) as proxy:
        paired = make_till(url=proxy.url)
        proxy.schedule = lambda n, m, p: "garbage" if p.startswith("/v1/sync/pull") else "ok"
        report = paired.engine.sync_once()
        assert report.error == "sync.bad_response"
        assert sql(paired.till.db.path, "SELECT count(*) FROM products") == [(0,)]
        with paired.till.db.read() as session:
            assert not settings.get(session, "pull_cursor")
        proxy.schedule = lambda n, m, p: "ok"
        assert paired.engine.sync_once().error is None
        assert sql(paired.till.db.path, "SELECT count(*) FROM products") == [(30,)]


def test_cursor_older_than_retention_resnapshots(hq_process, make_till) -> None:
    paired = make_till()
    paired.engine.sync_once()
    other = make_till("other")
    other.engine.sync_once()
    sell(other, WANG["phone"], redeem=1000)  # a change the first till has not pulled
    other.engine.sync_once()
    hq_cli("maintain", "--db", hq_process.db_url, "--retention-days", "0")
    report = paired.engine.sync_once()
    assert report.error is None
    expected = hq_process.members()[WANG["member_id"]]["points_balance"]
    assert paired.till.checkout.identify(WANG["phone"]).balance == expected != 26800


def test_a_cursor_hq_never_issued_resnapshots(hq_process, make_till) -> None:
    paired = make_till()
    paired.engine.sync_once()
    with UnitOfWork(paired.till.db) as uow:
        fastpath.write_meta(fastpath.driver(uow.session), {"pull_cursor": "garbage"})
        uow.commit()
    report = paired.engine.sync_once()
    assert report.error is None and report.pulled > 30


def test_status_json_reports_sync(hq_process, make_till, tmp_path) -> None:
    from tests.cli.test_admin import admin

    paired = make_till()
    paired.engine.sync_once()
    sell(paired, None)
    paired.engine.sync_once()
    status = json.loads(admin(paired.till.data_dir, "status", "--json").stdout)
    assert status["paired"] is True and status["pending"] == 0
    assert status["hq_reachable"] is True and status["last_sync"]
    assert status["needs_pairing"] is False
    # Asked now, not remembered: HQ gone means unreachable at once, without a sync attempt.
    hq_process.stop()
    status = json.loads(admin(paired.till.data_dir, "status", "--json").stdout)
    assert status["hq_reachable"] is False
    text_status = admin(paired.till.data_dir, "--lang", "en", "status").stdout
    assert "not reachable now" in text_status


def test_an_event_hq_did_not_answer_stays_pending_and_goes_again(
    hq_process, make_till, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A push answer without a result for an event (a fault the real HQ cannot be made to
    produce: the client is patched to drop it) leaves that event pending, counted and
    marked, while the answered ones are settled; the round stops with an error (no tight
    loop re-sending it) and the next sync settles it."""
    from posclient.sync.client import HqClient

    paired = make_till()
    assert paired.engine.sync_once().error is None
    first, second = sell(paired, WANG["phone"]), sell(paired, LI["phone"])
    push_raw = HqClient.push_raw

    def lossy(self: HqClient, device_id: str, events: list[str]):  # type: ignore[no-untyped-def]
        response = push_raw(self, device_id, events)
        return response.model_copy(update={"results": response.results[:-1]})

    monkeypatch.setattr(HqClient, "push_raw", lossy)
    report = paired.engine.sync_once()
    assert report.error == "sync.bad_response"
    assert report.applied == 1 and report.pending == 1
    rows = sql(paired.till.db.path, "SELECT status, attempts, last_error FROM outbox ORDER BY seq")
    assert rows[-2:] == [("applied", 0, None), ("pending", 1, "no_result")]
    monkeypatch.setattr(HqClient, "push_raw", push_raw)
    report = paired.engine.sync_once()
    assert report.pending == 0 and report.duplicates == 1
    for receipt in (first, second):
        found = hq_process.sql("SELECT count(*) FROM sales WHERE sale_id = ?", receipt.sale_id)
        assert found == [(1,)]


def _small_batches(paired, size: int = 3) -> None:
    paired.engine.batch_size = size


def test_pushes_overlap_the_tills_work_but_never_each_other(
    hq_process, make_till, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While HQ applies one batch the till settles the last and reads the next, but requests
    go one at a time and in seq order (HQ checks each device's chain in order)."""
    import threading
    import time as clock

    from posclient.sync.client import HqClient

    paired = make_till()
    assert paired.engine.sync_once().error is None
    receipts = [sell(paired, (WANG, LI)[n % 2]["phone"]) for n in range(10)]
    _small_batches(paired)
    sent: list[list[int]] = []
    spans: list[tuple[float, float]] = []
    busy = threading.Lock()
    push_raw = HqClient.push_raw

    def watched(self: HqClient, device_id: str, events: list[str]):  # type: ignore[no-untyped-def]
        assert busy.acquire(blocking=False), "two pushes in flight at once"
        try:
            started = clock.monotonic()
            sent.append([json.loads(event)["seq"] for event in events])
            clock.sleep(0.05)  # HQ "busy": the till's work for the next batch happens now
            return push_raw(self, device_id, events)
        finally:
            spans.append((started, clock.monotonic()))
            busy.release()

    monkeypatch.setattr(HqClient, "push_raw", watched)
    report = paired.engine.sync_once()
    assert report.error is None and report.pending == 0 and report.applied == 10
    flat = [seq for batch in sent for seq in batch]
    assert flat == sorted(flat) and len(flat) == 10 and [len(b) for b in sent] == [3, 3, 3, 1]
    assert all(end <= start for (_, end), (start, _) in itertools.pairwise(spans))
    for receipt in receipts:
        found = hq_process.sql("SELECT count(*) FROM sales WHERE sale_id = ?", receipt.sale_id)
        assert found == [(1,)]


@dataclass
class _Faulted:
    """What ``_second_push_faulted`` saw."""

    pushes: int
    report: SyncReport
    #: (status, attempts) of the 8 sales' outbox rows after the faulted round.
    rows: list[tuple[Any, ...]]
    final: SyncReport


def _second_push_faulted(hq_process, make_till, fault: str) -> _Faulted:  # type: ignore[no-untyped-def]
    """Sell 8 sales (batches of 3), push with ``fault`` on the second push, then sync until
    idle without faults; every sale must be at HQ exactly once."""
    pushes: list[int] = []

    def schedule(n: int, method: str, path: str) -> str:
        if not path.startswith("/v1/sync/push"):
            return "ok"
        pushes.append(n)
        return fault if len(pushes) == 2 else "ok"

    with FaultProxy(hq_process.url, schedule=schedule) as proxy:
        paired = make_till(url=proxy.url)
        assert paired.engine.sync_once().error is None
        receipts = [sell(paired, WANG["phone"]) for _ in range(8)]
        _small_batches(paired)
        report = paired.engine.sync_once()
        sent = len(pushes)
        rows = sql(paired.till.db.path, "SELECT status, attempts FROM outbox ORDER BY seq")[-8:]
        final = paired.engine.run_until_idle(deadline_s=20)
    for receipt in receipts:
        found = hq_process.sql("SELECT count(*) FROM sales WHERE sale_id = ?", receipt.sale_id)
        assert found == [(1,)]
    return _Faulted(sent, report, rows, final)


def test_a_malformed_answer_stops_the_round_before_the_next_batch_goes(
    hq_process, make_till
) -> None:
    """A 200 whose body is not a push answer (a middlebox; HQ never saw the batch) must stop
    the round before the next batch leaves: HQ applies a device's events in seq order, and a
    batch sent past an unanswered one would be applied before it (and flagged as a gap)."""
    seen = _second_push_faulted(hq_process, make_till, "garbage")
    assert seen.report.error == "sync.bad_response" and seen.pushes == 2
    assert seen.final.error is None and seen.final.pending == 0
    assert hq_process.sql("SELECT kind FROM chain_issues") == []


def test_a_failed_push_stops_the_round_before_the_next_batch_goes(hq_process, make_till) -> None:
    """The next batch is read ahead while one is in flight, but sent only after that one was
    answered: when it fails, nothing after it leaves, and the next round sends it all."""
    seen = _second_push_faulted(hq_process, make_till, "drop_response")
    assert seen.report.error is not None and seen.pushes == 2
    assert [r[0] for r in seen.rows] == ["applied"] * 3 + ["pending"] * 5
    assert [r[1] for r in seen.rows] == [0] * 3 + [1] * 3 + [0] * 2
    assert seen.final.error is None and seen.final.pending == 0 and seen.final.duplicates == 3


def test_a_pass_with_nothing_new_keeps_cached_balances_current(make_till) -> None:
    """QA round 4: a member's balance was dated by the member's last change at HQ, so every
    member who had not bought for 72 hours could not redeem offline, even just after a sync."""
    import sqlite3
    from datetime import UTC, datetime, timedelta

    paired = make_till("till")
    till = paired.till
    paired.engine.run_until_idle(deadline_s=30)
    (card,) = sql(
        till.db.path,
        "SELECT card_no FROM members WHERE points_balance >= 2000 AND provisional = 0 LIMIT 1",
    )[0]
    # As if the member's record had arrived four days ago and the till had been paired since.
    long_ago = (datetime.now(UTC) - timedelta(days=4)).strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(till.db.path) as conn:
        conn.execute("UPDATE members SET synced_at = ?", (long_ago,))
        conn.execute("DELETE FROM meta WHERE key = 'feed_current_at'")

    def redeem_offline() -> None:
        cart = Cart(member=till.checkout.identify(card))
        cart.add(till.checkout.find_product("MILK-1L"), 10)
        cart.redeem_points = 100
        till.checkout.price(cart)

    with pytest.raises(PosError) as stale:
        redeem_offline()
    assert stale.value.code == "points.stale_balance"
    started = datetime.now(UTC)
    assert paired.engine.sync_once().error is None  # nothing new for the member at HQ
    as_of = till.checkout.identify(card).as_of
    assert as_of is not None and as_of >= started - timedelta(seconds=1)
    redeem_offline()  # the balance is as recent as the pass: offline caps allow it


def test_a_tier_correction_is_applied_without_an_inbox_item(make_till) -> None:
    """QA round 4: one 'tier corrected' item per sale buried what needs the manager."""
    import sqlite3

    paired = make_till()
    paired.engine.sync_once()
    # The till still has 王芳 (diamond at HQ) at the normal tier: her sale earns too little.
    with sqlite3.connect(paired.till.db.path) as conn:
        conn.execute(
            "UPDATE members SET tier_code = 'normal' WHERE member_id = ?", (WANG["member_id"],)
        )
    receipt = sell(paired, WANG["phone"])
    report = paired.engine.sync_once()
    assert report.error is None and report.conflicts == 1
    assert sql(paired.till.db.path, "SELECT count(*) FROM conflicts") == [(0,)]
    # HQ's state was taken: the tier and the extra points are on the till.
    (tier,) = sql(
        paired.till.db.path, "SELECT tier_code FROM members WHERE member_id = ?", WANG["member_id"]
    )[0]
    assert tier == "diamond"
    assert paired.till.checkout.identify(WANG["phone"]).balance > (
        WANG["points"] + receipt.priced.points_earned
    )


def test_pairing_again_revokes_the_device_it_replaces(hq_process, make_till) -> None:
    """QA round 4: pairing a paired till made a second device and the old token kept working."""
    import httpx

    from posclient.services.sync import TOKEN

    paired = make_till()
    till = paired.till
    assert paired.engine.sync_once().error is None
    old_token = till.secrets.get(TOKEN)
    (old_device,) = sql(till.db.path, "SELECT value FROM meta WHERE key = 'device_id'")[0]
    again = pairing.pair(
        till.db,
        till.secrets,
        code=hq_process.pairing_code("S001"),
        hq_url=hq_process.url,
        client_factory=fast_client,
    )
    assert again.device_id != old_device
    revoked = hq_process.sql("SELECT revoked_at FROM devices WHERE device_id = ?", old_device)
    assert revoked[0][0] is not None
    response = httpx.get(
        f"{hq_process.url}/v1/sync/pull", headers={"Authorization": f"Bearer {old_token}"}
    )
    assert response.status_code == 401
    # The till goes on with its new token.
    sell(paired, WANG["phone"])
    assert paired.engine.sync_once().error is None
