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
from posclient.services import settings
from posclient.services.checkout import Cart
from posclient.store import db as store_db
from posclient.store.uow import UnitOfWork
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


@pytest.fixture
def impatient_till(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Till]:
    """The demo till with a 0.3 s busy timeout instead of 10 s (the same code path)."""
    data_dir = init_demo(tmp_path / "till")
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
    opened = open_till(data_dir)
    yield opened
    opened.close()


def test_a_lock_held_past_the_busy_timeout_says_so_and_changes_nothing(
    impatient_till: Till,
) -> None:
    till = impatient_till
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


def test_a_sale_during_a_long_write_of_the_tills_own_waits_past_the_busy_timeout(
    impatient_till: Till,
) -> None:
    """The sync engine announces the look-up index build (``Database.long_write``): a sale
    meanwhile waits for the lock however long the build takes, instead of failing busy."""
    till = impatient_till
    cart = cart_for(till)
    before = written(till.db.path)
    other = hold_write_lock(till.db.path)
    release = threading.Timer(1.5, lambda: other.execute("COMMIT"))  # 5 busy timeouts
    with till.db.long_write():
        assert till.db.long_write_in_progress
        release.start()
        try:
            receipt = till.checkout.complete_sale(cart)
        finally:
            release.join()
            other.close()
    assert not till.db.long_write_in_progress
    assert receipt.receipt_no
    assert written(till.db.path)[:2] == (before[0] + 1, before[1] + 1)


def test_other_writes_wait_for_a_long_write_too(impatient_till: Till) -> None:
    """A refund, an enrolment or a profile edit (units of work, not the sale's fast path):
    busy after the timeout, unless the till announced the long write it is doing."""
    till = impatient_till

    def put_language() -> None:
        with UnitOfWork(till.db) as uow:
            settings.put(uow.session, "lang", "en")
            uow.commit()

    other = hold_write_lock(till.db.path)
    try:
        with pytest.raises(PosError) as refused:
            put_language()
        assert refused.value.code == "store.busy"
        release = threading.Timer(1.5, lambda: other.execute("COMMIT"))
        with till.db.long_write():
            release.start()
            try:
                put_language()
            finally:
                release.join()
    finally:
        other.close()
    assert sql(till.db.path, "SELECT value FROM meta WHERE key = 'lang'") == [("en",)]
