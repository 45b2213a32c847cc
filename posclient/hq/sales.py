"""Sales and refunds at HQ: the authoritative points ledger, overdraft, stale-tier correction."""

from __future__ import annotations

import contextlib
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import func, insert, select, update

from posclient.domain.money import from_fen
from posclient.domain.points import (
    Account,
    Earning,
    Lot,
    Redemption,
    earn,
    earning_slice,
    points_earned,
    redeem,
    redemption_slice,
    restore,
    reverse_earn,
)
from posclient.domain.tiers import Tier, by_code
from posclient.sync.protocol import (
    RefundPayload,
    SaleLinePayload,
    SalePayload,
    default_repaid_lot,
)

from . import models as m
from .context import CHAIN_TZ
from .coupons import apply_coupon, coupon_multiplier
from .fastsql import Fast
from .feed import dumps
from .ledger import (
    book,
    earning_from,
    earning_json,
    entry,
    expire,
    redemption_from,
    redemption_json,
)
from .members import (
    DocLater,
    MemberState,
    load_live,
    load_member,
    resolve,
    save_member,
)
from .outcome import Apply, Reject
from .privacy import merged_into
from .segments import product_categories, refresh

INS_SALE = (
    "INSERT INTO sales (sale_id, event_id, device_id, store, member_id, receipt_no, occurred_at, "
    "hlc, subtotal_fen, amount_due_fen, coupon_code, coupon_discount_fen, store_discount_fen, "
    "redemption, earning, correction, notes, category, lines, points_restored, points_reversed, "
    "refunded_fen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0)"
)
#: Serialises a sale's lines as stored (compact, UTF-8: the same text as ``dumps`` of their
#: JSON dump, without building the dicts first).
_LINES = TypeAdapter(list[SaleLinePayload])
#: An earned lot may expire at most this long after the sale beyond the validity (rule changes).
EXPIRY_SLACK = timedelta(days=366)
#: How long after it was made a sale may still spend points from lots that expired before it
#: reached HQ (a till offline that long). Older, it is charged as of the day HQ receives it.
LAPSED_LOOKBACK = timedelta(days=30)


def _member_for_sale(cx: Apply, sale: SalePayload) -> tuple[MemberState | None, bool]:
    """The sale's member (None: a sale without one, or one HQ cannot credit), and whether the
    sale names a member HQ does not know yet: then it is held for their enrolment."""
    conn = cx.conn
    st: MemberState | None
    if cx.run is not None:
        # A run takes only sales of members it loaded (live ones).
        st = cx.run.members[str(sale.member_id)]
    elif sale.member_id is not None:
        st = load_live(conn, str(sale.member_id))
    elif sale.provisional_card_no is not None:
        found = conn.execute(
            select(m.members.c.member_id).where(m.members.c.card_no == sale.provisional_card_no)
        ).scalar_one_or_none()
        st = load_live(conn, found) if found else None
    else:
        return None, False
    if st is not None and st.status == "erased":
        # The person asked to be forgotten: the sale stands without them, no points move (a
        # till that had not heard yet may still have shown their balance).
        cx.out.conflict(
            "member_erased",
            "the sale's member was erased; the sale is recorded without one and no points moved",
        )
        return None, False
    if st is None:
        # The goods left the store: the sale stands (never dropped into an attention list),
        # recorded without a member, and its points wait for the member's enrolment (an
        # enrolment still on its way from another till, or lost by a restore of HQ): held
        # once the sale is stored (``_hold``).
        cx.out.conflict(
            "unknown_member",
            "HQ does not know the sale's member; the sale is recorded without one and its "
            "points are booked if the member's enrolment reaches HQ",
        )
        return None, True
    expire(cx.hq, st, event_id=cx.event_id)
    return st, False


