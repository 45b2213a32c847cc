"""Legacy member lists (R12): read a CSV or Excel export, clean it, de-duplicate, report, enrol.

Columns (header names in English or Chinese): old member id (``old_id``/``会员编号``), phone
(``phone``/``手机号``), name (``name``/``姓名``, optional), points (``points``/``积分``, optional).

Cleaning: phones normalised like the till's phone field (full-width digits, +86, spaces and
dashes); a row whose phone is not a CN mobile is reported, not imported. De-duplication (R1:
one customer, one code): rows with the same phone are merged into one member (old ids listed,
points added up, the first non-empty name kept); a phone already held by a member of this till
is reported and skipped; an old id seen twice, or imported before, is reported and skipped.

Each imported member is a ``member.enrolled`` event with the membership purpose recorded as
``granted`` on channel ``paper`` with notice version ``legacy-import`` (the consent the customer
gave the old programme), the hash of the import file as the notice hash, and only phone and name
captured. A member with points from the old programme also gets a ``points.opening`` event: the
till books the balance at once as a lot of its own (``opening:<member id>``, valid for the usual
points validity from the import day) and HQ credits the same lot, at most once per member.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from posclient.domain import points as pts
from posclient.domain.errors import CodeError, PosError
from posclient.domain.events import EventType
from posclient.security.fieldcrypt import FieldCipher
from posclient.security.masking import mask_phone
from posclient.store.db import Database
from posclient.store.models import LedgerEntry, MemberIdentity, MemberRow
from posclient.store.uow import UnitOfWork
from posclient.sync.protocol import ConsentPurpose, EnrolPayload, OpeningPointsPayload

from . import consent, outbox, settings
from .clock import DEFAULT_TZ
from .enrolment import _card_no, normalise_phone
from .member_audit import audit
from .members import phone_index

HEADERS = {
    "old_id": ("old_id", "old member id", "member_id", "会员编号", "会员号", "原会员号", "编号"),
    "phone": ("phone", "mobile", "手机", "手机号", "手机号码", "电话"),
    "name": ("name", "姓名", "会员姓名"),
    "points": ("points", "积分", "积分余额"),
}
BATCH = 200
LEGACY_NOTICE = "legacy-import"

Progress = Callable[[int, int], None]


@dataclass
class Row:
    line: int
    old_id: str
    phone: str
    name: str
    points: int


@dataclass
class Planned:
    phone: str
    name: str
    old_ids: list[str]
    points: int
    lines: list[int]


@dataclass
class Report:
    rows: int = 0
    to_create: int = 0
    points_total: int = 0
    invalid: list[dict[str, Any]] = field(default_factory=list)
    merged: list[dict[str, Any]] = field(default_factory=list)
    already_members: list[dict[str, Any]] = field(default_factory=list)
    duplicate_old_ids: list[dict[str, Any]] = field(default_factory=list)
    created: int = 0
    #: Members created with an opening points balance, and those points added up.
    opening_balances: int = 0
    opening_points: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------- reading


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise PosError("import.bad_format", detail="encoding")


def _table(path: Path) -> Iterator[list[str]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            import openpyxl
        except ImportError as exc:  # pragma: no cover - optional dependency
            raise PosError("import.bad_format", detail="pip install posclient[excel]") from exc
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:
            raise PosError("import.bad_format", detail=type(exc).__name__) from exc
        for values in book.worksheets[0].iter_rows(values_only=True):
            yield ["" if v is None else _cell(v) for v in values]
        return
    text = _decode(path.read_bytes())
    dialect: type[csv.Dialect] | csv.Dialect = csv.excel
    with contextlib.suppress(csv.Error):
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    yield from csv.reader(io.StringIO(text), dialect)


def _cell(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores long digit strings as numbers
    return str(value)


def read_rows(path: Path) -> list[Row]:
    if not path.is_file():
        raise PosError("import.no_file", path=str(path))
    table = _table(path)
    header = next(table, None)
    if header is None:
        raise PosError("import.bad_format", detail="empty")
    names = [h.strip().lower() for h in header]
    columns: dict[str, int] = {}
    for key, aliases in HEADERS.items():
        for index, name in enumerate(names):
            if name in aliases:
                columns[key] = index
                break
    for required in ("old_id", "phone"):
        if required not in columns:
            raise PosError("import.missing_column", column=HEADERS[required][0])

    def get(values: list[str], key: str) -> str:
        index = columns.get(key)
        return values[index].strip() if index is not None and index < len(values) else ""

    rows = []
    for line, values in enumerate(table, start=2):
        if not any(v.strip() for v in values):
            continue
        points_text = get(values, "points").replace(",", "") or "0"
        try:
            points = int(float(points_text))
        except ValueError:
            points = -1
        rows.append(
            Row(line, get(values, "old_id"), get(values, "phone"), get(values, "name"), points)
        )
    return rows


# ---------------------------------------------------------------- planning


def plan(
    rows: list[Row], known_phone: Callable[[str], str | None], known_old_id: Callable[[str], bool]
) -> tuple[list[Planned], Report]:
    """Clean and de-duplicate; nothing is written. ``known_phone`` → card of an existing member."""
    report = Report(rows=len(rows))
    by_phone: dict[str, Planned] = {}
    seen_ids: set[str] = set()
    for row in rows:
        if not row.old_id:
            report.invalid.append({"line": row.line, "old_id": "", "reason": "old_id.missing"})
            continue
        if row.old_id in seen_ids or known_old_id(row.old_id):
            report.duplicate_old_ids.append({"line": row.line, "old_id": row.old_id})
            continue
        seen_ids.add(row.old_id)
        try:
            phone = normalise_phone(row.phone)
        except CodeError as exc:
            report.invalid.append({"line": row.line, "old_id": row.old_id, "reason": exc.code})
            continue
        if row.points < 0:
            report.invalid.append(
                {"line": row.line, "old_id": row.old_id, "reason": "points.invalid"}
            )
            continue
        card = known_phone(phone)
        if card is not None:
            report.already_members.append({"line": row.line, "old_id": row.old_id, "card_no": card})
            continue
        name = row.name[:64]
        planned = by_phone.get(phone)
        if planned is None:
            by_phone[phone] = Planned(phone, name, [row.old_id], row.points, [row.line])
        else:
            planned.old_ids.append(row.old_id)
            planned.points += row.points
            planned.lines.append(row.line)
            planned.name = planned.name or name
    members = list(by_phone.values())
    for member in members:
        if len(member.old_ids) > 1:
            report.merged.append(
                {
                    "phone": mask_phone(member.phone),
                    "old_ids": member.old_ids,
                    "lines": member.lines,
                    "points": member.points,
                }
            )
    report.to_create = len(members)
    report.points_total = sum(m.points for m in members)
    return members, report


def dry_run(db: Database, cipher: FieldCipher, path: Path) -> tuple[list[Planned], Report]:
    rows = read_rows(path)
    with db.read() as session:
        phones = {
            value: member_id
            for value, member_id in session.execute(
                select(MemberIdentity.value, MemberIdentity.member_id)
                .where(MemberIdentity.kind == "phone")
                .order_by(text("member_identities.rowid"))  # held twice: the newest wins
            )
        }
        cards = dict(session.execute(select(MemberRow.member_id, MemberRow.card_no)).all())
        legacy = set(
            session.scalars(select(MemberIdentity.value).where(MemberIdentity.kind == "legacy"))
        )

    def known_phone(phone: str) -> str | None:
        member_id = phones.get(phone_index(cipher, phone))
        return cards.get(member_id, "") if member_id else None

    return plan(rows, known_phone, legacy.__contains__)


# ---------------------------------------------------------------- writing


def run_import(
    db: Database,
    cipher: FieldCipher,
    path: Path,
    *,
    now: datetime,
    dry: bool = False,
    progress: Progress | None = None,
) -> Report:
    members, report = dry_run(db, cipher, path)
    if dry or not members:
        return report
    file_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    for start in range(0, len(members), BATCH):
        chunk = members[start : start + BATCH]
        with UnitOfWork(db) as uow:
            for member in chunk:
                _import_one(uow.session, cipher, member, file_hash, now)
                if member.points:
                    report.opening_balances += 1
                    report.opening_points += member.points
            audit(
                uow.session,
                staff_id="import",
                member_id=None,
                action="member.imported",
                fields=["phone", "name"],
                now=now,
            )
            uow.commit()
        report.created += len(chunk)
        if progress is not None:
            progress(report.created, len(members))
    return report


def _import_one(
    session: Any, cipher: FieldCipher, member: Planned, file_hash: str, now: datetime
) -> None:
    values = settings.all_settings(session)
    member_id = str(uuid.uuid4())
    card_no = _card_no(session)
    profile: dict[str, Any] = {"phone": member.phone}
    if member.name:
        profile["name"] = member.name
    record = {
        "consent_id": str(uuid.uuid4()),
        "member_id": member_id,
        "purpose": ConsentPurpose.MEMBERSHIP.value,
        "decision": "granted",
        "notice_version": LEGACY_NOTICE,
        "notice_sha256": file_hash,
        "language": "zh_CN",
        "channel": "paper",
        "store": values["store"],
        "staff_id": "import",
        "consent_version_seen": 0,
        "guardian": False,
        "occurred_at": now.isoformat(),
    }
    payload = {
        "member_id": member_id,
        "card_no": card_no,
        "store": values["store"],
        "staff_id": "import",
        "assigned_staff": None,
        "profile": profile,
        "consents": [record],
        "occurred_at": now.isoformat(),
    }
    EnrolPayload.model_validate(payload)
    row = MemberRow(
        member_id=member_id,
        card_no=card_no,
        home_store=values["store"],
        enrolled_at=now,
        field_versions={name: 1 for name in profile},  # as HQ numbers them (enrolment.py)
        consents={"membership": True},
        version=0,
    )
    for name, value in profile.items():
        column = consent.FIELD_COLUMNS[name]
        setattr(row, column, cipher.encrypt(value, table="members", column=name, row_id=member_id))
    session.add(row)
    session.flush()
    session.add(MemberIdentity(kind="card", value=card_no, member_id=member_id))
    session.add(
        MemberIdentity(kind="phone", value=phone_index(cipher, member.phone), member_id=member_id)
    )
    for old_id in member.old_ids:
        session.add(MemberIdentity(kind="legacy", value=old_id[:64], member_id=member_id))
    appended = outbox.append(
        session,
        type=EventType.MEMBER_ENROLLED,
        payload=payload,
        occurred_at=now,
        seal=outbox.sealer(cipher),
    )
    consent.store_record(session, record, device_id=values.get("device_id", ""), hlc=appended.hlc)
    if member.points:
        _book_opening(session, member_id, member.points, values["store"], file_hash, now)


def _book_opening(
    session: Any, member_id: str, points: int, store: str, file_hash: str, now: datetime
) -> None:
    """The old programme's balance: a lot on the till now, and an event for HQ to credit it."""
    lot_id = f"opening:{member_id}"
    expires_on = now.astimezone(DEFAULT_TZ).date() + pts.DEFAULT_VALIDITY
    payload = {
        "member_id": member_id,
        "store": store,
        "staff_id": "import",
        "points": points,
        "lot_id": lot_id,
        "expires_on": expires_on.isoformat(),
        "source_sha256": file_hash,
        "occurred_at": now.isoformat(),
    }
    OpeningPointsPayload.model_validate(payload)
    appended = outbox.append(
        session, type=EventType.POINTS_OPENING, payload=payload, occurred_at=now
    )
    session.add(
        LedgerEntry(
            member_id=member_id,
            kind="earn",
            points=points,
            detail={
                "lot_id": lot_id,
                "points": points,
                "expires_on": expires_on.isoformat(),
                "debt_paid": 0,
            },
            event_seq=appended.seq,
            created_at=now,
        )
    )
