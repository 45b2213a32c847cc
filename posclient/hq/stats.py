"""Chain-wide daily figures and the offer rules, published in the feed for the tills (issue 8).

``publish_stats`` recomputes the last ``STATS_DAYS`` business days (members, new members, sales,
member sales, net of refunds) into the ``stats`` entity ``chain``; ``publish_offer_rules`` puts
the triggered-offer rules (``rule`` entity ``offers``). Daily maintenance calls both: the default
rules go out once, and a chain's own rules are never replaced by them. Portable SQL (range
queries per day), so it runs on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, case, func, select

from posclient.domain.offers import OfferRules
from posclient.sync.insights import STATS_DAYS, ChainStatsData, DayStats, OfferRulesData
from posclient.sync.protocol import Entity

from . import models as m
from .context import CHAIN_TZ, Hq, put_entity
from .feed import Feed, publish


def chain_stats(conn: Connection, *, now: datetime, days: int = STATS_DAYS) -> ChainStatsData:
    today = now.astimezone(CHAIN_TZ).date()
    out: list[DayStats] = []
    for n in range(days - 1, -1, -1):
        day = today - timedelta(days=n)
        start = datetime.combine(day, datetime.min.time(), tzinfo=CHAIN_TZ)
        end = start + timedelta(days=1)
        members_total, new_members = conn.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((m.members.c.enrolled_at >= start, 1), else_=0)), 0),
            ).where(m.members.c.enrolled_at < end, m.members.c.status == "active")
        ).one()
        net = m.sales.c.amount_due_fen - m.sales.c.refunded_fen
        count, total, member_total = conn.execute(
            select(
                func.count(),
                func.coalesce(func.sum(net), 0),
                func.coalesce(func.sum(case((m.sales.c.member_id.is_not(None), net), else_=0)), 0),
            ).where(and_(m.sales.c.occurred_at >= start, m.sales.c.occurred_at < end))
        ).one()
        out.append(
            DayStats(
                day=day,
                members_total=int(members_total),
                new_members=int(new_members),
                sales=int(count),
                sales_fen=max(0, int(total)),
                member_sales_fen=max(0, int(member_total)),
            )
        )
    return ChainStatsData(as_of=now, days=out)


def publish_stats(hq: Hq) -> ChainStatsData:
    now = hq.now()
    with hq.db.write() as conn:
        stats = chain_stats(conn, now=now)
        feed = Feed()
        put_entity(conn, feed, Entity.STATS, "chain", stats.model_dump(mode="json"))
        publish(conn, feed, now)
    return stats


def publish_offer_rules(hq: Hq, rules: OfferRules | None = None) -> bool:
    """Publish the chain's offer rules unless HQ has exactly these already. Without ``rules``,
    publish the defaults only if the chain has none yet (what daily maintenance does)."""
    data = OfferRulesData.from_domain(rules or OfferRules()).model_dump(mode="json")
    with hq.db.write() as conn:
        current = conn.execute(
            select(m.entities.c.data).where(
                m.entities.c.entity == Entity.RULE.value, m.entities.c.entity_id == "offers"
            )
        ).scalar_one_or_none()
        if current is not None and rules is None:
            return False
        if current is not None:
            old = json.loads(current)
            old.pop("version", None)
            if {k: v for k, v in data.items() if k != "version"} == old:
                return False
        feed = Feed()
        put_entity(conn, feed, Entity.RULE, "offers", data)
        publish(conn, feed, hq.now())
    return True