def _category(cx: Apply, sale: SalePayload) -> str | None:
    categories = product_categories(cx.hq, cx.conn)
    lines = sale.lines
    if len(lines) == 1:  # most sales
        return categories.get(lines[0].sku) or None
    spent: dict[str, int] = {}
    for line in lines:
        category = categories.get(line.sku)
        if category:
            spent[category] = spent.get(category, 0) + line.amount_due_fen + line.points_redeemed
    # The first of equals wins, as Counter.most_common would have it.
    return max(spent, key=spent.__getitem__) if spent else None


def _earn_expiry(cx: Apply, sale: SalePayload) -> date:
    sold_on = (
        sale.occurred_at.astimezone(CHAIN_TZ).date()
        if sale.occurred_at.tzinfo
        else sale.occurred_at.date()
    )
    return _plausible_expiry(cx, sold_on, sale.earn_expires_on, kind="earn", points="earned")


def _plausible_expiry(cx: Apply, day: date, wanted: date | None, *, kind: str, points: str) -> date:
    """Expiry of a lot credited on ``day``: the till's date (``wanted``) if a lot credited that
    day could have it (rules change: up to ``EXPIRY_SLACK`` beyond the validity), else ``day``
    + the validity, answered as conflict ``{kind}_expiry_adjusted``."""
    default = day + cx.hq.validity
    if wanted is None:
        return default
    if not day < wanted <= default + EXPIRY_SLACK:
        cx.out.conflict(
            f"{kind}_expiry_adjusted",
            f"{points} points expire on {default.isoformat()} (the till said {wanted.isoformat()})",
        )
        return default
    return wanted


def _earn_claim(cx: Apply, sale: SalePayload, hq_tier: Tier) -> int:
    """The points the sale earns: what the till says, unless its tier could not earn that much.

    The ledger is HQ's: a claim above the most the sale's money earns at the higher of the
    tier the till priced it at and the member's tier here (with its points coupon) is credited
    at that most and answered as a conflict, so the till takes HQ's balance. Within it, the
    till's figure stands (its tier and rules of the moment: a till offline since the member
    moved down keeps what it promised).
    """
    hq, claimed = cx.hq, sale.points_earned
    per_yuan = hq.rules.earn_per_yuan
    if claimed <= sale.amount_due_fen // 100 * per_yuan:  # within the base rate: most sales
        return claimed
    multiplier = hq_tier.points_multiplier
    if sale.tier_code is not None:
        with contextlib.suppress(KeyError):  # a tier HQ does not know earns nothing more
            multiplier = max(multiplier, by_code(sale.tier_code, hq.tiers).points_multiplier)
    coupon = coupon_multiplier(cx.conn, sale.coupon_code, member_id=sale.member_id)
    if coupon:
        multiplier *= Decimal(coupon)
    most = points_earned(from_fen(sale.amount_due_fen), multiplier, per_yuan=per_yuan)
    if claimed <= most:
        return claimed
    cx.out.conflict(
        "earn_capped",
        f"the till claimed {claimed} points; the sale can earn at most {most}: {most} credited",
    )
    return most


#: How far ahead of HQ's clock a till's sale may be dated before HQ dates it itself.
CLOCK_SLACK = timedelta(minutes=10)


