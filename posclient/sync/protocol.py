"""Wire models of the till ↔ HQ protocol (DESIGN "Sync protocol"), shared by the till and hq/.

Money travels as integer fen and points as integers: no floats on the wire. Every model forbids
unknown fields, so a malformed body gets a 422 with the reason instead of being half-read.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    field_validator,
    model_validator,
)
from pydantic_core import to_json

from posclient.domain.coupons import Coupon, CouponKind, CouponStatus, DiscountType
from posclient.domain.events import EventType, payload_sha256
from posclient.domain.money import from_fen, to_fen
from posclient.domain.pricing import Product
from posclient.domain.tiers import Tier

PROTOCOL_VERSION = 1
MAX_PUSH_BATCH = 200
MAX_PULL_LIMIT = 5000
DEFAULT_PULL_LIMIT = 1000

Sha256Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
HlcText = Annotated[str, Field(pattern=r"^[0-9]{15}-[0-9]{5}$")]
DeviceId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
STORE_CODE_PATTERN = r"^[A-Za-z0-9_-]+$"
MAX_STORE_CODE = 32
StoreCode = Annotated[
    str, Field(min_length=1, max_length=MAX_STORE_CODE, pattern=STORE_CODE_PATTERN)
]
#: Counters, versions and positions: exact in every JSON reader (2⁵³ − 1, the largest integer a
#: double holds exactly) and well inside a 64-bit SQL integer.
MAX_COUNT = 2**53 - 1
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Fen = Annotated[int, Field(ge=-(10**12), le=10**12)]
NonNegFen = Annotated[int, Field(ge=0, le=10**12)]
Points = Annotated[int, Field(ge=0, le=10**10)]
#: What tills send is checked strictly: a number must be a JSON whole number (not "2", 2.0 or
#: true) and a flag true or false. Lax parsing would store what the till did not mean.
InCount = Annotated[int, Field(strict=True, ge=0, le=MAX_COUNT)]
InFen = Annotated[int, Field(strict=True, ge=-(10**12), le=10**12)]
InNonNegFen = Annotated[int, Field(strict=True, ge=0, le=10**12)]
InPoints = Annotated[int, Field(strict=True, ge=0, le=10**10)]
#: Text without the NUL character.
NO_NUL = r"^[^\x00]*$"
Sku = Annotated[str, Field(min_length=1, max_length=64)]
ShortText = Annotated[str, Field(max_length=200)]


#: Wire times fall in these years. Beyond them nothing is plausible (a sale in 9999) and
#: arithmetic on them (expiry = sale date + validity, a change of time zone) overflows.
FIRST_YEAR, LAST_YEAR = 1900, 2199
#: Dates may lie a century further: a lot earned on the last plausible day still expires
#: (validity is at most 36,500 days), and a till must accept what HQ computes from it.
LAST_DATE_YEAR = LAST_YEAR + 100
#: A moment with its UTC offset, in a plausible year (checked by pydantic-core itself).
WireTime = Annotated[
    AwareDatetime,
    Field(ge=datetime(FIRST_YEAR, 1, 1, tzinfo=UTC), lt=datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC)),
]
#: A calendar date in a plausible year.
WireDate = Annotated[date, Field(ge=date(FIRST_YEAR, 1, 1), le=date(LAST_DATE_YEAR, 12, 31))]


class Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- pairing


class ChainMark(Wire):
    """An event of the till's chain that HQ acknowledged: its seq, id and chain hash."""

    seq: Annotated[int, Field(ge=1, le=MAX_COUNT)]
    event_id: UUID
    event_hash: Sha256Hex


#: At most this many marks in a pairing request (a till sends ~log2(seq) + 2).
MAX_CHAIN_MARKS = 64


