"""member_identities: a rowid key and a named unique index; provisional members indexed

A new till's first load of a large chain inserts two identities per member (card, phone blind
index) whose keys arrive in random order. Each page's commit rewrote nearly every page of the
(kind, value) index: at 10⁶ members most of the first load's SQLite time. The primary key was
that index, so it could not be set aside. Now the table has a plain rowid key and (kind, value)
is a unique index of its own, which the first load of a large snapshot drops and builds once
at the end, sorted (feedapply.defer_identity_index).

Provisional members (card scanned before HQ's record arrived) get a partial index: each pulled
page looks for them, and without the (kind, value) index it must not scan the identities.

An upgrade copies the identities (a till of 10⁶ members: ~10 s, once).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_COPY = "INSERT INTO {to} (kind, value, member_id) SELECT kind, value, member_id FROM {source}"


def _identity_columns() -> list[sa.SchemaItem]:
    """kind, value, member_id and its foreign key: the same before and after 0006."""
    return [
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.member_id"],
            name=op.f("fk_member_identities_member_id_members"),
            ondelete="CASCADE",
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "member_identities_new",
        sa.Column("id", sa.Integer(), nullable=False),
        *_identity_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_identities")),
    )
    op.execute(
        _COPY.format(to="member_identities_new", source="member_identities")
        + " ORDER BY member_id"
    )
    op.drop_index("ix_member_identities_member_id", table_name="member_identities")
    op.drop_table("member_identities")
    op.rename_table("member_identities_new", "member_identities")
    op.create_index("ix_member_identities_member_id", "member_identities", ["member_id"])
    op.create_index(
        "ux_member_identities_kind_value", "member_identities", ["kind", "value"], unique=True
    )
    op.create_index(
        "ix_members_provisional", "members", ["member_id"], sqlite_where=sa.text("provisional = 1")
    )


def downgrade() -> None:
    op.drop_index("ix_members_provisional", table_name="members")
    op.create_table(
        "member_identities_old",
        *_identity_columns(),
        sa.PrimaryKeyConstraint("kind", "value", name=op.f("pk_member_identities")),
    )
    # The newest entry of a (kind, value) wins, as an upsert would have left it.
    op.execute(
        _COPY.format(to="member_identities_old", source="member_identities")
        + " WHERE true ORDER BY id ON CONFLICT (kind, value) DO UPDATE SET"
        " member_id = excluded.member_id"
    )
    op.drop_index("ux_member_identities_kind_value", table_name="member_identities", if_exists=True)
    op.drop_index("ix_member_identities_member_id", table_name="member_identities")
    op.drop_table("member_identities")
    op.rename_table("member_identities_old", "member_identities")
    op.create_index("ix_member_identities_member_id", "member_identities", ["member_id"])
