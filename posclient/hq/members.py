"""Member state at HQ: load with its points account, save with ledger, lots, doc and feed."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from pydantic_core import from_json
from sqlalchemy import Connection, insert

from posclient.domain.points import Account, Lot
from posclient.sync.protocol import Entity

from . import models as m
from .context import Hq
from .fastsql import Fast, read_day, read_dt
from .feed import Feed, dumps
from .outcome import Reject

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
    #: Lots known not to exist in the table yet (inserted without trying an update first).
    new_lots: set[str] = field(default_factory=set)
    #: The indexed columns as stored (see ``_INDEXED``): written only when they change.
    indexed: tuple[Any, ...] = ()

    @property
    def member_id(self) -> str:
        return str(self.row["member_id"])

    @property
    def status(self) -> str:
        return str(self.row["status"])


MEMBER_COLUMNS = (
    "member_id, card_no, home_store, enrolled_at, tier_code, spend_12m_fen, purchase_count, "
    "last_purchase_at, assigned_staff, profile, field_versions, field_meta, consents, "
    "consent_version, phone_index, points_debt, overdrafts, tags, segment, status, merged_into, "
    "version"
)
_SEL_MEMBER = f"SELECT {MEMBER_COLUMNS} FROM members WHERE member_id = ?"
_SEL_LOTS = "SELECT lot_id, remaining, expires_on FROM lots WHERE member_id = ? AND remaining > 0"
_SEL_STATUS = "SELECT status, merged_into FROM members WHERE member_id = ?"
#: Member columns with an index. SQLite rewrites an index's entry whenever an UPDATE sets one
#: of its columns, changed or not (two more random pages per member write), so these are
#: written by their own statement, and only when they changed.
_INDEXED = ("home_store", "phone_index")
UPD_INDEXED = "UPDATE members SET home_store = ?, phone_index = ? WHERE member_id = ?"


def resolve(conn: Connection, member_id: str) -> str | None:
    """The live member an id stands for (following merges), or None if unknown."""
    fast = Fast.of(conn)
    seen: set[str] = set()
    current = member_id
    while current not in seen:
        seen.add(current)
        row = fast.one(_SEL_STATUS, (current,))
        if row is None:
            return None
        if row[0] != "merged" or row[1] is None:
            return current
        current = row[1]
    return None


def load_member(conn: Connection, member_id: str, *, lock: bool = True) -> MemberState | None:
    fast = Fast.of(conn)
    row = fast.dict_one(_SEL_MEMBER + (" FOR UPDATE" if lock and fast.pg else ""), (member_id,))
    if row is None:
        return None
    return state_of(row, fast.all(_SEL_LOTS, (member_id,)))


def state_of(
    row: dict[str, Any], lot_rows: list[tuple[Any, ...]], *, account: Account | None = None
) -> MemberState:
    """A member as loaded: its row (columns ``MEMBER_COLUMNS``) and its (lot_id, remaining,
    expires_on) rows with points left, or ``account``: those lots as committed at the row's
    version (``lotcache``)."""
    row["enrolled_at"] = read_dt(row["enrolled_at"])
    row["last_purchase_at"] = read_dt(row["last_purchase_at"])
    if account is None:
        account = Account(
            lots=tuple(
                Lot(read_day(expires), lot_id, int(left)) for lot_id, left, expires in lot_rows
            ),
            debt=int(row["points_debt"]),
        )
    return MemberState(
        row=row,
        profile=from_json(row["profile"]),
        field_versions=from_json(row["field_versions"]),
        field_meta=from_json(row["field_meta"]),
        consents=from_json(row["consents"]),
        tags=from_json(row["tags"]),
        account=account,
        loaded=account,
        indexed=tuple(row[name] for name in _INDEXED),
    )


def load_live(conn: Connection, member_id: str) -> MemberState | None:
    """Load (and lock) the live member ``member_id`` stands for, following merges."""
    st = load_member(conn, member_id)
    if st is None or st.status != "merged":
        return st
    live = resolve(conn, member_id)
    return load_member(conn, live) if live else None


def _iso(value: datetime | None) -> str | None:
    """As pydantic dumps an aware UTC datetime (``...Z``)."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _lot_doc(lot: Lot) -> dict[str, Any]:
    """A lot as the member document shows it, kept on the lot: a lot never changes, and a
    regular's hundreds of lots are carried from one version of their account to the next."""
    doc: dict[str, Any] | None = lot.__dict__.get("_doc")
    if doc is None:
        doc = lot.__dict__["_doc"] = {
            "lot_id": lot.lot_id,
            "remaining": lot.remaining,
            "expires_on": lot.expires_on.isoformat(),
        }
    return doc


def member_doc(st: MemberState, today: date) -> dict[str, Any]:
    """The member as the feed and push results show it: MemberData.model_dump(mode="json").

    Built by hand because it runs for every event; tests check it against MemberData.
    """
    row = st.row
    account = st.account
    lots = [_lot_doc(lot) for lot in account.lots[account.expired_prefix(today) :]]
    profile = st.profile
    return {
        "member_id": row["member_id"],
        "card_no": row["card_no"],
        "home_store": row["home_store"],
        "tier_code": row["tier_code"],
        "points_balance": st.account.balance(today),
        "points_debt": st.account.debt,
        "lots": lots,
        "spend_12m_fen": row["spend_12m_fen"],
        "purchase_count": row["purchase_count"],
        "last_purchase_at": _iso(row["last_purchase_at"]),
        "enrolled_at": _iso(row["enrolled_at"]),
        "tags": list(st.tags),
        "segment": row["segment"],
        "assigned_staff": row["assigned_staff"],
        "profile": {name: profile.get(name) for name in PERSONAL_FIELDS},
        "field_versions": dict(st.field_versions),
        "consents": dict(st.consents),
        "consent_version": row["consent_version"],
        "flagged_overdraft": st.account.debt > 0,
        "version": row["version"],
    }


