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


# ---------------------------------------------------------------- what a connection has seen


def _two_connections(tmp_path):
    path = tmp_path / "seen.sqlite3"
    first = sqlite3.connect(path, isolation_level=None)
    first.execute("PRAGMA journal_mode=WAL")
    first.execute("CREATE TABLE t (n INTEGER)")
    return first, sqlite3.connect(path, isolation_level=None)


def _read(conn):
    conn.execute("BEGIN")
    conn.execute("SELECT count(*) FROM t").fetchone()
    snapshot = fastpath.seen(conn)
    conn.execute("COMMIT")
    return snapshot


def _write_lock(conn, snapshot):
    conn.execute("BEGIN IMMEDIATE")
    try:
        return fastpath.unchanged(conn, snapshot)
    finally:
        conn.execute("ROLLBACK")


def test_unchanged_when_nothing_was_committed_since(tmp_path):
    conn, _other = _two_connections(tmp_path)
    snapshot = _read(conn)
    assert _write_lock(conn, snapshot)
    assert _write_lock(conn, snapshot)  # a rolled-back BEGIN changes nothing


def test_changed_when_another_connection_committed(tmp_path):
    conn, other = _two_connections(tmp_path)
    snapshot = _read(conn)
    other.execute("INSERT INTO t VALUES (1)")
    assert not _write_lock(conn, snapshot)


def test_changed_when_the_same_connection_wrote(tmp_path):
    conn, _other = _two_connections(tmp_path)
    snapshot = _read(conn)
    conn.execute("INSERT INTO t VALUES (1)")
    assert not _write_lock(conn, snapshot)


def test_another_connection_cannot_vouch_for_the_snapshot(tmp_path):
    conn, other = _two_connections(tmp_path)
    snapshot = _read(conn)
    assert not _write_lock(other, snapshot)


def test_recorder_runs_what_it_recorded_in_order():
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    recorder = fastpath.Recorder()
    fastpath.write_meta(recorder, {"a": "1", "b": "2"})
    recorder.execute("UPDATE meta SET value = value || '+' WHERE key = ?", ("a",))
    assert conn.execute("SELECT count(*) FROM meta").fetchone() == (0,)  # nothing ran yet
    recorder.run(conn)
    assert conn.execute("SELECT key, value FROM meta ORDER BY key").fetchall() == [
        ("a", "1+"),
        ("b", "2"),
    ]
