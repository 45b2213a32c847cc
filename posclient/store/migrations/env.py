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
        # A migration that rebuilds a table (create, copy, drop, rename: SQLite's way to change
        # a primary key or drop a constraint) must not run ON DELETE actions when it drops the
        # old one, so foreign keys are off while migrations run; migrations that rebuild check
        # the references themselves before COMMIT. The pragma is a no-op inside a transaction:
        # it goes to the driver connection before SQLAlchemy begins one.
        driver = connection.connection.driver_connection
        assert driver is not None
        driver.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(
                connection=connection, target_metadata=Base.metadata, render_as_batch=True
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        except BaseException:
            connection.rollback()  # first: the pragma below is a no-op inside a transaction
            raise
        finally:
            driver.execute("PRAGMA foreign_keys=ON")


run()
