"""HQ schema (SQLAlchemy Core tables, own MetaData; created with ``metadata.create_all``)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.engine import Dialect

metadata = MetaData()
SCHEMA_VERSION = "1"


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both databases (SQLite keeps naive text, so convert both ways)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


meta = Table(
    "hq_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

#: One row (id 1). Taking its row lock just before commit numbers changes in commit order.
feed_counter = Table(
    "feed_counter",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("n", BigInteger, nullable=False),
)

changes = Table(
    "changes",
    metadata,
    Column("pos", BigInteger, primary_key=True, autoincrement=False),
    Column("entity", String(16), nullable=False),
    Column("op", String(8), nullable=False),
    Column("entity_id", String(80), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("data", Text, nullable=True),
    Column("committed_at", UtcDateTime(), nullable=False, index=True),
)

pairing_codes = Table(
    "pairing_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("store", String(32), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime(), nullable=True),
    Column("device_id", String(64), nullable=True),
)

devices = Table(
    "devices",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("device_no", Integer, nullable=False, unique=True),
    Column("store", String(32), nullable=False),
    Column("name", String(64), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
    Column("last_seq", BigInteger, nullable=False, default=0),
    Column("last_hash", String(64), nullable=True),
    Column("events", BigInteger, nullable=False, default=0),
    Column("chain_issues", Integer, nullable=False, default=0),
)

chain_issues = Table(
    "chain_issues",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("device_id", String(64), nullable=False, index=True),
    Column("seq", BigInteger, nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("detail", Text, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
)

#: Every event ever processed: ``event_id`` is the idempotency key, kept forever.
events = Table(
    "events",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("device_id", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("type", String(40), nullable=False),
    Column("payload_sha256", String(64), nullable=False),
    Column("hlc", String(21), nullable=False),
    Column("status", String(12), nullable=False),
    Column("result", Text, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Index("ix_events_device_seq", "device_id", "seq"),
)

members = Table(
    "members",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("card_no", String(13), nullable=False, unique=True),
    Column("home_store", String(32), nullable=False),
    Column("enrolled_at", UtcDateTime(), nullable=False),
    Column("tier_code", String(32), nullable=False),
    Column("spend_12m_fen", BigInteger, nullable=False, default=0),
    Column("purchase_count", Integer, nullable=False, default=0),
    Column("last_purchase_at", UtcDateTime(), nullable=True),
    Column("assigned_staff", String(64), nullable=True),
    Column("profile", Text, nullable=False),
    Column("field_versions", Text, nullable=False),
    Column("field_meta", Text, nullable=False),
    Column("consents", Text, nullable=False),
    Column("consent_version", Integer, nullable=False, default=0),
    Column("phone_index", String(64), nullable=True, index=True),
    Column("points_debt", BigInteger, nullable=False, default=0),
    Column("overdrafts", Integer, nullable=False, default=0),
    Column("tags", Text, nullable=False),
    Column("segment", String(32), nullable=True),
    Column("status", String(8), nullable=False, default="active"),
    Column("merged_into", String(36), nullable=True),
    Column("version", BigInteger, nullable=False),
    #: The member as the feed sends it (MemberData JSON), kept current in the same transaction.
    Column("doc", Text, nullable=False),
    Index("ix_members_store", "home_store", "member_id"),
    # Few members are merged: only they are indexed (an erasure finds the merged duplicates).
    Index(
        "ix_members_merged_into",
        "merged_into",
        sqlite_where=text("merged_into IS NOT NULL"),
        postgresql_where=text("merged_into IS NOT NULL"),
    ),
    # A snapshot's last phase lists the merged members in member_id order (pull._merged_rows):
    # read from here alone. Without it SQLite walked the primary key, every member of the
    # chain, to find none (10⁶ members: 3 s warm, 16 s cold, before a new till's last page).
    Index(
        "ix_members_merged_order",
        "member_id",
        "version",
        "card_no",
        "merged_into",
        sqlite_where=text("merged_into IS NOT NULL"),
        postgresql_where=text("merged_into IS NOT NULL"),
    ),
)

lots = Table(
    "lots",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("lot_id", String(120), primary_key=True),
    Column("remaining", BigInteger, nullable=False),
    Column("expires_on", Date, nullable=False),
)

#: Append-only points ledger: a member's balance is the sum of ``points``.
ledger = Table(
    "ledger",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", String(36), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("lot_id", String(120), nullable=True),
    Column("event_id", String(36), nullable=True),
    Column("ref", String(80), nullable=True),
    Column("at", UtcDateTime(), nullable=False),
)

sales = Table(
    "sales",
    metadata,
    Column("sale_id", String(36), primary_key=True),
    Column("event_id", String(36), nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("store", String(32), nullable=False),
    Column("member_id", String(36), nullable=True),
    Column("receipt_no", String(40), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("hlc", String(21), nullable=False),
    Column("subtotal_fen", BigInteger, nullable=False),
    Column("amount_due_fen", BigInteger, nullable=False),
    Column("coupon_code", String(64), nullable=True),
    Column("coupon_discount_fen", BigInteger, nullable=False, default=0),
    Column("store_discount_fen", BigInteger, nullable=False, default=0),
    Column("redemption", Text, nullable=True),
    Column("earning", Text, nullable=True),
    Column("correction", Text, nullable=True),
    Column("notes", Text, nullable=True),
    #: The category most of the sale's money went to (for the preferred-category tag, R4).
    Column("category", String(32), nullable=True),
    Column("points_restored", BigInteger, nullable=False, default=0),
    Column("points_reversed", BigInteger, nullable=False, default=0),
    Column("refunded_fen", BigInteger, nullable=False, default=0),
    Column("lines", Text, nullable=False),
    #: Covers the member's 12-month figures (segments.refresh, run for every sale): the
    #: aggregate is read from the index alone, never from the wide sale rows.
    Index(
        "ix_sales_member_spend",
        "member_id",
        "occurred_at",
        "category",
        "amount_due_fen",
        "refunded_fen",
    ),
)

#: Sales recorded before HQ knew their member: a member id or a card HQ had not heard of (the
#: member enrolled at a till still offline, or an enrolment lost when HQ was restored from a
#: backup). The sale stands without a member meanwhile; its points are booked when the
#: enrolment arrives (``sales.credit_held``), and the row goes.
held_sales = Table(
    "held_sales",
    metadata,
    Column("sale_id", String(36), primary_key=True),
    Column("member_id", String(36), nullable=True, index=True),
    Column("card_no", String(13), nullable=True, index=True),
    Column("occurred_at", UtcDateTime(), nullable=False),
    #: The sale as HQ took it (SalePayload JSON; no personal data: ids, lines, points).
    Column("payload", Text, nullable=False),
)

refunds = Table(
    "refunds",
    metadata,
    Column("refund_id", String(36), primary_key=True),
    Column("sale_id", String(36), nullable=False, index=True),
    Column("event_id", String(36), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("points_restored", BigInteger, nullable=False),
    Column("points_reversed", BigInteger, nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
)

coupons = Table(
    "coupons",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("member_id", String(36), nullable=True, index=True),
    Column("kind", String(16), nullable=False),
    Column("discount_type", String(20), nullable=False),
    Column("value", String(20), nullable=False),
    Column("min_spend_fen", BigInteger, nullable=False, default=0),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("status", String(12), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("used_sale_id", String(36), nullable=True),
    Column("used_hlc", String(21), nullable=True),
    Column("used_device", String(64), nullable=True),
)

coupon_uses = Table(
    "coupon_uses",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(64), nullable=False, index=True),
    Column("sale_id", String(36), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("hlc", String(21), nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("discount_fen", BigInteger, nullable=False),
    Column("winner", Boolean, nullable=False),
    Column("note", String(40), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
)

#: Append-only consent log (DESIGN "Privacy and security").
consents = Table(
    "consents",
    metadata,
    Column("consent_id", String(36), primary_key=True),
    Column("member_id", String(36), nullable=False, index=True),
    Column("purpose", String(16), nullable=False),
    Column("decision", String(12), nullable=False),
    Column("notice_version", String(32), nullable=False),
    Column("notice_sha256", String(64), nullable=False),
    Column("language", String(8), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("store", String(32), nullable=False),
    Column("device_id", String(64), nullable=True),
    Column("staff_id", String(64), nullable=False),
    Column("consent_version_seen", Integer, nullable=False),
    Column("version_after", Integer, nullable=False),
    Column("guardian", Boolean, nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("hlc", String(21), nullable=True),
    Column("event_id", String(36), nullable=True),
    Column("effective", Boolean, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
)

merge_candidates = Table(
    "merge_candidates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_a", String(36), nullable=False),
    Column("member_b", String(36), nullable=False),
    Column("reason", String(24), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("resolved_at", UtcDateTime(), nullable=True),
)

merges = Table(
    "merges",
    metadata,
    Column("from_id", String(36), primary_key=True),
    Column("into_id", String(36), nullable=False),
    Column("points_moved", BigInteger, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
)

#: Catalogue-like entities whose feed data is stored as JSON text (TierData, ProductData...).
entities = Table(
    "entities",
    metadata,
    Column("entity", String(16), primary_key=True),
    Column("entity_id", String(80), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("data", Text, nullable=False),
)

activities = Table(
    "activities",
    metadata,
    Column("activity_id", String(80), primary_key=True),
    Column("member_id", String(36), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("store", String(32), nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("staff_id", String(64), nullable=False),
    Column("member_id", String(36), nullable=True),
    Column("action", String(32), nullable=False),
    Column("fields", Text, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
)
