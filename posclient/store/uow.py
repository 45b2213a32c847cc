"""Unit of work: one SQLite transaction that rolls back unless ``commit()`` was called.

A completed sale — sale, lines, ledger entries, coupon use and its outbox event — is written in
one unit of work, so either all of it is on disk or none of it.
"""

from __future__ import annotations

import sqlite3
from types import TracebackType

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from .db import Database, translate_db_error


class UnitOfWork:
    def __init__(self, db: Database):
        self.db = db
        self._session: Session | None = None
        self._committed = False

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its with-block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._committed = False
        try:
            self._session = self.db.take_write_lock(self._locked_session)
        except (DBAPIError, sqlite3.Error) as exc:
            raise translate_db_error(exc, self.db.path) from exc
        return self

    def _locked_session(self) -> Session:
        """A write session holding the write lock now (BEGIN IMMEDIATE), not at the first write."""
        session = self.db.write_session()
        try:
            session.connection()
        except BaseException:
            session.close()
            raise
        return session

    def commit(self) -> None:
        try:
            self.session.commit()
        except (DBAPIError, sqlite3.Error) as exc:
            self.session.rollback()
            raise translate_db_error(exc, self.db.path) from exc
        self._committed = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if not self._committed:
                session.rollback()
        finally:
            session.close()
            self._session = None
        if isinstance(exc, DBAPIError | sqlite3.Error):
            raise translate_db_error(exc, self.db.path) from exc