class PairRequest(Wire):
    # No NUL (U+0000): HQ refuses it in any body (PostgreSQL cannot store it); said here too,
    # so the contract does not promise what HQ refuses.
    pairing_code: Annotated[str, Field(min_length=6, max_length=32, pattern=NO_NUL)]
    device_name: Annotated[str, Field(min_length=1, max_length=64, pattern=NO_NUL)] = "till"
    #: A till paired before (e.g. again after its token was revoked) keeps its event chain: the
    #: seq its next event follows and that event's prev_hash. The new device's chain starts
    #: there, so the next push is no "gap". A new till sends 0 and null.
    continues_seq: Count = 0
    continues_hash: Sha256Hex | None = None
    #: The code key (``PairResponse.code_public_key``) of the HQ the till was paired with, and
    #: acknowledged events of its chain at seqs continues_seq, -1, -2, -4, … (newest first).
    #: The same HQ that no longer holds the newest of them (restored from a backup) starts the
    #: new device's chain at the newest it does hold and says so (``device_seq``): the till
    #: sends the events after it again. Another HQ (another key) ignores them.
    known_key: Annotated[str, Field(max_length=64, pattern=NO_NUL)] | None = None
    acknowledged: Annotated[list[ChainMark], Field(max_length=MAX_CHAIN_MARKS)] = []


class PairResponse(Wire):
    device_id: DeviceId
    device_token: str
    #: 1..8999, unique per chain: the till numbers the member cards it issues offline with it
    #: (card body = device_no × 10⁶ + local serial; HQ issues from 9000 × 10⁶ up).
    device_no: Annotated[int, Field(ge=1, le=8999)]
    store: StoreCode
    chain: Annotated[str, Field(pattern=r"^[A-Z0-9]{2,16}$")]
    card_prefix: Annotated[str, Field(pattern=r"^[0-9]{1,4}$")] = "29"
    #: Ed25519 public key (raw 32 bytes, base64url) that verifies dynamic member codes.
    code_public_key: str
    #: Where the new device's chain starts: the newest of the till's events HQ holds (below
    #: continues_seq when HQ lost acknowledged events: the till sends those again). Null from
    #: an HQ that does not say (older versions): the till takes it as continues_seq.
    device_seq: Count | None = None


# ---------------------------------------------------------------- event payloads


class SaleLinePayload(Wire):
    line_no: Annotated[int, Field(strict=True, ge=1, le=10_000)]
    sku: Sku
    qty: Annotated[int, Field(strict=True, ge=1, le=999)]
    unit_price_fen: InNonNegFen
    unit_paid_fen: InNonNegFen
    gross_fen: InNonNegFen
    member_saving_fen: InNonNegFen = 0
    tier_discount_fen: InNonNegFen = 0
    coupon_discount_fen: InNonNegFen = 0
    item_points: InPoints = 0
    points_redeemed: InPoints = 0
    amount_due_fen: InNonNegFen
    points_earned: InPoints = 0

    @model_validator(mode="after")
    def _adds_up(self) -> SaleLinePayload:
        # What a till's pricing guarantees (domain.pricing): the list price times the quantity
        # is the line's gross, and what the line was paid with (money, bill points at 1 fen a
        # point) plus its discounts is at most that gross (points+cash lines: less the value of
        # their item points). A line breaking these would set spend, tier and points at will.
        if self.gross_fen != self.unit_price_fen * self.qty:
            raise ValueError(f"line {self.line_no}: gross_fen is not unit_price_fen × qty")
        if self.unit_paid_fen > self.unit_price_fen:
            raise ValueError(f"line {self.line_no}: unit_paid_fen is above unit_price_fen")
        if (
            self.amount_due_fen
            + self.points_redeemed
            + self.member_saving_fen
            + self.tier_discount_fen
            + self.coupon_discount_fen
            > self.gross_fen
        ):
            raise ValueError(
                f"line {self.line_no}: amount due, points and discounts exceed its gross"
            )
        return self


class SalePayload(Wire):
    sale_id: UUID
    receipt_no: Annotated[str, Field(min_length=1, max_length=40)]
    store: StoreCode
    staff_id: Annotated[str, Field(max_length=64)] = ""
    member_id: UUID | None = None
    #: The member's code as scanned, when the member was not in the till's cache (provisional).
    provisional_card_no: Annotated[str, Field(pattern=r"^[0-9]{13}$")] | None = None
    tier_code: Annotated[str, Field(max_length=32)] | None = None
    lines: Annotated[list[SaleLinePayload], Field(min_length=1, max_length=500)]
    subtotal_fen: InNonNegFen
    amount_due_fen: InNonNegFen
    item_points: InPoints = 0
    points_redeemed: InPoints = 0
    points_earned: InPoints = 0
    coupon_code: Annotated[str, Field(max_length=64)] | None = None
    #: The lot the earned points go into (same id at till and HQ), and its expiry.
    earn_lot_id: Annotated[str, Field(max_length=80)] | None = None
    earn_expires_on: WireDate | None = None
    occurred_at: WireTime

    @model_validator(mode="after")
    def _totals_add_up(self) -> SalePayload:
        # HQ checks this for every sale it is sent: one pass over the lines.
        lines = self.lines
        totals = [sum(column) for column in zip(*map(_line_totals, lines), strict=True)]
        for total, (what, name) in zip(totals, _TOTALS, strict=True):
            if total != getattr(self, name):
                raise ValueError(f"line {what} do not add up to {name}")
        if self.member_id is None and (self.points_redeemed or self.item_points):
            raise ValueError("points can only be redeemed by a member")
        if len(lines) > 1 and len({line.line_no for line in lines}) != len(lines):
            raise ValueError("duplicate line_no")
        return self


