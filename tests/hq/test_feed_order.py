"""Feed positions follow commit order: a polling reader never skips a late-committing change.

On PostgreSQL writers really run concurrently. The control experiment numbers changes from a
sequence when the row is written (the naive scheme) and shows the same interleaving skips one.
"""

from __future__ import annotations

import json
import random
import threading
import time

import pytest
from sqlalchemy import text

from posclient.hq import pull
from posclient.hq.context import Hq, put_entity
from posclient.hq.feed import Feed, publish
from posclient.sync.protocol import Entity, ProductData


def _product(sku: str) -> dict[str, object]:
    return ProductData(sku=sku, name=sku, price_fen=100).model_dump(mode="json")


class Reader(threading.Thread):
    """Polls the feed like a till until told to stop, then drains it."""

    def __init__(self, hq: Hq, cursor: str) -> None:
        super().__init__(daemon=True)
        self.hq, self.cursor = hq, cursor
        self.seen: list[str] = []
        self.stop = threading.Event()
        self.polls = 0

    def poll(self) -> None:
        page = json.loads(pull.pull(self.hq, store="S001", cursor=self.cursor, limit=50))
        self.seen.extend(change["id"] for change in page["changes"])
        self.cursor = page["next_cursor"]
        self.polls += 1

    def run(self) -> None:
        while not self.stop.is_set():
            self.poll()
        self.poll()


def _start_cursor(hq: Hq) -> str:
    """A feed cursor after the initial snapshot."""
    body = json.loads(pull.pull(hq, store="S001", cursor="", limit=5000))
    while body.get("snapshot"):
        body = json.loads(pull.pull(hq, store="S001", cursor=body["next_cursor"], limit=5000))
    return str(body["next_cursor"])


def _write(hq: Hq, sku: str, *, hold: float = 0.0, numbered: threading.Event | None = None) -> None:
    with hq.db.write() as conn:
        feed = Feed()
        put_entity(conn, feed, Entity.PRODUCT, sku, _product(sku))
        publish(conn, feed, hq.now())
        if numbered is not None:
            numbered.set()
        if hold:
            time.sleep(hold)  # commit late while holding a position


def test_late_commit_is_not_skipped(hq: Hq) -> None:
    reader = Reader(hq, _start_cursor(hq))
    reader.start()
    numbered = threading.Event()
    slow = threading.Thread(
        target=_write, args=(hq, "SLOW"), kwargs={"hold": 0.5, "numbered": numbered}
    )
    slow.start()
    numbered.wait(10)
    fast = threading.Thread(target=_write, args=(hq, "FAST"))
    fast.start()
    slow.join()
    fast.join()
    reader.stop.set()
    reader.join()
    assert reader.seen == ["SLOW", "FAST"]


def test_many_concurrent_writers_no_change_skipped(hq: Hq) -> None:
    reader = Reader(hq, _start_cursor(hq))
    reader.start()
    rng = random.Random(7)
    plans = [
        [(f"W{w}-{i}", rng.choice((0.0, 0.0, 0.002, 0.01))) for i in range(15)] for w in range(6)
    ]

    def writer(plan: list[tuple[str, float]]) -> None:
        for sku, hold in plan:
            hq.db.transact(lambda conn, sku=sku, hold=hold: _tx(hq, conn, sku, hold))

    threads = [threading.Thread(target=writer, args=(plan,)) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    reader.stop.set()
    reader.join()
    seen = reader.seen
    assert sorted(seen) == sorted(sku for plan in plans for sku, _ in plan)
    assert len(seen) == len(set(seen))
    assert reader.polls > 1


def _tx(hq: Hq, conn, sku: str, hold: float) -> None:  # type: ignore[no-untyped-def]
    feed = Feed()
    put_entity(conn, feed, Entity.PRODUCT, sku, _product(sku))
    publish(conn, feed, hq.now())
    if hold:
        time.sleep(hold)


def test_control_numbering_at_write_time_does_skip(hq: Hq) -> None:
    """The naive scheme (a sequence value taken when the row is written) loses a change."""
    if not hq.db.is_postgres:
        pytest.skip("SQLite has one writer at a time: the naive scheme cannot interleave there")
    with hq.db.write() as conn:
        conn.execute(text("CREATE SEQUENCE naive_seq"))
        conn.execute(text("CREATE TABLE naive (pos bigint primary key, id text)"))
    numbered, fast_done, reader_moved = threading.Event(), threading.Event(), threading.Event()

    def slow() -> None:
        with hq.db.write() as conn:
            conn.execute(text("INSERT INTO naive VALUES (nextval('naive_seq'), 'SLOW')"))
            numbered.set()
            reader_moved.wait(10)

    def fast() -> None:
        numbered.wait(10)
        with hq.db.write() as conn:
            conn.execute(text("INSERT INTO naive VALUES (nextval('naive_seq'), 'FAST')"))
        fast_done.set()

    threads = [threading.Thread(target=slow), threading.Thread(target=fast)]
    for thread in threads:
        thread.start()
    fast_done.wait(10)
    cursor, seen = 0, []

    def poll() -> None:
        nonlocal cursor
        with hq.db.read() as conn:
            for pos, ident in conn.execute(
                text("SELECT pos, id FROM naive WHERE pos > :c ORDER BY pos"), {"c": cursor}
            ):
                seen.append(ident)
                cursor = pos

    poll()
    reader_moved.set()
    for thread in threads:
        thread.join()
    poll()
    assert seen == ["FAST"]  # SLOW committed later with a smaller number: skipped for good
