"""sale_lines WITHOUT ROWID keyed by (sale_id, line_no); outbox without UNIQUE(event_id)

Every completed sale writes its lines and one outbox row; each B-tree they live in is at least
one more page in the sale's commit, and each B-tree keyed by a random uuid scatters its pages
over the file, so the checkpoints behind the commits write more too.

- sale_lines was a rowid table plus its primary key index (sale_id, line_no). Keyed by that
  primary key WITHOUT ROWID it is one B-tree, and a sale's lines sit together in it. The
  foreign key from refund_lines (sale_id, line_no) points at that primary key, as before.
- outbox.event_id had a UNIQUE index no query uses (events are found by seq, or by status
  through ix_outbox_pending). Event ids are uuid4 drawn by services.outbox.append_raw for each
  event; the index only re-checked that. HQ de-duplicates pushes by event id, as before.

SQLite changes neither in place: each table is rebuilt (create, copy, drop, rename) in the
migration's one transaction. Foreign keys must be off for that (env.py turns them off before
BEGIN): dropping the old sale_lines with them on would run its ON DELETE actions. The copy is
checked with PRAGMA foreign_key_check before the transaction commits.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

import posclient.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SALE_LINE_COLUMNS = (
    "sale_id, line_no, sku, name, qty, unit_price, unit_paid, gross, member_saving, "
    "item_points, item_points_value, tier_discount, coupon_discount, points_redeemed, "
    "points_value, amount_due, points_earned, refunded_qty, refunded_amount, "
    "refunded_points_spent, refunded_points_earned"
)
OUTBOX_COLUMNS = (
    "seq, event_id, type, hlc, occurred_at, base, payload, payload_sha256, prev_hash, "
    "event_hash, status, priority, attempts, last_error, result, acked_checkpoint, acked_at"
)


def _sale_lines(name: str, *, with_rowid: bool) -> None:
    op.create_table(
        name,
        sa.Column("sale_id", sa.String(length=36), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("unit_price", posclient.store.types.Fen(), nullable=False),
        sa.Column("unit_paid", posclient.store.types.Fen(), nullable=False),
        sa.Column("gross", posclient.store.types.Fen(), nullable=False),
        sa.Column("member_saving", posclient.store.types.Fen(), nullable=False),
        sa.Column("item_points", sa.Integer(), nullable=False),
        sa.Column("item_points_value", posclient.store.types.Fen(), nullable=False),
        sa.Column("tier_discount", posclient.store.types.Fen(), nullable=False),
        sa.Column("coupon_discount", posclient.store.types.Fen(), nullable=False),
        sa.Column("points_redeemed", sa.Integer(), nullable=False),
        sa.Column("points_value", posclient.store.types.Fen(), nullable=False),
        sa.Column("amount_due", posclient.store.types.Fen(), nullable=False),
        sa.Column("points_earned", sa.Integer(), nullable=False),
        sa.Column("refunded_qty", sa.Integer(), nullable=False),
        sa.Column("refunded_amount", posclient.store.types.Fen(), nullable=False),
        sa.Column("refunded_points_spent", sa.Integer(), nullable=False),
        sa.Column("refunded_points_earned", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sale_id"],
            ["sales.sale_id"],
            name="fk_sale_lines_sale_id_sales",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sale_id", "line_no", name="pk_sale_lines"),
        sqlite_with_rowid=with_rowid,
    )


def _outbox(name: str, *, unique_event_id: bool) -> None:
    constraints: list[sa.Constraint] = [sa.PrimaryKeyConstraint("seq", name="pk_outbox")]
    if unique_event_id:
        constraints.append(sa.UniqueConstraint("event_id", name="uq_outbox_event_id"))
    op.create_table(
        name,
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("hlc", sa.String(length=24), nullable=False),
        sa.Column("occurred_at", posclient.store.types.UtcDateTime(), nullable=False),
        sa.Column("base", sa.JSON(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.Column("event_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("acked_checkpoint", sa.Integer(), nullable=True),
        sa.Column("acked_at", posclient.store.types.UtcDateTime(), nullable=True),
        *constraints,
    )


def _rebuild(table: str, columns: str, create: Callable[[str], None]) -> None:
    """Create ``_new_<table>`` with ``create``, copy every row, replace the old table.

    Dropping the old table drops its indexes; the caller creates the new table's own.
    """
    bind = op.get_bind()
    create(f"_new_{table}")
    op.execute(f"INSERT INTO _new_{table} ({columns}) SELECT {columns} FROM {table}")
    copied = bind.exec_driver_sql(f"SELECT count(*) FROM _new_{table}").scalar()
    held = bind.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
    if copied != held:
        raise RuntimeError(f"migration 0003 copied {copied} of {held} rows of {table}")
    op.drop_table(table)
    op.rename_table(f"_new_{table}", table)


def _require_foreign_keys_off() -> None:
    enabled = op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar()
    if enabled:
        # Dropping the old sale_lines would run ON DELETE actions on the rows that refer to it.
        raise RuntimeError("migration 0003 rebuilds tables: foreign keys must be off")


def _broken_references() -> list[tuple[str, str, int]]:
    """(table, parent, constraint) of each row of the rebuilt tables whose reference does not
    resolve. Checked per table, not the whole file (that would visit every one of a million
    members' identities); without rowids, since sale_lines loses its own."""
    bind = op.get_bind()
    return sorted(
        (str(row[0]), str(row[2]), int(row[3]))
        for table in ("sale_lines", "refund_lines")
        for row in bind.exec_driver_sql(f"PRAGMA foreign_key_check({table})").fetchall()
    )


def _rebuild_all(*, lean: bool) -> None:
    _require_foreign_keys_off()
    before = _broken_references()
    _rebuild("sale_lines", SALE_LINE_COLUMNS, lambda name: _sale_lines(name, with_rowid=not lean))
    _rebuild("outbox", OUTBOX_COLUMNS, lambda name: _outbox(name, unique_event_id=not lean))
    op.create_index("ix_outbox_pending", "outbox", ["status", "priority", "seq"], unique=False)
    # Whatever was already broken stays as it was; the rebuild itself must break nothing.
    after = _broken_references()
    if after != before:
        raise RuntimeError(f"migration 0003 broke references: {after[:5]}")


def upgrade() -> None:
    _rebuild_all(lean=True)


def downgrade() -> None:
    _rebuild_all(lean=False)