def _line_totals(line: SaleLinePayload) -> tuple[int, int, int, int, int]:
    return (
        line.amount_due_fen,
        line.gross_fen,
        line.points_redeemed,
        line.item_points,
        line.points_earned,
    )


#: What ``_line_totals`` adds up, as the error names it, and the sale's field it must equal.
_TOTALS = (
    ("amounts", "amount_due_fen"),
    ("gross amounts", "subtotal_fen"),
    ("points", "points_redeemed"),
    ("item points", "item_points"),
    ("points earned", "points_earned"),
)


class RefundLinePayload(Wire):
    line_no: Annotated[int, Field(strict=True, ge=1, le=10_000)]
    qty: Annotated[int, Field(strict=True, ge=1, le=999)]
    amount_fen: InNonNegFen
    points_restored: InPoints = 0
    points_reversed: InPoints = 0


class RefundPayload(Wire):
    refund_id: UUID
    sale_id: UUID
    receipt_no: Annotated[str, Field(min_length=1, max_length=40)]
    store: StoreCode
    staff_id: Annotated[str, Field(max_length=64)] = ""
    member_id: UUID | None = None
    lines: Annotated[list[RefundLinePayload], Field(min_length=1, max_length=500)]
    amount_fen: InNonNegFen
    points_restored: InPoints = 0
    points_reversed: InPoints = 0
    reason: ShortText = ""
    #: Where points come back that the sale overdrew and later earnings already repaid
    #: (``points.restore``'s ``repaid_lot_id``); None = ``default_repaid_lot(refund_id)``.
    repaid_lot_id: Annotated[str, Field(min_length=1, max_length=80)] | None = None
    #: Expiry of that lot; None = the refund's date + the points validity.
    repaid_expires_on: WireDate | None = None
    occurred_at: WireTime

    @model_validator(mode="after")
    def _totals_add_up(self) -> RefundPayload:
        if sum(line.amount_fen for line in self.lines) != self.amount_fen:
            raise ValueError("line amounts do not add up to amount_fen")
        if sum(line.points_restored for line in self.lines) != self.points_restored:
            raise ValueError("line points do not add up to points_restored")
        if sum(line.points_reversed for line in self.lines) != self.points_reversed:
            raise ValueError("line points do not add up to points_reversed")
        return self


def default_repaid_lot(refund_id: UUID | str) -> str:
    """The lot id both sides use for repaid overdraft points a refund gives back."""
    return f"repaid:{refund_id}"


class ConsentPurpose(StrEnum):
    MEMBERSHIP = "membership"
    MARKETING = "marketing"
    PERSONALISED = "personalised"
    SENSITIVE = "sensitive"


class ConsentDecision(StrEnum):
    GRANTED = "granted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class ConsentChannel(StrEnum):
    CUSTOMER_DISPLAY = "customer_display"
    TILL_SCREEN = "till_screen"
    PAPER = "paper"
    APP = "app"


class ConsentPayload(Wire):
    consent_id: UUID
    member_id: UUID
    purpose: ConsentPurpose
    decision: ConsentDecision
    notice_version: Annotated[str, Field(min_length=1, max_length=32)]
    notice_sha256: Sha256Hex
    language: Literal["zh_CN", "en"]
    channel: ConsentChannel
    store: StoreCode
    staff_id: Annotated[str, Field(max_length=64)] = ""
    #: The member's consent version the till had seen when the decision was captured.
    consent_version_seen: InCount = 0
    guardian: StrictBool = False
    occurred_at: WireTime


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


CategoryList = Annotated[list[Annotated[str, Field(max_length=32)]], Field(max_length=20)]


