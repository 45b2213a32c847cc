"""Append-only consent log; a withdrawal beats any grant from a till that had not seen it."""

from __future__ import annotations

from sqlalchemy import insert, select

from posclient.sync.protocol import FIELD_PURPOSE, ConsentDecision, ConsentPayload

from . import models as m
from .members import MemberState, load_member, resolve, save_member
from .outcome import Apply, Reject
from .privacy import forget_personal_data, merged_into


def record_consent(cx: Apply, st: MemberState, consent: ConsentPayload) -> bool:
    """Log one decision and apply it to the member; returns whether it took effect."""
    conn = cx.conn
    consent_id = str(consent.consent_id)
    if conn.execute(
        select(m.consents.c.consent_id).where(m.consents.c.consent_id == consent_id)
    ).first():
        raise Reject("consent_exists", "this consent record was already received")
    purpose = consent.purpose.value
    effective = True
    if consent.decision is ConsentDecision.GRANTED:
        withdrawn_later = conn.execute(
            select(m.consents.c.consent_id).where(
                m.consents.c.member_id == st.member_id,
                m.consents.c.purpose == purpose,
                m.consents.c.decision.in_(["withdrawn", "declined"]),
                m.consents.c.effective.is_(True),
                m.consents.c.version_after > consent.consent_version_seen,
            )
        ).first()
        if withdrawn_later:
            effective = False
            cx.out.conflict(
                "consent_withdrawn",
                f"the member withdrew {purpose} consent after the till last synced; "
                "the withdrawal stands",
            )
        else:
            st.consents[purpose] = True
    else:
        st.consents[purpose] = False
        purge_fields(cx, st, purpose)
    if effective:
        st.row["consent_version"] += 1
        st.dirty = True
    conn.execute(
        insert(m.consents).values(
            consent_id=consent_id,
            member_id=st.member_id,
            purpose=purpose,
            decision=consent.decision.value,
            notice_version=consent.notice_version,
            notice_sha256=consent.notice_sha256,
            language=consent.language,
            channel=consent.channel.value,
            store=consent.store,
            device_id=cx.ev.device_id,
            staff_id=consent.staff_id,
            consent_version_seen=consent.consent_version_seen,
            version_after=st.row["consent_version"],
            guardian=consent.guardian,
            occurred_at=consent.occurred_at,
            hlc=cx.ev.hlc,
            event_id=cx.event_id,
            effective=effective,
            received_at=cx.hq.now(),
        )
    )
    return effective


def purge_fields(cx: Apply, st: MemberState, purpose: str) -> list[str]:
    """Delete the profile fields that rest on ``purpose`` (their versions move on)."""
    purged = []
    for field_name, needs in FIELD_PURPOSE.items():
        if needs.value != purpose:
            continue
        if st.profile.pop(field_name, None) is not None:
            purged.append(field_name)
        st.field_versions[field_name] = st.field_versions.get(field_name, 0) + 1
        st.field_meta[field_name] = {
            "store": None,
            "at": cx.hq.now().isoformat(),
            "reason": f"{purpose} consent withdrawn",
        }
        if field_name == "phone":
            st.row["phone_index"] = None
    st.dirty = True
    # The member's earlier puts carried the fields; so did those of duplicates merged into it.
    if purged or merged_into(cx.conn, st.member_id):
        forget_personal_data(cx.conn, st.member_id)
    return purged


def apply_consent(cx: Apply, consent: ConsentPayload) -> None:
    member_id = resolve(cx.conn, str(consent.member_id))
    if member_id is None:
        raise Reject("unknown_member", "HQ does not know the member")
    st = load_member(cx.conn, member_id)
    assert st is not None
    if st.status == "erased":
        raise Reject("member_erased", "the member's personal data was erased")
    record_consent(cx, st, consent)
    cx.out.state["member"] = save_member(cx.hq, cx.conn, st, cx.feed)
