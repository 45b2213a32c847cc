"""The sale's plain-SQL writes: multi-row INSERTs split below SQLite's parameter limit."""

from __future__ import annotations

import sqlite3

from posclient.store import fastpath


def test_insert_rows_writes_every_row_in_order_across_chunks():
    conn = sqlite3.connect(":memory:", isolation_level=None)  # as the till: no implicit BEGIN
    conn.execute("CREATE TABLE t (n INTEGER, label TEXT)")
    rows = [(n, f"row {n}") for n in range(2 * fastpath.MAX_ROWS_PER_INSERT + 7)]
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    fastpath.insert_rows(conn, "t", ("n", "label"), rows)
    conn.set_trace_callback(None)
    assert conn.execute("SELECT n, label FROM t ORDER BY rowid").fetchall() == rows
    assert len(statements) == 3  # two full chunks and the rest


def test_insert_rows_of_nothing_runs_no_statement():
    conn = sqlite3.connect(":memory:", isolation_level=None)  # as the till: no implicit BEGIN
    conn.execute("CREATE TABLE t (n INTEGER)")
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    fastpath.insert_rows(conn, "t", ("n",), [])
    assert statements == []
