"""Tags and RFM segments (R4), computed at HQ from the member's sales."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from posclient.domain.segments import classify
from posclient.hq.context import Hq, put_entity
from posclient.hq.feed import Feed, publish
from posclient.hq.maintenance import maintain
from posclient.hq.members import load_member
from posclient.hq.segments import refresh
from posclient.sync.protocol import Entity, ProductData

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


def test_refresh_counts_the_sales_kept_in_each_window(hq: Hq, till: Till, clock: Clock) -> None:
    """A fully refunded sale drops out, a free one counts; the preferred category is the one
    bought most (a tie goes to the one bought first); the 30-day and 12-month windows move."""
    with hq.db.write() as conn:
        feed = Feed()
        for sku, category in (("TEA-1", "tea"), ("MILK-1", "dairy")):
            product = ProductData(sku=sku, name=sku, price_fen=100, category=category)
            put_entity(conn, feed, Entity.PRODUCT, sku, product.model_dump(mode="json"))
        publish(conn, feed, hq.now())
    hq.categories = {}
    member_id = enrolled(till)

    def state() -> tuple[int, list[str]]:
        with hq.db.write() as conn:
            st = load_member(conn, member_id)
            assert st is not None
            refresh(hq, conn, st)
            return st.row["spend_12m_fen"], st.tags

    till.push_one(till.sale(member_id, amount_fen=20_000, sku="TEA-1")[1])
    till.push_one(till.sale(member_id, amount_fen=10_000, sku="MILK-1")[1])
    refunded_id, refunded = till.sale(member_id, amount_fen=5_000, sku="MILK-1", points_earned=0)
    till.push_one(refunded)
    assert till.push_one(till.refund(refunded_id, amount_fen=5_000))["status"] == "applied"
    spend, tags = state()
    assert spend == 30_000
    assert {"category:tea", "freq_30d:2", "avg_ticket_fen:15000"} <= set(tags)
    till.push_one(till.sale(member_id, amount_fen=0, sku="MILK-1")[1])
    spend, tags = state()
    assert spend == 30_000
    assert {"category:dairy", "freq_30d:3", "avg_ticket_fen:10000"} <= set(tags)
    clock.advance(days=40)
    spend, tags = state()
    assert spend == 30_000 and "freq_30d:0" in tags
    clock.advance(days=330)
    spend, tags = state()
    assert spend == 0 and not any(t.startswith(("avg_ticket_fen:", "category:")) for t in tags)


def member_doc(hq: Hq, member_id: str) -> tuple[str | None, list[str]]:
    with hq.db.read() as conn:
        st = load_member(conn, member_id, lock=False)
    assert st is not None
    return st.row["segment"], st.tags


def test_maintain_counts_down_freq_30d_as_each_sale_leaves_the_window(
    hq: Hq, till: Till, clock: Clock
) -> None:
    clock.at = datetime.now(UTC)
    member_id = enrolled(till)
    till.push_one(till.sale(member_id, amount_fen=1_000, occurred_at=clock())[1])
    clock.advance(days=10)
    till.push_one(till.sale(member_id, amount_fen=1_000, occurred_at=clock())[1])
    assert "freq_30d:2" in member_doc(hq, member_id)[1]
    # Day 31: the first sale left the 30 days, the last one did not.
    clock.advance(days=21)
    maintain(hq)
    assert "freq_30d:1" in member_doc(hq, member_id)[1]
    clock.advance(days=10, minutes=1)
    maintain(hq)
    assert "freq_30d:0" in member_doc(hq, member_id)[1]


def test_maintain_ends_high_value_loyal_when_the_last_purchase_is_90_days_old(
    hq: Hq, till: Till, clock: Clock
) -> None:
    clock.at = datetime.now(UTC)
    member_id = enrolled(till)
    clock.advance(days=200)
    maintain(hq)  # the enrolment's own ageing is done
    for _ in range(4):
        till.push_one(till.sale(member_id, amount_fen=60_000, occurred_at=clock())[1])
    assert member_doc(hq, member_id)[0] == "high_value_loyal"
    clock.advance(days=60)
    maintain(hq)
    assert member_doc(hq, member_id)[0] == "high_value_loyal"
    clock.advance(days=31)
    maintain(hq)
    segment, tags = member_doc(hq, member_id)
    assert segment is None and "rfm:high_value_loyal" not in tags
