"""The SQLite file: durability pragmas, migrations on open, clear errors for bad files."""

from __future__ import annotations

from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from posclient.domain.errors import PosError
from posclient.store.db import Database
from posclient.store.migrate import head_revision
from posclient.store.models import Base, Meta, ProductRow
from posclient.store.uow import UnitOfWork


def test_pragmas_make_a_completed_sale_durable(tmp_path):
    db = Database(tmp_path / "t.sqlite3")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 5000


def test_the_hot_path_connection_has_the_same_pragmas(tmp_path):
    db = Database(tmp_path / "t.sqlite3")
    with db.transaction() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
        assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    db.close()


def test_hot_path_transactions_commit_roll_back_and_take_turns(tmp_path):
    """One connection, used by one caller at a time: threads wait their turn instead of
    nesting transactions; an exception rolls back; it is opened again after close()."""
    import threading

    db = Database(tmp_path / "t.sqlite3")
    with db.transaction() as conn:
        conn.execute("CREATE TABLE t (n INTEGER)")
    errors: list[BaseException] = []

    def insert(start: int) -> None:
        try:
            for n in range(start, start + 50):
                with db.transaction() as conn:
                    conn.execute("INSERT INTO t VALUES (?)", (n,))
                with db.snapshot() as conn:
                    conn.execute("SELECT count(*) FROM t").fetchone()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=insert, args=(k * 100,)) for k in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with pytest.raises(ZeroDivisionError), db.transaction() as conn:
        conn.execute("INSERT INTO t VALUES (-1)")
        raise ZeroDivisionError
    db.close()
    with db.snapshot() as conn:
        assert conn.execute("SELECT count(*), min(n) FROM t").fetchone() == (150, 0)
    db.close()


def test_a_hot_path_block_inside_another_on_one_thread_fails_instead_of_hanging(tmp_path):
    db = Database(tmp_path / "t.sqlite3")
    with db.transaction(), pytest.raises(RuntimeError, match="already in use"), db.snapshot():
        pass
    with db.snapshot() as conn:  # released: usable again
        assert conn.execute("SELECT 1").fetchone() == (1,)
    db.close()


def test_migrations_run_on_open_and_match_the_models(tmp_path):
    db = Database(tmp_path / "t.sqlite3")
    with db.engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        assert version == head_revision()
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_reopening_is_idempotent(tmp_path):
    path = tmp_path / "t.sqlite3"
    Database(path).close()
    db = Database(path)
    assert db.integrity_check() == "ok"


def test_corrupt_file_gets_a_reason_and_is_left_alone(tmp_path):
    path = tmp_path / "t.sqlite3"
    garbage = b"this is not a database" * 300
    path.write_bytes(garbage)
    with pytest.raises(PosError) as err:
        Database(path)
    assert err.value.code == "store.corrupt"
    assert path.read_bytes() == garbage


def test_truncated_database_is_reported_as_corrupt(tmp_path):
    path = tmp_path / "t.sqlite3"
    db = Database(path)
    with UnitOfWork(db) as uow:
        for n in range(200):
            uow.session.add(Meta(key=f"k{n}", value="x" * 200))
        uow.commit()
    db.engine.dispose()
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = path.read_bytes()
    path.write_bytes(data[:100] + b"\xff" * 200 + data[300:])
    with pytest.raises(PosError) as err:
        Database(path)
    assert err.value.code in {"store.corrupt", "store.failed"}


def test_directory_in_place_of_the_file(tmp_path):
    (tmp_path / "t.sqlite3").mkdir()
    with pytest.raises(PosError) as err:
        Database(tmp_path / "t.sqlite3")
    assert err.value.code == "store.unreadable"


def test_unit_of_work_rolls_back_unless_committed(tmp_path):
    db = Database(tmp_path / "t.sqlite3")
    with UnitOfWork(db) as uow:
        uow.session.add(Meta(key="a", value="1"))
    with UnitOfWork(db) as uow:
        uow.session.add(Meta(key="b", value="2"))
        uow.commit()
    with pytest.raises(RuntimeError), UnitOfWork(db) as uow:
        uow.session.add(Meta(key="c", value="3"))
        uow.session.flush()
        raise RuntimeError("boom")
    with db.read() as session:
        assert {m.key for m in session.query(Meta)} == {"b"}


def test_money_columns_refuse_floats_and_keep_fen(tmp_path):
    db = Database(tmp_path / "t.sqlite3")
    with UnitOfWork(db) as uow:
        uow.session.add(ProductRow(sku="X1", name="x", price=Decimal("12.35")))
        uow.commit()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT price FROM products")).scalar_one() == 1235
    with pytest.raises(Exception, match="Decimal"), UnitOfWork(db) as uow:
        uow.session.add(ProductRow(sku="X2", name="y", price=12.35))  # type: ignore[arg-type]
        uow.session.flush()


def test_schema_head_constant_matches_alembic():
    from posclient.store.migrate import SCHEMA_HEAD

    assert head_revision() == SCHEMA_HEAD
