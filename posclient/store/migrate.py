"""Alembic migrations, run on start: the schema only ever changes through them.

Alembic is imported only when the database is behind: checking the version is one SELECT, so
opening a current database stays fast (cold start of the till).
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Engine

from posclient.domain.errors import PosError

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger("posclient.store")

MIGRATIONS = Path(__file__).with_name("migrations")
#: The newest revision in migrations/versions (a test checks it against Alembic's head).
SCHEMA_HEAD = "0006"


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'")
        ).first()
        if not exists:
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def known_revisions() -> set[str]:
    """The revisions this version can migrate from (the files' ``NNNN_`` prefixes)."""
    return {path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("[0-9]*_*.py")}


def check_ours(path: Path, *, create: bool) -> None:
    """Refuse a file this version must not open: another program's database, one from a newer
    posclient, or (unless ``create``) an empty one. Looked at read-only, before the till's own
    connection sets anything (WAL mode alone would rewrite another program's file)."""
    if not path.exists() or path.stat().st_size == 0:
        if not create:
            raise PosError("store.not_initialised", path=str(path.parent))
        return
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if "alembic_version" in tables:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        else:
            row = None
    finally:
        conn.close()
    if row is None:
        if tables - {"alembic_version"}:
            raise PosError("store.corrupt", path=str(path))
        if not create:
            raise PosError("store.not_initialised", path=str(path.parent))
    elif row[0] not in known_revisions():
        raise PosError("store.newer_schema", path=str(path), revision=row[0])


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema (a no-op when it is current)."""
    if current_revision(engine) == SCHEMA_HEAD:
        return
    from alembic import command

    log.info("migrating database schema")
    command.upgrade(alembic_config(engine), "head")
