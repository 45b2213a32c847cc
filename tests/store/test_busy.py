"""A sale while another writer holds the database (the sync engine building the look-up index
after a first load holds it for seconds; an admin command, an import): it waits and completes;
if the lock outlasts the busy timeout it says so in one line and changes nothing, and the same
cart pays once the lock is gone. Real SQLite, a second real connection holding the lock."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from posclient.bootstrap import Till, open_till
from posclient.domain.errors import PosError
from posclient.i18n import message
from posclient.services.checkout import Cart
from posclient.store import db as store_db
from tests.helpers import demo_members, init_demo, sql

WANG = demo_members()["diamond"]


@pytest.fixture
def till(tmp_path: Path) -> Iterator[Till]:
    opened = open_till(init_demo(tmp_path / "till"))
    yield opened
    opened.close()


def cart_for(till: Till) -> Cart:
    service = till.checkout
    cart = Cart(member=service.identify(WANG["phone"]))
    cart.add(service.find_product("MILK-1L"), 2)
    return cart


def written(path: Path) -> tuple[object, ...]:
    """What a sale writes: sales, outbox events, ledger entries."""
    return tuple(
        sql(path, f"SELECT count(*) FROM {table}")[0][0]
        for table in ("sales", "outbox", "points_ledger")
    )


def hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another connection holding the write lock, as a long write transaction does."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE meta SET value = value WHERE key = 'lang'")  # a write in progress
    return other


def test_a_sale_waits_for_a_writer_holding_the_lock_and_completes(till: Till) -> None:
    cart = cart_for(till)
    before = written(till.db.path)
    other = hold_write_lock(till.db.path)
    release = threading.Timer(1.0, lambda: other.execute("COMMIT"))
    release.start()
    try:
        started = time.monotonic()
        receipt = till.checkout.complete_sale(cart)
        waited = time.monotonic() - started
    finally:
        release.join()
        other.close()
    assert waited >= 0.9  # it waited for the lock instead of failing
    assert receipt.receipt_no
    after = written(till.db.path)
    assert after[:2] == (before[0] + 1, before[1] + 1)  # the sale and its event, once


def test_a_lock_held_past_the_busy_timeout_says_so_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = init_demo(tmp_path / "till")
    # The same path with a short timeout (the till's is 10 s).
    short = 300
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", short)
    monkeypatch.setattr(
        store_db,
        "PRAGMAS",
        tuple(
            f"PRAGMA busy_timeout={short}" if p.startswith("PRAGMA busy_timeout") else p
            for p in store_db.PRAGMAS
        ),
    )
    till = open_till(data_dir)
    try:
        cart = cart_for(till)
        before = written(till.db.path)
        other = hold_write_lock(till.db.path)
        try:
            with pytest.raises(PosError) as refused:
                till.checkout.complete_sale(cart)
        finally:
            other.execute("COMMIT")
            other.close()
        assert refused.value.code == "store.busy"
        assert message(refused.value, "zh_CN") == "数据库正忙，请稍后重试"
        assert written(till.db.path) == before
        # The lock is gone: the same cart pays, once.
        receipt = till.checkout.complete_sale(cart)
        assert receipt.receipt_no
        assert written(till.db.path)[:2] == (before[0] + 1, before[1] + 1)
    finally:
        till.close()
