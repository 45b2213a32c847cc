"""Alembic environment: runs on the engine the till opened (never a URL from a file)."""

from __future__ import annotations

from alembic import context

from posclient.store.models import Base

config = context.config
engine = config.attributes.get("engine")


def run() -> None:
    if engine is None:
        # Offline/autogenerate use: a scratch in-memory database.
        from sqlalchemy import create_engine

        scratch = create_engine("sqlite://")
        with scratch.connect() as connection:
            context.configure(
                connection=connection, target_metadata=Base.metadata, render_as_batch=True
            )
            with context.begin_transaction():
                context.run_migrations()
        return
    with engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=Base.metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()
