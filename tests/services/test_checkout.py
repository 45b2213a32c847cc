"""Checkout against a real SQLite file: identify, price, complete, refund, offline rules."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from posclient.domain.codes import make_card_no, static_qr_text
from posclient.domain.errors import CartError, CodeError, CouponError, PointsError, PosError
from posclient.domain.events import chain_hash, payload_sha256
from posclient.services import checkout as checkout_module
from posclient.services import outbox
from posclient.services.checkout import Cart
from posclient.services.feedapply import put_coupon
from posclient.store import fastpath
from posclient.store.models import MemberRow
from posclient.store.uow import UnitOfWork
from posclient.sync.protocol import CouponData, RefundPayload, SalePayload
from tests.helpers import demo_members, sql

MEMBERS = demo_members()
WANG = MEMBERS["diamond"]  # 王芳: 26,800 points, birthday coupon BD-WANG (15 % off)
GOLD = MEMBERS["gold"]  # 李强: 12,300 points


def db_path(till):
    return till.db.path


def counts(till):
    return {
        table: sql(db_path(till), f"SELECT count(*) FROM {table}")[0][0]
        for table in ("sales", "sale_lines", "points_ledger", "outbox", "refunds")
    }


def cart_for(till, member_code=None, items=(("MILK-1L", 2), ("NUTS-MIX", 1))):
    service = till.checkout
    cart = Cart()
    if member_code:
        cart.member = service.identify(member_code)
    for sku, qty in items:
        cart.add(service.find_product(sku), qty)
    return cart


# ---------------------------------------------------------------- identify


def test_member_found_by_card_phone_and_static_qr(till):
    service = till.checkout
    by_card = service.identify(WANG["card_no"])
    by_phone = service.identify(WANG["phone"])
    by_qr = service.identify(static_qr_text("DEMO", WANG["card_no"]))
    spaced = service.identify("+86 " + WANG["phone"][:3] + " " + WANG["phone"][3:])
    assert by_card.member_id == by_phone.member_id == by_qr.member_id == spaced.member_id
    assert by_card.tier.name_zh == "钻石"
    assert by_card.balance == 26800
    assert by_card.phone_masked == "138****8001"
    assert by_card.name_masked == "王*"
    assert [c.code for c in by_card.coupons] == ["BD-WANG"]


def test_unknown_phone_and_bad_codes_give_reasons(till):
    service = till.checkout
    with pytest.raises(PosError) as err:
        service.identify("13000000000")
    assert err.value.code == "member.not_found_phone"
    for text, code in [
        ("2990000000018", "card.bad_check_digit"),
        ("1234", "code.unknown_format"),
        ("PCM1:OTHER:2990000000019", "qr.foreign_chain"),
        ("PCM1:DEMO:", "qr.malformed"),
        ("6901234000016", "code.product_not_member"),
        ("", "code.empty"),
    ]:
        with pytest.raises(CodeError) as err:
            service.identify(text)
        assert err.value.code == code, text


def test_valid_card_not_in_cache_is_provisional_and_cannot_redeem(till):
    card = make_card_no(5_000_123)
    cart = cart_for(till, card)
    assert cart.member.provisional
    cart.redeem_points = 100
    with pytest.raises(PointsError) as err:
        till.checkout.price(cart)
    assert err.value.code == "points.provisional_member"
    cart.redeem_points = 0
    receipt = till.checkout.complete_sale(cart)
    assert receipt.provisional and receipt.priced.points_earned > 0
    # The next scan of the same card sees the provisional points; still no redeeming.
    again = till.checkout.identify(card)
    assert again.provisional and again.balance == receipt.priced.points_earned
    payload = SalePayload.model_validate_json(
        sql(db_path(till), "SELECT payload FROM outbox WHERE seq = ?", receipt.event_seq)[0][0]
    )
    assert payload.member_id is None and payload.provisional_card_no == card


# ---------------------------------------------------------------- the sale transaction


def test_completed_sale_writes_everything_in_one_go(till):
    cart = cart_for(till, WANG["phone"])
    cart.coupon = till.checkout.find_coupon("BD-WANG", cart)
    cart.redeem_points = 3000
    priced = till.checkout.price(cart)
    receipt = till.checkout.complete_sale(cart, staff_id="c01")
    path = db_path(till)
    (sale,) = sql(
        path,
        "SELECT receipt_no, amount_due, points_redeemed, points_earned, "
        "coupon_code, member_id FROM sales",
    )
    assert sale == (
        receipt.receipt_no,
        int(priced.amount_due * 100),
        3000,
        priced.points_earned,
        "BD-WANG",
        cart.member.member_id,
    )
    assert sql(path, "SELECT count(*), sum(amount_due) FROM sale_lines")[0] == (
        2,
        int(priced.amount_due * 100),
    )
    ledger = sql(path, "SELECT kind, points FROM points_ledger ORDER BY entry_id")
    assert ledger == [("redeem", -3000), ("earn", priced.points_earned)]
    assert sql(path, "SELECT status, used_sale_id FROM coupons WHERE code='BD-WANG'") == [
        ("used", receipt.sale_id)
    ]
    (event,) = sql(path, "SELECT seq, type, status, payload, payload_sha256 FROM outbox")
    assert event[:3] == (1, "sale.completed", "pending")
    payload = SalePayload.model_validate_json(event[3])
    assert payload.amount_due_fen == int(priced.amount_due * 100)
    assert payload_sha256(json.loads(event[3])) == event[4]
    # The member now sees the unsynced effect on top of HQ's confirmed balance.
    after = till.checkout.identify(WANG["card_no"])
    assert after.balance == 26800 - 3000 + priced.points_earned == receipt.balance_after
    assert after.confirmed_balance == 26800
    assert after.coupons == ()


def test_failure_inside_the_sale_leaves_nothing(till, monkeypatch):
    before = counts(till)
    cart = cart_for(till, WANG["phone"])
    cart.coupon = till.checkout.find_coupon("BD-WANG", cart)
    cart.redeem_points = 1000
    real_write = checkout_module.fastpath.use_coupon

    def write_then_fail(conn, *args):
        real_write(conn, *args)  # the last write of the sale: everything else is in by now
        raise OSError("disk unplugged")

    monkeypatch.setattr(checkout_module.fastpath, "use_coupon", write_then_fail)
    with pytest.raises(OSError):
        till.checkout.complete_sale(cart)
    assert counts(till) == before
    assert sql(db_path(till), "SELECT status FROM coupons WHERE code='BD-WANG'") == [("available",)]


def add_coupon(till, code, *, starts_in, days, **extra):
    """A general ¥8 coupon valid from today + ``starts_in`` for ``days`` days."""
    today = till.clock.today()
    data = {
        "code": code,
        "kind": "general",
        "discount_type": "fixed",
        "value": "800",
        "valid_from": today + timedelta(days=starts_in),
        "valid_until": today + timedelta(days=starts_in + days),
        **extra,
    }
    with UnitOfWork(till.db) as uow:
        put_coupon(fastpath.driver(uow.session), CouponData.model_validate(data))
        uow.commit()


def test_a_sku_typed_in_another_case_is_found(till):
    """QA 10: "milk-1l" was an unknown product while coupon codes are case-blind."""
    service = till.checkout
    assert service.find_product("milk-1l").sku == service.find_product("MILK-1L").sku == "MILK-1L"
    assert service.find_product(" Nuts-Mix ").sku == "NUTS-MIX"
    with pytest.raises(CartError) as err:
        service.find_product("milk-2l")
    assert err.value.code == "cart.unknown_sku"


def test_bad_input_changes_nothing(till):
    add_coupon(till, "OLD2024", starts_in=-400, days=30)
    add_coupon(till, "FUTURE1", starts_in=30, days=30)
    before = counts(till)
    service = till.checkout
    with pytest.raises(CartError) as err:
        service.find_product("NOPE1")
    assert err.value.code == "cart.unknown_sku"
    cart = cart_for(till, WANG["phone"])
    for qty in (0, -1, 1000):
        with pytest.raises(CartError):
            cart.add(service.find_product("CHIPS"), qty)
    for points, code in [
        (26900, "points.over_balance"),
        (150, "points.not_whole_yuan"),
        (-100, "points.negative"),
    ]:
        cart.redeem_points = points
        with pytest.raises(PointsError) as err:
            service.complete_sale(cart)
        assert err.value.code in (code, "points.over_cap"), points
    cart.redeem_points = 0
    for code, reason in [
        ("OLD2024", "coupon.expired"),
        ("FUTURE1", "coupon.not_yet_valid"),
        ("FP-CHEN", "coupon.not_this_member"),
        ("NOSUCH", "coupon.unknown"),
    ]:
        with pytest.raises(CouponError) as err:
            service.find_coupon(code, cart)
        assert err.value.code == reason
    with pytest.raises(CartError):
        service.complete_sale(Cart())
    assert counts(till) == before


def test_redemption_cap_is_half_the_bill_in_whole_yuan(till):
    cart = cart_for(till, MEMBERS["diamond"]["phone"], items=(("NOODLE-5", 1),))  # ¥13.50 list
    priced = till.checkout.price(cart)
    # Diamond pays 90 %: ¥12.15 → cap floor(6.075) = ¥6 → 600 points.
    assert priced.amount_due == Decimal("12.15")
    assert priced.max_redeemable == 600
    cart.redeem_points = 700
    with pytest.raises(PointsError) as err:
        till.checkout.price(cart)
    assert err.value.code == "points.over_cap"


def test_coupon_cannot_be_used_twice(till):
    cart = cart_for(till, WANG["phone"])
    cart.coupon = till.checkout.find_coupon("BD-WANG", cart)
    till.checkout.complete_sale(cart)
    cart2 = cart_for(till, WANG["phone"])
    with pytest.raises(CouponError) as err:
        till.checkout.find_coupon("BD-WANG", cart2)
    assert err.value.code == "coupon.used"
    # Even with a stale coupon object held by the screen, the sale re-checks inside the write.
    cart2.coupon = cart.coupon
    with pytest.raises(CouponError):
        till.checkout.complete_sale(cart2)


def test_balance_checked_again_inside_the_transaction(till):
    cart_a = cart_for(till, GOLD["phone"], items=(("FORMULA-900", 1),))  # ¥298, not discountable
    cart_b = cart_for(till, GOLD["phone"], items=(("FORMULA-900", 1),))
    balance = cart_a.member.balance
    cart_a.redeem_points = cart_b.redeem_points = min(14_900, balance // 100 * 100)
    till.checkout.complete_sale(cart_a)
    with pytest.raises(PointsError):
        till.checkout.complete_sale(cart_b)


def test_prepared_sale_is_priced_again_when_the_member_moved(till):
    """Prepared outside the lock, committed inside it: a sale committed in between wins."""
    service = till.checkout
    cart_a = cart_for(till, GOLD["phone"], items=(("FORMULA-900", 1),))
    cart_b = cart_for(till, GOLD["phone"], items=(("FORMULA-900", 1),))
    cart_a.redeem_points = cart_b.redeem_points = min(14_900, cart_a.member.balance // 100 * 100)
    prepared_b = service.prepare_sale(cart_b)
    service.complete_sale(cart_a)
    before = counts(till)
    with pytest.raises(PointsError):
        service.commit_sale(prepared_b)
    assert counts(till) == before


def test_prepared_sale_with_a_coupon_used_since_is_refused(till):
    service = till.checkout
    cart_a = cart_for(till, WANG["phone"])
    cart_a.coupon = service.find_coupon("BD-WANG", cart_a)
    cart_b = cart_for(till, WANG["phone"])
    cart_b.coupon = cart_a.coupon
    prepared_b = service.prepare_sale(cart_b)
    service.complete_sale(cart_a)
    before = counts(till)
    with pytest.raises(CouponError):
        service.commit_sale(prepared_b)
    assert counts(till) == before


def test_unchanged_prepared_sale_is_written_without_pricing_again(till, monkeypatch):
    service = till.checkout
    prepared = service.prepare_sale(cart_for(till, WANG["phone"]))
    calls = []
    real = checkout_module.CheckoutService._prepare
    monkeypatch.setattr(
        checkout_module.CheckoutService,
        "_prepare",
        lambda self, *a, **k: calls.append(1) or real(self, *a, **k),
    )
    receipt = service.commit_sale(prepared)
    assert calls == []
    assert receipt.sale_id == prepared.sale_id
    assert receipt.priced == prepared.priced


def test_unchanged_prepared_sale_runs_its_statements_as_built(till, monkeypatch):
    """Nothing was committed since it was prepared: the commit reads nothing and builds
    nothing again; its receipt and event are the ones numbered when it was prepared."""
    service = till.checkout
    prepared = service.prepare_sale(cart_for(till, WANG["phone"]), staff_id="c01")
    assert prepared.write is not None
    monkeypatch.setattr(
        checkout_module.CheckoutService,
        "_build_write",
        lambda *a, **k: pytest.fail("built again under the lock"),
    )
    receipt = service.commit_sale(prepared)
    assert receipt.receipt_no == prepared.write.receipt_no
    assert receipt.event_seq == prepared.write.appended.seq
    assert receipt.staff_id == "c01"
    assert sql(db_path(till), "SELECT staff_id, receipt_no FROM sales") == [
        ("c01", receipt.receipt_no)
    ]


def test_prepared_sale_is_numbered_again_after_another_process_sold(till, data_dir, clock):
    """Another connection (here another till object on the same file, as a second process
    would be) committed a sale in between: receipt number, seq and chain follow it."""
    from posclient.bootstrap import open_till

    service = till.checkout
    prepared = service.prepare_sale(cart_for(till, WANG["phone"]))
    other = open_till(data_dir, clock=clock)
    try:
        between = other.checkout.complete_sale(cart_for(other, GOLD["phone"]))
    finally:
        other.close()
    assert between.event_seq == prepared.write.appended.seq  # both took the same number
    receipt = service.commit_sale(prepared)
    assert receipt.event_seq == between.event_seq + 1
    assert receipt.receipt_no != between.receipt_no
    rows = sql(db_path(till), "SELECT seq, prev_hash, event_hash FROM outbox ORDER BY seq")
    assert [r[0] for r in rows] == [1, 2]
    assert rows[1][1] == rows[0][2]  # the chain goes through the other sale


def test_prepared_sale_is_numbered_again_after_a_sale_on_the_same_connection(till):
    service = till.checkout
    prepared = service.prepare_sale(cart_for(till, WANG["phone"]))
    between = service.complete_sale(cart_for(till, GOLD["phone"]))
    receipt = service.commit_sale(prepared)
    assert receipt.event_seq == between.event_seq + 1
    assert sql(db_path(till), "SELECT count(DISTINCT receipt_no) FROM sales") == [(2,)]


def test_prepared_sale_left_waiting_is_stamped_when_committed(till, clock):
    service = till.checkout
    prepared = service.prepare_sale(cart_for(till, WANG["phone"]))
    clock.at += timedelta(minutes=3)
    receipt = service.commit_sale(prepared, staff_id="c02")
    assert receipt.created_at == clock.at
    occurred, staff = sql(
        db_path(till),
        "SELECT json_extract(payload, '$.occurred_at'), json_extract(payload, '$.staff_id') "
        "FROM outbox",
    )[0]
    assert occurred == clock.at.isoformat()
    assert staff == "c02" == receipt.staff_id


def test_prepared_redemption_refused_if_the_balance_went_stale_before_the_commit(till, clock):
    """QA 9: offline, priced a second before the cached balance became too old to spend,
    committed a second after: the commit refuses, as pricing it then would."""
    service = till.checkout
    cart = cart_for(till, WANG["phone"])
    age = service.policy.offline_max_balance_age
    clock.at = cart.member.as_of + age - timedelta(seconds=1)
    cart.redeem_points = 1000
    prepared = service.prepare_sale(cart)
    before = counts(till)
    clock.at += timedelta(seconds=2)
    with pytest.raises(PointsError) as refused:
        service.commit_sale(prepared)
    assert refused.value.code == "points.stale_balance"
    assert counts(till) == before


def test_the_same_prepared_sale_committed_twice_is_written_once(till):
    """QA 9: the second commit of one prepared sale is refused, member or not."""
    service = till.checkout
    for code in (WANG["phone"], None):
        prepared = service.prepare_sale(cart_for(till, code))
        receipt = service.commit_sale(prepared)
        before = counts(till)
        with pytest.raises(PosError) as again:
            service.commit_sale(prepared)
        assert again.value.code == "sale.already_completed"
        assert again.value.params["receipt_no"] == receipt.receipt_no
        assert counts(till) == before


def test_prepared_sale_committed_after_midnight_books_points_for_the_new_day(till, clock):
    service = till.checkout
    prepared = service.prepare_sale(cart_for(till, WANG["phone"]))
    clock.at += timedelta(days=1)
    receipt = service.commit_sale(prepared)
    detail = sql(
        db_path(till),
        "SELECT detail FROM points_ledger WHERE sale_id = ? AND kind = 'earn'",
        receipt.sale_id,
    )
    expires_on = json.loads(detail[0][0])["expires_on"]
    assert expires_on != prepared.earning.expires_on.isoformat()
    assert expires_on > prepared.earning.expires_on.isoformat()


def test_points_cash_item_needs_a_member_and_item_points(till):
    service = till.checkout
    cart = cart_for(till, None, items=(("TOTE-BAG", 1),))
    cart.set_points_price(1, True)
    with pytest.raises(PointsError):
        service.price(cart)
    cart.member = service.identify(MEMBERS["陈静"]["phone"])  # 0 points
    with pytest.raises(PointsError) as err:
        service.price(cart)
    assert err.value.code == "points.over_balance"
    cart.member = service.identify(WANG["phone"])
    receipt = service.complete_sale(cart)
    assert receipt.priced.item_points == 500
    assert receipt.priced.amount_due == Decimal("20.00")
    assert service.identify(WANG["phone"]).balance == 26800 - 500 + receipt.priced.points_earned


# ---------------------------------------------------------------- offline rules


def test_offline_redemption_refused_when_balance_is_stale(till, clock):
    with UnitOfWork(till.db) as uow:
        row = uow.session.get(MemberRow, WANG["member_id"])
        row.synced_at = clock.now() - timedelta(days=4)
        uow.commit()
    cart = cart_for(till, WANG["phone"])
    assert till.checkout.price(cart).max_redeemable == 0
    cart.redeem_points = 100
    with pytest.raises(PointsError) as err:
        till.checkout.price(cart)
    # The refusal says why: the balance is too old to spend from, and since when.
    assert err.value.code == "points.stale_balance"
    assert err.value.params == {"as_of": clock.now() - timedelta(days=4)}


def test_offline_caps_per_sale_and_per_member_day(till):
    service = till.checkout
    service.policy = type(service.policy)(offline_per_sale=1000, offline_per_member_day=1500)
    cart = cart_for(till, MEMBERS["diamond"]["phone"], items=(("FORMULA-900", 1),))
    assert service.price(cart).max_redeemable == 1000
    cart.redeem_points = 1000
    service.complete_sale(cart)
    cart = cart_for(till, MEMBERS["diamond"]["phone"], items=(("FORMULA-900", 1),))
    assert service.price(cart).max_redeemable == 500
    cart.redeem_points = 600  # over what is left today: the reason names the offline limit
    with pytest.raises(PointsError) as err:
        service.price(cart)
    assert (err.value.code, err.value.params["limit"]) == ("points.over_offline_cap", 500)
    service.is_online = lambda: True
    assert service.price(cart).max_redeemable > 1000


# ---------------------------------------------------------------- refunds


def test_full_refund_restores_the_members_points(till):
    service = till.checkout
    before = service.identify(WANG["phone"])
    cart = cart_for(till, WANG["phone"])
    cart.redeem_points = 2000
    receipt = service.complete_sale(cart)
    refund = service.refund_sale(receipt.receipt_no, reason="customer changed mind")
    assert refund.amount == receipt.priced.amount_due
    assert refund.points_restored == 2000
    assert refund.points_reversed == receipt.priced.points_earned
    after = service.identify(WANG["phone"])
    assert after.balance == before.balance
    assert after.account == before.account
    (payload,) = sql(db_path(till), "SELECT payload FROM outbox WHERE type='refund.completed'")
    RefundPayload.model_validate_json(payload[0])
    with pytest.raises(CartError) as err:
        service.refund_sale(receipt.receipt_no)
    assert err.value.code == "refund.already_refunded"


def test_partial_refunds_add_up_to_the_sale(till):
    service = till.checkout
    before = service.identify(GOLD["phone"])
    cart = cart_for(till, GOLD["phone"], items=(("MILK-1L", 3), ("CHOC-BOX", 2), ("CHIPS", 1)))
    cart.redeem_points = 3000
    receipt = service.complete_sale(cart)
    parts = [
        service.refund_sale(receipt.receipt_no, quantities={1: 1}),
        service.refund_sale(receipt.receipt_no, quantities={1: 1, 2: 1}),
        service.refund_sale(receipt.receipt_no),
    ]
    assert sum(p.amount for p in parts) == receipt.priced.amount_due
    assert sum(p.points_restored for p in parts) == 3000
    assert sum(p.points_reversed for p in parts) == receipt.priced.points_earned
    assert service.identify(GOLD["phone"]).account == before.account
    with pytest.raises(PosError) as err:
        service.refund_sale("S001-9999-0000001")
    assert err.value.code == "refund.unknown_receipt"


def test_refund_over_quantity_is_refused(till):
    receipt = till.checkout.complete_sale(cart_for(till, None))
    with pytest.raises(CartError) as err:
        till.checkout.refund_sale(receipt.receipt_no, quantities={1: 3})
    assert err.value.code == "refund.qty_over_sold"
    with pytest.raises(CartError):
        till.checkout.refund_sale(receipt.receipt_no, quantities={7: 1})


# ---------------------------------------------------------------- the outbox journal


def test_outbox_is_a_gapless_hash_chain(till):
    service = till.checkout
    for _ in range(3):
        receipt = service.complete_sale(cart_for(till, WANG["phone"]))
    service.refund_sale(receipt.receipt_no)
    rows = sql(
        db_path(till),
        "SELECT seq, event_id, type, payload, payload_sha256, prev_hash, "
        "event_hash, hlc FROM outbox ORDER BY seq",
    )
    assert [r[0] for r in rows] == [1, 2, 3, 4]
    prev = None
    for seq, event_id, type_, payload, digest, prev_hash, event_hash, _ in rows:
        assert payload_sha256(json.loads(payload)) == digest
        assert prev_hash == prev
        assert event_hash == chain_hash(
            prev, event_id=event_id, seq=seq, type=type_, payload_hash=digest
        )
        prev = event_hash
    stamps = [r[7] for r in rows]
    assert stamps == sorted(stamps) and len(set(stamps)) == 4
    with till.db.read() as session:
        assert outbox.pending_count(session) == 4


def test_a_redemption_from_a_lot_that_expires_later_is_not_counted_twice(till, clock):
    """QA round 4: the unconfirmed redemption was replayed at today's date; once its lot had
    expired, the spent points came out of the newer lot too (a phantom debt)."""
    from datetime import timedelta

    cart = cart_for(till, GOLD["phone"], items=(("OIL-5L", 2),))  # 李强: 12,300 pts, 20 days
    cart.redeem_points = 1000
    receipt = till.checkout.complete_sale(cart)
    earned = receipt.priced.points_earned
    assert receipt.balance_after == 12_300 - 1000 + earned
    clock.at += timedelta(days=21)  # the demo lot has expired; the sale's new lot has not
    assert till.checkout.identify(GOLD["phone"]).balance == earned
    # Refunding the sale brings back what it took and takes what it gave: nothing left.
    till.checkout.refund_sale(receipt.receipt_no)
    assert till.checkout.identify(GOLD["phone"]).balance == 0


def test_a_fully_refunded_purchase_is_no_purchase(till):
    """QA round 4: a first purchase rung up and refunded at once cost the member the
    first-purchase coupon."""
    chen = MEMBERS["陈静"]  # no purchase yet; coupon FP-CHEN
    first = cart_for(till, chen["phone"], items=(("CHIPS", 1),))
    receipt = till.checkout.complete_sale(first)
    till.checkout.refund_sale(receipt.receipt_no)
    again = cart_for(till, chen["phone"], items=(("RICE-5KG", 1),))
    again.coupon = till.checkout.find_coupon("FP-CHEN", again)
    assert till.checkout.complete_sale(again).priced.coupon_discount > 0
