"""A coupon used twice offline: the first use by hlc wins (device id breaks ties)."""

from __future__ import annotations

from sqlalchemy import select

from posclient.hq import models as m
from posclient.hq.context import Hq
from posclient.hq.demo import load_demo

from .helpers import Till

EARLY, LATE = "001700000000000-00000", "001700000005000-00000"


def coupon_state(hq: Hq, code: str) -> tuple[str, str | None, dict[str, int]]:
    with hq.db.read() as conn:
        row = conn.execute(select(m.coupons).where(m.coupons.c.code == code)).one()
        discounts = dict(
            conn.execute(select(m.sales.c.sale_id, m.sales.c.store_discount_fen)).all()
        )
    return row.status, row.used_sale_id, discounts


def test_second_use_loses_and_its_discount_is_a_store_discount(
    hq: Hq, till: Till, till2: Till
) -> None:
    load_demo(hq, members=0)
    first_id, first = till.sale(
        None, amount_fen=9000, coupon_code="WELCOME10", coupon_discount_fen=1000, hlc=EARLY
    )
    second_id, second = till2.sale(
        None, amount_fen=9000, coupon_code="WELCOME10", coupon_discount_fen=1000, hlc=LATE
    )
    assert till.push_one(first)["status"] == "applied"
    result = till2.push_one(second)
    assert result["status"] == "conflict" and result["reason"] == "coupon_already_used"
    assert result["state"]["coupon"]["status"] == "used"
    status, winner, discounts = coupon_state(hq, "WELCOME10")
    assert (status, winner) == ("used", first_id)
    assert discounts == {first_id: 0, second_id: 1000}


def test_a_later_arriving_earlier_use_wins(hq: Hq, till: Till, till2: Till) -> None:
    load_demo(hq, members=0)
    late_id, late = till.sale(
        None, amount_fen=9000, coupon_code="WELCOME10", coupon_discount_fen=1000, hlc=LATE
    )
    early_id, early = till2.sale(
        None, amount_fen=9000, coupon_code="WELCOME10", coupon_discount_fen=1000, hlc=EARLY
    )
    assert till.push_one(late)["status"] == "applied"
    result = till2.push_one(early)
    assert result["status"] == "applied" and "winner changed" in result["detail"]
    _, winner, discounts = coupon_state(hq, "WELCOME10")
    assert winner == early_id
    assert discounts == {early_id: 0, late_id: 1000}
    with hq.db.read() as conn:
        notes = dict(conn.execute(select(m.coupon_uses.c.sale_id, m.coupon_uses.c.note)).all())
    assert notes == {late_id: "lost_to_earlier_use", early_id: "won_on_hlc"}
    # The feed carries the coupon's new winner.
    changes, _, _ = till.pull_all()
    coupon = [c for c in changes if c["entity"] == "coupon" and c["id"] == "WELCOME10"][-1]
    assert coupon["data"]["status"] == "used"


def test_same_hlc_device_id_breaks_the_tie(hq: Hq, till: Till, till2: Till) -> None:
    load_demo(hq, members=0)
    a_id, a = till.sale(
        None, amount_fen=9000, coupon_code="SPRING9", coupon_discount_fen=1000, hlc=EARLY
    )
    b_id, b = till2.sale(
        None, amount_fen=9000, coupon_code="SPRING9", coupon_discount_fen=1000, hlc=EARLY
    )
    winner_id = a_id if till.device_id < till2.device_id else b_id
    till2.push_one(b)
    till.push_one(a)
    assert coupon_state(hq, "SPRING9")[1] == winner_id


def test_unknown_coupon_is_a_store_discount(hq: Hq, till: Till) -> None:
    sale_id, sale = till.sale(None, amount_fen=9000, coupon_code="NOPE", coupon_discount_fen=500)
    result = till.push_one(sale)
    assert result["status"] == "conflict" and result["reason"] == "unknown_coupon"
    assert coupon_state_discount(hq, sale_id) == 500


def coupon_state_discount(hq: Hq, sale_id: str) -> int:
    with hq.db.read() as conn:
        return int(
            conn.execute(
                select(m.sales.c.store_discount_fen).where(m.sales.c.sale_id == sale_id)
            ).scalar_one()
        )


WANG = "eeeb34aa-c85d-5893-831f-da1cbb843956"  # BD-WANG is his


def test_another_members_coupon_stays_with_its_owner(hq: Hq, till: Till) -> None:
    """A sale (for someone else, or for no member) using a member's coupon stands, but the
    coupon is not used up: its discount is the store's and the owner can still use it."""
    from .test_sales import enrolled

    load_demo(hq, members=10)  # the demo's own members, 王芳 among them
    for buyer in (enrolled(till), None):
        sale_id, sale = till.sale(
            buyer, amount_fen=9000, coupon_code="BD-WANG", coupon_discount_fen=1000
        )
        result = till.push_one(sale)
        assert result["status"] == "conflict" and result["reason"] == "coupon_not_members"
        assert coupon_state_discount(hq, sale_id) == 1000
    assert coupon_state(hq, "BD-WANG")[:2] == ("available", None)
    own_id, own = till.sale(WANG, amount_fen=9000, coupon_code="BD-WANG", coupon_discount_fen=1000)
    result = till.push_one(own)
    assert result["status"] == "applied", result
    assert coupon_state(hq, "BD-WANG")[:2] == ("used", own_id)