@dataclass(frozen=True)
class DocLater:
    """A member's document as of now, built only if an answer needs it (``push`` keeps one
    member state per batch; a sale run answers many sales of the same member)."""

    st: MemberState
    today: date
    #: Documents built meanwhile, by (member_id, version, today): a sale run builds each
    #: member's for the feed, and a version is one state of the member.
    built: BuiltDocs | None = None

    @classmethod
    def now(cls, st: MemberState, today: date, built: BuiltDocs | None = None) -> DocLater:
        # The row changes in place as later sales are applied; lots, tags and the profile are
        # replaced, never changed in place.
        return cls(replace(st, row=dict(st.row)), today, built)

    @property
    def member_id(self) -> str:
        return self.st.member_id

    def build(self) -> dict[str, Any]:
        if self.built is not None:
            doc = self.built.get((self.st.member_id, int(self.st.row["version"]), self.today))
            if doc is not None:
                return doc
        return member_doc(self.st, self.today)


BuiltDocs = dict[tuple[str, int, date], dict[str, Any]]


UPD_MEMBER = (
    "UPDATE members SET tier_code = ?, spend_12m_fen = ?, purchase_count = ?, "
    "last_purchase_at = ?, assigned_staff = ?, consent_version = ?, "
    "points_debt = ?, overdrafts = ?, "
    "segment = ?, status = ?, merged_into = ?, version = ?, profile = ?, "
    "field_versions = ?, field_meta = ?, consents = ?, tags = ?, doc = ? WHERE member_id = ?"
)
INS_LEDGER = (
    "INSERT INTO ledger (member_id, kind, points, lot_id, event_id, ref, at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
UPD_LOT = "UPDATE lots SET remaining = ? WHERE member_id = ? AND lot_id = ?"
INS_LOT = "INSERT INTO lots (member_id, lot_id, remaining, expires_on) VALUES (?, ?, ?, ?)"


def save_member(
    hq: Hq, conn: Connection, st: MemberState, feed: Feed, *, publish: bool = True
) -> dict[str, Any]:
    """Write lots, ledger entries and the member row; bump its version; put it in the feed."""
    fast = Fast.of(conn)
    _write_lots(fast, st)
    fast.many(INS_LEDGER, ledger_rows(fast, st))
    bump(st)
    doc = member_doc(st, hq.today())
    text = dumps(doc)
    fast.run(UPD_MEMBER, member_params(fast, st, text))
    indexed = changed_index(st)
    if indexed is not None:
        fast.run(UPD_INDEXED, indexed)
    st.loaded = st.account
    st.dirty = False
    if publish and st.status == "active":
        feed.put(Entity.MEMBER, st.member_id, int(st.row["version"]), text)
    return doc


def bump(st: MemberState) -> None:
    """A save: the member's next version, with the account's debt on its row."""
    st.row["version"] = int(st.row["version"]) + 1
    st.row["points_debt"] = st.account.debt


def ledger_rows(fast: Fast, st: MemberState) -> list[tuple[Any, ...]]:
    """The member's new ledger entries as ``INS_LEDGER`` rows (taken: the list is emptied)."""
    rows = [
        (
            e["member_id"],
            e["kind"],
            e["points"],
            e["lot_id"],
            e["event_id"],
            e["ref"],
            fast.dt(e["at"]),
        )
        for e in st.ledger
    ]
    st.ledger.clear()
    return rows


def member_params(fast: Fast, st: MemberState, doc_text: str) -> tuple[Any, ...]:
    """The ``UPD_MEMBER`` parameters of ``st`` with its document ``doc_text``."""
    row = st.row
    return (
        row["tier_code"],
        row["spend_12m_fen"],
        row["purchase_count"],
        fast.dt(row["last_purchase_at"]),
        row["assigned_staff"],
        row["consent_version"],
        row["points_debt"],
        row["overdrafts"],
        row["segment"],
        row["status"],
        row["merged_into"],
        row["version"],
        dumps(st.profile),
        dumps(st.field_versions),
        dumps(st.field_meta),
        dumps(st.consents),
        dumps(st.tags),
        doc_text,
        st.member_id,
    )


def changed_index(st: MemberState) -> tuple[Any, ...] | None:
    """The ``UPD_INDEXED`` parameters if an indexed column changed since the last write."""
    indexed = tuple(st.row[name] for name in _INDEXED)
    if indexed == st.indexed:
        return None
    st.indexed = indexed
    return (*indexed, st.member_id)


def _write_lots(fast: Fast, st: MemberState) -> None:
    old, new = st.loaded.by_id(), st.account.by_id()
    for lot_id in old.keys() | new.keys():
        before, after = old.get(lot_id), new.get(lot_id)
        remaining = after.remaining if after else 0
        if before is not None and after is not None and before.remaining == after.remaining:
            continue
        expires_on = (after or before).expires_on  # type: ignore[union-attr]
        if before is None and lot_id in st.new_lots:
            if not fast.insert_new(
                INS_LOT, (st.member_id, lot_id, remaining, fast.day(expires_on))
            ):
                raise Reject("lot_exists", f"the member already had a points lot {lot_id}")
        elif not fast.run(UPD_LOT, (remaining, st.member_id, lot_id)):
            fast.run(INS_LOT, (st.member_id, lot_id, remaining, fast.day(expires_on)))
    st.new_lots.clear()


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
