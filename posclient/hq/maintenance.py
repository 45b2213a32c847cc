"""Periodic work: expire points lots, recompute tiers and segments that age, prune the feed,
release sales held too long for a member HQ never heard of.

Expiry also happens lazily whenever a member's points are touched; ``posclient-hq maintain``
(run it daily, e.g. from cron) catches members nobody touched.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Connection, exists, insert, or_, select, update

from posclient.domain.segments import (
    DORMANT_AFTER,
    LOYAL_MAX_RECENCY,
    NEW_MAX_AGE,
    NEW_MAX_RECENCY,
)

from . import models as m
from .context import DEFAULT_HOLD, Hq
from .feed import Feed, prune, publish
from .ledger import expire
from .members import load_member, save_member
from .segments import MONTH, YEAR, refresh

log = logging.getLogger("posclient.hq")


def maintain(hq: Hq, *, hold: timedelta = DEFAULT_HOLD) -> dict[str, int]:
    now = hq.now()
    with hq.db.read() as conn:
        last_text = conn.execute(
            select(m.meta.c.value).where(m.meta.c.key == "maintained_at")
        ).scalar_one_or_none()
        since = datetime.fromisoformat(last_text) if last_text else now - timedelta(days=1)
        expiring = set(
            conn.execute(
                select(m.lots.c.member_id)
                .where(m.lots.c.remaining > 0, m.lots.c.expires_on < hq.today())
                .distinct()
            ).scalars()
        )
        ageing = set(_ageing(conn, since, now))
    touched = 0
    for member_id in sorted(expiring | ageing):
        touched += hq.db.transact(partial(_touch, hq, member_id=member_id))
    with hq.db.write() as conn:
        pruned = prune(conn, now=now, retention=hq.retention)
        released = release_held(conn, made_before=now - hold)
        _set_meta(conn, "maintained_at", now.isoformat())
    # --- issue 8: the chain's daily figures and the offer rules for the tills' dashboard
    from .stats import publish_offer_rules, publish_stats

    publish_stats(hq)
    publish_offer_rules(hq)
    # --- end issue 8
    result = {
        "expired_members": len(expiring),
        "refreshed_members": touched,
        "pruned_changes": pruned,
        "released_held_sales": released,
    }
    log.info("maintenance: %s", result)
    return result


def release_held(conn: Connection, *, made_before: datetime) -> int:
    """Stop waiting for the members of held sales made before ``made_before`` (a provisional
    card never enrolled, an enrolment never sent): each sale stays recorded as it is, without
    a member, and an enrolment arriving later books nothing for it (the manager can still
    ``credit`` points by hand). Returns how many."""
    held = m.held_sales.c
    released = conn.execute(m.held_sales.delete().where(held.occurred_at < made_before)).rowcount
    if released:
        log.info("held sales released: their member never reached HQ", extra={"sales": released})
    return int(released)


def _ageing(conn: Connection, since: datetime, now: datetime) -> Any:
    """Members whose tier, segment or tags may have changed by time passing since ``since``."""
    windows = []
    # The segment's recency thresholds (and the year, for spend), crossed by the last purchase.
    for days in (YEAR.days, DORMANT_AFTER, LOYAL_MAX_RECENCY, NEW_MAX_RECENCY):
        windows.append(
            m.members.c.last_purchase_at.between(
                since - timedelta(days=days), now - timedelta(days=days)
            )
        )
    for days in (NEW_MAX_AGE, DORMANT_AFTER):
        windows.append(
            m.members.c.enrolled_at.between(
                since - timedelta(days=days), now - timedelta(days=days)
            )
        )
    query = select(m.members.c.member_id).where(m.members.c.status == "active", or_(*windows))
    yield from conn.execute(query).scalars()
    yield from _month_passed(conn, since, now)
    yield from conn.execute(
        select(m.sales.c.member_id)
        .where(
            m.sales.c.member_id.is_not(None),
            m.sales.c.occurred_at.between(since - YEAR, now - YEAR),
        )
        .distinct()
    ).scalars()


def _month_passed(conn: Connection, since: datetime, now: datetime) -> Any:
    """Members with a sale whose 30 days ran out since ``since``: their ``freq_30d`` tag
    counts one sale fewer, whichever of their sales it was (not only the last one).

    Only a member whose last purchase is that recent can have one, and each such member's
    sales are looked up in the (member_id, occurred_at) index: no pass over every sale.
    """
    start, end = since - MONTH, now - MONTH
    left_window = exists().where(
        m.sales.c.member_id == m.members.c.member_id,
        m.sales.c.occurred_at.between(start, end),
    )
    query = select(m.members.c.member_id).where(
        m.members.c.status == "active",
        m.members.c.last_purchase_at >= start,
        left_window,
    )
    return conn.execute(query).scalars()


def _touch(hq: Hq, conn: Connection, *, member_id: str) -> int:
    st = load_member(conn, member_id)
    if st is None or st.status != "active":
        return 0
    before = (st.row["tier_code"], st.row["segment"], list(st.tags), st.row["spend_12m_fen"])
    expired = expire(hq, st)
    refresh(hq, conn, st)
    after = (st.row["tier_code"], st.row["segment"], list(st.tags), st.row["spend_12m_fen"])
    if not expired and before == after:
        return 0
    feed = Feed()
    save_member(hq, conn, st, feed)
    publish(conn, feed, hq.now())
    return 1


def _set_meta(conn: Connection, key: str, value: str) -> None:
    if not conn.execute(update(m.meta).where(m.meta.c.key == key).values(value=value)).rowcount:
        conn.execute(insert(m.meta).values(key=key, value=value))
