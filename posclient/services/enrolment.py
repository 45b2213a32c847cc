"""Enrolling a member at the till (R2, R13): phone first, consent per purpose, then the fields.

One unit of work writes the member (personal fields AES-GCM ciphertext), how to find them (card,
phone blind index), one append-only consent record per purpose, the audit row and the
``member.enrolled`` event. The payload is checked against the wire model before it is written,
so HQ accepts what the till queued. Optional purposes may be declined: nothing is blocked, the
fields that need them are simply not captured. Under-14s need a guardian's consent.

Card numbers are ``prefix + device number (4 digits) + local counter (6 digits) + check digit``:
unique per paired till without asking HQ (device numbers are HQ-assigned).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from posclient.domain.codes import make_card_no, parse_phone, static_qr_text
from posclient.domain.errors import PosError
from posclient.domain.events import EventType
from posclient.security.fieldcrypt import FieldCipher
from posclient.security.masking import mask_name, mask_phone
from posclient.security.secrets import SecretStore
from posclient.store.db import Database
from posclient.store.models import MemberIdentity, MemberRow
from posclient.store.uow import UnitOfWork
from posclient.sync.protocol import (
    FIELD_PURPOSE,
    ConsentDecision,
    ConsentPurpose,
    EnrolPayload,
    Gender,
)

from . import consent, outbox, settings
from .member_audit import audit
from .members import identity_lookup, phone_index

log = logging.getLogger("posclient.members")

GUARDIAN_AGE = 14
COUNTER_KEY = "card_counter"
CATEGORIES = ("fresh", "dairy", "snacks", "baby", "household", "beauty", "drinks", "grocery")


@dataclass(frozen=True)
class Duplicate:
    """Someone already holds this phone number (masked: the cashier offers them instead)."""

    member_id: str
    card_no: str
    masked_phone: str
    masked_name: str
    source: str  # "local" | "hq"


@dataclass
class EnrolForm:
    phone: str
    decisions: dict[ConsentPurpose, bool]
    name: str | None = None
    gender: Gender | None = None
    birthday: date | None = None
    categories: list[str] = field(default_factory=list)
    #: The customer said they are under 14; then ``guardian`` must be True.
    under_14: bool = False
    guardian: bool = False
    lang: str = "zh_CN"
    channel: str = "till_screen"


@dataclass(frozen=True)
class Enrolled:
    member_id: str
    card_no: str
    qr_text: str
    captured: tuple[str, ...]


def normalise_phone(text: str) -> str:
    """The 11 digits of a CN mobile number, or a PosError with the reason."""
    return parse_phone(text).digits


def age_on(birthday: date, today: date) -> int:
    years = today.year - birthday.year
    if (today.month, today.day) < (birthday.month, birthday.day):
        years -= 1
    return years


def local_duplicate(session: Session, cipher: FieldCipher, phone: str) -> Duplicate | None:
    member_id = session.scalar(identity_lookup("phone", phone_index(cipher, phone)))
    row = session.get(MemberRow, member_id) if member_id else None
    if row is None:
        return None
    name = cipher.decrypt(row.name_enc, table="members", column="name", row_id=row.member_id)
    return Duplicate(row.member_id, row.card_no, mask_phone(phone), mask_name(name), "local")


def find_duplicate(db: Database, cipher: FieldCipher, phone: str) -> Duplicate | None:
    with db.read() as session:
        return local_duplicate(session, cipher, normalise_phone(phone))


def captured_fields(form: EnrolForm) -> dict[str, Any]:
    """The profile fields the form holds, in wire form (None/empty left out)."""
    values: dict[str, Any] = {"phone": form.phone}
    if form.name and form.name.strip():
        values["name"] = form.name.strip()
    if form.gender is not None:
        values["gender"] = Gender(form.gender).value
    if form.birthday is not None:
        values["birthday"] = form.birthday.isoformat()
    if form.categories:
        values["categories"] = list(form.categories)
    return values


def validate(form: EnrolForm, today: date) -> dict[str, Any]:
    """Check consent before capture; returns the wire profile. Changes nothing."""
    form.phone = normalise_phone(form.phone)
    if not form.decisions.get(ConsentPurpose.MEMBERSHIP):
        raise PosError("enrol.membership_required")
    if form.birthday is not None:
        if form.birthday > today:
            raise PosError("enrol.birthday_future")
        if age_on(form.birthday, today) < GUARDIAN_AGE:
            form.under_14 = True
    if form.under_14 and not form.guardian:
        raise PosError("enrol.guardian_required", age=GUARDIAN_AGE)
    if form.name is not None and len(form.name.strip()) > 64:
        raise PosError("enrol.name_too_long", max=64)
    profile = captured_fields(form)
    for name in profile:
        purpose = FIELD_PURPOSE[name]
        if not form.decisions.get(purpose):
            raise PosError("enrol.field_without_consent", field=name, purpose=purpose.value)
    return profile


def _card_no(session: Session) -> str:
    values = settings.all_settings(session)
    device_no = int(values.get("device_no", "0")) % 10_000
    counter = settings.next_counter(session, COUNTER_KEY)
    width = 12 - len(values["card_prefix"])
    serial = device_no * 1_000_000 + counter
    return make_card_no(serial % 10**width, values["card_prefix"])


def enrol(
    db: Database,
    cipher: FieldCipher,
    form: EnrolForm,
    *,
    staff_id: str,
    staff_role: str,
    now: datetime,
) -> Enrolled:
    """Enrol one member in one transaction; PosError (nothing written) on bad input."""
    profile = validate(form, now.date())
    with UnitOfWork(db) as uow:
        session = uow.session
        duplicate = local_duplicate(session, cipher, form.phone)
        if duplicate is not None:
            raise PosError("enrol.duplicate_phone", card=duplicate.card_no)
        values = settings.all_settings(session)
        member_id = str(uuid.uuid4())
        card_no = _card_no(session)
        assigned = staff_id if staff_role == "assistant" else None
        consents = [
            consent.consent_payload(
                member_id=member_id,
                purpose=purpose,
                decision=ConsentDecision.GRANTED
                if form.decisions.get(purpose)
                else ConsentDecision.DECLINED,
                lang=form.lang,
                channel=form.channel,
                store=values["store"],
                staff_id=staff_id,
                seen=0,
                guardian=form.guardian,
                now=now,
            )
            for purpose in ConsentPurpose
        ]
        payload = {
            "member_id": member_id,
            "card_no": card_no,
            "store": values["store"],
            "staff_id": staff_id,
            "assigned_staff": assigned,
            "profile": profile,
            "consents": consents,
            "occurred_at": now.isoformat(),
        }
        try:
            EnrolPayload.model_validate(payload)
        except ValidationError as exc:
            raise PosError("enrol.invalid", detail=str(exc.errors()[0]["loc"][-1])) from exc
        row = MemberRow(
            member_id=member_id,
            card_no=card_no,
            home_store=values["store"],
            enrolled_at=now,
            assigned_staff=assigned,
            # As HQ numbers them when it takes the enrolment (each field it stores: 1), so an
            # edit made here before the enrolment reaches HQ builds on the right version.
            field_versions={name: 1 for name, value in profile.items() if value is not None},
            consents={c["purpose"]: c["decision"] == "granted" for c in consents},
            consent_version=0,
            version=0,
        )
        for name, value in profile.items():
            text = value if isinstance(value, str) else _json(value)
            column = consent.FIELD_COLUMNS[name]
            setattr(
                row, column, cipher.encrypt(text, table="members", column=name, row_id=member_id)
            )
        session.add(row)
        session.flush()  # the member first: identities reference it
        session.add(MemberIdentity(kind="card", value=card_no, member_id=member_id))
        session.add(
            MemberIdentity(kind="phone", value=phone_index(cipher, form.phone), member_id=member_id)
        )
        appended = outbox.append(
            session,
            type=EventType.MEMBER_ENROLLED,
            payload=payload,
            occurred_at=now,
            seal=outbox.sealer(cipher),
        )
        device_id = values.get("device_id", "")
        for item in consents:
            consent.store_record(session, item, device_id=device_id, hlc=appended.hlc)
        audit(
            session,
            staff_id=staff_id,
            member_id=member_id,
            action="member.enrolled",
            fields=list(profile),
            now=now,
        )
        uow.commit()
    log.info(
        "member enrolled",
        extra={"staff": staff_id, "fields": sorted(profile), "guardian": form.guardian},
    )
    return Enrolled(member_id, card_no, static_qr_text(values["chain"], card_no), tuple(profile))


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def hq_duplicate(db: Database, secrets: SecretStore, phone: str) -> Duplicate | None:
    """Ask HQ who holds this phone (network: call from a worker, never the GUI thread).

    Raises PosError("enrol.hq_offline") when the till is not paired or HQ cannot be reached;
    the caller then says plainly that only this till's members were checked.
    """
    import httpx

    from posclient.sync.client import HqClient, SyncError

    from .sync import TOKEN

    phone = normalise_phone(phone)
    with db.read() as session:
        url = settings.all_settings(session).get("hq_url", "")
    token = secrets.get(TOKEN)
    if not url or not token:
        raise PosError("enrol.hq_offline")
    timeout = httpx.Timeout(connect=2.0, read=4.0, write=4.0, pool=2.0)
    try:
        with HqClient(url, token, timeout=timeout) as client:
            found = client.lookup_phone(phone)
    except SyncError as exc:
        raise PosError("enrol.hq_offline") from exc
    if found is None:
        return None
    return Duplicate(
        str(found.member_id),
        found.card_no,
        found.masked_phone or mask_phone(phone),
        found.masked_name or "",
        "hq",
    )