class ProfileFields(Wire):
    """Personal fields a till may send. Each optional one needs its consent purpose."""

    phone: Annotated[str, Field(pattern=r"^1[3-9][0-9]{9}$")] | None = None
    name: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    gender: Gender | None = None
    birthday: WireDate | None = None
    categories: CategoryList | None = None


#: The consent purpose each optional profile field depends on (phone rests on membership).
FIELD_PURPOSE: dict[str, ConsentPurpose] = {
    "phone": ConsentPurpose.MEMBERSHIP,
    "name": ConsentPurpose.MEMBERSHIP,
    "gender": ConsentPurpose.PERSONALISED,
    "categories": ConsentPurpose.PERSONALISED,
    "birthday": ConsentPurpose.SENSITIVE,
}


class EnrolPayload(Wire):
    member_id: UUID
    card_no: Annotated[str, Field(pattern=r"^[0-9]{13}$")]
    store: StoreCode
    staff_id: Annotated[str, Field(max_length=64)] = ""
    assigned_staff: Annotated[str, Field(max_length=64)] | None = None
    profile: ProfileFields
    consents: Annotated[list[ConsentPayload], Field(min_length=1, max_length=10)]
    occurred_at: WireTime

    @model_validator(mode="after")
    def _phone_and_membership(self) -> EnrolPayload:
        if self.profile.phone is None:
            raise ValueError("enrolment needs a phone number")
        granted = {c.purpose for c in self.consents if c.decision is ConsentDecision.GRANTED}
        if ConsentPurpose.MEMBERSHIP not in granted:
            raise ValueError("enrolment needs the membership consent")
        for field_name, purpose in FIELD_PURPOSE.items():
            if getattr(self.profile, field_name) is not None and purpose not in granted:
                raise ValueError(f"field {field_name} captured without {purpose} consent")
        return self


class PatchedField(Wire):
    #: None clears the field.
    value: Any = None
    #: The field version the till had seen (0 = never set).
    base_version: InCount


class PatchPayload(Wire):
    member_id: UUID
    store: StoreCode
    staff_id: Annotated[str, Field(max_length=64)] = ""
    fields: dict[Literal["phone", "name", "gender", "birthday", "categories"], PatchedField]
    occurred_at: WireTime

    @field_validator("fields")
    @classmethod
    def _not_empty(cls, value: dict[str, PatchedField]) -> dict[str, PatchedField]:
        if not value:
            raise ValueError("a patch changes at least one field")
        return value


class ErasurePayload(Wire):
    member_id: UUID
    store: StoreCode
    staff_id: Annotated[str, Field(max_length=64)] = ""
    occurred_at: WireTime


class AuditEntry(Wire):
    at: WireTime
    staff_id: Annotated[str, Field(max_length=64)]
    member_id: UUID | None = None
    action: Annotated[str, Field(max_length=32)]
    fields: Annotated[list[Annotated[str, Field(max_length=32)]], Field(max_length=20)] = []


class AuditPayload(Wire):
    store: StoreCode
    entries: Annotated[list[AuditEntry], Field(min_length=1, max_length=500)]


class OpeningPointsPayload(Wire):
    """A legacy member's points balance, carried over once when the member is imported.

    The till books it as a lot of its own at once (offline first); HQ credits the same lot to
    its authoritative ledger, at most once per member.
    """

    member_id: UUID
    store: StoreCode
    staff_id: Annotated[str, Field(max_length=64)] = ""
    points: Annotated[int, Field(strict=True, ge=1, le=10**9)]
    lot_id: Annotated[str, Field(min_length=1, max_length=80)]
    expires_on: WireDate
    #: sha256 of the imported file: which import the balance came from.
    source_sha256: Sha256Hex
    occurred_at: WireTime

    @model_validator(mode="after")
    def _expires_after_import(self) -> OpeningPointsPayload:
        if self.expires_on <= self.occurred_at.date():
            raise ValueError("opening points must expire after the import")
        return self


PAYLOAD_MODELS: dict[EventType, type[Wire]] = {
    EventType.SALE_COMPLETED: SalePayload,
    EventType.REFUND_COMPLETED: RefundPayload,
    EventType.MEMBER_ENROLLED: EnrolPayload,
    EventType.MEMBER_PATCHED: PatchPayload,
    EventType.CONSENT_RECORDED: ConsentPayload,
    EventType.ERASURE_REQUESTED: ErasurePayload,
    EventType.AUDIT_RECORDED: AuditPayload,
    EventType.POINTS_OPENING: OpeningPointsPayload,
}


