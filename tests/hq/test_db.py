"""Database helpers: deadlocks are retried as whole transactions (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Connection, text

from posclient.hq.context import Hq
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
