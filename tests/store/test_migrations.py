"""Migrations on tills that already hold data: nothing lost, references intact, still selling."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.operations import Operations

from posclient.bootstrap import database_path, open_till
from posclient.domain.events import chain_hash
from posclient.security.fieldcrypt import FieldCipher
from posclient.security.secrets import SecretStore
from posclient.services import demo, settings
from posclient.services.checkout import Cart, CheckoutService
from posclient.store.db import Database
from posclient.store.migrate import SCHEMA_HEAD, alembic_config, current_revision, upgrade
from posclient.store.uow import UnitOfWork
from tests.helpers import demo_members, sql

WANG = demo_members()["diamond"]  # 26,800 points and the birthday coupon BD-WANG
GOLD = demo_members()["gold"]

#: Every row of the tables 0003 rebuilds, and of those that refer to them, in key order.
DUMPS = {
    "sales": "SELECT * FROM sales ORDER BY sale_id",
    "sale_lines": "SELECT * FROM sale_lines ORDER BY sale_id, line_no",
    "refunds": "SELECT * FROM refunds ORDER BY refund_id",
    "refund_lines": "SELECT * FROM refund_lines ORDER BY refund_id, line_no",
    "outbox": "SELECT * FROM outbox ORDER BY seq",
    "points_ledger": "SELECT * FROM points_ledger ORDER BY entry_id",
    "coupons": "SELECT * FROM coupons ORDER BY code",
}


def sell_at_0002(data_dir: Path, clock) -> None:
    """A till created at schema 0002 by the migrations of the time, then used: member sales with
    points and a coupon, a walk-in sale, a partial refund (refund_lines → sale_lines)."""
    data_dir.mkdir(parents=True)
    db = Database(database_path(data_dir), migrate=False)
    command.upgrade(alembic_config(db.engine), "0002")
    assert current_revision(db.engine) == "0002"
    with UnitOfWork(db) as uow:
        settings.ensure_identity(uow.session)
        install_id = settings.get(uow.session, "install_id")
        uow.commit()
    assert install_id
    cipher = FieldCipher.from_store(SecretStore(install_id))
    with UnitOfWork(db) as uow:
        demo.load_all(uow.session, cipher, clock)
        uow.commit()
    service = CheckoutService(db, cipher=cipher, clock=clock)
    receipts = []
    for code, redeem, coupon in ((WANG["phone"], 1000, "BD-WANG"), (GOLD["phone"], 0, None)):
        cart = Cart(member=service.identify(code))
        cart.add(service.find_product("MILK-1L"), 2)
        cart.add(service.find_product("NUTS-MIX"), 1)
        cart.redeem_points = redeem
        if coupon:
            cart.coupon = service.find_coupon(coupon, cart)
        receipts.append(service.complete_sale(cart).receipt_no)
    walk_in = Cart()
    walk_in.add(service.find_product("CHIPS"), 3)
    receipts.append(service.complete_sale(walk_in).receipt_no)
    service.refund_sale(receipts[0], quantities={1: 1})
    db.close()


def dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    return {table: sql(path, query) for table, query in DUMPS.items()}


def test_0003_keeps_every_row_and_reference_of_a_till_with_sales(data_dir, clock):
    sell_at_0002(data_dir, clock)
    path = database_path(data_dir)
    before = dump(path)
    assert len(before["sales"]) == 3 and len(before["refund_lines"]) == 1

    till = open_till(data_dir, clock=clock)  # migrates on open
    try:
        assert current_revision(till.db.engine) == SCHEMA_HEAD
        assert dump(path) == before
        assert sql(path, "PRAGMA integrity_check") == [("ok",)]
        assert sql(path, "PRAGMA foreign_key_check") == []
        schema = dict(sql(path, "SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
        assert schema["sale_lines"].rstrip().endswith("WITHOUT ROWID")
        assert "event_id" in schema["outbox"] and "UNIQUE" not in schema["outbox"]
        indexes = {row[0] for row in sql(path, "SELECT name FROM sqlite_master WHERE type='index'")}
        assert "ix_outbox_pending" in indexes
        assert not {"sqlite_autoindex_sale_lines_1", "sqlite_autoindex_outbox_1"} & indexes
        # The till's own connections enforce foreign keys again after the migration.
        with till.db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1

        # It keeps selling and refunding, old sales included, and the chain goes on.
        service = till.checkout
        service.refund_sale(before["sales"][0][1])  # the rest of some sale made at 0002
        cart = Cart(member=service.identify(WANG["phone"]))
        cart.add(service.find_product("CHIPS"), 1)
        service.complete_sale(cart)
    finally:
        till.close()
    events = sql(
        path,
        "SELECT seq, event_id, type, payload_sha256, prev_hash, event_hash "
        "FROM outbox ORDER BY seq",
    )
    assert [e[0] for e in events] == list(range(1, len(events) + 1))
    prev = None
    for seq, event_id, type_, digest, prev_hash, event_hash in events:
        assert prev_hash == prev
        assert event_hash == chain_hash(
            prev, event_id=event_id, seq=seq, type=type_, payload_hash=digest
        )
        prev = event_hash
    assert sql(path, "PRAGMA foreign_key_check") == []


def test_0003_downgrades_to_the_0002_tables_with_the_rows(data_dir, clock):
    sell_at_0002(data_dir, clock)
    path = database_path(data_dir)
    before = dump(path)
    db = Database(path)
    command.downgrade(alembic_config(db.engine), "0002")
    db.close()
    assert dump(path) == before
    schema = dict(sql(path, "SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    assert "WITHOUT ROWID" not in schema["sale_lines"]
    assert "CONSTRAINT uq_outbox_event_id UNIQUE (event_id)" in schema["outbox"]


def test_a_migration_that_fails_leaves_the_data_and_foreign_keys_as_they_were(
    data_dir, clock, monkeypatch
):
    """0003 runs in one transaction: a failure half-way rolls all of it back, and the
    connection it ran on goes back to the pool enforcing foreign keys."""
    sell_at_0002(data_dir, clock)
    path = database_path(data_dir)
    before = dump(path)
    real_rename = Operations.rename_table

    def rename_then_fail(self, old, new, **kw):
        real_rename(self, old, new, **kw)
        if new == "outbox":
            raise RuntimeError("power cut, as far as the migration knows")

    monkeypatch.setattr(Operations, "rename_table", rename_then_fail)
    db = Database(path, migrate=False)
    try:
        with pytest.raises(RuntimeError, match="power cut"):
            upgrade(db.engine)
        assert current_revision(db.engine) == "0002"
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    finally:
        db.close()
    assert dump(path) == before


def test_0004_indexes_only_unconfirmed_ledger_entries_and_confirming_uses_it(data_dir, clock):
    """After each pulled page the till confirms the entries HQ has answered for: with 0004 that
    walks a partial index of the entries still waiting, not every event HQ ever answered."""
    from posclient.services.sync import CONFIRM_LEDGER, confirm_ledger

    sell_at_0002(data_dir, clock)
    path = database_path(data_dir)
    before = dump(path)
    till = open_till(data_dir, clock=clock)
    try:
        assert dump(path) == before
        indexes = dict(sql(path, "SELECT name, sql FROM sqlite_master WHERE type = 'index'"))
        assert "ix_points_ledger_event_seq" not in indexes
        assert indexes["ix_points_ledger_unconfirmed"].endswith("WHERE confirmed = 0")
        entries = sql(path, "SELECT entry_id, event_seq FROM points_ledger ORDER BY entry_id")
        seqs = sorted({seq for _, seq in entries})
        assert len(seqs) >= 2
        # HQ answered the first event at checkpoint 10, the others at 20.
        with UnitOfWork(till.db) as uow:
            conn = uow.session.connection()
            conn.exec_driver_sql("UPDATE outbox SET acked_checkpoint = 20")
            conn.exec_driver_sql(f"UPDATE outbox SET acked_checkpoint = 10 WHERE seq = {seqs[0]}")
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + CONFIRM_LEDGER, (10,)).all()
            assert any("ix_points_ledger_unconfirmed" in row[-1] for row in plan), plan
            confirm_ledger(uow.session, 10)
            uow.commit()
        confirmed = dict(sql(path, "SELECT entry_id, confirmed FROM points_ledger"))
        assert confirmed == {entry: int(seq == seqs[0]) for entry, seq in entries}
        with UnitOfWork(till.db) as uow:
            confirm_ledger(uow.session, 20)
            uow.commit()
        assert sql(path, "SELECT count(*) FROM points_ledger WHERE confirmed = 0") == [(0,)]
    finally:
        till.close()


def test_0006_keeps_every_identity_and_gives_the_unique_index_a_name(data_dir, clock):
    """0006 rebuilds member_identities with a rowid key, so that (kind, value) is an index a
    first load can set aside; every entry survives, both ways."""
    sell_at_0002(data_dir, clock)
    path = database_path(data_dir)
    db = Database(path, migrate=False)
    command.upgrade(alembic_config(db.engine), "0005")
    db.close()
    identities = "SELECT kind, value, member_id FROM member_identities ORDER BY kind, value"
    before = sql(path, identities)
    assert len(before) >= 8

    till = open_till(data_dir, clock=clock)
    try:
        assert sql(path, identities) == before
        indexes = dict(sql(path, "SELECT name, sql FROM sqlite_master WHERE type = 'index'"))
        assert indexes["ux_member_identities_kind_value"].startswith("CREATE UNIQUE INDEX")
        assert indexes["ix_members_provisional"].endswith("WHERE provisional = 1")
        assert "ix_member_identities_member_id" in indexes
        assert sql(path, "PRAGMA foreign_key_check") == []
        assert till.checkout.identify(WANG["phone"]).member_id == WANG["member_id"]
    finally:
        till.close()

    db = Database(path)
    command.downgrade(alembic_config(db.engine), "0005")
    db.close()
    assert sql(path, identities) == before
    schema = dict(sql(path, "SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    assert "PRIMARY KEY (kind, value)" in schema["member_identities"]
    assert sql(path, "PRAGMA integrity_check") == [("ok",)]