# ---------------------------------------------------------------- push


def payload_matches(payload: dict[str, Any], digest: str) -> bool:
    """Whether ``digest`` is ``payload_sha256(payload)`` (HQ checks it for every event).

    Tills write payloads in canonical form, so a payload parsed from their JSON has its keys in
    order already and pydantic-core's encoder, several times faster than ``canonical_json``,
    usually writes the canonical text itself: its hash matching ``digest`` proves it (it is the
    text whose hash the till sent, and it reads back as ``payload``). Anything else is checked
    the slow way.
    """
    quick = to_json(payload, inf_nan_mode="constants")  # NaN stays NaN: never canonical
    if hashlib.sha256(quick).hexdigest() == digest:
        return True
    return payload_sha256(payload) == digest


class Event(Wire):
    event_id: UUID
    device_id: DeviceId
    seq: Annotated[int, Field(strict=True, ge=1, le=MAX_COUNT)]
    hlc: HlcText
    occurred_at: WireTime
    type: EventType
    #: Versions the till had seen, e.g. {"member": 3}; the conflict rules compare them.
    base: dict[Annotated[str, Field(max_length=64)], InCount] = {}
    payload: dict[str, Any]
    payload_sha256: Sha256Hex
    prev_hash: Sha256Hex | None = None

    @model_validator(mode="after")
    def _payload_matches(self) -> Event:
        if not payload_matches(self.payload, self.payload_sha256):
            raise ValueError("payload_sha256 does not match the payload")
        return self

    def typed_payload(self) -> Wire:
        """The payload validated against its type's model (raises pydantic.ValidationError)."""
        return PAYLOAD_MODELS[self.type].model_validate(self.payload)


class PushRequest(Wire):
    device_id: DeviceId
    events: Annotated[list[Event], Field(min_length=1, max_length=MAX_PUSH_BATCH)]

    @model_validator(mode="after")
    def _one_device_in_order(self) -> PushRequest:
        seqs = [event.seq for event in self.events]
        if any(event.device_id != self.device_id for event in self.events):
            raise ValueError("every event must come from the pushing device")
        if seqs != sorted(seqs) or len(set(seqs)) != len(seqs):
            raise ValueError("events must be in strictly increasing seq order")
        return self


