"""Applying HQ's change feed to the till's cache (members, tiers, products, coupons, rules, keys).

Called inside the pull's unit of work, one page at a time. Personal fields are encrypted as they
are written; a change never moves an entity back to an older version (a snapshot and the feed
after it may overlap). Statements go straight to SQLite: a new till loads a million members.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session

from posclient.security.fieldcrypt import FieldCipher
from posclient.store import fastpath
from posclient.sync.insights import ChainStatsData, OfferRulesData  # issue 8
from posclient.sync.protocol import (
    Change,
    CouponData,
    Entity,
    KeyData,
    MemberData,
    Op,
    PointsRules,
    ProductData,
    TierData,
)

from .members import phone_index

log = logging.getLogger("posclient.sync")
_MEMBER_LIST: TypeAdapter[list[MemberData]] = TypeAdapter(list[MemberData])

_MEMBER_COLUMNS = (
    "member_id",
    "card_no",
    "home_store",
    "tier_code",
    "points_balance",
    "points_debt",
    "lots",
    "spend_12m",
    "purchase_count",
    "last_purchase_at",
    "enrolled_at",
    "tags",
    "segment",
    "assigned_staff",
    "name_enc",
    "phone_enc",
    "gender_enc",
    "birthday_enc",
    "categories_enc",
    "field_versions",
    "consents",
    "consent_version",
    "flagged_overdraft",
    "version",
    "provisional",
    "synced_at",
)
_MEMBER_UPSERT = (
    f"INSERT INTO members ({', '.join(_MEMBER_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_MEMBER_COLUMNS))}) ON CONFLICT(member_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _MEMBER_COLUMNS[1:])
)


def apply_changes(session: Session, cipher: FieldCipher, changes: Sequence[Change]) -> None:
    conn = fastpath.driver(session)
    now = datetime.now(UTC)
    members: list[dict[str, Any]] = []
    for change in changes:
        if change.entity is Entity.MEMBER and change.op is Op.PUT and change.data is not None:
            members.append(change.data)
            continue
        if members:  # keep feed order: flush the run of member puts before anything else
            put_members(conn, cipher, members, now)
            members = []
        _apply_one(conn, change)
    if members:
        put_members(conn, cipher, members, now)


def _apply_one(conn: sqlite3.Connection, change: Change) -> None:
    data = change.data or {}
    if change.entity is Entity.MEMBER:
        if change.op is Op.DELETE:
            delete_member(conn, change.id)
        elif change.op is Op.MERGE:
            merge_members(conn, str(data["from"]), str(data["into"]))
    elif change.entity is Entity.TIER and change.op is Op.PUT:
        put_tier(conn, TierData.model_validate(data))
    elif change.entity is Entity.PRODUCT:
        if change.op is Op.PUT:
            put_product(conn, ProductData.model_validate(data))
        elif change.op is Op.DELETE:
            conn.execute("UPDATE products SET active = 0 WHERE sku = ?", (change.id,))
    elif change.entity is Entity.COUPON:
        if change.op is Op.PUT:
            put_coupon(conn, CouponData.model_validate(data))
        elif change.op is Op.DELETE:
            conn.execute("DELETE FROM coupons WHERE code = ? AND status != 'used'", (change.id,))
    # --- issue 8: offer rules and chain statistics (sync/insights.py), kept in meta
    elif change.entity is Entity.RULE and change.op is Op.PUT and change.id == "offers":
        offers = OfferRulesData.model_validate(data)
        fastpath.write_meta(conn, {"rule:offers": offers.model_dump_json()})
    elif change.entity is Entity.STATS and change.op is Op.PUT:
        stats = ChainStatsData.model_validate(data)
        fastpath.write_meta(conn, {f"stats:{change.id}": stats.model_dump_json()})
    # --- end issue 8
    elif change.entity is Entity.RULE and change.op is Op.PUT:
        rules = PointsRules.model_validate(data)
        fastpath.write_meta(conn, {f"rule:{change.id}": rules.model_dump_json()})
    elif change.entity is Entity.KEY and change.op is Op.PUT:
        key = KeyData.model_validate(data)
        fastpath.write_meta(
            conn,
            {
                f"code_key:{key.key_id}": key.public_key,
                "code_public_key": key.public_key,
                "code_key_chain": key.chain,
            },
        )


# ---------------------------------------------------------------- members


def put_member(session: Session, cipher: FieldCipher, data: dict[str, Any]) -> None:
    """One member's authoritative state (from a conflict answer)."""
    put_members(fastpath.driver(session), cipher, [data], datetime.now(UTC))


