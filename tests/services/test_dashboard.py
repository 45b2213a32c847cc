"""Dashboard figures on a real till: known sales in, every figure checked against a hand count."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from posclient.services import dashboard, settings
from posclient.store.models import SaleRow
from posclient.store.uow import UnitOfWork
from tests.helpers import demo_members

D = Decimal


def add_sale(
    session,
    n: int,
    at: datetime,
    amount: str,
    *,
    member=None,
    tier=None,  # type: ignore[no-untyped-def]
    refunded="0",
    earned=0,
    redeemed=0,
    coupon=None,
) -> None:
    session.add(
        SaleRow(
            sale_id=f"sale-{n}",
            receipt_no=f"R{n}",
            store="S001",
            member_id=member,
            tier_code=tier,
            subtotal=D(amount),
            member_savings=D(0),
            tier_discount=D(0),
            coupon_discount=D(0),
            item_points=0,
            item_points_value=D(0),
            points_redeemed=redeemed,
            points_value=D(0),
            amount_due=D(amount),
            points_earned=earned,
            points_multiplier=D(1),
            coupon_code=coupon,
            created_at=at,
            hlc="0",
            event_seq=n,
            refunded_amount=D(refunded),
        )
    )


@pytest.fixture
def board_till(till):  # type: ignore[no-untyped-def]
    m = demo_members()
    a, b, c = m["王芳"]["member_id"], m["李强"]["member_id"], m["张敏"]["member_id"]
    utc = lambda *args: datetime(*args, tzinfo=UTC)  # noqa: E731
    with UnitOfWork(till.db) as uow:
        s = uow.session
        settings.put(s, "store", "S001")
        add_sale(s, 1, utc(2026, 11, 23, 1, 0), "100.00", member=a, tier="gold", earned=150)
        add_sale(s, 2, utc(2026, 11, 23, 2, 0), "50.00")
        # 23:30 on 22 November in Shanghai (15:30 UTC): yesterday, refunded in part.
        add_sale(
            s,
            3,
            utc(2026, 11, 22, 15, 30),
            "80.00",
            member=a,
            tier="gold",
            refunded="30.00",
            redeemed=1000,
            coupon="BD-WANG",
        )
        add_sale(
            s, 4, utc(2026, 11, 3, 4, 0), "200.00", member=b, tier="silver", coupon="WELCOME10"
        )
        add_sale(s, 5, utc(2026, 9, 24, 4, 0), "40.00", member=b, tier="silver")  # 60 days ago
        add_sale(s, 6, utc(2026, 10, 14, 4, 0), "10.00", member=c, tier="normal")  # 40 days ago
        # 00:10 on 25 October local (16:10 UTC the day before): the window's first day.
        add_sale(s, 7, utc(2026, 10, 24, 16, 10), "20.00")
        # 23:50 on 24 October local: ten minutes outside the 30 days.
        add_sale(s, 8, utc(2026, 10, 24, 15, 50), "999.00")
        uow.commit()
    return till


def compute(till):  # type: ignore[no-untyped-def]
    return dashboard.load(till.db, now=till.clock.now(), tz=till.clock.tz)


def test_figures_by_hand(board_till) -> None:  # type: ignore[no-untyped-def]
    board = compute(board_till)
    assert board.today.sales == 2
    assert board.today.amount == D("150.00") and board.today.member_amount == D("100.00")
    assert board.today.member_share == D("66.7")
    assert board.sales_30d == D("420.00")  # 100 + 50 + (80 − 30) + 200 + 20
    assert board.member_share_30d == D("83.3")  # 350 / 420

    sales = board.chart("sales")
    assert len(sales.x) == 30 and sales.x[0] == "10-25" and sales.x[-1] == "11-23"
    total, member = (dict(zip(sales.x, s.values, strict=True)) for s in sales.series)
    assert total["11-23"] == D("150.00") and member["11-23"] == D("100.00")
    assert total["11-22"] == D("50.00") and member["11-22"] == D("50.00")
    assert total["10-25"] == D("20.00") and member["10-25"] == D("0.00")
    assert sum(total.values()) == D("420.00")

    repeat = board.chart("repeat")
    assert repeat.x == ("30d", "90d")
    assert repeat.series[0].values == (D("50.0"), D("66.7"))  # A of {A, B}; A, B of {A, B, C}

    avg = board.chart("avg_ticket")
    assert avg.x == ("walk_in", "normal", "silver", "gold", "diamond")
    assert avg.series[0].values == (D("35.00"), None, D("200.00"), D("75.00"), None)

    points = board.chart("points")
    issued, redeemed = (dict(zip(points.x, s.values, strict=True)) for s in points.series)
    assert issued["11-23"] == 150 and sum(v or 0 for v in issued.values()) == 150
    assert redeemed["11-22"] == 1000 and sum(v or 0 for v in redeemed.values()) == 1000

    coupons = board.chart("coupons")
    assert dict(zip(coupons.x, coupons.series[0].values, strict=True)) == {
        "general": 1,
        "first_purchase": 0,
        "birthday": 1,
        "comeback": 0,
    }

    # 孙悦 enrolled today at S001; 陈静 (three days ago) belongs to S002.
    new = board.chart("new_members")
    store_series = dict(zip(new.x, new.series[0].values, strict=True))
    assert store_series["11-23"] == 1 and sum(store_series.values()) == 1  # type: ignore[arg-type]
    assert set(new.series[1].values) == {None}  # nothing from HQ yet
    assert board.hq_as_of is None and board.online is False


def test_chain_rows_from_hq_and_csv(board_till) -> None:  # type: ignore[no-untyped-def]
    stats = {
        "as_of": "2026-11-23T01:00:00+00:00",
        "days": [
            {
                "day": "2026-11-22",
                "members_total": 60,
                "new_members": 4,
                "sales": 10,
                "sales_fen": 100000,
                "member_sales_fen": 25000,
            },
            {
                "day": "2026-11-23",
                "members_total": 61,
                "new_members": 1,
                "sales": 2,
                "sales_fen": 20000,
                "member_sales_fen": 5000,
            },
        ],
        "version": 3,
    }
    with UnitOfWork(board_till.db) as uow:
        settings.put(uow.session, "stats:chain", json.dumps(stats))
        uow.commit()
    board = compute(board_till)
    assert board.hq_as_of == datetime(2026, 11, 23, 1, tzinfo=UTC)
    chain = dict(
        zip(board.chart("new_members").x, board.chart("new_members").series[1].values, strict=True)
    )
    assert chain["11-22"] == 4 and chain["11-23"] == 1 and chain["11-21"] is None
    assert board.chain_member_share_30d == D("25.0")
    rows = board.chart("repeat").rows()
    assert rows == [["x", "rate"], ["30d", "50.0"], ["90d", "66.7"]]


def test_an_empty_till_gives_zeros_not_errors(till) -> None:  # type: ignore[no-untyped-def]
    board = compute(till)
    assert board.today.sales == 0 and board.today.member_share is None
    assert board.member_share_30d is None
    assert board.chart("repeat").series[0].values == (None, None)
    assert board.computed_in_ms > 0
