"""snapshot_unseen: members a new snapshot has not confirmed yet

A re-snapshot (cursor expired, HQ restored from a backup) sends every member HQ holds but no
tombstones; the members cached before it and not in it are dropped when it ends.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snapshot_unseen",
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_snapshot_unseen")),
    )


def downgrade() -> None:
    op.drop_table("snapshot_unseen")
