"""Demo data: tiers, products, coupons and members of every tier (bulk inserts, scales to 10⁶)."""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import random
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select

from posclient.domain.codes import make_card_no
from posclient.domain.money import from_fen
from posclient.domain.offers import birthday_in
from posclient.domain.segments import classify
from posclient.domain.tiers import tier_for_spend
from posclient.sync.protocol import FIELD_PURPOSE, ConsentPurpose, CouponData, Entity, ProductData

from . import models as m
from .context import Hq, put_entity
from .coupons import coupon_doc
from .fastsql import Fast
from .feed import Feed, current_position, dumps, publish, reset_before
from .members import phone_index

log = logging.getLogger("posclient.hq")

STORES = ("S001", "S002", "S003")
NAMESPACE = uuid.UUID("6f1c5d1e-8a43-4d0b-9b1e-2c6a7f0e9d11")
HQ_CARD_BASE = 9_000_000_000
#: Above this many members the load skips the feed and makes old cursors re-snapshot.
FEED_LIMIT = 10_000
CHUNK = 5_000
NOTICE_SHA = hashlib.sha256(b"posclient demo consent notice v1").hexdigest()
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
]
_CATEGORIES = ["fresh", "dairy", "drinks", "snacks", "household", "baby"]


def resource_dir() -> Path:
    """resources/demo in a checkout, or the copy inside an installed wheel."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_resources" / "demo", here.parent / "resources" / "demo"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("resources/demo not found")


def _read(name: str) -> list[dict[str, Any]]:
    value: list[dict[str, Any]] = json.loads((resource_dir() / name).read_text(encoding="utf-8"))
    return value


def load_demo(hq: Hq, *, members: int = 200, seed: int = 42) -> dict[str, int]:
    """Load demo data; members already present are left alone. Returns counts."""
    now = hq.now()
    counts = {"products": 0, "coupons": 0, "members": 0}
    with hq.db.write() as conn:
        feed = Feed()
        for item in _read("products.json"):
            product = ProductData.model_validate(item)
            put_entity(conn, feed, Entity.PRODUCT, product.sku, product.model_dump(mode="json"))
            counts["products"] += 1
        publish(conn, feed, now)
    fixed = _read("members.json")
    with hq.db.read() as conn:
        present = conn.execute(
            select(m.members.c.member_id).where(m.members.c.member_id == fixed[0]["member_id"])
        ).first()
    if present is None:
        counts["members"], counts["coupons"] = _load_members(hq, fixed, members, seed)
    with hq.db.write() as conn:
        feed = Feed()
        counts["coupons"] += _insert_coupons(hq, conn, feed, _file_coupons(hq))
        publish(conn, feed, now)
    log.info("demo data: %s", counts)
    return counts


def _file_coupons(hq: Hq) -> list[dict[str, Any]]:
    today = hq.today()
    out = []
    for item in _read("coupons.json"):
        start = today + timedelta(days=item["valid_from_days"])
        out.append(
            {
                "code": item["code"],
                "member_id": item["member_id"],
                "kind": item["kind"],
                "discount_type": item["discount_type"],
                "value": item["value"],
                "min_spend_fen": item["min_spend_fen"],
                "valid_from": start,
                "valid_until": start + timedelta(days=item["valid_days"]),
                "status": "available",
                "version": 1,
            }
        )
    return out


def _insert_coupons(hq: Hq, conn: Connection, feed: Feed | None, rows: list[dict[str, Any]]) -> int:
    codes = [row["code"] for row in rows]
    existing = set(
        conn.execute(select(m.coupons.c.code).where(m.coupons.c.code.in_(codes))).scalars()
    )
    fresh = [row for row in rows if row["code"] not in existing]
    if not fresh:
        return 0
    for row in fresh:
        CouponData.model_validate(row)
    conn.execute(insert(m.coupons), fresh)
    if feed is not None:
        stored = conn.execute(
            select(m.coupons).where(m.coupons.c.code.in_([r["code"] for r in fresh]))
        )
        for coupon in stored:
            feed.put(Entity.COUPON, coupon.code, coupon.version, coupon_doc(coupon))
    return len(fresh)


def _generated(count: int, seed: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for i in range(1, count + 1):
        band = i % 10
        spend = (
            0
            if band == 0
            else rng.randrange(1_000_000, 3_000_000)
            if band == 9
            else rng.randrange(500_000, 1_000_000)
            if band == 8
            else rng.randrange(200_000, 500_000)
            if band in (6, 7)
            else rng.randrange(1_000, 200_000)
        )
        consents = ["membership"]
        if i % 2:
            consents.append("marketing")
        if i % 3:
            consents.append("personalised")
        if i % 4 == 0:
            consents.append("sensitive")
        profile: dict[str, Any] = {
            "phone": f"1{3 + i % 7}{(i * 7919 + 12345678) % 10**9:09d}",
            "name": _SURNAMES[i % len(_SURNAMES)] + _GIVEN[(i // 7) % len(_GIVEN)],
        }
        if "personalised" in consents:
            profile["gender"] = "female" if i % 2 else "male"
            profile["categories"] = [_CATEGORIES[i % len(_CATEGORIES)]]
        if "sensitive" in consents:
            profile["birthday"] = f"{1960 + i % 45}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        yield {
            "member_id": str(uuid.uuid5(NAMESPACE, f"demo-member-{i}")),
            "card_no": make_card_no(HQ_CARD_BASE + 100 + i),
            "home_store": STORES[i % len(STORES)],
            "profile": profile,
            "consents": consents,
            "spend_12m_fen": spend,
            "points": 0 if band == 0 else rng.randrange(0, 30_000),
            "points_valid_days": rng.randrange(10, 700),
            "enrolled_days_ago": 5 if band == 0 else rng.randrange(30, 1500),
            "last_purchase_days_ago": None
            if band == 0
            else (200 if band == 5 else rng.randrange(1, 90)),
            "purchases": 0 if band == 0 else 1 + i % 4,
            "coupons": _coupon_kinds(i, band),
        }


def _coupon_kinds(i: int, band: int) -> list[str]:
    kinds = []
    if band == 0:
        kinds.append("first_purchase")
    if band == 5:
        kinds.append("comeback")
    if i % 40 == 0:
        kinds.append("birthday")
    return kinds


def _load_members(hq: Hq, fixed: list[dict[str, Any]], total: int, seed: int) -> tuple[int, int]:
    generated = max(0, total - len(fixed))
    specs: Iterator[dict[str, Any]] = itertools.chain(fixed[:total], _generated(generated, seed))
    publish_members = total <= FEED_LIMIT
    loaded = coupons = 0
    while True:
        chunk = [spec for _, spec in zip(range(CHUNK), specs, strict=False)]
        if not chunk:
            break
        rows = _Rows()
        for spec in chunk:
            rows.add(hq, spec)
        with hq.db.write() as conn:
            for table, values in (
                ("members", rows.members),
                ("lots", rows.lots),
                ("ledger", rows.ledger),
                ("sales", rows.sales),
                ("consents", rows.consents),
            ):
                _bulk_insert(conn, table, values)
            feed = Feed() if publish_members else None
            coupons += _insert_coupons(hq, conn, feed, rows.coupons)
            if feed is not None:
                for member in rows.members:
                    feed.put(Entity.MEMBER, member["member_id"], member["version"], member["doc"])
                publish(conn, feed, hq.now())
        loaded += len(chunk)
    if not publish_members:
        # Too many for the feed: tills that already hold a cursor re-snapshot (410).
        with hq.db.write() as conn:
            reset_before(conn, current_position(conn))
    return loaded, coupons


def _bulk_insert(conn: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    """executemany on the DBAPI cursor: SQLAlchemy's per-value processing costs minutes at 10⁶."""
    if not rows:
        return
    fast = Fast.of(conn)
    columns = list(rows[0])
    marks = ", ".join("?" for _ in columns)

    converters: list[Any] = []
    for column in columns:
        sample = next((row[column] for row in rows if row[column] is not None), None)
        if isinstance(sample, datetime):
            converters.append(fast.dt)
        elif isinstance(sample, date):
            converters.append(fast.day)
        elif isinstance(sample, bool):
            converters.append(fast.bool)
        else:
            converters.append(None)
    plain = [c for c, conv in zip(columns, converters, strict=True) if conv is None]
    if len(plain) == len(columns):
        values = [tuple(row[c] for c in columns) for row in rows]
    else:
        memo: dict[Any, Any] = {}

        def convert(conv: Any, item: Any) -> Any:
            if item is None:
                return None
            key = (conv, item)
            if key not in memo:
                memo[key] = conv(item)
            return memo[key]

        pairs = list(zip(columns, converters, strict=True))
        values = [
            tuple(row[c] if conv is None else convert(conv, row[c]) for c, conv in pairs)
            for row in rows
        ]
    fast.many(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", values)


class _Rows:
    """Rows for one chunk of demo members, built without per-row ORM or pydantic work."""

    def __init__(self) -> None:
        self.members: list[dict[str, Any]] = []
        self.lots: list[dict[str, Any]] = []
        self.ledger: list[dict[str, Any]] = []
        self.sales: list[dict[str, Any]] = []
        self.consents: list[dict[str, Any]] = []
        self.coupons: list[dict[str, Any]] = []

    def add(self, hq: Hq, spec: dict[str, Any]) -> None:
        now = hq.now()
        today = hq.today()
        member_id = spec["member_id"]
        enrolled_at = now - timedelta(days=spec["enrolled_days_ago"])
        last_days = spec.get("last_purchase_days_ago")
        last = now - timedelta(days=last_days) if last_days is not None else None
        spend = spec["spend_12m_fen"] if last is not None else 0
        purchases = (
            spec.get("purchases", max(1, min(12, spend // 100_000))) if last is not None else 0
        )
        stamp = {"store": spec["home_store"], "at": enrolled_at.isoformat(), "device": "demo"}
        for k in range(purchases):
            when = last - timedelta(days=20 * k) if last is not None else now
            share = spend // purchases + (spend % purchases if k == 0 else 0)
            # Derived from the member's (random-looking uuid5) id: unique, and cheap for 10⁶.
            sale_id = f"{member_id[:24]}{k:012x}"
            self.sales.append(
                {
                    "sale_id": sale_id,
                    "event_id": sale_id,
                    "device_id": "demo",
                    "store": spec["home_store"],
                    "member_id": member_id,
                    "receipt_no": f"DEMO-{k}",
                    "occurred_at": when,
                    "hlc": f"{int(when.timestamp() * 1000):015d}-00000",
                    "subtotal_fen": share,
                    "amount_due_fen": share,
                    "coupon_code": None,
                    "coupon_discount_fen": 0,
                    "store_discount_fen": 0,
                    "redemption": None,
                    "earning": None,
                    "correction": None,
                    "notes": None,
                    "category": None,
                    "points_restored": 0,
                    "points_reversed": 0,
                    "refunded_fen": 0,
                    "lines": "[]",
                }
            )
        freq_30d = sum(
            1
            for k in range(purchases)
            if last is not None and last - timedelta(days=20 * k) >= now - timedelta(days=30)
        )
        in_year = [
            k for k in range(purchases) if last is not None and (now - last).days + 20 * k < 365
        ]
        spend_12m = (
            sum(spend // purchases + (spend % purchases if k == 0 else 0) for k in in_year)
            if purchases
            else 0
        )
        tier = tier_for_spend(from_fen(spend_12m), hq.tiers)
        segment, tags = classify(
            now=now,
            enrolled_at=enrolled_at,
            last_purchase_at=last,
            freq_12m=len(in_year),
            freq_30d=freq_30d,
            spend_12m_fen=spend_12m,
            category=None,
            home_store=spec["home_store"],
            tier_code=tier.code,
        )
        consents = {purpose.value: purpose.value in spec["consents"] for purpose in ConsentPurpose}
        raw_profile = dict(spec["profile"])
        if "birthday_in_days" in spec:  # issue 8: the demo's birthday-week member
            raw_profile["birthday"] = birthday_in(spec["birthday_in_days"], today).isoformat()
        profile = {k: v for k, v in raw_profile.items() if consents[FIELD_PURPOSE[k].value]}
        for n, purpose in enumerate(spec["consents"], start=1):
            self.consents.append(
                {
                    "consent_id": f"{member_id[:24]}{0x10000 + n:012x}",
                    "member_id": member_id,
                    "purpose": purpose,
                    "decision": "granted",
                    "notice_version": "demo-1",
                    "notice_sha256": NOTICE_SHA,
                    "language": "zh_CN",
                    "channel": "paper",
                    "store": spec["home_store"],
                    "device_id": None,
                    "staff_id": "demo",
                    "consent_version_seen": 0,
                    "version_after": n,
                    "guardian": False,
                    "occurred_at": enrolled_at,
                    "hlc": None,
                    "event_id": None,
                    "effective": True,
                    "received_at": now,
                }
            )
        lots = []
        points = spec["points"]
        if points:
            expires = today + timedelta(days=spec["points_valid_days"])
            lot_id = f"demo:{spec['card_no']}"
            lots.append({"lot_id": lot_id, "remaining": points, "expires_on": expires.isoformat()})
            self.lots.append(
                {
                    "member_id": member_id,
                    "lot_id": lot_id,
                    "remaining": points,
                    "expires_on": expires,
                }
            )
            self.ledger.append(
                {
                    "member_id": member_id,
                    "kind": "opening",
                    "points": points,
                    "lot_id": lot_id,
                    "event_id": None,
                    "ref": "demo",
                    "at": now,
                }
            )
        field_versions = dict.fromkeys(profile, 1)
        version = 1
        doc = {
            "member_id": member_id,
            "card_no": spec["card_no"],
            "home_store": spec["home_store"],
            "tier_code": tier.code,
            "points_balance": points,
            "points_debt": 0,
            "lots": lots,
            "spend_12m_fen": spend_12m,
            "purchase_count": purchases,
            "last_purchase_at": _iso(last),
            "enrolled_at": _iso(enrolled_at),
            "tags": tags,
            "segment": segment,
            "assigned_staff": spec.get("assigned_staff"),  # issue 7 (R15)
            "profile": {
                "phone": profile.get("phone"),
                "name": profile.get("name"),
                "gender": profile.get("gender"),
                "birthday": profile.get("birthday"),
                "categories": profile.get("categories"),
            },
            "field_versions": field_versions,
            "consents": consents,
            "consent_version": len(spec["consents"]),
            "flagged_overdraft": False,
            "version": version,
        }
        self.members.append(
            {
                "member_id": member_id,
                "card_no": spec["card_no"],
                "home_store": spec["home_store"],
                "enrolled_at": enrolled_at,
                "tier_code": tier.code,
                "spend_12m_fen": spend_12m,
                "purchase_count": purchases,
                "last_purchase_at": last,
                "assigned_staff": spec.get("assigned_staff"),  # issue 7 (R15)
                "profile": dumps(profile),
                "field_versions": dumps(field_versions),
                "field_meta": dumps(dict.fromkeys(profile, stamp)),
                "consents": dumps(consents),
                "consent_version": len(spec["consents"]),
                "phone_index": phone_index(hq, profile["phone"]),
                "points_debt": 0,
                "overdrafts": 0,
                "tags": dumps(tags),
                "segment": segment,
                "status": "active",
                "merged_into": None,
                "version": version,
                "doc": dumps(doc),
            }
        )
        for kind in spec.get("coupons", []):
            self.coupons.append(_member_coupon(kind, spec, today))


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _member_coupon(kind: str, spec: dict[str, Any], today: Any) -> dict[str, Any]:
    discount_type, value, min_spend, days = {
        "first_purchase": ("fixed", "1000", 3000, 30),
        "birthday": ("percent", "10", 0, 60),
        "comeback": ("points_multiplier", "2", 0, 30),
    }[kind]
    prefix = {"first_purchase": "FP", "birthday": "BD", "comeback": "CB"}[kind]
    return {
        "code": f"{prefix}{spec['card_no'][2:12]}",
        "member_id": spec["member_id"],
        "kind": kind,
        "discount_type": discount_type,
        "value": value,
        "min_spend_fen": min_spend,
        "valid_from": today - timedelta(days=1),
        "valid_until": today + timedelta(days=days),
        "status": "available",
        "version": 1,
    }
