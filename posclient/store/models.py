"""SQLAlchemy models of the till's database. Schema changes go through Alembic migrations only."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .types import DecimalText, Fen, UtcDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Meta(Base):
    """Key–value settings of this till: device id, store, cursor, hlc, counters."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SnapshotUnseen(Base):
    """Members cached before a new snapshot began and not (yet) in it.

    A till that pulls a new snapshot (its cursor expired, or HQ was restored from a backup)
    gets every member HQ holds, but no tombstones: one erased or merged away meanwhile would
    stay here, personal data and points. Those still listed when the snapshot ends are dropped.
    """

    __tablename__ = "snapshot_unseen"
    member_id: Mapped[str] = mapped_column(String(36), primary_key=True)


class TierRow(Base):
    __tablename__ = "tiers"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(32))
    name_en: Mapped[str] = mapped_column(String(32))
    rank: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[Decimal] = mapped_column(Fen)
    discount_rate: Mapped[Decimal] = mapped_column(DecimalText)
    points_multiplier: Mapped[Decimal] = mapped_column(DecimalText)
    benefits_zh: Mapped[list[Any]] = mapped_column(JSON, default=list)
    benefits_en: Mapped[list[Any]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=0)


class MemberRow(Base):
    """A member as cached from HQ (or enrolled here). Personal fields are AES-GCM ciphertext."""

    __tablename__ = "members"
    member_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    card_no: Mapped[str] = mapped_column(String(16))
    home_store: Mapped[str] = mapped_column(String(32), default="")
    tier_code: Mapped[str] = mapped_column(String(32), default="normal")
    #: HQ-confirmed points: balance, debt and lots as of ``version`` (the local ledger adds to it).
    points_balance: Mapped[int] = mapped_column(Integer, default=0)
    points_debt: Mapped[int] = mapped_column(Integer, default=0)
    lots: Mapped[list[Any]] = mapped_column(JSON, default=list)
    spend_12m: Mapped[Decimal] = mapped_column(Fen, default=Decimal(0))
    purchase_count: Mapped[int] = mapped_column(Integer, default=0)
    last_purchase_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    segment: Mapped[str | None] = mapped_column(String(32), nullable=True)
    assigned_staff: Mapped[str | None] = mapped_column(String(64), nullable=True)
    name_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    phone_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    gender_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    birthday_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    categories_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    field_versions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    consents: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    consent_version: Mapped[int] = mapped_column(Integer, default=0)
    flagged_overdraft: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=0)
    #: Code verified but member not in the cache yet: earns provisionally, cannot redeem.
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    #: When HQ's state of this member was last received (the "as of hh:mm" on screen).
    synced_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    __table_args__ = (
        # The few provisional members, found by each pulled page without scanning the rest.
        Index("ix_members_provisional", "member_id", sqlite_where=text("provisional = 1")),
    )


class MemberIdentity(Base):
    """How a member is found: card number, QR id, phone blind index.

    (kind, value) is unique through an index of its own, not the primary key, so that the first
    load of a large snapshot can set it aside and build it once, sorted, at the end
    (feedapply.defer_identity_index). Meanwhile a look-up scans, and a (kind, value) written
    twice is held twice: the newest entry (highest ``id``) is the one that counts.
    """

    __tablename__ = "member_identities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[str] = mapped_column(
        ForeignKey("members.member_id", ondelete="CASCADE"), index=True
    )
    __table_args__ = (Index("ux_member_identities_kind_value", "kind", "value", unique=True),)


