"""Hot-path SQL on the transaction's own DBAPI connection (Core costs ~50 µs a statement).

Statements are written with ``?`` placeholders and converted for psycopg. Values are converted
exactly as SQLAlchemy stores them (SQLite: ``YYYY-MM-DD HH:MM:SS.ffffff`` UTC text, dates as
ISO text), so rows written either way compare and read alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection

_PG_SQL: dict[str, str] = {}
_OPEN: WeakKeyDictionary[Connection, Fast] = WeakKeyDictionary()


class Fast:
    """Raw statements inside the SQLAlchemy transaction of ``conn``."""

    @classmethod
    def of(cls, conn: Connection) -> Fast:
        """The one ``Fast`` (one cursor) of ``conn``: a push makes thousands of calls."""
        fast = _OPEN.get(conn)
        if fast is None:
            fast = _OPEN[conn] = cls(conn)
        return fast

    def __init__(self, conn: Connection) -> None:
        self.pg = conn.dialect.name == "postgresql"
        self.cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        self.integrity_error: type[Exception] = conn.dialect.dbapi.IntegrityError  # type: ignore[union-attr]

    def _sql(self, text: str) -> str:
        if not self.pg:
            return text
        converted = _PG_SQL.get(text)
        if converted is None:
            converted = _PG_SQL[text] = text.replace("?", "%s")
        return converted

    def one(self, text: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        self.cursor.execute(self._sql(text), params)
        row: tuple[Any, ...] | None = self.cursor.fetchone()
        return row

    def all(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.cursor.execute(self._sql(text), params)
        return list(self.cursor.fetchall())

    def dict_one(self, text: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        self.cursor.execute(self._sql(text), params)
        row = self.cursor.fetchone()
        if row is None:
            return None
        return {
            column[0]: value for column, value in zip(self.cursor.description, row, strict=True)
        }

    def dicts(self, text: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Every row as a dict of column name → value."""
        self.cursor.execute(self._sql(text), params)
        rows = self.cursor.fetchall()
        names = [column[0] for column in self.cursor.description]
        return [dict(zip(names, row, strict=True)) for row in rows]

    def run(self, text: str, params: Sequence[Any] = ()) -> int:
        self.cursor.execute(self._sql(text), params)
        return int(self.cursor.rowcount)

    def insert_new(self, text: str, params: Sequence[Any] = ()) -> bool:
        """Run an INSERT; False when it hit a unique key. On PostgreSQL the transaction is then
        unusable until the caller rolls back to its savepoint (push does, on Reject)."""
        try:
            self.cursor.execute(self._sql(text), params)
        except self.integrity_error:
            return False
        return True

    def many(self, text: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            self.cursor.executemany(self._sql(text), rows)

    # ------------------------------------------------------------ values

    def dt(self, value: datetime | None) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        if self.pg:
            return value
        if value.utcoffset():
            value = value.astimezone(UTC)
        # A UTC value's isoformat ends in "+00:00": cut it (cheaper than replace(tzinfo=None)).
        return value.isoformat(" ", "microseconds")[:-6]

    def day(self, value: date | None) -> Any:
        if value is None or self.pg:
            return value
        return value.isoformat()

    def bool(self, value: bool) -> Any:
        return value if self.pg else int(value)


def read_dt(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value + "+00:00")  # stored as UTC without an offset
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def read_day(value: Any) -> date:
    if isinstance(value, str):
        return date.fromisoformat(value)
    assert isinstance(value, date)
    return value
