"""Member look-up by phone (enrolment duplicate check) and signed dynamic member codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from posclient.security.codesign import DEFAULT_VALIDITY_S, sign_member_code
from posclient.sync.protocol import DynamicCode, MemberLookup

from . import models as m
from .context import Hq
from .members import mask_name, mask_phone, phone_index, resolve


def lookup_phone(hq: Hq, phone: str) -> MemberLookup | None:
    with hq.db.read() as conn:
        row = conn.execute(
            select(
                m.members.c.member_id,
                m.members.c.card_no,
                m.members.c.home_store,
                m.members.c.profile,
            )
            .where(
                m.members.c.phone_index == phone_index(hq, phone), m.members.c.status == "active"
            )
            .order_by(m.members.c.enrolled_at)
            .limit(1)
        ).first()
    if row is None:
        return None
    profile = json.loads(row.profile)
    return MemberLookup(
        member_id=row.member_id,
        card_no=row.card_no,
        home_store=row.home_store,
        masked_phone=mask_phone(profile.get("phone")),
        masked_name=mask_name(profile.get("name")),
    )


def dynamic_code(
    hq: Hq, member_id: str, *, validity_s: int = DEFAULT_VALIDITY_S
) -> DynamicCode | None:
    """What the member app would show: a signed code valid ``validity_s`` seconds."""
    with hq.db.read() as conn:
        live = resolve(conn, member_id)
        status = (
            conn.execute(
                select(m.members.c.status).where(m.members.c.member_id == live)
            ).scalar_one_or_none()
            if live
            else None
        )
    if live is None or status != "active":
        return None
    now = hq.now().timestamp()
    text = sign_member_code(
        hq.private_key, chain=hq.chain, member_id=live, now=now, validity_s=validity_s
    )
    return DynamicCode(code=text, expires_at=datetime.fromtimestamp(int(now) + validity_s, UTC))
