"""Enrolment, profile patches with per-field versions, erasure requests."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import insert, select

from posclient.domain.codes import parse_card
from posclient.domain.errors import CodeError
from posclient.sync.protocol import (
    FIELD_PURPOSE,
    EnrolPayload,
    Entity,
    ErasurePayload,
    PatchPayload,
    ProfileFields,
)

from . import models as m
from .consent import record_consent
from .members import (
    MemberState,
    insert_member,
    load_member,
    new_member_row,
    phone_index,
    resolve,
    save_member,
)
from .outcome import Apply, Reject
from .privacy import forget_personal_data
from .sales import CLOCK_SLACK, credit_held
from .segments import refresh


def _stamp(cx: Apply, store: str, at: str) -> dict[str, Any]:
    return {"store": store, "at": at, "device": cx.ev.device_id}


def _phone_clash(cx: Apply, st: MemberState) -> list[str]:
    """Other live members with the same phone: recorded as merge candidates (R1)."""
    index = st.row["phone_index"]
    if index is None:
        return []
    others = list(
        cx.conn.execute(
            select(m.members.c.member_id).where(
                m.members.c.phone_index == index,
                m.members.c.member_id != st.member_id,
                m.members.c.status == "active",
            )
        ).scalars()
    )
    for other in others:
        cx.conn.execute(
            insert(m.merge_candidates).values(
                member_a=other, member_b=st.member_id, reason="same_phone", created_at=cx.hq.now()
            )
        )
    if others:
        cx.out.conflict(
            "merge_candidate",
            "another member has this phone number; HQ recorded them as a merge candidate",
        )
        cx.out.state["duplicate_of"] = others
    return others


def _clamp_enrolment_date(cx: Apply, enrol: EnrolPayload) -> EnrolPayload:
    """The enrolment dated when HQ received it if the till dates it ahead of HQ's clock.

    A member cannot join after HQ hears of it; dated in the future, the member would count as
    new (``promising_new``) until that date, and time-based refreshes (``maintain``) would
    never pick it up. The same rule as for sales (``sales.apply_sale``).
    """
    now = cx.hq.now()
    if enrol.occurred_at <= now + CLOCK_SLACK:
        return enrol
    cx.out.note("the till's clock is ahead of HQ's: the enrolment is dated when HQ received it")
    return enrol.model_copy(update={"occurred_at": now})


def apply_enrol(cx: Apply, enrol: EnrolPayload) -> None:
    conn, hq = cx.conn, cx.hq
    enrol = _clamp_enrolment_date(cx, enrol)
    member_id = str(enrol.member_id)
    if conn.execute(
        select(m.members.c.member_id).where(m.members.c.member_id == member_id)
    ).first():
        raise Reject("member_exists", "a member with this id already exists")
    try:
        parse_card(enrol.card_no)
    except CodeError as exc:
        raise Reject("bad_card_no", f"the card number is not valid ({exc.code})") from exc
    if conn.execute(
        select(m.members.c.member_id).where(m.members.c.card_no == enrol.card_no)
    ).first():
        raise Reject("card_no_taken", "another member has this card number")
    if any(consent.member_id != enrol.member_id for consent in enrol.consents):
        raise Reject("invalid_payload", "every consent must be for the enrolled member")
    st = insert_member(
        conn,
        new_member_row(
            member_id=member_id,
            card_no=enrol.card_no,
            home_store=enrol.store,
            enrolled_at=enrol.occurred_at,
            tier_code=hq.tiers[0].code,
            assigned_staff=enrol.assigned_staff,
        ),
    )
    for consent in enrol.consents:
        record_consent(cx, st, consent)
    at = enrol.occurred_at.isoformat()
    for field_name, value in enrol.profile.model_dump(mode="json", exclude_none=True).items():
        if not st.consents.get(FIELD_PURPOSE[field_name].value):
            continue
        st.profile[field_name] = value
        st.field_versions[field_name] = 1
        st.field_meta[field_name] = _stamp(cx, enrol.store, at)
    if st.profile.get("phone"):
        st.row["phone_index"] = phone_index(hq, st.profile["phone"])
    _phone_clash(cx, st)
    credit_held(cx, st)  # sales made with their id or card before HQ knew them
    refresh(hq, conn, st)
    cx.out.state["member"] = save_member(hq, conn, st, cx.feed)


def apply_patch(cx: Apply, patch: PatchPayload) -> None:
    conn, hq, out = cx.conn, cx.hq, cx.out
    member_id = resolve(conn, str(patch.member_id))
    if member_id is None:
        raise Reject("unknown_member", "HQ does not know the member")
    st = load_member(conn, member_id)
    assert st is not None
    if st.status == "erased":
        raise Reject("member_erased", "the member's personal data was erased")
    values = {name: field.value for name, field in patch.fields.items()}
    if "phone" in values and values["phone"] is None:
        # The membership itself rests on it (enrolment requires it; lookups use it).
        raise Reject("invalid_payload", "phone: a member's mobile number cannot be removed")
    try:
        checked = ProfileFields.model_validate(values).model_dump(mode="json")
    except ValidationError as exc:
        raise Reject("invalid_payload", _first_error(exc)) from exc
    at = patch.occurred_at.isoformat()
    phone_changed = False
    for name, field in patch.fields.items():
        value = checked[name]
        purpose = FIELD_PURPOSE[name].value
        current = st.field_versions.get(name, 0)
        if value is not None and not st.consents.get(purpose):
            out.losing[name] = {"value": value, "winner_store": None, "winner_at": None}
            out.conflict(
                "consent_missing", f"{name} needs {purpose} consent, which HQ does not hold"
            )
            continue
        if field.base_version != current:
            meta = st.field_meta.get(name, {})
            out.losing[name] = {
                "value": value,
                "winner_store": meta.get("store"),
                "winner_at": meta.get("at"),
            }
            out.conflict(
                "profile_conflict",
                f"{name} was changed elsewhere (HQ has version {current}, the till edited "
                f"version {field.base_version}); HQ kept its value",
            )
            continue
        if value is None:
            st.profile.pop(name, None)
        else:
            st.profile[name] = value
        st.field_versions[name] = current + 1
        st.field_meta[name] = _stamp(cx, patch.store, at)
        phone_changed = phone_changed or name == "phone"
    if phone_changed:
        phone = st.profile.get("phone")
        st.row["phone_index"] = phone_index(hq, phone) if phone else None
        _phone_clash(cx, st)
    if out.is_conflict:
        out.state["member"] = save_member(hq, conn, st, cx.feed)
    else:
        save_member(hq, conn, st, cx.feed)


def apply_erasure(cx: Apply, erasure: ErasurePayload) -> None:
    """Erase personal data; the member leaves every till (tombstone); the ledger stays."""
    conn = cx.conn
    member_id = resolve(conn, str(erasure.member_id))
    if member_id is None:
        raise Reject("unknown_member", "HQ does not know the member")
    st = load_member(conn, member_id)
    assert st is not None
    if st.status == "erased":
        cx.out.note("already erased")
        return
    erase(cx, st)


def erase(cx: Apply, st: MemberState) -> None:
    for name in list(st.profile):
        st.field_versions[name] = st.field_versions.get(name, 0) + 1
    st.profile.clear()
    st.field_meta.clear()
    st.consents.clear()
    st.row.update(status="erased", phone_index=None, assigned_staff=None)
    st.row["consent_version"] += 1
    save_member(cx.hq, cx.conn, st, cx.feed, publish=False)
    forget_personal_data(cx.conn, st.member_id)
    cx.feed.delete(Entity.MEMBER, st.member_id, int(st.row["version"]))


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else str(error["msg"])
