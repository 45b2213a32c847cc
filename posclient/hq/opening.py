"""Opening points balances of imported legacy members: credited once per member (R12)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

from posclient.domain.points import earn
from posclient.sync.protocol import OpeningPointsPayload

from . import models as m
from .context import CHAIN_TZ
from .fastsql import read_dt
from .ledger import book, expire
from .members import load_live, save_member
from .outcome import Apply, Reject
from .sales import EXPIRY_SLACK
from .segments import refresh

#: How far an opening balance may be from the member's enrolment (the import books both at
#: once; a queue that waits offline keeps their times).
OPENING_WINDOW = timedelta(hours=1)


def apply_opening(cx: Apply, opening: OpeningPointsPayload) -> None:
    """Credit the balance the member had in the old system as one lot, at most once.

    The till enrols the member (an earlier event of the same device) and then sends this; HQ
    books the till's lot as is, so both sides name and date it alike. A second opening balance
    for the same member — another import of the same person — is refused, not added up.
    """
    conn, hq = cx.conn, cx.hq
    st = load_live(conn, str(opening.member_id))
    if st is None:
        raise Reject("unknown_member", "HQ does not know the member of this opening balance")
    # Only the import that enrolled the member carries their old balance: a till of the store
    # the member was enrolled at, in the same run (the till books both at one moment). Any other
    # till, or a member enrolled earlier, would be points out of thin air.
    # The member as imported: merged since into another one, the balance goes to that one.
    imported = conn.execute(
        select(m.members.c.home_store, m.members.c.enrolled_at).where(
            m.members.c.member_id == str(opening.member_id)
        )
    ).one()
    if cx.store and imported.home_store != cx.store:
        raise Reject(
            "opening_not_enrolled_here",
            "an opening balance comes from the store that enrolled the member",
        )
    enrolled_at = read_dt(imported.enrolled_at)
    if enrolled_at is None or abs(opening.occurred_at - enrolled_at) > OPENING_WINDOW:
        raise Reject(
            "opening_not_at_enrolment",
            "an opening balance is booked when the imported member is enrolled",
        )
    key = f"opening:{st.member_id}"
    if conn.execute(
        select(m.activities.c.activity_id).where(m.activities.c.activity_id == key)
    ).first():
        raise Reject("opening_exists", "the member already has an opening points balance")
    imported_on = opening.occurred_at.astimezone(CHAIN_TZ).date()
    if opening.expires_on > imported_on + hq.validity + EXPIRY_SLACK:
        raise Reject("bad_expiry", "opening points may not outlive the points validity")
    if st.account.lot(opening.lot_id) is not None:
        raise Reject("lot_exists", f"the member already has a points lot {opening.lot_id}")
    st.new_lots.add(opening.lot_id)
    conn.execute(
        insert(m.activities).values(
            activity_id=key,
            member_id=st.member_id,
            kind="opening",
            points=opening.points,
            at=hq.now(),
        )
    )
    expire(hq, st, event_id=cx.event_id)
    after, _ = earn(
        st.account, lot_id=opening.lot_id, points=opening.points, expires_on=opening.expires_on
    )
    book(hq, st, after, "opening", lot_id=opening.lot_id, event_id=cx.event_id, ref=key)
    refresh(hq, conn, st)
    cx.out.state["member"] = save_member(hq, conn, st, cx.feed)