def apply_sale(cx: Apply, sale: SalePayload) -> None:
    conn, hq, out = cx.conn, cx.hq, cx.out
    now = hq.now()
    if sale.occurred_at > now + CLOCK_SLACK:
        # A till whose clock runs ahead (or a forged date): a sale cannot happen after HQ hears
        # of it. Dated now, it counts in the 12-month tier window for 12 months, not forever.
        sale = sale.model_copy(update={"occurred_at": now})
        out.note("the till's clock is ahead of HQ's: the sale is dated when HQ received it")
    sale_id = str(sale.sale_id)
    fast = Fast.of(conn)
    st, unknown = _member_for_sale(cx, sale)
    owner = st.member_id if st else None
    store_discount = apply_coupon(cx, sale, owner) if sale.coupon_code else 0
    notes: dict[str, Any] = {}
    redemption = earning = correction = None
    if st is not None:
        redemption, earning, correction = _book_points(cx, st, sale, notes)
    category = _category(cx, sale)
    row = (
        sale_id,
        cx.event_id,
        cx.ev.device_id,
        sale.store,
        st.member_id if st else None,
        sale.receipt_no,
        fast.dt(sale.occurred_at),
        cx.ev.hlc,
        sale.subtotal_fen,
        sale.amount_due_fen,
        sale.coupon_code,
        sum(line.coupon_discount_fen for line in sale.lines),
        store_discount,
        dumps(redemption_json(redemption)) if redemption else None,
        dumps(earning_json(earning)) if earning else None,
        dumps(correction) if correction else None,
        dumps(notes) if notes else None,
        category,
        _LINES.dump_json(sale.lines).decode(),
    )
    if cx.run is None:
        inserted = fast.insert_new(INS_SALE, row)
    else:
        inserted = cx.run.add_sale(
            row,
            sale_id=sale_id,
            member_id=st.member_id if st else None,
            category=category,
            amount_due_fen=sale.amount_due_fen,
            occurred_at=sale.occurred_at,
        )
    if not inserted:
        raise Reject("sale_exists", "another event already reported this sale")
    if st is None:
        if unknown:
            _hold(cx, sale)
        return
    if cx.run is None:
        refresh(hq, conn, st)
        out.state["member"] = save_member(hq, conn, st, cx.feed)
        return
    refresh(hq, conn, st, cx.run.figures[st.member_id])
    cx.run.save(st)
    if out.is_conflict:  # the answer carries the member only with a conflict
        out.state["member"] = DocLater.now(st, hq.today(), cx.run.docs)


def _book_points(
    cx: Apply, st: MemberState, sale: SalePayload, notes: dict[str, Any]
) -> tuple[Redemption | None, Earning | None, dict[str, Any] | None]:
    """The member's side of a sale: points spent, points earned (with a stale-tier correction),
    purchase count and date. Returns what the sale row records of it."""
    hq, sale_id = cx.hq, str(sale.sale_id)
    redemption = earning = correction = None
    tier_before = hq.tier(st.row["tier_code"])
    spent = sale.item_points + sale.points_redeemed
    if spent:
        redemption = _redeem(cx, st, sale, spent)
        if redemption.debt_added:
            _overdraft(
                cx,
                st,
                f"the sale used {redemption.debt_added} points more than the balance; "
                "the sale stands and the shortfall is debt repaid from later earnings",
            )
    if sale.points_earned:
        lot_id = sale.earn_lot_id or f"sale:{sale_id}"
        _check_new_lot(cx, st, lot_id, sale_id)
        after, earning = earn(
            st.account,
            lot_id=lot_id,
            points=_earn_claim(cx, sale, tier_before),
            expires_on=_earn_expiry(cx, sale),
        )
        book(hq, st, after, "earn", lot_id=lot_id, event_id=cx.event_id, ref=sale_id)
        correction = _stale_tier(
            cx,
            st,
            sale,
            hq_tier=tier_before.code,
            lot_id=lot_id,
            expires_on=earning.expires_on,
            notes=notes,
        )
    st.row["purchase_count"] += 1
    last = st.row["last_purchase_at"]
    st.row["last_purchase_at"] = sale.occurred_at if last is None else max(last, sale.occurred_at)
    return redemption, earning, correction


def _overdraft(cx: Apply, st: MemberState, detail: str) -> None:
    """Points taken beyond the balance became debt: counted on the member, answered as a
    conflict (the till takes HQ's balance)."""
    st.row["overdrafts"] += 1
    cx.out.conflict("points_overdraft", detail)


