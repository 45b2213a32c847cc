"""Append-only consent log; a withdrawal beats any grant from a till that had not seen it."""

from __future__ import annotations

from sqlalchemy import Connection, insert, or_, select

from posclient.sync.protocol import (
    FIELD_PURPOSE,
    ConsentDecision,
    ConsentPayload,
    ConsentPurpose,
)

from . import models as m
from .members import MemberState, load_member, resolve, save_member
from .outcome import Apply, Reject
from .privacy import forget_personal_data, merged_into


def record_consent(
    cx: Apply, st: MemberState, consent: ConsentPayload, *, known_version: int | None = None
) -> bool:
    """Log one decision and apply it to the member; returns whether it took effect.

    ``known_version`` is the highest consent version a till may have seen of the member: the
    member's own, unless the event named a member since merged into it.
    """
    conn = cx.conn
    consent_id = str(consent.consent_id)
    if conn.execute(
        select(m.consents.c.consent_id).where(m.consents.c.consent_id == consent_id)
    ).first():
        raise Reject("consent_exists", "this consent record was already received")
    _check_version_seen(
        cx, consent, st.row["consent_version"] if known_version is None else known_version
    )
    purpose = consent.purpose.value
    effective = True
    if consent.decision is ConsentDecision.GRANTED:
        # A member who holds the consent again (re-granted after a withdrawal) has no
        # withdrawal in force for a stale grant to lose to.
        if not st.consents.get(purpose) and _unseen_withdrawal(cx, st, consent):
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


def _check_version_seen(cx: Apply, consent: ConsentPayload, known: int) -> None:
    """Refuse a grant carrying a consent version the till cannot have seen.

    Tills send the version of HQ's member document they hold (0 for a member they enrolled),
    and HQ's only goes up; a grant claiming more could beat withdrawals it never saw. A
    withdrawal takes effect whatever the till had seen, so it is never refused for this
    (it must not wait in an attention list while the data spreads): it gets a note.
    """
    seen = consent.consent_version_seen
    if seen <= known:
        return
    ahead = f"consent_version_seen {seen} is ahead of the member's consent version at HQ ({known})"
    if consent.decision is ConsentDecision.GRANTED:
        raise Reject("invalid_payload", ahead)
    cx.out.note(f"{ahead}; the withdrawal takes effect all the same")


def _unseen_withdrawal(cx: Apply, st: MemberState, consent: ConsentPayload) -> bool:
    """Whether the member withdrew (or declined) the purpose in a decision that the till
    capturing this grant had not seen, so that the withdrawal beats the grant.

    The till had not seen a withdrawal HQ recorded after the consent version the till last
    synced, unless the till captured that withdrawal itself earlier in its own order (a lower
    seq on the same device): then the member changed their mind at this till, and the grant,
    the later decision, takes effect. A withdrawal that jumped the queue ahead of an earlier
    grant of the same till (a higher seq) still wins.
    """
    consents, events = m.consents.c, m.events.c
    before_at_this_till = (consents.device_id == cx.ev.device_id) & (events.seq < cx.ev.seq)
    query = (
        select(consents.consent_id)
        .select_from(m.consents.outerjoin(m.events, events.event_id == consents.event_id))
        .where(
            consents.member_id == st.member_id,
            consents.purpose == consent.purpose.value,
            consents.decision.in_(
                [ConsentDecision.WITHDRAWN.value, ConsentDecision.DECLINED.value]
            ),
            consents.effective.is_(True),
            consents.version_after > consent.consent_version_seen,
            # NULLs (a decision HQ made, or no event row) count as another till's.
            or_(consents.device_id.is_(None), events.seq.is_(None), ~before_at_this_till),
        )
    )
    return cx.conn.execute(query).first() is not None


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
    if consent.purpose is ConsentPurpose.MEMBERSHIP and (
        consent.decision is not ConsentDecision.GRANTED
    ):
        # The till never sends this (services.consent: membership_is_erasure). Applied as a
        # consent it would purge phone and name and leave a member earning points.
        raise Reject(
            "invalid_payload",
            "membership cannot be withdrawn as a consent: a member leaves by erasure "
            "(member.erasure_requested)",
        )
    named = str(consent.member_id)
    member_id = resolve(cx.conn, named)
    if member_id is None:
        raise Reject("unknown_member", "HQ does not know the member")
    st = load_member(cx.conn, member_id)
    assert st is not None
    if st.status == "erased":
        raise Reject("member_erased", "the member's personal data was erased")
    known = st.row["consent_version"]
    if member_id != named:
        known = max(known, _consent_version(cx.conn, named))
    record_consent(cx, st, consent, known_version=known)
    cx.out.state["member"] = save_member(cx.hq, cx.conn, st, cx.feed)


def _consent_version(conn: Connection, member_id: str) -> int:
    """The consent version of a member merged into another: what a till that had not heard of
    the merge last saw of it."""
    version = conn.execute(
        select(m.members.c.consent_version).where(m.members.c.member_id == member_id)
    ).scalar_one()
    return int(version)
