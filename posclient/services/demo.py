"""Loading the demo catalogue, members of every tier, coupons and staff into a till.

The files in resources/demo are the ones the reference HQ's ``demo-data`` loads (products as
``ProductData``, coupons with validity relative to today, the fixed demo members), so a till
initialised with ``--demo`` and a till synced with a demo HQ see the same shop. Staff are the
till's own (resources/demo/staff.json). Rows go in through the same code that applies HQ's feed.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from posclient.domain.errors import PosError
from posclient.domain.money import from_fen
from posclient.domain.offers import birthday_in
from posclient.domain.points import DEFAULT_VALIDITY
from posclient.domain.segments import classify
from posclient.domain.tiers import DEFAULT_TIERS, tier_for_spend
from posclient.resources import resource
from posclient.security.fieldcrypt import FieldCipher
from posclient.security.pins import hash_pin
from posclient.store import fastpath
from posclient.store.models import StaffRow
from posclient.sync.protocol import CouponData, ProductData, TierData

from . import feedapply
from .clock import Clock


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


def load_tiers(session: Session) -> None:
    conn = fastpath.driver(session)
    for tier in DEFAULT_TIERS:
        feedapply.put_tier(conn, TierData.from_domain(tier))


def load_products(session: Session, folder: Path | None = None) -> int:
    conn = fastpath.driver(session)
    items = _load("products.json", folder)
    try:
        for item in items:
            feedapply.put_product(conn, ProductData.model_validate(item))
    except ValidationError as exc:
        raise PosError("demo.invalid", path="products.json") from exc
    return len(items)


def member_data(item: dict[str, Any], now: datetime, today_iso: str) -> dict[str, Any]:
    """A demo member in the shape HQ sends in its feed (``MemberData``)."""
    spend = int(item.get("spend_12m_fen", 0))
    tier = tier_for_spend(from_fen(spend))
    granted = set(item.get("consents", ["membership"]))
    profile = dict(item.get("profile", {}))
    if "birthday_in_days" in item:  # issue 8: a birthday that is always this week
        profile["birthday"] = birthday_in(
            int(item["birthday_in_days"]), date.fromisoformat(today_iso[:10])
        ).isoformat()
    # Minimum necessary: only fields whose purpose the member consented to.
    needs = {"gender": "personalised", "categories": "personalised", "birthday": "sensitive"}
    profile = {k: v for k, v in profile.items() if needs.get(k, "membership") in granted}
    enrolled = now - timedelta(days=int(item.get("enrolled_days_ago", 0)))
    last_days = item.get("last_purchase_days_ago")
    last = None if last_days is None else now - timedelta(days=int(last_days))
    purchases = 0 if last is None else max(1, spend // 15_000)
    categories = profile.get("categories") or []
    segment, tags = classify(
        now=now,
        enrolled_at=enrolled,
        last_purchase_at=last,
        freq_12m=purchases,
        freq_30d=1 if last_days is not None and int(last_days) <= 30 else 0,
        spend_12m_fen=spend,
        category=categories[0] if categories else None,
        home_store=item.get("home_store", "S001"),
        tier_code=tier.code,
    )
    points = int(item.get("points", 0))
    days = int(item.get("points_valid_days", DEFAULT_VALIDITY.days))
    expires = (datetime.fromisoformat(today_iso) + timedelta(days=days)).date().isoformat()
    lots = [{"lot_id": f"demo:{item['member_id']}", "remaining": points, "expires_on": expires}]
    return {
        "member_id": item["member_id"],
        "card_no": item["card_no"],
        "home_store": item.get("home_store", "S001"),
        "tier_code": tier.code,
        "points_balance": points,
        "lots": lots if points else [],
        "spend_12m_fen": spend,
        "purchase_count": purchases,
        "last_purchase_at": last.isoformat() if last else None,
        "enrolled_at": enrolled.isoformat(),
        "tags": tags,
        "segment": segment,
        "assigned_staff": item.get("assigned_staff"),  # issue 7: R15 assignment
        "profile": profile,
        "field_versions": {name: 1 for name in profile},
        "consents": {purpose: True for purpose in granted},
        "consent_version": 1,
        "version": 1,
    }


def load_members(
    session: Session, cipher: FieldCipher, clock: Clock, folder: Path | None = None
) -> int:
    now = clock.now()
    today = clock.today().isoformat()
    items = [member_data(item, now, today) for item in _load("members.json", folder)]
    feedapply.put_members(fastpath.driver(session), cipher, items, now)
    return len(items)


def load_coupons(session: Session, clock: Clock, folder: Path | None = None) -> int:
    today = clock.today()
    conn = fastpath.driver(session)
    items = _load("coupons.json", folder)
    for item in items:
        start = today + timedelta(days=int(item.get("valid_from_days", 0)))
        data = {k: v for k, v in item.items() if k not in ("valid_from_days", "valid_days")}
        data["valid_from"] = start
        data["valid_until"] = start + timedelta(days=int(item.get("valid_days", 30)))
        try:
            feedapply.put_coupon(conn, CouponData.model_validate(data))
        except ValidationError as exc:
            raise PosError("demo.invalid", path="coupons.json") from exc
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
