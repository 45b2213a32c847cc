"""Opening the till's SQLite file: pragmas for durability, migrations on start, sessions.

WAL journal, ``synchronous=FULL`` (a completed sale survives power loss), foreign keys, a busy
timeout. Writes begin with ``BEGIN IMMEDIATE`` so two writers (the till and an admin command, or
the sync worker) queue on the lock instead of failing half-way; reads use plain deferred BEGIN
and never block writers under WAL.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from posclient.domain.errors import PosError

log = logging.getLogger("posclient.store")

T = TypeVar("T")

BUSY_TIMEOUT_MS = 10_000
#: How long a sale waits, at most, for a write this process announced as long (``long_write``).
LONG_WRITE_WAIT_S = 120.0
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
)


#: Below this much free space on the database's disk, an SQLite I/O error is the disk being
#: full (SQLite reports a write that fails for want of space as "disk I/O error" at times,
#: e.g. when it cannot grow the ``-shm`` file of a WAL database).
FULL_BELOW_BYTES = 1024 * 1024


def classify_db_error(exc: BaseException, path: Path | str) -> str:
    """What an sqlite3 error (or SQLAlchemy's wrapper of one) means for the person at the till:
    ``corrupt``, ``busy``, ``full`` (the disk: free space, nothing is damaged), ``io`` (another
    disk error), ``read_only``, ``unreadable`` (cannot open: permissions or path) or ``other``.

    SQLite's error code decides where there is one (Python 3.11 gives it); its English message
    only where there is not."""
    orig = getattr(exc, "orig", None) or exc
    name = str(getattr(orig, "sqlite_errorname", "") or "")
    message = str(orig).lower()
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or (
        not name and ("not a database" in message or "malformed" in message or "corrupt" in message)
    ):
        return "corrupt"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or (
        not name and ("locked" in message or "busy" in message)
    ):
        return "busy"
    if name == "SQLITE_FULL" or "disk is full" in message:
        return "full"
    if name.startswith("SQLITE_IOERR") or "disk i/o error" in message:
        if name == "SQLITE_IOERR_SHMSIZE" or _low_on_space(Path(path)):
            return "full"
        return "io"
    if name.startswith("SQLITE_READONLY") or (not name and "readonly" in message):
        return "read_only"
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")) or (
        not name and ("unable to open" in message or "permission" in message)
    ):
        return "unreadable"
    return "other"


def _low_on_space(path: Path) -> bool:
    where = path if path.is_dir() else path.parent
    try:
        return shutil.disk_usage(where).free < FULL_BELOW_BYTES
    except OSError:
        return False


def translate_db_error(exc: BaseException, path: Path | str) -> PosError:
    """Turn an sqlite3 error into a PosError a person can act on (or re-raise a bug)."""
    kind = classify_db_error(exc, path)
    orig = getattr(exc, "orig", None) or exc
    if kind == "corrupt":
        return PosError("store.corrupt", path=str(path))
    if kind == "busy":
        return PosError("store.busy", path=str(path))
    if kind == "full":
        return PosError("store.disk_full", path=str(path))
    if kind == "io":
        error = str(getattr(orig, "sqlite_errorname", "") or "SQLITE_IOERR")
        return PosError("store.io_error", path=str(path), error=error)
    if kind == "read_only":
        return PosError("store.read_only", path=str(path))
    if kind == "unreadable":
        return PosError("store.unreadable", path=str(path))
    return PosError("store.failed", path=str(path), error=type(exc).__name__)


def _make_engine(path: Path) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        _configure(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())

    return engine


def _configure(conn: sqlite3.Connection) -> None:
    # Take transaction control from pysqlite so BEGIN IMMEDIATE is ours to emit.
    conn.isolation_level = None
    cursor = conn.cursor()
    for pragma in PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


class Database:
    """The till's database file: engine, sessions, migrations."""

    def __init__(self, path: Path, *, migrate: bool = True, create: bool = True):
        """Open (``create``: or start) the till database at ``path``; ``migrate`` brings it to
        the current schema. Another program's database, one from a newer posclient, or (unless
        ``create``) an empty one is refused with a PosError before anything is written."""
        self.path = Path(path)
        if self.path.exists() and self.path.is_dir():
            raise PosError("store.unreadable", path=str(self.path))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if migrate:
                from .migrate import check_ours

                check_ours(self.path, create=create)
            self.engine = _make_engine(self.path)
            self._check_readable()
            if migrate:
                from .migrate import upgrade

                upgrade(self.engine)
        except (DBAPIError, sqlite3.Error) as exc:
            raise translate_db_error(exc, self.path) from exc
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(
            self.engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False
        )
        self._hot: sqlite3.Connection | None = None
        self._hot_lock = threading.Lock()
        self._hot_owner: int | None = None  # the thread holding _hot_lock
        self._long_writes = 0
        self._long_writes_lock = threading.Lock()

    def _check_readable(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (a consistent snapshot under WAL)."""
        session = self._reader()
        try:
            yield session
        except (DBAPIError, sqlite3.Error) as exc:  # as the unit of work and the hot path do
            raise translate_db_error(exc, self.path) from exc
        finally:
            # close() ends the transaction without expiring what was loaded (rollback would).
            session.close()

    def write_session(self) -> Session:
        return self._writer()

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction on the hot-path connection (see ``transaction``)."""
        with self._hot_transaction("BEGIN", "ROLLBACK") as conn:
            yield conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE) on the hot-path connection.

        For the sale's hot path, where the ORM session's bookkeeping, and even the pool's, would
        cost more than SQLite does. The hot-path connection is one bare sqlite3 connection the
        database keeps open beside the pool, used by one caller at a time; a sale is prepared
        (``snapshot``) and committed on it, so the commit can ask SQLite whether anything was
        committed in between (fastpath.unchanged). Commits when the block ends normally, rolls
        back on any exception; sqlite errors become a PosError a person can act on.
        """
        with self._hot_transaction("BEGIN IMMEDIATE", "COMMIT") as conn:
            yield conn

    @contextmanager
    def long_write(self) -> Iterator[None]:
        """This process is about to hold the write lock for longer than the busy timeout, on
        purpose (the sync engine building the card and phone look-up index after a large first
        load: seconds, more on a slow machine). Meanwhile a sale that finds the lock taken waits
        for it to end (up to LONG_WRITE_WAIT_S) instead of failing as busy."""
        with self._long_writes_lock:
            self._long_writes += 1
        try:
            yield
        finally:
            with self._long_writes_lock:
                self._long_writes -= 1

    @property
    def long_write_in_progress(self) -> bool:
        return self._long_writes > 0

    def take_write_lock(self, attempt: Callable[[], T]) -> T:
        """``attempt()`` (something that takes the write lock: BEGIN IMMEDIATE), tried again
        while it finds the database busy (after the busy timeout) and a long write of this
        process's goes on, up to LONG_WRITE_WAIT_S; otherwise its error as it is."""
        deadline = time.monotonic() + LONG_WRITE_WAIT_S
        while True:
            try:
                return attempt()
            except (DBAPIError, sqlite3.Error) as exc:
                if not self.long_write_in_progress or time.monotonic() >= deadline:
                    raise
                if classify_db_error(exc, self.path) != "busy":
                    raise
                log.info("waiting for a long write of this till's to end")

    @contextmanager
    def _hot_transaction(self, begin: str, end: str) -> Iterator[sqlite3.Connection]:
        """``begin`` on the hot-path connection; ``end`` when the block ends normally, ROLLBACK
        when it raises."""
        with self._hot_connection() as conn:
            self.take_write_lock(lambda: conn.execute(begin))
            try:
                yield conn
                conn.execute(end)
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    @contextmanager
    def _hot_connection(self) -> Iterator[sqlite3.Connection]:
        if self._hot_owner == threading.get_ident():
            # The lock is not re-entrant: waiting for it here would wait forever.
            raise RuntimeError("the hot-path connection is already in use on this thread")
        with self._hot_lock:
            self._hot_owner = threading.get_ident()
            try:
                if self._hot is None:
                    conn = sqlite3.connect(
                        self.path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
                    )
                    _configure(conn)
                    self._hot = conn
                yield self._hot
            except (DBAPIError, sqlite3.Error) as exc:
                raise translate_db_error(exc, self.path) from exc
            finally:
                self._hot_owner = None

    def integrity_check(self) -> str:
        with self.engine.connect() as conn:
            return str(conn.exec_driver_sql("PRAGMA integrity_check").scalar_one())

    def close(self) -> None:
        with self._hot_lock:
            if self._hot is not None:
                self._hot.close()
                self._hot = None
        self.engine.dispose()