class ResultStatus(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    REJECTED = "rejected"


class EventResult(Wire):
    event_id: UUID
    status: ResultStatus
    #: Machine-readable reason for conflict / rejected (e.g. "key_reuse", "points_overdraft").
    reason: str | None = None
    #: Human-readable detail (English; tills show their own translation of ``reason``).
    detail: str | None = None
    #: A conflict with more than one reason: all of them, ``reason`` (the headline) first (an
    #: overdraft behind a coupon already used, say). None: ``reason`` is the only one.
    reasons: list[Annotated[str, Field(max_length=64)]] | None = Field(None, max_length=16)
    #: For conflicts: the authoritative state HQ chose (entity → data), e.g. the member record.
    state: dict[str, Any] | None = None
    #: For profile conflicts: the values that lost {field: {value, winner_store, winner_at}}.
    losing: dict[str, Any] | None = None
    #: On a ``duplicate``: what the first delivery was answered (applied or conflict).
    original_status: ResultStatus | None = None


class PushResponse(Wire):
    results: list[EventResult]
    #: Feed position at which every change caused by this push is visible to pull.
    write_checkpoint: Count


# ---------------------------------------------------------------- pull


class Entity(StrEnum):
    MEMBER = "member"
    TIER = "tier"
    PRODUCT = "product"
    COUPON = "coupon"
    RULE = "rule"
    KEY = "key"
    STATS = "stats"  # issue 8: chain figures for the store dashboard (sync/insights.py)


class Op(StrEnum):
    PUT = "put"
    DELETE = "delete"
    MERGE = "merge"


class Change(Wire):
    entity: Entity
    op: Op
    id: Annotated[str, Field(min_length=1, max_length=80)]
    version: Count
    #: put: the entity's data; merge: {"from": id, "into": id, "card_no": from's card (HQs
    #: since 2026-12 send it, in the feed and in a snapshot's merged phase)}; delete: null.
    data: dict[str, Any] | None = None


class ChainPosition(Wire):
    """How far HQ holds the asking device's chain: every seq up to ``device_seq`` arrived (or
    was flagged as a gap). A till whose acknowledged events lie above it sends those again
    before anything newer (HQ was restored from a backup)."""

    device_seq: Count


class PullResponse(Wire):
    changes: list[Change]
    next_cursor: str
    has_more: bool
    #: Feed position this page reaches; compare with a push's write_checkpoint.
    position: Count
    #: True while a new till is still receiving its first snapshot.
    snapshot: bool = False
    #: Snapshot progress (members sent so far / total) for the first-load progress bar.
    snapshot_done: Count | None = None
    snapshot_total: Count | None = None
    #: Asked for with ``members=list``: the page's member puts as their data only (MemberData
    #: each, no change envelope), in feed order after ``changes``. HQ uses it on snapshot pages;
    #: a till that did not ask never gets it.
    members: list[dict[str, Any]] | None = None
    #: The newest seq of the asking till's events that HQ's chain for it holds (read before the
    #: page). A till whose events above it, up to its first unanswered one, were acknowledged
    #: sends them again: HQ lost them (restored from a backup). None: HQ does not say.
    device_seq: Count | None = None

    #: How many changes and members the page held when they were left out (``without_data``).
    _count: int | None = PrivateAttr(default=None)

    @property
    def count(self) -> int:
        """Changes on this page, member puts in ``members`` included."""
        if self._count is not None:
            return self._count
        return len(self.changes) + len(self.members or ())

    def without_data(self) -> PullResponse:
        """This page without its changes and member documents, once they are prepared (their
        rows, and the changes not written in bulk, travel with the prepared page): the same
        ``count``, a fraction of the size and cost to send between processes (a coupon page's
        5,000 changes as models: ~9 µs each to pickle and unpickle)."""
        if not self.members and not self.changes:
            return self
        light = self.model_copy(update={"members": None, "changes": []})
        light._count = self.count
        return light


#: ``members`` query values of GET /v1/sync/pull: every put a change, or member puts as a list.
PullMembers = Literal["changes", "list"]


#: RFM segments (R4) HQ computes: code → (Chinese name, English name). Tills show the names.
SEGMENTS: dict[str, tuple[str, str]] = {
    "high_value_loyal": ("高价值忠诚客", "High-value loyal"),
    "promising_new": ("潜力新客", "Promising new"),
    "dormant": ("沉睡用户", "Dormant"),
}


class LotData(Wire):
    lot_id: str
    remaining: Points
    expires_on: WireDate


class MemberData(Wire):
    """A member as HQ sends it in the feed (entity ``member``, op ``put``)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    member_id: UUID
    card_no: str
    home_store: str
    tier_code: str
    points_balance: Annotated[int, Field(ge=-(10**10), le=10**10)]
    points_debt: Points = 0
    lots: list[LotData] = []
    spend_12m_fen: NonNegFen = 0
    purchase_count: Count = 0
    last_purchase_at: WireTime | None = None
    enrolled_at: WireTime
    tags: list[str] = []
    segment: str | None = None
    assigned_staff: str | None = None
    profile: ProfileFields = ProfileFields()
    field_versions: dict[str, Count] = {}
    consents: dict[ConsentPurpose, bool] = {}
    consent_version: Count = 0
    flagged_overdraft: bool = False
    version: Count


class Problem(Wire):
    """Error body for every 4xx/5xx (RFC 7807-like)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    error: str
    detail: str


# ---------------------------------------------------------------- feed entity data


class TierData(Wire):
    """A tier as HQ sends it (entity ``tier``); rates are decimal text, never float."""

    code: Annotated[str, Field(min_length=1, max_length=32)]
    name_zh: str
    name_en: str
    rank: Count
    threshold_fen: NonNegFen
    discount_rate: Annotated[str, Field(pattern=r"^[0-9]+(\.[0-9]+)?$")]
    points_multiplier: Annotated[str, Field(pattern=r"^[0-9]+(\.[0-9]+)?$")]
    benefits_zh: list[str] = []
    benefits_en: list[str] = []
    version: Count = 1

    @classmethod
    def from_domain(cls, tier: Tier, version: int = 1) -> TierData:
        return cls(
            code=tier.code,
            name_zh=tier.name_zh,
            name_en=tier.name_en,
            rank=tier.rank,
            threshold_fen=to_fen(tier.threshold),
            discount_rate=str(tier.discount_rate),
            points_multiplier=str(tier.points_multiplier),
            benefits_zh=list(tier.benefits_zh),
            benefits_en=list(tier.benefits_en),
            version=version,
        )

    def to_domain(self) -> Tier:
        return Tier(
            self.code,
            self.name_zh,
            self.name_en,
            self.rank,
            from_fen(self.threshold_fen),
            Decimal(self.discount_rate),
            Decimal(self.points_multiplier),
            tuple(self.benefits_zh),
            tuple(self.benefits_en),
        )


class ProductData(Wire):
    """A catalogue item (entity ``product``, id = sku); also resources/demo/products.json."""

    sku: Sku
    name: Annotated[str, Field(min_length=1, max_length=120)]
    name_en: Annotated[str, Field(max_length=120)] = ""
    category: Annotated[str, Field(max_length=32)] = ""
    barcode: Annotated[str, Field(pattern=r"^[0-9]{8}$|^[0-9]{12,13}$")] | None = None
    price_fen: NonNegFen
    member_price_fen: NonNegFen | None = None
    discountable: bool = True
    #: Points+cash price (R6): ``points_price`` points plus ``points_cash_fen`` per unit.
    points_price: Points | None = None
    points_cash_fen: NonNegFen | None = None
    active: bool = True
    version: Count = 1

    def to_domain(self) -> Product:
        return Product(
            sku=self.sku,
            name=self.name,
            price=from_fen(self.price_fen),
            barcode=self.barcode,
            member_price=None if self.member_price_fen is None else from_fen(self.member_price_fen),
            discountable=self.discountable,
            points_price=self.points_price,
            points_cash=None if self.points_cash_fen is None else from_fen(self.points_cash_fen),
            category=self.category,
            name_en=self.name_en,
        )


class CouponData(Wire):
    """A coupon (entity ``coupon``, id = code). ``value`` is decimal text whose unit depends on
    ``discount_type``: fixed → fen off, percent → percent off, points_multiplier → multiplier."""

    code: Annotated[str, Field(min_length=1, max_length=64)]
    member_id: UUID | None = None
    kind: CouponKind
    discount_type: DiscountType
    value: Annotated[str, Field(pattern=r"^[0-9]+(\.[0-9]+)?$")]
    min_spend_fen: NonNegFen = 0
    valid_from: WireDate
    valid_until: WireDate
    status: CouponStatus = CouponStatus.AVAILABLE
    version: Count = 1

    def to_domain(self) -> Coupon:
        value = Decimal(self.value)
        if self.discount_type is DiscountType.FIXED:
            value = from_fen(int(value))
        return Coupon(
            code=self.code,
            kind=self.kind,
            discount_type=self.discount_type,
            value=value,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            min_spend=from_fen(self.min_spend_fen),
            member_id=None if self.member_id is None else str(self.member_id),
            status=self.status,
        )


class PointsRules(Wire):
    """The chain's points rules (entity ``rule``, id ``points``)."""

    earn_per_yuan: Annotated[int, Field(ge=0, le=10_000)] = 1
    validity_days: Annotated[int, Field(ge=1, le=36_500)] = 730
    bill_cap_percent: Annotated[int, Field(ge=0, le=100)] = 50
    offline_per_sale: Points = 20_000
    offline_per_member_day: Points = 30_000
    offline_max_balance_age_hours: Annotated[int, Field(ge=0, le=87_600)] = 72
    sign_in_points: Points = 10
    referral_points: Points = 500
    version: Count = 1


class KeyData(Wire):
    """The public key that verifies dynamic member codes (entity ``key``, id = key_id)."""

    key_id: str
    algorithm: Literal["Ed25519"] = "Ed25519"
    chain: str
    public_key: str
    version: Count = 1


# ---------------------------------------------------------------- other endpoints


class Health(Wire):
    status: Literal["ok"] = "ok"
    version: str
    protocol: int = PROTOCOL_VERSION
    chain: str


class MemberLookup(Wire):
    """Duplicate check at enrolment: who already has this phone (masked)."""

    member_id: UUID
    card_no: str
    home_store: str
    masked_phone: str | None = None
    masked_name: str | None = None


class DynamicCode(Wire):
    code: str
    expires_at: WireTime
