"""Alembic migrations, run on start: the schema only ever changes through them.

Alembic is imported only when the database is behind: checking the version is one SELECT, so
opening a current database stays fast (cold start of the till).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger("posclient.store")

MIGRATIONS = Path(__file__).with_name("migrations")
#: The newest revision in migrations/versions (a test checks it against Alembic's head).
SCHEMA_HEAD = "0004"


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


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema (a no-op when it is current)."""
    if current_revision(engine) == SCHEMA_HEAD:
        return
    from alembic import command

    log.info("migrating database schema")
    command.upgrade(alembic_config(engine), "head")