def _hold(cx: Apply, sale: SalePayload) -> None:
    """Keep a sale whose member HQ does not know until the member's enrolment arrives."""
    cx.conn.execute(
        insert(m.held_sales).values(
            sale_id=str(sale.sale_id),
            member_id=None if sale.member_id is None else str(sale.member_id),
            card_no=sale.provisional_card_no,
            occurred_at=sale.occurred_at,
            payload=sale.model_dump_json(),
        )
    )


def credit_held(cx: Apply, st: MemberState) -> None:
    """A member just enrolled: book the sales recorded before HQ knew them (``_hold``: made
    with their id or their card at a till that heard of them first), oldest first, as if
    they had arrived now. A sale refunded meanwhile (without a member, no points moved) is
    left as it stands: its points are the manager's call. Runs inside the enrolment's
    transaction; what it did is noted in the enrolment's answer."""
    h = m.held_sales.c
    rows = cx.conn.execute(
        select(h.sale_id, h.payload)
        .where((h.member_id == st.member_id) | (h.card_no == st.row["card_no"]))
        .order_by(h.occurred_at, h.sale_id)
    ).all()
    if not rows:
        return
    credited: list[str] = []
    for sale_id, payload in rows:
        try:
            sale = SalePayload.model_validate_json(payload)
        except ValidationError:  # kept by an older HQ under other rules: not the enrolment's fault
            cx.out.note(f"held sale {sale_id} could not be read again: its points were not booked")
            continue
        stored = cx.conn.execute(
            select(m.sales.c.member_id, m.sales.c.refunded_fen, m.sales.c.notes).where(
                m.sales.c.sale_id == sale_id
            )
        ).first()
        if stored is None or stored.member_id is not None:
            continue
        if stored.refunded_fen:
            cx.out.note(
                f"sale {sale.receipt_no} was refunded before HQ knew its member: "
                "its points were not booked"
            )
            continue
        lot_id = sale.earn_lot_id or f"sale:{sale_id}"
        if sale.points_earned and (st.account.lot(lot_id) is not None or lot_id in st.new_lots):
            # Two held sales naming one lot (a faulty till): the enrolment must not fail on it.
            cx.out.note(f"sale {sale.receipt_no}: points lot {lot_id} is taken: not booked")
            continue
        # The sale's own conflicts (an overdraft, a capped claim) are the enrolment's notes:
        # the enrolment itself went through.
        own = Apply(hq=cx.hq, conn=cx.conn, ev=cx.ev, feed=cx.feed, store=cx.store)
        notes: dict[str, Any] = json.loads(stored.notes) if stored.notes else {}
        redemption, earning, correction = _book_points(own, st, sale, notes)
        notes["booked_at_enrolment"] = cx.event_id
        cx.conn.execute(
            update(m.sales)
            .where(m.sales.c.sale_id == sale_id)
            .values(
                member_id=st.member_id,
                redemption=dumps(redemption_json(redemption)) if redemption else None,
                earning=dumps(earning_json(earning)) if earning else None,
                correction=dumps(correction) if correction else None,
                notes=dumps(notes),
            )
        )
        credited.append(sale.receipt_no)
        for _, detail in own.out.reasons:
            cx.out.note(f"sale {sale.receipt_no}: {detail}")
    cx.conn.execute(
        m.held_sales.delete().where(m.held_sales.c.sale_id.in_([row[0] for row in rows]))
    )
    if credited:
        cx.out.note(
            f"{len(credited)} sale(s) made before HQ knew the member now count for them: "
            + ", ".join(credited)
        )


