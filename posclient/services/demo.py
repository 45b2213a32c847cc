"""Loading the demo catalogue, members of every tier, coupons and staff from resources/demo."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from posclient.domain.errors import PosError
from posclient.domain.money import yuan
from posclient.domain.tiers import DEFAULT_TIERS
from posclient.resources import resource
from posclient.security.fieldcrypt import FieldCipher
from posclient.security.pins import hash_pin
from posclient.store.models import (
    CouponRow,
    MemberIdentity,
    MemberRow,
    ProductRow,
    StaffRow,
    TierRow,
)

from .clock import Clock
from .members import phone_index


def _load(name: str, folder: Path | None = None) -> list[dict[str, Any]]:
    path = (folder or resource("demo")) / name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PosError("demo.missing", path=str(path)) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PosError("demo.invalid", path=str(path)) from exc
    if not isinstance(data, list):
        raise PosError("demo.invalid", path=str(path))
    return data


def _money(value: str | None) -> Decimal | None:
    return None if value is None else yuan(value)


def load_tiers(session: Session) -> None:
    for tier in DEFAULT_TIERS:
        session.merge(
            TierRow(
                code=tier.code,
                name_zh=tier.name_zh,
                name_en=tier.name_en,
                rank=tier.rank,
                threshold=tier.threshold,
                discount_rate=tier.discount_rate,
                points_multiplier=tier.points_multiplier,
                benefits_zh=list(tier.benefits_zh),
                benefits_en=list(tier.benefits_en),
                version=1,
            )
        )


def load_products(session: Session, folder: Path | None = None) -> int:
    items = _load("products.json", folder)
    for item in items:
        session.merge(
            ProductRow(
                sku=item["sku"],
                barcode=item.get("barcode"),
                name=item["name"],
                name_en=item.get("name_en", ""),
                price=yuan(item["price"]),
                member_price=_money(item.get("member_price")),
                discountable=bool(item.get("discountable", True)),
                points_price=item.get("points_price"),
                points_cash=_money(item.get("points_cash")),
                category=item.get("category", ""),
                active=True,
                version=1,
            )
        )
    return len(items)


def store_member(session: Session, cipher: FieldCipher, item: dict[str, Any], clock: Clock) -> None:
    """Write one demo member (personal fields encrypted, phone found by blind index)."""
    now = clock.now()
    today = clock.today()
    member_id = item["member_id"]

    def enc(column: str, value: str | None) -> str | None:
        return cipher.encrypt(value, table="members", column=column, row_id=member_id)

    consents = item.get("consents", {"membership": True})
    last = item.get("days_since_last_purchase")
    lots = [
        {
            "lot_id": lot["lot_id"],
            "remaining": int(lot["remaining"]),
            "expires_on": (today + timedelta(days=int(lot["expires_in_days"]))).isoformat(),
        }
        for lot in item.get("lots", [])
    ]
    session.merge(
        MemberRow(
            member_id=member_id,
            card_no=item["card_no"],
            home_store=item.get("home_store", ""),
            tier_code=item.get("tier", "normal"),
            points_balance=sum(lot["remaining"] for lot in lots),
            points_debt=0,
            lots=lots,
            spend_12m=yuan(item.get("spend_12m", "0")),
            purchase_count=int(item.get("purchase_count", 0)),
            last_purchase_at=None if last is None else now - timedelta(days=int(last)),
            enrolled_at=now - timedelta(days=int(item.get("enrolled_days_ago", 0))),
            tags=list(item.get("tags", [])),
            segment=item.get("segment"),
            name_enc=enc("name", item.get("name")),
            phone_enc=enc("phone", item["phone"]),
            gender_enc=enc("gender", item.get("gender")) if consents.get("personalised") else None,
            birthday_enc=enc("birthday", item.get("birthday"))
            if consents.get("sensitive")
            else None,
            field_versions={"phone": 1, "name": 1},
            consents=consents,
            consent_version=1,
            version=1,
            synced_at=now,
        )
    )
    session.flush()  # identities refer to the member row
    session.merge(MemberIdentity(kind="card", value=item["card_no"], member_id=member_id))
    session.merge(
        MemberIdentity(kind="phone", value=phone_index(cipher, item["phone"]), member_id=member_id)
    )


def load_members(
    session: Session, cipher: FieldCipher, clock: Clock, folder: Path | None = None
) -> int:
    items = _load("members.json", folder)
    for item in items:
        store_member(session, cipher, item, clock)
    return len(items)


def load_coupons(session: Session, clock: Clock, folder: Path | None = None) -> int:
    today = clock.today()
    items = _load("coupons.json", folder)
    for item in items:
        start = today + timedelta(days=int(item.get("starts_in_days", 0)))
        session.merge(
            CouponRow(
                code=item["code"],
                member_id=item.get("member_id"),
                kind=item["kind"],
                discount_type=item["discount_type"],
                value=Decimal(item["value"]),
                min_spend=yuan(item.get("min_spend", "0")),
                valid_from=start,
                valid_until=start + timedelta(days=int(item.get("valid_days", 30))),
                status="available",
                version=1,
            )
        )
    return len(items)


def load_staff(session: Session, folder: Path | None = None) -> int:
    items = _load("staff.json", folder)
    for item in items:
        session.merge(
            StaffRow(
                staff_id=item["staff_id"],
                name=item["name"],
                role=item["role"],
                pin_hash=hash_pin(str(item["pin"])),
                failed_attempts=0,
                active=True,
            )
        )
    return len(items)


def load_all(session: Session, cipher: FieldCipher, clock: Clock) -> dict[str, int]:
    load_tiers(session)
    return {
        "products": load_products(session),
        "members": load_members(session, cipher, clock),
        "coupons": load_coupons(session, clock),
        "staff": load_staff(session),
    }