class ProductRow(Base):
    __tablename__ = "products"
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    barcode: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    name: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str] = mapped_column(String(128), default="")
    price: Mapped[Decimal] = mapped_column(Fen)
    member_price: Mapped[Decimal | None] = mapped_column(Fen, nullable=True)
    discountable: Mapped[bool] = mapped_column(Boolean, default=True)
    points_price: Mapped[int | None] = mapped_column(Integer, nullable=True)
    points_cash: Mapped[Decimal | None] = mapped_column(Fen, nullable=True)
    category: Mapped[str] = mapped_column(String(32), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class CouponRow(Base):
    __tablename__ = "coupons"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    discount_type: Mapped[str] = mapped_column(String(32))
    value: Mapped[Decimal] = mapped_column(DecimalText)
    min_spend: Mapped[Decimal] = mapped_column(Fen, default=Decimal(0))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="available")
    used_sale_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class StaffRow(Base):
    __tablename__ = "staff"
    staff_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    pin_hash: Mapped[str] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SaleRow(Base):
    __tablename__ = "sales"
    sale_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    receipt_no: Mapped[str] = mapped_column(String(40), unique=True)
    store: Mapped[str] = mapped_column(String(32))
    staff_id: Mapped[str] = mapped_column(String(64), default="")
    member_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    provisional_card_no: Mapped[str | None] = mapped_column(String(16), nullable=True)
    tier_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    subtotal: Mapped[Decimal] = mapped_column(Fen)
    member_savings: Mapped[Decimal] = mapped_column(Fen)
    tier_discount: Mapped[Decimal] = mapped_column(Fen)
    coupon_discount: Mapped[Decimal] = mapped_column(Fen)
    item_points: Mapped[int] = mapped_column(Integer)
    item_points_value: Mapped[Decimal] = mapped_column(Fen)
    points_redeemed: Mapped[int] = mapped_column(Integer)
    points_value: Mapped[Decimal] = mapped_column(Fen)
    amount_due: Mapped[Decimal] = mapped_column(Fen)
    points_earned: Mapped[int] = mapped_column(Integer)
    points_multiplier: Mapped[Decimal] = mapped_column(DecimalText)
    coupon_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: The points ledger effects, kept so a refund can undo them exactly.
    redemption: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    earning: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    hlc: Mapped[str] = mapped_column(String(24))
    event_seq: Mapped[int] = mapped_column(Integer)
    refunded_amount: Mapped[Decimal] = mapped_column(Fen, default=Decimal(0))
    lines: Mapped[list[SaleLineRow]] = relationship(
        back_populates="sale", order_by="SaleLineRow.line_no", cascade="all, delete-orphan"
    )


class SaleLineRow(Base):
    """One line of a sale. WITHOUT ROWID: the primary key is the table (one B-tree, not two, to
    write per sale) and a sale's lines sit together in it."""

    __tablename__ = "sale_lines"
    __table_args__ = ({"sqlite_with_rowid": False},)
    sale_id: Mapped[str] = mapped_column(
        ForeignKey("sales.sale_id", ondelete="CASCADE"), primary_key=True
    )
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(128))
    qty: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Fen)
    unit_paid: Mapped[Decimal] = mapped_column(Fen)
    gross: Mapped[Decimal] = mapped_column(Fen)
    member_saving: Mapped[Decimal] = mapped_column(Fen)
    item_points: Mapped[int] = mapped_column(Integer)
    item_points_value: Mapped[Decimal] = mapped_column(Fen)
    tier_discount: Mapped[Decimal] = mapped_column(Fen)
    coupon_discount: Mapped[Decimal] = mapped_column(Fen)
    points_redeemed: Mapped[int] = mapped_column(Integer)
    points_value: Mapped[Decimal] = mapped_column(Fen)
    amount_due: Mapped[Decimal] = mapped_column(Fen)
    points_earned: Mapped[int] = mapped_column(Integer)
    refunded_qty: Mapped[int] = mapped_column(Integer, default=0)
    refunded_amount: Mapped[Decimal] = mapped_column(Fen, default=Decimal(0))
    refunded_points_spent: Mapped[int] = mapped_column(Integer, default=0)
    refunded_points_earned: Mapped[int] = mapped_column(Integer, default=0)
    sale: Mapped[SaleRow] = relationship(back_populates="lines")