def _redeem(cx: Apply, st: MemberState, sale: SalePayload, spent: int) -> Redemption:
    """Take the points a sale spent, from the lots that were valid on the day it was made.

    A sale made offline reaches HQ later. A lot that expired in between held the points the
    till spent: taken from today's lots instead, they would be charged a second time (the
    lapsed lot's points are gone already). Such a lot's lapsed points are spent first (earliest
    expiry first, as the till did): its expiry is undone for them and they are redeemed (an
    ``expire`` and a ``redeem`` entry, net nothing), so no later sale can spend them again.
    """
    hq, sale_id = cx.hq, str(sale.sale_id)
    today = hq.today()
    sold_on = sale.occurred_at.astimezone(CHAIN_TZ).date()
    # Only a recent sale: a till's clock set back (or a forged date) must not bring long
    # expired points back. A sale that took longer to arrive is charged as of today.
    recent = today - LAPSED_LOOKBACK <= sold_on < today
    lapsed = _lapsed_lots(cx, st, sold_at=sale.occurred_at) if recent else ()
    if not lapsed:
        after, redemption = redeem(st.account, spent, today=today, allow_debt=True)
        book(hq, st, after, "redeem", event_id=cx.event_id, ref=sale_id)
        return redemption
    then = Account((*st.account.lots, *lapsed), st.account.debt)
    after, redemption = redeem(then, spent, today=sold_on, allow_debt=True)
    gone = {lot.lot_id for lot in lapsed}
    from_lapsed = 0
    for take in redemption.takes:
        if take.lot_id in gone:
            from_lapsed += take.points
            for kind, points in (("expire", take.points), ("redeem", -take.points)):
                entry(hq, st, kind, points, lot_id=take.lot_id, event_id=cx.event_id, ref=sale_id)
    live = Account(tuple(lot for lot in after.lots if lot.lot_id not in gone), after.debt)
    book(hq, st, live, "redeem", event_id=cx.event_id, ref=sale_id)
    if from_lapsed:
        cx.out.note(
            f"{from_lapsed} of the points spent came from lots that were valid on the day of "
            "the sale and have expired since"
        )
    return redemption


def _lapsed_lots(cx: Apply, st: MemberState, *, sold_at: datetime) -> tuple[Lot, ...]:
    """The member's lots the sale made at ``sold_at`` could spend that have expired since,
    each with the points that lapsed unspent (``_lapsed``: not spent by another late sale, nor
    claimed by a refund): lots still valid on its day that HQ had booked before it was made (a
    lot earned later was not there to spend)."""
    held = st.account.by_id()
    since = sold_at.astimezone(CHAIN_TZ).date()
    people = _people(cx, st)
    rows = cx.conn.execute(
        select(m.lots.c.lot_id, m.lots.c.expires_on).where(
            m.lots.c.member_id.in_(people),
            m.lots.c.expires_on >= since,
            m.lots.c.expires_on < cx.hq.today(),
        )
    ).all()
    lots = []
    for lot_id, expires_on in rows:
        if lot_id in held:
            continue
        booked = cx.conn.execute(
            select(func.min(m.ledger.c.at)).where(
                m.ledger.c.member_id.in_(people), m.ledger.c.lot_id == lot_id
            )
        ).scalar_one()
        if booked is None or booked > sold_at:
            continue
        points = _lapsed(cx, st, lot_id, people=people)
        if points:
            lots.append(Lot(expires_on, lot_id, points))
    return tuple(lots)


def _check_new_lot(cx: Apply, st: MemberState, lot_id: str, sale_id: str | None = None) -> None:
    """A lot id must be new; an exhausted lot of that id surfaces when the lot is inserted."""
    if st.account.lot(lot_id) is not None or (cx.run and cx.run.lot_is_stored(st, lot_id)):
        if (
            sale_id is not None
            and cx.conn.execute(
                select(m.sales.c.sale_id).where(m.sales.c.sale_id == sale_id)
            ).first()
        ):  # the sale itself again, under another event id: say so
            raise Reject("sale_exists", "another event already reported this sale")
        raise Reject("lot_exists", f"the member already has a points lot {lot_id}")
    st.new_lots.add(lot_id)


