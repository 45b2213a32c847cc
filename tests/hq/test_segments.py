"""Tags and RFM segments (R4), computed at HQ from the member's sales."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from posclient.domain.segments import classify
from posclient.hq.context import Hq
from posclient.hq.maintenance import maintain

from .conftest import Clock
from .helpers import Till
from .test_sales import enrolled

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def segment(**kw: object) -> str | None:
    base: dict[str, object] = {
        "now": NOW,
        "enrolled_at": NOW - timedelta(days=400),
        "last_purchase_at": NOW - timedelta(days=5),
        "freq_12m": 1,
        "freq_30d": 1,
        "spend_12m_fen": 10_000,
        "category": None,
        "home_store": "S001",
        "tier_code": "normal",
    }
    base.update(kw)
    return classify(**base)[0]  # type: ignore[arg-type]


def test_rfm_rules() -> None:
    assert segment(freq_12m=6, spend_12m_fen=300_000) == "high_value_loyal"
    assert (
        segment(freq_12m=6, spend_12m_fen=300_000, last_purchase_at=NOW - timedelta(days=120))
        is None
    )
    assert segment(enrolled_at=NOW - timedelta(days=20)) == "promising_new"
    assert segment(last_purchase_at=NOW - timedelta(days=181)) == "dormant"
    assert segment(last_purchase_at=None, enrolled_at=NOW - timedelta(days=200)) == "dormant"
    assert segment(last_purchase_at=None, enrolled_at=NOW - timedelta(days=2)) is None


def test_tags_follow_sales_and_time(hq: Hq, till: Till, clock: Clock) -> None:
    member_id = enrolled(till)
    till.push_one(till.sale(member_id, amount_fen=20_000, sku="TEA-GREEN")[1])
    changes, cursor, _ = till.pull_all()
    member = [c for c in changes if c["id"] == member_id][-1]["data"]
    assert member["segment"] == "promising_new"
    assert {
        "tier:normal",
        "store:S001",
        "freq_30d:1",
        "avg_ticket_fen:20000",
        "rfm:promising_new",
    } <= set(member["tags"])
    for _ in range(4):
        till.push_one(till.sale(member_id, amount_fen=60_000)[1])
    changes, cursor, _ = till.pull_all(cursor)
    member = [c for c in changes if c["id"] == member_id][-1]["data"]
    assert member["segment"] == "high_value_loyal" and member["tier_code"] == "silver"
    clock.advance(days=200)
    assert maintain(hq)["refreshed_members"] >= 1
    changes, _, _ = till.pull_all(cursor)
    member = [c for c in changes if c["id"] == member_id][-1]["data"]
    assert member["segment"] == "dormant" and "rfm:dormant" in member["tags"]
