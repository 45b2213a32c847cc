"""Member state at HQ: load with its points account, save with ledger, lots, doc and feed."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from posclient.domain.points import Account, Lot
from posclient.sync.protocol import Entity, MemberData

from . import models as m
from .context import Hq
from .feed import Feed, dumps

PERSONAL_FIELDS = ("phone", "name", "gender", "birthday", "categories")


def phone_index(hq: Hq, phone: str) -> str:
    """Keyed hash of a phone number: lookups without a plaintext index."""
    return hmac.new(hq.phone_secret, phone.encode(), hashlib.sha256).hexdigest()


def mask_phone(phone: str | None) -> str | None:
    return None if not phone else f"{phone[:3]}****{phone[-4:]}"


def mask_name(name: str | None) -> str | None:
    if not name:
        return None
    return name[0] + "*" * max(1, len(name) - 1)


@dataclass
class MemberState:
    """A member loaded for one transaction; handlers change it, ``save_member`` writes it."""

    row: dict[str, Any]
    profile: dict[str, Any]
    field_versions: dict[str, int]
    field_meta: dict[str, Any]
    consents: dict[str, bool]
    tags: list[str]
    account: Account
    loaded: Account
    dirty: bool = False
    ledger: list[dict[str, Any]] = field(default_factory=list)

    @property
    def member_id(self) -> str:
        return str(self.row["member_id"])

    @property
    def status(self) -> str:
        return str(self.row["status"])


def resolve(conn: Connection, member_id: str) -> str | None:
    """The live member an id stands for (following merges), or None if unknown."""
    seen: set[str] = set()
    current = member_id
    while current not in seen:
        seen.add(current)
        row = conn.execute(
            select(m.members.c.status, m.members.c.merged_into).where(
                m.members.c.member_id == current
            )
        ).first()
        if row is None:
            return None
        if row.status != "merged" or row.merged_into is None:
            return current
        current = row.merged_into
    return None


def load_member(conn: Connection, member_id: str, *, lock: bool = True) -> MemberState | None:
    query = select(m.members).where(m.members.c.member_id == member_id)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    lot_rows = conn.execute(
        select(m.lots.c.lot_id, m.lots.c.remaining, m.lots.c.expires_on).where(
            m.lots.c.member_id == member_id, m.lots.c.remaining > 0
        )
    ).all()
    account = Account(
        lots=tuple(Lot(r.expires_on, r.lot_id, int(r.remaining)) for r in lot_rows),
        debt=int(row["points_debt"]),
    )
    return MemberState(
        row=dict(row),
        profile=json.loads(row["profile"]),
        field_versions=json.loads(row["field_versions"]),
        field_meta=json.loads(row["field_meta"]),
        consents=json.loads(row["consents"]),
        tags=json.loads(row["tags"]),
        account=account,
        loaded=account,
    )


def member_doc(st: MemberState, today: date) -> dict[str, Any]:
    """The member as the feed and push results show it (MemberData, JSON-ready)."""
    row = st.row
    lots = [
        {"lot_id": lot.lot_id, "remaining": lot.remaining, "expires_on": lot.expires_on.isoformat()}
        for lot in st.account.lots
        if lot.expires_on >= today and lot.remaining > 0
    ]
    data = MemberData(
        member_id=row["member_id"],
        card_no=row["card_no"],
        home_store=row["home_store"],
        tier_code=row["tier_code"],
        points_balance=st.account.balance(today),
        points_debt=st.account.debt,
        lots=lots,
        spend_12m_fen=row["spend_12m_fen"],
        purchase_count=row["purchase_count"],
        last_purchase_at=row["last_purchase_at"],
        enrolled_at=row["enrolled_at"],
        tags=st.tags,
        segment=row["segment"],
        assigned_staff=row["assigned_staff"],
        profile={k: v for k, v in st.profile.items() if v is not None},
        field_versions=st.field_versions,
        consents=st.consents,
        consent_version=row["consent_version"],
        flagged_overdraft=st.account.debt > 0,
        version=row["version"],
    )
    return data.model_dump(mode="json", exclude_none=False)


def save_member(
    hq: Hq, conn: Connection, st: MemberState, feed: Feed, *, publish: bool = True
) -> dict[str, Any]:
    """Write lots, ledger entries and the member row; bump its version; put it in the feed."""
    _write_lots(conn, st)
    if st.ledger:
        conn.execute(insert(m.ledger), st.ledger)
        st.ledger.clear()
    st.row["version"] = int(st.row["version"]) + 1
    st.row["points_debt"] = st.account.debt
    doc = member_doc(st, hq.today())
    text = dumps(doc)
    values = {
        key: st.row[key]
        for key in (
            "tier_code",
            "spend_12m_fen",
            "purchase_count",
            "last_purchase_at",
            "assigned_staff",
            "consent_version",
            "phone_index",
            "points_debt",
            "overdrafts",
            "segment",
            "status",
            "merged_into",
            "version",
            "home_store",
        )
    }
    values.update(
        profile=dumps(st.profile),
        field_versions=dumps(st.field_versions),
        field_meta=dumps(st.field_meta),
        consents=dumps(st.consents),
        tags=dumps(st.tags),
        doc=text,
    )
    conn.execute(update(m.members).where(m.members.c.member_id == st.member_id).values(**values))
    st.loaded = st.account
    st.dirty = False
    if publish and st.status == "active":
        feed.put(Entity.MEMBER, st.member_id, int(st.row["version"]), text)
    return doc


def _write_lots(conn: Connection, st: MemberState) -> None:
    old = {lot.lot_id: lot for lot in st.loaded.lots}
    new = {lot.lot_id: lot for lot in st.account.lots}
    for lot_id in old.keys() | new.keys():
        before, after = old.get(lot_id), new.get(lot_id)
        remaining = after.remaining if after else 0
        if before is not None and after is not None and before.remaining == after.remaining:
            continue
        expires_on = (after or before).expires_on  # type: ignore[union-attr]
        changed = conn.execute(
            update(m.lots)
            .where(m.lots.c.member_id == st.member_id, m.lots.c.lot_id == lot_id)
            .values(remaining=remaining)
        ).rowcount
        if not changed:
            conn.execute(
                insert(m.lots).values(
                    member_id=st.member_id,
                    lot_id=lot_id,
                    remaining=remaining,
                    expires_on=expires_on,
                )
            )


def new_member_row(
    *,
    member_id: str,
    card_no: str,
    home_store: str,
    enrolled_at: datetime,
    tier_code: str,
    assigned_staff: str | None = None,
) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "card_no": card_no,
        "home_store": home_store,
        "enrolled_at": enrolled_at,
        "tier_code": tier_code,
        "spend_12m_fen": 0,
        "purchase_count": 0,
        "last_purchase_at": None,
        "assigned_staff": assigned_staff,
        "profile": "{}",
        "field_versions": "{}",
        "field_meta": "{}",
        "consents": "{}",
        "consent_version": 0,
        "phone_index": None,
        "points_debt": 0,
        "overdrafts": 0,
        "tags": "[]",
        "segment": None,
        "status": "active",
        "merged_into": None,
        "version": 0,
        "doc": "{}",
    }


def insert_member(conn: Connection, row: dict[str, Any]) -> MemberState:
    conn.execute(insert(m.members).values(**row))
    state = load_member(conn, row["member_id"])
    assert state is not None
    return state
