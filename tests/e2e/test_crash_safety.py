"""SIGKILL a till process in the middle of selling, many times; nothing partial, nothing lost.

A forked child opens the real database and rings up sales (members, redemptions, coupons,
refunds) as fast as it can, reporting each one only after ``complete_sale`` returned. The parent
kills it with SIGKILL at a random moment, over and over, then checks the file with raw SQL.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import time
from decimal import Decimal

import pytest

from posclient.domain.events import chain_hash, payload_sha256
from tests.helpers import demo_members

ROUNDS = int(os.environ.get("POSCLIENT_CRASH_ROUNDS", "40"))
MEMBERS = [m for key, m in demo_members().items() if key in ("normal", "silver", "gold", "diamond")]
SKUS = [
    "CHIPS",
    "MILK-1L",
    "NOODLE-5",
    "NUTS-MIX",
    "CHOC-BOX",
    "FORMULA-900",
    "APPLE-1KG",
    "TOTE-BAG",
]


def _child(data_dir, write_fd, seed):
    """Runs in the forked process: sell until killed."""
    from posclient.bootstrap import open_till
    from posclient.domain.errors import PosError
    from posclient.services.checkout import Cart

    rng = random.Random(seed)
    till = open_till(data_dir)
    service = till.checkout
    out = os.fdopen(write_fd, "w", buffering=1)
    out.write("READY\n")
    receipts: list[str] = []
    while True:
        try:
            if receipts and rng.random() < 0.1:
                done = service.refund_sale(rng.choice(receipts))
                out.write(f"REFUND {done.refund_id}\n")
                continue
            cart = Cart()
            if rng.random() < 0.8:
                cart.member = service.identify(rng.choice(MEMBERS)["phone"])
            for _ in range(rng.randint(1, 4)):
                cart.add(service.find_product(rng.choice(SKUS)), rng.randint(1, 3))
            priced = service.price(cart)
            if priced.max_redeemable and rng.random() < 0.5:
                cart.redeem_points = rng.randrange(0, priced.max_redeemable + 1, 100)
            receipt = service.complete_sale(cart)
            receipts.append(receipt.receipt_no)
            out.write(f"SALE {receipt.receipt_no} {receipt.event_seq}\n")
        except PosError:
            continue


def _run_round(data_dir, seed, rng):
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read_fd)
        try:
            _child(data_dir, write_fd, seed)
        finally:
            os._exit(0)
    os.close(write_fd)
    reader = os.fdopen(read_fd)
    assert reader.readline().strip() == "READY"
    time.sleep(rng.uniform(0.02, 0.5))
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    lines = reader.read().splitlines()
    reader.close()
    return lines


@pytest.mark.slow
def test_sigkill_during_sales_loses_nothing_and_leaves_nothing_partial(tmp_path, till):
    data_dir = till.data_dir
    till.close()  # the children open it themselves
    seed = int(os.environ.get("POSCLIENT_CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    reported_sales: set[str] = set()
    reported_refunds: set[str] = set()
    for round_no in range(ROUNDS):
        for line in _run_round(data_dir, seed + round_no, rng):
            kind, ident, *_ = line.split()
            (reported_sales if kind == "SALE" else reported_refunds).add(ident)
    print(f"crash seed={seed}: {ROUNDS} kills, {len(reported_sales)} sales reported")
    assert reported_sales, "the child never completed a sale: the test proves nothing"

    conn = sqlite3.connect(data_dir / "posclient.sqlite3")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        sales = {
            row[0]: row[1:]
            for row in conn.execute(
                "SELECT receipt_no, sale_id, amount_due, event_seq, points_redeemed, "
                "item_points, points_earned, member_id FROM sales"
            )
        }
        # Every sale the process reported is on disk.
        assert reported_sales <= set(sales), reported_sales - set(sales)
        refunds = {row[0] for row in conn.execute("SELECT refund_id FROM refunds")}
        assert reported_refunds <= refunds

        # The outbox is a gapless, duplicate-free hash chain.
        events = conn.execute(
            "SELECT seq, event_id, type, payload, payload_sha256, prev_hash, event_hash "
            "FROM outbox ORDER BY seq"
        ).fetchall()
        assert [e[0] for e in events] == list(range(1, len(events) + 1))
        assert len({e[1] for e in events}) == len(events)
        prev = None
        for seq, event_id, type_, payload, digest, prev_hash, event_hash in events:
            assert payload_sha256(json.loads(payload)) == digest
            assert prev_hash == prev
            assert event_hash == chain_hash(
                prev, event_id=event_id, seq=seq, type=type_, payload_hash=digest
            )
            prev = event_hash
        by_seq = {e[0]: e for e in events}
        assert sum(1 for e in events if e[2] == "sale.completed") == len(sales)
        assert sum(1 for e in events if e[2] == "refund.completed") == len(refunds)

        # No partial sale: lines, ledger entries and the event are all there, and add up.
        for receipt_no, (sale_id, due, seq, redeemed, item_points, earned, member) in sales.items():
            lines = conn.execute(
                "SELECT count(*), coalesce(sum(amount_due), 0) FROM sale_lines WHERE sale_id=?",
                (sale_id,),
            ).fetchone()
            assert lines[0] > 0 and lines[1] == due, receipt_no
            event = by_seq[seq]
            payload = json.loads(event[3])
            assert event[2] == "sale.completed" and payload["sale_id"] == sale_id
            assert payload["amount_due_fen"] == due
            kinds = dict(
                conn.execute(
                    "SELECT kind, sum(points) FROM points_ledger WHERE sale_id=? AND "
                    "refund_id IS NULL GROUP BY kind",
                    (sale_id,),
                ).fetchall()
            )
            if member is not None:
                assert kinds.get("redeem", 0) == -(redeemed + item_points)
                assert kinds.get("earn", 0) == earned
            else:
                assert kinds == {}
        # A refund is whole too: its lines add up and the sale's refunded total matches.
        for sale_id, refunded in conn.execute("SELECT sale_id, refunded_amount FROM sales"):
            total = conn.execute(
                "SELECT coalesce(sum(amount), 0) FROM refunds WHERE sale_id=?", (sale_id,)
            ).fetchone()[0]
            assert total == refunded
            assert Decimal(total) >= 0
    finally:
        conn.close()
