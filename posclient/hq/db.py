"""Engines for SQLite (WAL, one writer at a time) and PostgreSQL, and transaction helpers."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError

from . import models

log = logging.getLogger("posclient.hq")
T = TypeVar("T")

#: PostgreSQL errors worth retrying a whole transaction for: serialization failure, deadlock.
_RETRY_SQLSTATES = {"40001", "40P01"}


def _sqlite_engine(url: str, *, immediate: bool, synchronous: str) -> Engine:
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
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """One HQ database. ``write()`` is a transaction that may write, ``read()`` one that reads."""

    def __init__(self, url: str, *, create: bool = True, sqlite_synchronous: str = "FULL") -> None:
        parsed = make_url(url)
        self.url = url
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            if parsed.database in (None, "", ":memory:"):
                raise ValueError("HQ needs a SQLite file (sqlite:///path), not an in-memory db")
            self.engine = _sqlite_engine(url, immediate=True, synchronous=sqlite_synchronous)
            self.reader = _sqlite_engine(url, immediate=False, synchronous=sqlite_synchronous)
        elif self.dialect == "postgresql":
            self.engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
            self.reader = self.engine
        else:
            raise ValueError(f"unsupported database: {self.dialect} (use sqlite or postgresql)")
        if create:
            models.metadata.create_all(self.engine)

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
        self.engine.dispose()
        if self.reader is not self.engine:
            self.reader.dispose()