def _stale_tier(
    cx: Apply,
    st: MemberState,
    sale: SalePayload,
    *,
    hq_tier: str,
    lot_id: str,
    expires_on: date,
    notes: dict[str, Any],
) -> dict[str, Any] | None:
    """Points earned at a lower tier than HQ's: credit the difference as a correction lot.

    Never rewrites the till's entry. Points earned at a higher tier than HQ's are only noted:
    HQ does not take back what a customer was promised at the till.
    """
    if sale.tier_code is None or sale.tier_code == hq_tier:
        return None
    hq = cx.hq
    try:
        till = by_code(sale.tier_code, hq.tiers)
    except KeyError:
        notes["unknown_tier"] = sale.tier_code
        return None
    ours = hq.tier(hq_tier)
    notes["tier_mismatch"] = {"till": till.code, "hq": ours.code}
    if till.rank > ours.rank:
        return None
    coupon = coupon_multiplier(cx.conn, sale.coupon_code)
    extra_mult = Decimal(coupon) if coupon else Decimal(1)
    paid = from_fen(sale.amount_due_fen)
    per_yuan = hq.rules.earn_per_yuan
    till_calc = points_earned(paid, till.points_multiplier * extra_mult, per_yuan=per_yuan)
    if till_calc != sale.points_earned:
        notes["tier_correction_skipped"] = "till points do not follow the tier rule"
        return None
    should = points_earned(paid, ours.points_multiplier * extra_mult, per_yuan=per_yuan)
    extra = should - sale.points_earned
    if extra <= 0:
        return None
    fix_lot = f"{lot_id}:tier"
    after, fix = earn(st.account, lot_id=fix_lot, points=extra, expires_on=expires_on)
    book(hq, st, after, "correction", lot_id=fix_lot, event_id=cx.event_id, ref=str(sale.sale_id))
    cx.out.conflict(
        "tier_corrected",
        f"points were earned at tier {till.code}; HQ's tier is {ours.code}: {extra} points added",
    )
    data = earning_json(fix)
    data.update(from_tier=till.code, to_tier=ours.code)
    return data


def _points_reversed(cx: Apply, sale: Any, refund: RefundPayload, claimed: int, earned: int) -> int:
    """The earned points this refund takes back: the till's figure (``claimed``, within what
    the sale earned), except that the refund giving back the last of the sale's money takes
    back the last of the points it earned (points are earned on money paid; a till that says
    less is corrected, as a conflict)."""
    completes = sale.amount_due_fen > 0 and (
        sale.refunded_fen + refund.amount_fen == sale.amount_due_fen
    )
    left = earned - int(sale.points_reversed)
    if not completes or claimed >= left:
        return claimed
    cx.out.conflict(
        "reversal_completed",
        f"the sale's money is all refunded: its remaining {left} earned points are taken back "
        f"(the till said {claimed})",
    )
    return left


def _within_sale(cx: Apply, what: str, claimed: int, left: int) -> int:
    """Points a refund gives back or takes back, at most what HQ's record of the sale leaves.

    A till can claim more than HQ credited (a sale on a card HQ did not know, an earning HQ
    capped): the goods came back and the money left the till, so the refund stands, with what
    HQ credited; the till takes HQ's state from the conflict.
    """
    if claimed <= left:
        return claimed
    cx.out.conflict(
        "refund_points_capped",
        f"the till {what} {claimed} points; HQ's record of the sale leaves {left}: {left} {what}",
    )
    return left


def _check_lines(sale: Any, refund: RefundPayload) -> None:
    """Every refunded line is one of the sale's, no more of it than was sold."""
    sold = {line["line_no"]: line for line in json.loads(sale.lines)}
    for line in refund.lines:
        original = sold.get(line.line_no)
        if original is None:
            raise Reject("invalid_payload", f"the sale has no line {line.line_no}")
        if line.qty > original["qty"] or line.amount_fen > original["amount_due_fen"]:
            raise Reject(
                "refund_exceeds_sale",
                f"line {line.line_no}: the refund gives back more than the line sold",
            )