def put_members(
    conn: sqlite3.Connection,
    cipher: FieldCipher,
    items: Iterable[dict[str, Any]],
    now: datetime,
) -> None:
    items = list(items)
    try:  # a whole page at once (fast); one by one only when something in it is malformed
        parsed: list[MemberData] = _MEMBER_LIST.validate_python(items)
    except ValidationError:
        parsed = []
        for item in items:
            try:
                parsed.append(MemberData.model_validate(item))
            except ValidationError as exc:
                # A bad record must not stop the feed; logged (no personal data) and skipped.
                log.warning("skipped malformed member in feed", extra={"errors": exc.error_count()})
    if not parsed:
        return
    ids = [str(m.member_id) for m in parsed]
    local: dict[str, tuple[int, int]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for member_id, version, provisional in conn.execute(
            f"SELECT member_id, version, provisional FROM members WHERE member_id IN ({marks})",
            chunk,
        ):
            local[member_id] = (version, provisional)
    synced = fastpath.sqlite_datetime(now)
    rows = []
    identities = []
    phone_owners = []
    for member in parsed:
        member_id = str(member.member_id)
        current = local.get(member_id)
        if current is not None and not current[1] and current[0] > member.version:
            continue  # we already hold a newer state
        rows.append(_member_row(member, member_id, cipher, synced))
        identities.append(("card", member.card_no, member_id))
        phone_owners.append(member_id)
        if member.profile.phone:
            identities.append(("phone", phone_index(cipher, member.profile.phone), member_id))
    _adopt_provisional(conn, [(r[1], r[0]) for r in rows])
    conn.executemany(_MEMBER_UPSERT, rows)
    for start in range(0, len(phone_owners), 500):
        chunk = phone_owners[start : start + 500]
        marks = ",".join("?" * len(chunk))
        conn.execute(
            f"DELETE FROM member_identities WHERE kind = 'phone' AND member_id IN ({marks})",
            chunk,
        )
    conn.executemany(
        "INSERT INTO member_identities (kind, value, member_id) VALUES (?, ?, ?) "
        "ON CONFLICT(kind, value) DO UPDATE SET member_id = excluded.member_id",
        identities,
    )


def _member_row(
    member: MemberData, member_id: str, cipher: FieldCipher, synced: str
) -> tuple[Any, ...]:
    profile = member.profile

    def enc(column: str, value: str | None) -> str | None:
        if value is None:
            return None
        return cipher.encrypt(value, table="members", column=column, row_id=member_id)

    categories = json.dumps(profile.categories, ensure_ascii=False) if profile.categories else None
    return (
        member_id,
        member.card_no,
        member.home_store,
        member.tier_code,
        member.points_balance,
        member.points_debt,
        json.dumps(
            [
                {
                    "lot_id": lot.lot_id,
                    "remaining": lot.remaining,
                    "expires_on": lot.expires_on.isoformat(),
                }
                for lot in member.lots
            ]
        ),
        member.spend_12m_fen,
        member.purchase_count,
        fastpath.sqlite_datetime(member.last_purchase_at) if member.last_purchase_at else None,
        fastpath.sqlite_datetime(member.enrolled_at),
        json.dumps(member.tags, ensure_ascii=False),
        member.segment,
        member.assigned_staff,
        enc("name", profile.name),
        enc("phone", profile.phone),
        enc("gender", profile.gender.value if profile.gender else None),
        enc("birthday", profile.birthday.isoformat() if profile.birthday else None),
        enc("categories", categories),
        json.dumps(member.field_versions),
        json.dumps({purpose.value: granted for purpose, granted in member.consents.items()}),
        member.consent_version,
        int(member.flagged_overdraft),
        member.version,
        0,
        synced,
    )


def _adopt_provisional(conn: sqlite3.Connection, cards: list[tuple[str, str]]) -> None:
    """A provisional member (card scanned before HQ's record arrived) becomes the real one."""
    if conn.execute("SELECT 1 FROM members WHERE provisional = 1 LIMIT 1").fetchone() is None:
        return  # the usual case (and the whole first load): nothing to adopt
    for card_no, member_id in cards:
        row = conn.execute(
            "SELECT m.member_id FROM member_identities i JOIN members m "
            "ON m.member_id = i.member_id WHERE i.kind = 'card' AND i.value = ? "
            "AND m.provisional = 1 AND m.member_id != ?",
            (card_no, member_id),
        ).fetchone()
        if row is not None:
            merge_members(conn, row[0], member_id)


def delete_member(conn: sqlite3.Connection, member_id: str) -> None:
    """An erasure tombstone: personal data and lookups go; the sales and ledger stay."""
    conn.execute("DELETE FROM member_identities WHERE member_id = ?", (member_id,))
    conn.execute("DELETE FROM members WHERE member_id = ?", (member_id,))


def merge_members(conn: sqlite3.Connection, source: str, into: str) -> None:
    """Repoint everything that referred to ``source`` to ``into`` (HQ merged them)."""
    for table in ("sales", "points_ledger", "coupons", "consents", "audit_log", "conflicts"):
        conn.execute(f"UPDATE {table} SET member_id = ? WHERE member_id = ?", (into, source))
    conn.execute(
        "UPDATE OR REPLACE member_identities SET member_id = ? WHERE member_id = ?",
        (into, source),
    )
    conn.execute("DELETE FROM members WHERE member_id = ?", (source,))


# ---------------------------------------------------------------- catalogue


def put_tier(conn: sqlite3.Connection, tier: TierData) -> None:
    conn.execute(
        "INSERT INTO tiers (code, name_zh, name_en, rank, threshold, discount_rate, "
        "points_multiplier, benefits_zh, benefits_en, version) VALUES (?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT(code) DO UPDATE SET name_zh=excluded.name_zh, name_en=excluded.name_en, "
        "rank=excluded.rank, threshold=excluded.threshold, "
        "discount_rate=excluded.discount_rate, points_multiplier=excluded.points_multiplier, "
        "benefits_zh=excluded.benefits_zh, benefits_en=excluded.benefits_en, "
        "version=excluded.version",
        (
            tier.code,
            tier.name_zh,
            tier.name_en,
            tier.rank,
            tier.threshold_fen,
            tier.discount_rate,
            tier.points_multiplier,
            json.dumps(tier.benefits_zh, ensure_ascii=False),
            json.dumps(tier.benefits_en, ensure_ascii=False),
            tier.version,
        ),
    )


def put_product(conn: sqlite3.Connection, product: ProductData) -> None:
    if product.barcode:
        conn.execute(
            "UPDATE products SET barcode = NULL WHERE barcode = ? AND sku != ?",
            (product.barcode, product.sku),
        )
    conn.execute(
        "INSERT INTO products (sku, barcode, name, name_en, price, member_price, discountable, "
        "points_price, points_cash, category, active, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT(sku) DO UPDATE SET barcode=excluded.barcode, name=excluded.name, "
        "name_en=excluded.name_en, price=excluded.price, member_price=excluded.member_price, "
        "discountable=excluded.discountable, points_price=excluded.points_price, "
        "points_cash=excluded.points_cash, category=excluded.category, active=excluded.active, "
        "version=excluded.version",
        (
            product.sku,
            product.barcode,
            product.name,
            product.name_en,
            product.price_fen,
            product.member_price_fen,
            int(product.discountable),
            product.points_price,
            product.points_cash_fen,
            product.category,
            int(product.active),
            product.version,
        ),
    )


def put_coupon(conn: sqlite3.Connection, coupon: CouponData) -> None:
    domain = coupon.to_domain()
    row = conn.execute(
        "SELECT status, used_sale_id FROM coupons WHERE code = ?", (coupon.code,)
    ).fetchone()
    status = coupon.status.value
    used_sale = None
    if row is not None and row[0] == "used" and status != "used":
        # Used here by a sale HQ has not seen yet: keep it used, or this till could reuse it.
        status, used_sale = "used", row[1]
    conn.execute(
        "INSERT INTO coupons (code, member_id, kind, discount_type, value, min_spend, "
        "valid_from, valid_until, status, used_sale_id, version) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT(code) DO UPDATE SET member_id=excluded.member_id, kind=excluded.kind, "
        "discount_type=excluded.discount_type, value=excluded.value, "
        "min_spend=excluded.min_spend, valid_from=excluded.valid_from, "
        "valid_until=excluded.valid_until, status=excluded.status, "
        "used_sale_id=coalesce(excluded.used_sale_id, coupons.used_sale_id), "
        "version=excluded.version",
        (
            coupon.code,
            domain.member_id,
            domain.kind.value,
            domain.discount_type.value,
            str(domain.value),
            fastpath.fen(domain.min_spend),
            domain.valid_from.isoformat(),
            domain.valid_until.isoformat(),
            status,
            used_sale,
            coupon.version,
        ),
    )
