"""Engines for SQLite (WAL, one writer at a time) and PostgreSQL, and transaction helpers."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.pool import NullPool

from . import models

log = logging.getLogger("posclient.hq")
T = TypeVar("T")

#: PostgreSQL errors worth retrying a whole transaction for: serialization failure, deadlock.
_RETRY_SQLSTATES = {"40001", "40P01"}


#: Backstop for the writers' own checkpoints when a background checkpointer copies the WAL
#: (SQLite's default, 1000 pages, when none does).
BACKSTOP_CHECKPOINT_PAGES = 10_000


#: How much of an HQ SQLite file is read through a memory map (SQLite caps it at its build's
#: limit; a larger file reads the rest as usual).
MMAP_BYTES = 1 << 30


def _sqlite_engine(
    url: str, *, immediate: bool, synchronous: str, autocheckpoint: int = 1000
) -> Engine:
    engine = create_engine(
        url,
        connect_args={"timeout": 60, "check_same_thread": False},
        pool_size=8,
        max_overflow=16,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves: pysqlite's implicit BEGIN is deferred, and two deferred
        # writers that both upgrade to a write lock deadlock ("database is locked").
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute(f"PRAGMA wal_autocheckpoint={autocheckpoint}")
        # Reads through a memory map, not a read() call per page: a snapshot for a new till
        # visits each member's row in member_id order, a page fetch per row (half its cost).
        cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


#: Indexes replaced since schema 1: old name → (new name, table, columns). ``create_all`` adds
#: indexes only together with their table, so an existing database gets them here.
_REPLACED_INDEXES = {
    "ix_sales_member": (
        "ix_sales_member_spend",
        "sales",
        "member_id, occurred_at, category, amount_due_fen, refunded_fen",
    ),
}


#: Indexes added since schema 1 to tables that already existed (``create_all`` skips them).
_ADDED_INDEXES = (
    "ix_members_merged_into ON members (merged_into) WHERE merged_into IS NOT NULL",
    "ix_members_merged_order ON members (member_id, version, card_no, merged_into) "
    "WHERE merged_into IS NOT NULL",
)


def _upgrade_indexes(engine: Engine) -> None:
    """Give a database created by an older HQ the current indexes (idempotent)."""
    with engine.begin() as conn:
        for index in _ADDED_INDEXES:
            conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {index}")
        for old, (new, table, columns) in _REPLACED_INDEXES.items():
            conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {new} ON {table} ({columns})")
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {old}")


def missing_database(url: str) -> str | None:
    """Why ``url`` holds no HQ yet (a reason to show), or None when it does.

    A SQLite file that does not exist would be created by connecting to it; an empty PostgreSQL
    database has no HQ tables. Raises what the driver raises when the server cannot be reached.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        if path and path != ":memory:" and not Path(path).is_file():
            return f"no HQ database at {path}"
        if not path or path == ":memory:":
            return None  # Database() refuses it with its own reason
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table(models.members.name):
                return f"no HQ tables in {parsed.render_as_string(hide_password=True)}"
    finally:
        engine.dispose()
    return None


class Database:
    """One HQ database. ``write()`` is a transaction that may write, ``read()`` one that reads."""

    def __init__(
        self,
        url: str,
        *,
        create: bool = True,
        sqlite_synchronous: str = "FULL",
        background_checkpoint: bool = False,
    ) -> None:
        parsed = make_url(url)
        self.url = url
        self.dialect = parsed.get_backend_name()
        self.checkpointer: Checkpointer | None = None
        if self.dialect == "sqlite":
            if parsed.database in (None, "", ":memory:"):
                raise ValueError("HQ needs a SQLite file (sqlite:///path), not an in-memory db")
            pages = BACKSTOP_CHECKPOINT_PAGES if background_checkpoint else 1000
            self.engine = _sqlite_engine(
                url, immediate=True, synchronous=sqlite_synchronous, autocheckpoint=pages
            )
            self.reader = _sqlite_engine(url, immediate=False, synchronous=sqlite_synchronous)
        elif self.dialect == "postgresql":
            self.engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
            self.reader = self.engine
        else:
            raise ValueError(f"unsupported database: {self.dialect} (use sqlite or postgresql)")
        if create:
            models.metadata.create_all(self.engine)
            _upgrade_indexes(self.engine)
        if background_checkpoint and self.dialect == "sqlite":
            self.checkpointer = Checkpointer(str(parsed.database), synchronous=sqlite_synchronous)

    @property
    def integrity_errors(self) -> tuple[type[Exception], ...]:
        """A unique key hit, raised through Core (wrapped) or the raw hot-path cursor."""
        raw: type[Exception] = self.engine.dialect.dbapi.IntegrityError  # type: ignore[union-attr]
        return (IntegrityError, raw)

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.reader.connect() as conn, conn.begin():
            yield conn

    def transact(self, work: Callable[[Connection], T], *, attempts: int = 5) -> T:
        """Run ``work`` in a write transaction, retrying deadlocks and serialization failures.

        ``work`` must be safe to run again from the start (it is: the transaction rolled back).
        """
        dbapi_error: type[Exception] = self.engine.dialect.dbapi.Error  # type: ignore[union-attr]
        for attempt in range(1, attempts + 1):
            try:
                with self.write() as conn:
                    return work(conn)
            except (DBAPIError, dbapi_error) as exc:
                # Raw cursor errors (hot path) arrive unwrapped, Core errors wrapped.
                orig = exc.orig if isinstance(exc, DBAPIError) else exc
                if attempt == attempts or not self._retryable(orig):
                    raise
                log.warning("transaction retry %d after %s", attempt, type(orig).__name__)
                time.sleep(0.01 * attempt)
        raise AssertionError("unreachable")

    def _retryable(self, orig: object) -> bool:
        if self.is_postgres:
            return getattr(orig, "sqlstate", None) in _RETRY_SQLSTATES
        return "locked" in str(orig)

    def dispose(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self.engine.dispose()
        if self.reader is not self.engine:
            self.reader.dispose()


class Checkpointer:
    """Copies a SQLite database's WAL back into the database file from a thread of its own.

    A commit is durable once its WAL frames are synced (``synchronous=FULL``); copying them into
    the database file (a checkpoint) is housekeeping. SQLite does it inside the commit that
    crosses ``wal_autocheckpoint`` pages, so every few push batches one answer waited for it.
    Here it runs beside the requests instead (PASSIVE: it never blocks a reader or a writer),
    and the writers keep a larger autocheckpoint as a backstop should this thread fall behind.
    """

    def __init__(self, path: str, *, synchronous: str, interval: float = 0.1) -> None:
        self.path, self.synchronous, self.interval = path, synchronous, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")  # as the engines set it (a no-op by then)
            conn.execute(f"PRAGMA synchronous={self.synchronous}")
            conn.execute("PRAGMA busy_timeout=1000")
            while not self._stop.wait(self.interval):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error as exc:  # e.g. busy: the next round tries again
                    log.warning("background checkpoint failed: %s", exc)
        finally:
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