def _dated(cx: Apply, sale: Any, refund: RefundPayload) -> RefundPayload:
    """The refund dated between its sale and HQ's clock (a till's clock can be wrong)."""
    now = cx.hq.now()
    if refund.occurred_at > now + CLOCK_SLACK:
        cx.out.note("the till's clock is ahead of HQ's: the refund is dated when HQ received it")
        return refund.model_copy(update={"occurred_at": now})
    sold_at: datetime = sale.occurred_at  # aware (UtcDateTime)
    if refund.occurred_at < sold_at:
        cx.out.note("the refund was dated before its sale: it is dated with the sale")
        return refund.model_copy(update={"occurred_at": sold_at})
    return refund


def _repaid_expiry(cx: Apply, refund: RefundPayload) -> date:
    """Expiry of the lot that brings back repaid overdraft points (``_plausible_expiry``)."""
    refunded_on = refund.occurred_at.astimezone(CHAIN_TZ).date()
    return _plausible_expiry(
        cx, refunded_on, refund.repaid_expires_on, kind="repaid", points="repaid"
    )


def _people(cx: Apply, st: MemberState) -> list[str]:
    """The member and the members merged into it: a merged member's expired lots and their
    ledger entries stay under its own id (a merge moves the points still held)."""
    return [st.member_id, *merged_into(cx.conn, st.member_id)]


def _lapsed(cx: Apply, st: MemberState, lot_id: str, *, people: list[str] | None = None) -> int:
    """Points of lot ``lot_id`` that expired unspent and no refund has taken back yet: the net
    of its ``expire`` entries (stored, under the member or one merged into it — ``people``
    when the caller has them — and booked by this event)."""
    stored = cx.conn.execute(
        select(func.coalesce(func.sum(m.ledger.c.points), 0)).where(
            m.ledger.c.member_id.in_(people or _people(cx, st)),
            m.ledger.c.kind == "expire",
            m.ledger.c.lot_id == lot_id,
        )
    ).scalar_one()
    booked: int = sum(
        e["points"] for e in st.ledger if e["kind"] == "expire" and e["lot_id"] == lot_id
    )
    return max(0, -(int(stored) + booked))


def _reverse_earning(
    cx: Apply, st: MemberState, earning: Earning, part: Earning, refund_id: str
) -> None:
    """Take back ``part`` of the sale's ``earning`` from the member's account.

    Points of the sale's lot that expired unspent have left the balance already: they are not
    taken again. The refund claims them from the lot's expiry instead (an ``expire`` entry
    undone and a ``reverse`` entry, net nothing), so the next refund cannot claim them too.
    """
    hq = cx.hq
    own = st.account.lot(earning.lot_id)
    in_lot = part.points - part.debt_paid
    lapsed = min(_lapsed(cx, st, earning.lot_id), max(0, in_lot - (own.remaining if own else 0)))
    after, taken = reverse_earn(st.account, part, today=hq.today(), lapsed=lapsed)
    book(hq, st, after, "reverse", lot_id=earning.lot_id, event_id=cx.event_id, ref=refund_id)
    if lapsed:
        for kind, points in (("expire", lapsed), ("reverse", -lapsed)):
            entry(hq, st, kind, points, lot_id=earning.lot_id, event_id=cx.event_id, ref=refund_id)
        cx.out.note(f"{lapsed} of the points the sale earned had expired: not taken again")
    if taken.debt_added:
        _overdraft(
            cx,
            st,
            f"{taken.debt_added} of the points the sale earned were already spent; "
            "they are booked as debt",
        )


def _reverse_correction(
    cx: Apply, st: MemberState, sale: Any, earned: int, reversed_: int, refund_id: str
) -> None:
    """Take back the sale's stale-tier correction in step with its earned points: a refund of
    half the earned points takes back half the correction, the last one what is left."""
    fix = earning_from(json.loads(sale.correction))
    done = fix.points * int(sale.points_reversed) // earned
    upto = fix.points * (int(sale.points_reversed) + reversed_) // earned
    if upto <= done:
        return
    part = earning_slice(fix, done=done, points=upto - done)
    after, _ = reverse_earn(st.account, part, today=cx.hq.today())
    book(cx.hq, st, after, "correction", lot_id=fix.lot_id, event_id=cx.event_id, ref=refund_id)


