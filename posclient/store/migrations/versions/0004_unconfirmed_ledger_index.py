"""points_ledger: index only the unconfirmed entries, by event seq

After every pulled page the till marks the ledger entries HQ's state now includes. With a
plain index on event_seq that statement looked at every outbox event HQ ever answered (a
year of sales: hundreds of thousands of lookups per page). A partial index on the
unconfirmed entries holds only what is still waiting (usually a handful), and nothing else
looks entries up by event_seq.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("points_ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_points_ledger_event_seq")
        batch_op.create_index(
            "ix_points_ledger_unconfirmed",
            ["event_seq"],
            unique=False,
            sqlite_where=sa.text("confirmed = 0"),
        )


def downgrade() -> None:
    with op.batch_alter_table("points_ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_points_ledger_unconfirmed")
        batch_op.create_index("ix_points_ledger_event_seq", ["event_seq"], unique=False)
