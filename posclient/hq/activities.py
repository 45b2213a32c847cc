"""Activity points credited by HQ (R5): daily sign-in and referrals, each credited once.

A sign-in is once per member and day; a referral once per referred person, to one member. The
referred person is a member of the chain (its id is the activity id, followed through merges),
and nobody refers themselves. Their keys cannot meet: ``sign_in:<member>:<day>`` and
``referral:<member>``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select

from posclient.domain.points import earn

from . import models as m
from .context import Hq
from .feed import Feed, publish
from .ledger import book, expire
from .members import load_member, member_doc, resolve, save_member

KINDS = ("sign_in", "referral")


class ActivityError(ValueError):
    """An activity that cannot be credited (unknown member or kind)."""


#: The activities table's key column holds 80 characters, "referral:" and the activity id.
MAX_ACTIVITY_ID = 80 - len("referral:")


def _merged_into(conn: Connection, member_id: str) -> list[str]:
    """``member_id`` and every member merged into it, directly or through others."""
    found, frontier = [member_id], [member_id]
    while frontier:
        frontier = list(
            conn.execute(
                select(m.members.c.member_id).where(m.members.c.merged_into.in_(frontier))
            ).scalars()
        )
        frontier = [i for i in frontier if i not in found]
        found.extend(frontier)
    return found


def credit_activity(
    hq: Hq, member_id: str, kind: str, *, points: int | None = None, activity_id: str | None = None
) -> tuple[bool, dict[str, Any]]:
    """Credit activity points. Returns (credited now, member doc); a repeat credits nothing."""
    if kind not in KINDS:
        raise ActivityError(f"unknown activity kind {kind!r}")
    if kind == "referral" and not activity_id:
        raise ActivityError("a referral needs an activity id (the referred member)")
    if kind == "sign_in" and activity_id is not None:
        raise ActivityError("a sign-in takes no activity id: it is credited once a day")
    if activity_id is not None and not 0 < len(activity_id) <= MAX_ACTIVITY_ID:
        raise ActivityError(f"an activity id is 1 to {MAX_ACTIVITY_ID} characters")
    amount = points if points is not None else getattr(hq.rules, f"{kind}_points")
    if amount <= 0:
        raise ActivityError("activity points must be positive")

    def work(conn: Connection) -> tuple[bool, dict[str, Any]]:
        live = resolve(conn, member_id)
        st = load_member(conn, live) if live else None
        if st is None:
            raise ActivityError("unknown member")
        if st.status != "active":
            raise ActivityError(f"the member is {st.status}: no points can be credited")
        if kind == "referral":
            referred = resolve(conn, str(activity_id))
            if referred is None:
                raise ActivityError(f"the referred member {activity_id} is unknown")
            if referred == st.member_id:
                raise ActivityError("a member cannot refer themselves")
            person = load_member(conn, referred, lock=False)
            if person is None or person.status != "active":
                raise ActivityError(f"the referred member {activity_id} is no longer a member")
            key = f"referral:{referred}"
            # The same person under every id merged into theirs, and referrals credited before
            # keys had their kind in front (the bare id).
            ids = [str(activity_id), *_merged_into(conn, referred)]
            keys = list(dict.fromkeys([key, *(f"referral:{i}" for i in ids), *ids]))
        else:
            key = f"sign_in:{st.member_id}:{hq.today().isoformat()}"
            keys = [key]
        done = conn.execute(
            select(m.activities.c.member_id, m.activities.c.kind).where(
                m.activities.c.activity_id.in_(keys)
            )
        ).first()
        if done is not None:
            if done.kind != kind:
                raise ActivityError(f"the activity id {activity_id} is already used")
            if resolve(conn, done.member_id) != st.member_id:  # merged since: the same person
                raise ActivityError(f"the referral {activity_id} was credited to another member")
            return False, member_doc(st, hq.today())
        conn.execute(
            insert(m.activities).values(
                activity_id=key, member_id=st.member_id, kind=kind, points=amount, at=hq.now()
            )
        )
        expire(hq, st)
        lot_id = f"act:{key}"
        after, _ = earn(
            st.account, lot_id=lot_id, points=amount, expires_on=hq.today() + hq.validity
        )
        book(hq, st, after, kind, lot_id=lot_id, ref=key)
        feed = Feed()
        doc = save_member(hq, conn, st, feed)
        publish(conn, feed, hq.now())
        return True, doc

    return hq.db.transact(work)