def apply_refund(cx: Apply, refund: RefundPayload) -> None:
    conn, hq, out = cx.conn, cx.hq, cx.out
    refund_id = str(refund.refund_id)
    sale = conn.execute(
        select(m.sales).where(m.sales.c.sale_id == str(refund.sale_id)).with_for_update()
    ).first()
    if sale is None:
        raise Reject("unknown_sale", "HQ has no record of the refunded sale")
    if conn.execute(
        select(m.refunds.c.refund_id).where(m.refunds.c.refund_id == refund_id)
    ).first():
        raise Reject("refund_exists", "another event already reported this refund")
    if refund.member_id is not None and (
        sale.member_id is None
        or resolve(conn, str(refund.member_id)) != resolve(conn, sale.member_id)
    ):
        raise Reject("member_mismatch", "the refund names another member than the sale")
    _check_lines(sale, refund)
    if sale.refunded_fen + refund.amount_fen > sale.amount_due_fen:
        raise Reject("refund_exceeds_sale", "the refund gives back more than the sale took")
    refund = _dated(cx, sale, refund)
    redemption = redemption_from(json.loads(sale.redemption)) if sale.redemption else None
    earning = earning_from(json.loads(sale.earning)) if sale.earning else None
    redeemed = redemption.points if redemption else 0
    earned = earning.points if earning else 0
    restored = _within_sale(
        cx, "restored", refund.points_restored, redeemed - int(sale.points_restored)
    )
    claimed = _within_sale(
        cx, "reversed", refund.points_reversed, earned - int(sale.points_reversed)
    )
    reversed_ = _points_reversed(cx, sale, refund, claimed, earned)
    st = None
    if sale.member_id is not None:
        member_id = resolve(conn, sale.member_id)
        st = load_member(conn, member_id) if member_id else None
    if st is not None:
        expire(hq, st, event_id=cx.event_id)
        if restored and redemption is not None:
            part = redemption_slice(redemption, done=sale.points_restored, points=restored)
            after = restore(
                st.account,
                part,
                repaid_lot_id=refund.repaid_lot_id or default_repaid_lot(refund_id),
                repaid_expires_on=_repaid_expiry(cx, refund),
            )
            book(hq, st, after, "restore", event_id=cx.event_id, ref=refund_id)
        if reversed_ and earning is not None:
            part_e = earning_slice(earning, done=sale.points_reversed, points=reversed_)
            _reverse_earning(cx, st, earning, part_e, refund_id)
        if sale.correction and earned:
            _reverse_correction(cx, st, sale, earned, reversed_, refund_id)
        if (
            sale.refunded_fen + refund.amount_fen == sale.amount_due_fen
            and sale.points_restored + restored == redeemed
        ):
            # All of it came back: no purchase (a first-purchase coupon is still the member's).
            st.row["purchase_count"] = max(0, st.row["purchase_count"] - 1)
    conn.execute(
        update(m.sales)
        .where(m.sales.c.sale_id == sale.sale_id)
        .values(
            refunded_fen=sale.refunded_fen + refund.amount_fen,
            points_restored=sale.points_restored + restored,
            points_reversed=sale.points_reversed + reversed_,
        )
    )
    conn.execute(
        insert(m.refunds).values(
            refund_id=refund_id,
            sale_id=sale.sale_id,
            event_id=cx.event_id,
            amount_fen=refund.amount_fen,
            points_restored=restored,
            points_reversed=reversed_,
            occurred_at=refund.occurred_at,
        )
    )
    if st is not None:
        refresh(hq, conn, st)
        out.state["member"] = save_member(hq, conn, st, cx.feed)
