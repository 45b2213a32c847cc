"""Consent per purpose (PIPL): notices, append-only decisions, withdrawal that purges at once.

Every decision is a record (purpose, notice version and hash, language, decision, time, hlc,
channel, store, device, staff, the consent version the till had seen) written with its outbox
event in one transaction. A withdrawal also deletes the fields that needed the purpose from this
till's cache right away, and its event skips the queue (DESIGN "Consent").
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from posclient.domain.errors import PosError
from posclient.domain.events import EventType
from posclient.resources import resource
from posclient.store.models import ConsentRow, MemberRow
from posclient.sync.protocol import FIELD_PURPOSE, ConsentDecision, ConsentPurpose

from . import outbox, settings
from .member_audit import audit

#: Encrypted member columns per profile field.
FIELD_COLUMNS = {
    "phone": "phone_enc",
    "name": "name_enc",
    "gender": "gender_enc",
    "birthday": "birthday_enc",
    "categories": "categories_enc",
}


@dataclass(frozen=True)
class Notice:
    purpose: ConsentPurpose
    version: str
    required: bool
    fields: tuple[str, ...]
    texts: dict[str, str]

    def text(self, lang: str) -> str:
        return self.texts["en" if lang.startswith("en") else "zh_CN"]

    def sha256(self, lang: str) -> str:
        return hashlib.sha256(self.text(lang).encode("utf-8")).hexdigest()


@cache
def notices() -> dict[ConsentPurpose, Notice]:
    data = json.loads(resource("consent", "notices.json").read_text(encoding="utf-8"))
    return {
        ConsentPurpose(name): Notice(
            ConsentPurpose(name),
            data["version"],
            bool(item["required"]),
            tuple(item["fields"]),
            {"zh_CN": item["zh_CN"], "en": item["en"]},
        )
        for name, item in data["purposes"].items()
    }


def dependent_fields(purpose: ConsentPurpose) -> list[str]:
    return [name for name, needed in FIELD_PURPOSE.items() if needed is purpose]


def consent_payload(
    *,
    member_id: str,
    purpose: ConsentPurpose,
    decision: ConsentDecision,
    lang: str,
    channel: str,
    store: str,
    staff_id: str,
    seen: int,
    guardian: bool,
    now: datetime,
) -> dict[str, Any]:
    notice = notices()[purpose]
    language = "en" if lang.startswith("en") else "zh_CN"
    return {
        "consent_id": str(uuid.uuid4()),
        "member_id": member_id,
        "purpose": purpose.value,
        "decision": decision.value,
        "notice_version": notice.version,
        "notice_sha256": notice.sha256(language),
        "language": language,
        "channel": channel,
        "store": store,
        "staff_id": staff_id,
        "consent_version_seen": seen,
        "guardian": guardian,
        "occurred_at": now.isoformat(),
    }


def store_record(session: Session, payload: dict[str, Any], *, device_id: str, hlc: str) -> None:
    session.add(
        ConsentRow(
            consent_id=payload["consent_id"],
            member_id=payload["member_id"],
            purpose=payload["purpose"],
            decision=payload["decision"],
            notice_version=payload["notice_version"],
            notice_sha256=payload["notice_sha256"],
            language=payload["language"],
            channel=payload["channel"],
            store=payload["store"],
            device_id=device_id,
            staff_id=payload["staff_id"],
            consent_version_seen=payload["consent_version_seen"],
            guardian=payload["guardian"],
            occurred_at=datetime.fromisoformat(payload["occurred_at"]),
            hlc=hlc,
        )
    )


def purge_fields(row: MemberRow, purpose: ConsentPurpose) -> list[str]:
    """Delete the cached fields that needed ``purpose``; returns their names."""
    purged = []
    for name in dependent_fields(purpose):
        column = FIELD_COLUMNS[name]
        if getattr(row, column) is not None:
            setattr(row, column, None)
            purged.append(name)
    return purged


def record_decision(
    session: Session,
    *,
    member_id: str,
    purpose: ConsentPurpose,
    decision: ConsentDecision,
    lang: str,
    channel: str = "till_screen",
    staff_id: str = "",
    guardian: bool = False,
    now: datetime,
) -> dict[str, Any]:
    """Record one decision for a known member, inside the caller's unit of work."""
    row = session.get(MemberRow, member_id)
    if row is None or row.provisional:
        raise PosError("member.gone")
    if purpose is ConsentPurpose.MEMBERSHIP and decision is not ConsentDecision.GRANTED:
        # Leaving the membership is an erasure request, not a consent toggle.
        raise PosError("consent.membership_is_erasure")
    values = settings.all_settings(session)
    payload = consent_payload(
        member_id=member_id,
        purpose=purpose,
        decision=decision,
        lang=lang,
        channel=channel,
        store=values["store"],
        staff_id=staff_id,
        seen=row.consent_version,
        guardian=guardian,
        now=now,
    )
    withdrawn = decision is not ConsentDecision.GRANTED
    appended = outbox.append(
        session,
        type=EventType.CONSENT_RECORDED,
        payload=payload,
        occurred_at=now,
        base={"consent": row.consent_version},
    )
    store_record(session, payload, device_id=values.get("device_id", ""), hlc=appended.hlc)
    consents = dict(row.consents or {})
    consents[purpose.value] = not withdrawn
    row.consents = consents
    fields: list[str] = []
    if withdrawn:
        fields = purge_fields(row, purpose)
    audit(
        session,
        staff_id=staff_id,
        member_id=member_id,
        action=f"consent.{decision.value}",
        fields=[purpose.value, *fields],
        now=now,
    )
    return payload
