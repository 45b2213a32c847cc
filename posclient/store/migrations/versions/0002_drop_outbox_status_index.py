"""drop ix_outbox_status: ix_outbox_pending (status, priority, seq) already serves it

Every completed sale writes one outbox row; each index on the table is one more page in the
sale's commit. Queries by status use ix_outbox_pending, whose first column is status.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status")


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_status", ["status"], unique=False)