class RefundRow(Base):
    __tablename__ = "refunds"
    refund_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sale_id: Mapped[str] = mapped_column(ForeignKey("sales.sale_id"), index=True)
    staff_id: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(String(200), default="")
    amount: Mapped[Decimal] = mapped_column(Fen)
    points_restored: Mapped[int] = mapped_column(Integer)
    points_reversed: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    event_seq: Mapped[int] = mapped_column(Integer)
    lines: Mapped[list[RefundLineRow]] = relationship(
        order_by="RefundLineRow.line_no", cascade="all, delete-orphan"
    )


class RefundLineRow(Base):
    __tablename__ = "refund_lines"
    refund_id: Mapped[str] = mapped_column(
        ForeignKey("refunds.refund_id", ondelete="CASCADE"), primary_key=True
    )
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    sale_id: Mapped[str] = mapped_column(String(36))
    qty: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Fen)
    points_restored: Mapped[int] = mapped_column(Integer)
    points_reversed: Mapped[int] = mapped_column(Integer)
    __table_args__ = (
        ForeignKeyConstraint(["sale_id", "line_no"], ["sale_lines.sale_id", "sale_lines.line_no"]),
    )


class LedgerEntry(Base):
    """A local points movement not yet reflected in HQ's confirmed state for the member.

    ``detail`` holds the lots touched (takes, or the lot earned into) so the till's view of a
    member's lots = HQ's lots with these entries replayed in order.
    """

    __tablename__ = "points_ledger"
    entry_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    member_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    points: Mapped[int] = mapped_column(Integer)
    sale_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    refund_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    event_seq: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: Set once HQ's pulled state includes this entry; it then stops counting on top of it.
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (
        # Only the entries still waiting for HQ (confirm_ledger's work after each pulled page).
        Index("ix_points_ledger_unconfirmed", "event_seq", sqlite_where=text("confirmed = 0")),
    )


class OutboxEvent(Base):
    """An event for HQ, written in the same transaction as the change it describes."""

    __tablename__ = "outbox"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: A uuid4 drawn per event by services.outbox; no index (no query looks an event up by it,
    #: and a unique index would be one more page in every sale's commit).
    event_id: Mapped[str] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(40))
    hlc: Mapped[str] = mapped_column(String(24))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    base: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Canonical JSON text of the payload (the bytes its sha256 is taken over).
    payload: Mapped[str] = mapped_column(Text)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    event_hash: Mapped[str] = mapped_column(String(64))
    #: pending → applied | duplicate | conflict | rejected (final answers from HQ). Queries by
    #: status use ix_outbox_pending (status first): one index less to write per sale.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    #: Lower goes first: consent withdrawals skip the queue.
    priority: Mapped[int] = mapped_column(Integer, default=10)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    acked_checkpoint: Mapped[int | None] = mapped_column(Integer, nullable=True)
    acked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    __table_args__ = (Index("ix_outbox_pending", "status", "priority", "seq"),)


class ConsentRow(Base):
    """Append-only consent decisions (DESIGN "Privacy and security")."""

    __tablename__ = "consents"
    consent_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(36), index=True)
    purpose: Mapped[str] = mapped_column(String(24))
    decision: Mapped[str] = mapped_column(String(16))
    notice_version: Mapped[str] = mapped_column(String(32))
    notice_sha256: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(24))
    store: Mapped[str] = mapped_column(String(32))
    device_id: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[str] = mapped_column(String(64))
    consent_version_seen: Mapped[int] = mapped_column(Integer)
    guardian: Mapped[bool] = mapped_column(Boolean, default=False)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    hlc: Mapped[str] = mapped_column(String(24))


class AuditRow(Base):
    """Who viewed or changed whose personal data, and when (R15)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    staff_id: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(32))
    fields: Mapped[list[Any]] = mapped_column(JSON, default=list)
    synced: Mapped[bool] = mapped_column(Boolean, default=False)


class ConflictRow(Base):
    """An outcome HQ decided differently from this till, for a person to see (DESIGN conflicts)."""

    __tablename__ = "conflicts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    resolution: Mapped[str | None] = mapped_column(String(16), nullable=True)
    __table_args__ = (UniqueConstraint("event_id", "kind"),)
