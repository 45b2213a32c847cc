"""Chain figures and offer rules: computed by HQ, published by maintenance, applied on a till."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from posclient.domain.offers import OfferRules
from posclient.hq import models as m
from posclient.hq.context import Hq
from posclient.hq.maintenance import maintain
from posclient.hq.stats import chain_stats, publish_offer_rules
from posclient.sync.insights import ChainStatsData, OfferRulesData

from .conftest import Clock
from .helpers import Till

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 12:00 in the chain's time zone


def _member(n: int, enrolled: datetime) -> dict[str, object]:
    return {
        "member_id": f"m-{n}",
        "card_no": f"29900000{n:05d}",
        "home_store": "S001",
        "enrolled_at": enrolled,
        "tier_code": "normal",
        "spend_12m_fen": 0,
        "purchase_count": 0,
        "profile": "{}",
        "field_versions": "{}",
        "field_meta": "{}",
        "consents": "{}",
        "tags": "[]",
        "status": "active",
        "version": 1,
        "doc": "{}",
    }


def _sale(
    n: int, at: datetime, fen: int, member: str | None, refunded: int = 0
) -> dict[str, object]:
    return {
        "sale_id": f"s-{n}",
        "event_id": f"e-{n}",
        "device_id": "d",
        "store": "S001",
        "member_id": member,
        "receipt_no": f"R{n}",
        "occurred_at": at,
        "hlc": "0",
        "subtotal_fen": fen,
        "amount_due_fen": fen,
        "refunded_fen": refunded,
        "lines": "[]",
    }


def test_daily_figures_by_hand(hq: Hq, clock: Clock) -> None:
    clock.at = NOW
    with hq.db.write() as conn:
        conn.execute(
            insert(m.members),
            [
                _member(1, NOW - timedelta(days=100)),
                _member(2, NOW - timedelta(days=1)),
                # 23:30 on 22 November in the chain's zone: counts for the 22nd, not the 23rd.
                _member(3, datetime(2026, 11, 22, 15, 30, tzinfo=UTC)),
                _member(4, NOW - timedelta(hours=1)),
            ],
        )
        conn.execute(
            insert(m.sales),
            [
                _sale(1, NOW - timedelta(hours=2), 10_000, "m-1"),
                _sale(2, NOW - timedelta(hours=3), 5_000, None),
                _sale(3, NOW - timedelta(days=1), 8_000, "m-2", refunded=3_000),
                _sale(4, NOW - timedelta(days=40), 99_900, None),  # outside the 30 days
            ],
        )
        stats = chain_stats(conn, now=NOW)
    assert len(stats.days) == 30 and stats.days[-1].day.isoformat() == "2026-11-23"
    today, yesterday = stats.days[-1], stats.days[-2]
    assert (today.members_total, today.new_members) == (4, 1)
    assert (yesterday.members_total, yesterday.new_members) == (3, 2)
    assert (today.sales, today.sales_fen, today.member_sales_fen) == (2, 15_000, 10_000)
    assert (yesterday.sales, yesterday.sales_fen, yesterday.member_sales_fen) == (1, 5_000, 5_000)
    assert sum(d.sales for d in stats.days) == 3


def test_maintenance_publishes_stats_and_rules_and_the_till_applies_them(
    hq: Hq, till: Till
) -> None:
    maintain(hq)
    changes, _, _ = till.pull_all()
    stats = [c for c in changes if c["entity"] == "stats"]
    assert [c["id"] for c in stats] == ["chain"]
    ChainStatsData.model_validate(stats[0]["data"])
    (rules,) = [c for c in changes if c["entity"] == "rule" and c["id"] == "offers"]
    assert OfferRulesData.model_validate(rules["data"]).to_domain() == OfferRules()
    # Unchanged rules are not published again; changed ones are, and maintenance keeps them.
    assert publish_offer_rules(hq) is False
    assert publish_offer_rules(hq, OfferRules()) is False
    assert publish_offer_rules(hq, OfferRules(dormant_days=45)) is True


def test_a_till_keeps_what_it_pulled_and_the_dashboard_and_offers_use_it(
    hq: Hq, till: Till, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from posclient.bootstrap import open_till
    from posclient.services import dashboard, feedapply
    from posclient.services import offers as offers_service
    from posclient.store.uow import UnitOfWork
    from posclient.sync.protocol import Change

    publish_offer_rules(hq, OfferRules(dormant_days=45))
    maintain(hq)
    changes, _, _ = till.pull_all()
    local = open_till(tmp_path / "till", create=True)
    try:
        with UnitOfWork(local.db) as uow:
            feedapply.apply_changes(
                uow.session, local.cipher, [Change.model_validate(c) for c in changes]
            )
            uow.commit()
        with local.db.read() as session:
            assert offers_service.load_rules(session).dormant_days == 45
        board = dashboard.load(local.db, now=hq.now(), tz=local.clock.tz)
        assert board.hq_as_of is not None
        assert abs(board.hq_as_of - hq.now()) < timedelta(minutes=1)
    finally:
        local.close()
