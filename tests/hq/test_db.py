"""Database helpers: deadlocks are retried as whole transactions (PostgreSQL)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Connection, inspect, text

from posclient.hq.context import Hq
from posclient.hq.db import Database
from posclient.hq.fastsql import Fast


def test_a_deadlocked_transaction_is_retried(hq: Hq) -> None:
    if not hq.db.is_postgres:
        pytest.skip("SQLite takes the write lock at BEGIN: no deadlocks to retry")
    with hq.db.write() as conn:
        conn.execute(text("CREATE TABLE pair (id int primary key, n int)"))
        conn.execute(text("INSERT INTO pair VALUES (1, 0), (2, 0)"))
    both = threading.Barrier(2)
    attempts = {"a": 0, "b": 0}

    def work(name: str, first: int, second: int) -> None:
        def tx(conn: Connection) -> None:
            attempts[name] += 1
            fast = Fast(conn)  # the raw cursor path, whose errors arrive unwrapped
            fast.run("UPDATE pair SET n = n + 1 WHERE id = ?", (first,))
            if attempts[name] == 1:
                both.wait(10)
            fast.run("UPDATE pair SET n = n + 1 WHERE id = ?", (second,))

        hq.db.transact(tx)

    threads = [
        threading.Thread(target=work, args=("a", 1, 2)),
        threading.Thread(target=work, args=("b", 2, 1)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with hq.db.read() as conn:
        assert dict(conn.execute(text("SELECT id, n FROM pair")).all()) == {1: 2, 2: 2}
    assert sorted(attempts.values()) == [1, 2]


def test_a_serving_sqlite_database_copies_its_wal_in_the_background(tmp_path: Path) -> None:
    """With a background checkpointer the writers leave the WAL alone (up to a backstop far
    above what is written here); the thread copies it into the database file, and every
    committed row reads back."""
    path = tmp_path / "hq.db"
    db = Database(f"sqlite:///{path}", background_checkpoint=True)
    try:
        with db.write() as conn:
            conn.execute(text("CREATE TABLE blob (id INTEGER PRIMARY KEY, data TEXT)"))
        before = path.stat().st_size
        for batch in range(10):
            with db.write() as conn:
                conn.execute(
                    text("INSERT INTO blob (data) VALUES (:data)"),
                    [{"data": f"{batch}-{n}" + "x" * 1000} for n in range(100)],
                )
        deadline = time.monotonic() + 10
        while path.stat().st_size < before + 1_000_000 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert path.stat().st_size >= before + 1_000_000  # the pages reached the database file
        with db.read() as conn:
            assert conn.execute(text("SELECT count(*) FROM blob")).scalar_one() == 1000
    finally:
        db.dispose()
    assert db.checkpointer is not None and not db.checkpointer._thread.is_alive()


def test_without_the_checkpointer_the_writers_checkpoint_as_sqlite_does(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'hq.db'}")
    try:
        with db.write() as conn:
            pages = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()
        assert db.checkpointer is None and pages == 1000
    finally:
        db.dispose()


def test_an_older_database_gets_the_current_sales_index(db_url: str) -> None:
    """A database created before the covering index: opening it swaps the old index for it,
    and the member's 12-month figures are read from that index alone."""
    first = Database(db_url)
    with first.write() as conn:
        conn.execute(text("DROP INDEX ix_sales_member_spend"))
        conn.execute(text("CREATE INDEX ix_sales_member ON sales (member_id, occurred_at)"))
    first.dispose()
    again = Database(db_url)
    names = {ix["name"] for ix in inspect(again.engine).get_indexes("sales")}
    assert "ix_sales_member_spend" in names and "ix_sales_member" not in names
    if not again.is_postgres:
        from posclient.hq.segments import _SEL_SALES

        with again.read() as conn:
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + _SEL_SALES, ("a", "b", "c")).all()
        assert any("COVERING INDEX ix_sales_member_spend" in str(row) for row in plan), plan
    again.dispose()


def test_the_snapshot_finds_merged_members_without_walking_every_member(db_url: str) -> None:
    """The snapshot's last phase (merged members, in member_id order) reads a partial index of
    the merged members only; an older database gets it when it is opened."""
    first = Database(db_url)
    with first.write() as conn:
        conn.execute(text("DROP INDEX ix_members_merged_order"))
    first.dispose()
    again = Database(db_url)
    names = {ix["name"] for ix in inspect(again.engine).get_indexes("members")}
    assert "ix_members_merged_order" in names
    if not again.is_postgres:
        from posclient.hq.pull import _merged_rows

        statements: list[str] = []
        with again.read() as conn:
            listen = conn.connection.dbapi_connection.set_trace_callback  # type: ignore[union-attr]
            listen(statements.append)
            assert _merged_rows(conn, after="", limit=10) == []
            listen(None)
            select = next(s for s in statements if "merged_into IS NOT NULL" in s)
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + select).all()
        assert any("COVERING INDEX ix_members_merged_order" in str(row) for row in plan), plan
    again.dispose()
