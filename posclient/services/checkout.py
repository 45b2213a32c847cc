"""Checkout: identify the member, add items, price, redeem, complete the sale, refund.

The cart lives in memory while the cashier works; ``complete_sale`` writes the sale, its lines,
the points ledger entries, the coupon use and the outbox event in ONE transaction.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from posclient.domain import points as pts
from posclient.domain.codes import ProductCode, SignedCode, parse_scan
from posclient.domain.coupons import Coupon
from posclient.domain.errors import CartError, CodeError, CouponError, PosError
from posclient.domain.events import EventType
from posclient.domain.ids import uuid7
from posclient.domain.money import to_fen
from posclient.domain.pricing import (
    CartLine,
    PricedCart,
    PricingMember,
    Product,
    check_qty,
    price_cart,
)
from posclient.domain.refunds import SoldLine, refund
from posclient.security.codesign import b64url_decode, verify_signed
from posclient.security.fieldcrypt import FieldCipher
from posclient.store import fastpath
from posclient.store.db import Database
from posclient.store.models import (
    CouponRow,
    LedgerEntry,
    MemberRow,
    ProductRow,
    RefundLineRow,
    RefundRow,
    SaleRow,
)
from posclient.store.uow import UnitOfWork
from posclient.sync.protocol import default_repaid_lot

from . import members as mem
from . import outbox, sale_rows, settings
from .clock import Clock
from .settings import TillInfo

log = logging.getLogger("posclient.checkout")


def product_from_row(row: ProductRow) -> Product:
    return Product(
        sku=row.sku,
        name=row.name,
        name_en=row.name_en,
        price=row.price,
        barcode=row.barcode,
        member_price=row.member_price,
        discountable=row.discountable,
        points_price=row.points_price,
        points_cash=row.points_cash,
        category=row.category,
    )


@dataclass
class Cart:
    """The sale being rung up. Plain data; the service prices it."""

    member: mem.MemberView | None = None
    lines: list[CartLine] = field(default_factory=list)
    coupon: Coupon | None = None
    redeem_points: int = 0

    def add(self, product: Product, qty: int = 1) -> None:
        check_qty(qty)
        for index, line in enumerate(self.lines):
            if line.product.sku == product.sku and not line.use_points_price:
                check_qty(line.qty + qty)
                self.lines[index] = replace(line, qty=line.qty + qty)
                return
        self.lines.append(CartLine(product, qty))

    def set_qty(self, line_no: int, qty: int) -> None:
        check_qty(qty)
        index = self._index(line_no)
        self.lines[index] = replace(self.lines[index], qty=qty)

    def set_points_price(self, line_no: int, use: bool) -> None:
        index = self._index(line_no)
        line = self.lines[index]
        if use and line.product.points_price is None:
            raise CartError("cart.no_points_price", sku=line.product.sku)
        self.lines[index] = replace(line, use_points_price=use)

    def remove(self, line_no: int) -> None:
        del self.lines[self._index(line_no)]

    def _index(self, line_no: int) -> int:
        if not 1 <= line_no <= len(self.lines):
            raise CartError("cart.no_such_line", line=line_no)
        return line_no - 1

    def clear(self) -> None:
        self.member = None
        self.lines.clear()
        self.coupon = None
        self.redeem_points = 0

    @property
    def is_empty(self) -> bool:
        return not self.lines


@dataclass(frozen=True)
class Receipt:
    """Everything a receipt shows; also the result of ``sale --json``."""

    sale_id: str
    receipt_no: str
    store: str
    store_name: str
    created_at: datetime
    staff_id: str
    priced: PricedCart
    member_id: str | None
    member_card: str
    member_name: str
    member_phone: str
    tier_name_zh: str
    tier_name_en: str
    balance_after: int | None
    provisional: bool
    offline: bool
    event_seq: int
    lang: str = "zh_CN"


@dataclass(frozen=True)
class RefundReceipt:
    refund_id: str
    sale_id: str
    receipt_no: str
    created_at: datetime
    amount: Decimal
    points_restored: int
    points_reversed: int
    lines: tuple[tuple[int, str, int, Decimal], ...]  # (line_no, name, qty, amount)
    event_seq: int


@dataclass(frozen=True)
class PreparedSale:
    """A sale priced against the state it read, ready for ``commit_sale``."""

    cart: Cart
    member: mem.MemberView | None
    #: The member's state on disk the sale was priced against (None: no cached member).
    state: fastpath.MemberState | None
    coupon: Coupon | None
    coupon_data: dict[str, Any] | None
    cap: int | None
    online: bool
    today: date
    priced: PricedCart
    redemption: pts.Redemption | None
    earning: pts.Earning | None
    sale_id: str
    #: Its rows and payload, encoded now so that the commit only stamps and writes them.
    encoded: sale_rows.EncodedSale
    #: The statements that write it, numbered against the database as read (prepare_sale).
    write: SaleWrite | None = None


@dataclass(frozen=True)
class SaleWrite:
    """A sale's statements — receipt number, outbox seq, HLC and chain hash included — built
    against what a connection read (``snapshot``). Under the write lock they are run as they
    are if nothing was committed since (fastpath.unchanged); otherwise built again there."""

    staff_id: str
    now: datetime
    meta: dict[str, str]
    receipt_no: str
    store: str
    appended: outbox.Appended
    statements: fastpath.Recorder
    snapshot: fastpath.Snapshot


_SALE_META = ("store", "store_name", "device_no", "lang", "sale_counter")

#: A sale prepared longer ago than this is stamped again at its commit (its time is the
#: receipt's and the event's).
_FRESH_FOR = timedelta(seconds=5)


class CheckoutService:
    """The till's checkout use cases. Qt-free; the GUI and ``posclient-admin sale`` share it."""

    def __init__(
        self,
        db: Database,
        *,
        cipher: FieldCipher,
        clock: Clock | None = None,
        policy: pts.RedemptionPolicy | None = None,
        is_online: Callable[[], bool] = lambda: False,
        verify_signed: mem.SignedCodeVerifier | None = None,
    ):
        self.db = db
        self.cipher = cipher
        self.clock = clock or Clock()
        self.policy = policy or pts.RedemptionPolicy()
        self.is_online = is_online
        self.verify_signed = verify_signed or self._verify_with_hq_key
        with db.read() as session:
            self.till = TillInfo.load(session)

    def _verify_with_hq_key(self, code: SignedCode) -> str:
        """Check a dynamic member code offline with HQ's public key (DESIGN "Member codes")."""
        if not self.till.code_public_key:
            self.reload_till()  # paired or synced since we started?
        if not self.till.code_public_key:
            raise CodeError("qr.no_key")
        try:
            key = b64url_decode(self.till.code_public_key)
        except ValueError as exc:
            raise CodeError("qr.no_key") from exc
        return verify_signed(code, key, chain=self.till.chain, now=self.clock.now().timestamp())

    def reload_till(self) -> None:
        with self.db.read() as session:
            self.till = TillInfo.load(session)

    # ------------------------------------------------------------------ lookups

    def identify(self, text: str) -> mem.MemberView:
        with self.db.read() as session:
            return mem.identify(
                session,
                text,
                till=self.till,
                cipher=self.cipher,
                today=self.clock.today(),
                verify_signed=self.verify_signed,
            )

    def find_product(self, text: str) -> Product:
        """A product by barcode or SKU; CartError("cart.unknown_sku") when there is none."""
        code = text.strip()
        with self.db.read() as session:
            row = session.scalar(
                select(ProductRow).where(
                    ProductRow.active.is_(True),
                    or_(ProductRow.barcode == code, ProductRow.sku == code),
                )
            )
            if row is None and code:
                # A SKU typed in another case (coupon codes and receipts are case-blind too);
                # only when exactly one product answers to it.
                rows = session.scalars(
                    select(ProductRow)
                    .where(ProductRow.active.is_(True), func.upper(ProductRow.sku) == code.upper())
                    .limit(2)
                ).all()
                row = rows[0] if len(rows) == 1 else None
        if row is None:
            raise CartError("cart.unknown_sku", sku=code[:32])
        return product_from_row(row)

    def scan(self, text: str) -> mem.MemberView | Product:
        """One scan path: a member code identifies the member, anything else is a product."""
        parsed = parse_scan(text, chain=self.till.chain, card_prefix=self.till.card_prefix)
        if isinstance(parsed, ProductCode):
            return self.find_product(parsed.value)
        with self.db.read() as session:
            return mem.identify_code(
                session,
                parsed,
                till=self.till,
                cipher=self.cipher,
                today=self.clock.today(),
                verify_signed=self.verify_signed,
            )

    def find_coupon(self, code: str, cart: Cart) -> Coupon:
        """A coupon that applies to this cart now, or a CouponError with the reason."""
        with self.db.read() as session:
            row = session.get(CouponRow, code.strip().upper()) or session.get(
                CouponRow, code.strip()
            )
        if row is None:
            raise CouponError("coupon.unknown", code=code.strip()[:32])
        coupon = mem.coupon_from_row(row)
        self.price(replace(cart, coupon=coupon, redeem_points=0))  # validates
        return coupon

    def list_products(self) -> list[Product]:
        with self.db.read() as session:
            rows = session.scalars(
                select(ProductRow).where(ProductRow.active.is_(True)).order_by(ProductRow.sku)
            ).all()
        return [product_from_row(row) for row in rows]

    # ------------------------------------------------------------------ pricing

    def _offline_cap(
        self, member: mem.MemberView, redeemed_since: Callable[[datetime], int]
    ) -> int:
        """Offline: at most N points per sale and per member per day; none on a stale balance."""
        if self._stale(member):
            return 0
        start = datetime.combine(self.clock.today(), time(0), tzinfo=self.clock.tz)
        left_today = max(0, self.policy.offline_per_member_day - redeemed_since(start))
        return min(self.policy.offline_per_sale, left_today)

    def pricing_member(self, member: mem.MemberView | None) -> PricingMember | None:
        """What pricing needs of the member; offline it carries the offline redemption cap."""
        online = self.is_online()
        if member is None or member.provisional or online:
            return self._pricing_member(member, None)
        with self.db.read() as session:
            cap = self._redeem_cap(member, fastpath.driver(session), online=online)
        return self._pricing_member(member, cap)

    def price(self, cart: Cart) -> PricedCart:
        return price_cart(
            cart.lines,
            member=self.pricing_member(cart.member),
            coupon=cart.coupon,
            redeem_points=cart.redeem_points,
            today=self.clock.today(),
            policy=self.policy,
        )

    # ------------------------------------------------------------------ the sale

    def complete_sale(self, cart: Cart, *, staff_id: str = "") -> Receipt:
        """Write the sale as one transaction and return the receipt (prepare, then commit)."""
        return self.commit_sale(self.prepare_sale(cart, staff_id=staff_id))

    def prepare_sale(self, cart: Cart, *, staff_id: str = "") -> PreparedSale:
        """Price the sale against the member's state on disk now and build the statements that
        will write it, without taking the write lock.

        Reads only; ``commit_sale`` writes it, after checking under the lock that nothing it was
        priced against has changed since.
        """
        with self.db.snapshot() as conn:
            prepared = self._prepare(cart, conn, today=self.clock.today(), online=self.is_online())
            write = self._build_write(prepared, conn, staff_id=staff_id, now=self.clock.now())
            return replace(prepared, write=write)

    def commit_sale(self, prepared: PreparedSale, *, staff_id: str | None = None) -> Receipt:
        """Write a prepared sale — sale, lines, ledger, coupon use, outbox event — as ONE
        transaction and return the receipt (``staff_id``: the prepared one unless given).

        Under the write lock, if nothing was committed to the database since the sale was
        prepared (and the day, the online state, the cashier are the same and it was prepared
        moments ago), its statements run as built. Otherwise the member's state, the coupon,
        the day and the online state are read again: if any of them moved, the sale is priced
        again right there, so it goes through exactly as the data on disk allows or raises a
        PosError and writes nothing; and it is numbered and stamped again. The statements are
        plain SQL on the connection (store.fastpath): this is the path a cashier waits on.
        """
        write = prepared.write
        staff = staff_id if staff_id is not None else (write.staff_id if write else "")
        now = self.clock.now()
        today = self.clock.today()
        online = self.is_online()
        with self.db.transaction() as conn:
            if write is None or not self._runs_as_built(
                prepared, write, conn, staff_id=staff, now=now, today=today, online=online
            ):
                done = fastpath.receipt_of(conn, prepared.sale_id)
                if done is not None:  # committed already (the same prepared sale again)
                    raise PosError("sale.already_completed", receipt_no=done)
                if not self._still_valid(prepared, conn, today=today, online=online):
                    prepared = self._prepare(prepared.cart, conn, today=today, online=online)
                write = self._build_write(prepared, conn, staff_id=staff, now=now)
            write.statements.run(conn)
        member, priced = prepared.member, prepared.priced
        balance_after = None
        if member is not None:
            balance_after = member.balance - priced.points_spent + priced.points_earned
        log.info(
            "sale completed",
            extra={
                "receipt": write.receipt_no,
                "seq": write.appended.seq,
                "lines": len(priced.lines),
            },
        )
        meta = write.meta
        return Receipt(
            sale_id=prepared.sale_id,
            receipt_no=write.receipt_no,
            store=write.store,
            store_name=meta.get("store_name", settings.DEFAULTS["store_name"]),
            created_at=write.now,
            staff_id=write.staff_id,
            priced=priced,
            member_id=member.member_id if member else None,
            member_card=member.card_no if member else "",
            member_name=member.name_masked if member else "",
            member_phone=member.phone_masked if member else "",
            tier_name_zh=member.tier.name_zh if member else "",
            tier_name_en=member.tier.name_en if member else "",
            balance_after=balance_after,
            provisional=bool(member and member.provisional),
            offline=not online,
            event_seq=write.appended.seq,
            lang=meta.get("lang", settings.DEFAULTS["lang"]),
        )

    def _runs_as_built(
        self,
        prepared: PreparedSale,
        write: SaleWrite,
        conn: sqlite3.Connection,
        *,
        staff_id: str,
        now: datetime,
        today: date,
        online: bool,
    ) -> bool:
        """Inside the write transaction: whether ``write`` is still exactly the sale to write
        (same cashier, day and online state, prepared moments ago, a balance still fresh enough
        to spend, and nothing committed to the database since it was built)."""
        return (
            write.staff_id == staff_id
            and prepared.today == today
            and prepared.online == online
            and timedelta(0) <= now - write.now <= _FRESH_FOR
            and not self._went_stale(prepared)
            and fastpath.unchanged(conn, write.snapshot)
        )

    def _went_stale(self, prepared: PreparedSale) -> bool:
        """Offline, the member's balance became too old to spend from since it was priced."""
        member = prepared.member
        return bool(prepared.cap) and member is not None and self._stale(member)

    def _build_write(
        self, prepared: PreparedSale, conn: sqlite3.Connection, *, staff_id: str, now: datetime
    ) -> SaleWrite:
        """The statements that write ``prepared``: numbered after the receipt counter and the
        newest outbox event as ``conn`` reads them. Runs nothing."""
        meta = fastpath.read_meta(conn, _SALE_META)
        head = fastpath.outbox_head(conn)
        member, state = prepared.member, prepared.state
        sale_id = prepared.sale_id
        store = meta.get("store", settings.DEFAULTS["store"])
        device_no = int(meta.get("device_no", "0"))
        counter = int(meta.get("sale_counter", "0")) + 1
        statements = fastpath.Recorder()
        fastpath.write_meta(statements, {"sale_counter": str(counter)})
        receipt_no = f"{store}-{device_no:04d}-{counter:07d}"
        if member is not None and member.provisional:
            fastpath.insert_provisional_member(
                statements,
                member_id=member.member_id,
                card_no=member.card_no,
                tier_code=member.tier.code,
                now=now,
            )
        payload = sale_rows.payload(
            prepared.encoded, receipt_no=receipt_no, store=store, staff_id=staff_id, now=now
        )
        appended = outbox.write_event(  # a sale never goes ahead of the queue
            statements,
            head,
            type=EventType.SALE_COMPLETED,
            payload=payload,
            occurred_at=now,
            base={"member": state.version} if state else {},
        )
        sale_rows.write(
            statements,
            prepared.encoded,
            receipt_no=receipt_no,
            store=store,
            staff_id=staff_id,
            now=now,
            hlc=appended.hlc,
            seq=appended.seq,
        )
        if prepared.coupon is not None:
            fastpath.use_coupon(statements, prepared.coupon.code, sale_id)
        return SaleWrite(
            staff_id=staff_id,
            now=now,
            meta=meta,
            receipt_no=receipt_no,
            store=store,
            appended=appended,
            statements=statements,
            snapshot=fastpath.seen(conn),
        )

    def _prepare(
        self, cart: Cart, conn: sqlite3.Connection, *, today: date, online: bool
    ) -> PreparedSale:
        """Price ``cart`` against what ``conn`` sees and book its points (writes nothing)."""
        if cart.is_empty:
            raise CartError("cart.empty")
        member = cart.member
        state = None
        if member is not None and not member.provisional:
            state = fastpath.member_state(conn, member.member_id)
            if state is None:
                raise PosError("member.gone")
            member = self._fresh_member(member, state, today)
        coupon = cart.coupon
        coupon_data = None
        if coupon is not None:
            coupon_data = fastpath.coupon(conn, coupon.code)
            if coupon_data is None:
                raise CouponError("coupon.unknown", code=coupon.code)
            coupon = mem.coupon_from_data(coupon_data)
        cap = self._redeem_cap(member, conn, online=online)
        priced = price_cart(
            cart.lines,
            member=self._pricing_member(member, cap),
            coupon=coupon,
            redeem_points=cart.redeem_points,
            today=today,
            policy=self.policy,
        )
        sale_id = uuid7()  # time-ordered: appended at the end of sale_lines (see domain.ids)
        redemption = earning = None
        if member is not None:
            redemption, earning = self._book_points(member, priced, sale_id=sale_id, today=today)
        encoded = sale_rows.encode(
            sale_id=sale_id, member=member, priced=priced, redemption=redemption, earning=earning
        )
        return PreparedSale(
            cart=cart,
            member=member,
            state=state,
            coupon=coupon,
            coupon_data=coupon_data,
            cap=cap,
            online=online,
            today=today,
            priced=priced,
            redemption=redemption,
            earning=earning,
            sale_id=sale_id,
            encoded=encoded,
        )

    def _still_valid(
        self, prepared: PreparedSale, conn: sqlite3.Connection, *, today: date, online: bool
    ) -> bool:
        """Whether everything ``prepared`` was priced against is still so on disk."""
        if prepared.today != today or prepared.online != online:
            return False
        member = prepared.member
        if prepared.state is not None and member is not None:
            if fastpath.member_rows(conn, member.member_id) != prepared.state.stored:
                return False
            if self._redeem_cap(member, conn, online=online) != prepared.cap:
                return False
        if prepared.coupon is not None:
            return fastpath.coupon(conn, prepared.coupon.code) == prepared.coupon_data
        return True

    def _fresh_member(
        self, member: mem.MemberView, state: fastpath.MemberState, today: date
    ) -> mem.MemberView:
        """The cart's member with points and tier as they are on disk now."""
        account = mem.replay(
            mem.account_from_lots(state.lots, state.debt), state.entries, today=today
        )
        tier = member.tier
        if state.tier_code != tier.code:
            with self.db.read() as session:
                tier = mem.tier_of(state.tier_code, mem.load_tiers(session))
        return replace(
            member,
            tier=tier,
            account=account,
            balance=account.balance(today),
            purchase_count=state.purchase_count,
            as_of=mem.later(state.synced_at, member.as_of),
            provisional=state.provisional,
        )

    def _redeem_cap(
        self, member: mem.MemberView | None, conn: sqlite3.Connection, *, online: bool
    ) -> int | None:
        """Offline, the most points this member may redeem in this sale (None: no extra cap)."""
        if member is None or member.provisional or online:
            return None
        return self._offline_cap(
            member, lambda since: fastpath.redeemed_since(conn, member.member_id, since)
        )

    def _pricing_member(
        self, member: mem.MemberView | None, cap: int | None
    ) -> PricingMember | None:
        if member is None:
            return None
        return PricingMember(
            member_id=member.member_id,
            tier=member.tier,
            balance=member.balance,
            purchase_count=member.purchase_count,
            can_redeem=not member.provisional,
            redeem_cap=cap,
            stale_balance=cap is not None and self._stale(member),
            balance_as_of=member.as_of,
        )

    def _stale(self, member: mem.MemberView) -> bool:
        """The cached balance is too old to spend from offline (DESIGN "offline rules")."""
        age = self.policy.offline_max_balance_age
        return member.as_of is None or self.clock.now() - member.as_of > age

    def _book_points(
        self,
        member: mem.MemberView,
        priced: PricedCart,
        *,
        sale_id: str,
        today: date,
    ) -> tuple[pts.Redemption | None, pts.Earning | None]:
        """The ledger effects of the sale on the member's account (checked never to overdraw)."""
        account = member.account
        redemption = earning = None
        if priced.points_spent:
            account, redemption = pts.redeem(account, priced.points_spent, today=today)
        if priced.points_earned:
            account, earning = pts.earn(
                account,
                lot_id=f"{sale_id}:e",
                points=priced.points_earned,
                expires_on=today + pts.DEFAULT_VALIDITY,
            )
        return redemption, earning

    # ------------------------------------------------------------------ refunds

    def find_sale(self, receipt_no: str) -> SaleRow:
        with self.db.read() as session:
            sale = session.scalar(select(SaleRow).where(SaleRow.receipt_no == receipt_no.strip()))
            if sale is None:
                raise PosError("refund.unknown_receipt", receipt=receipt_no.strip()[:40])
            _ = sale.lines  # load while the session is open
            return sale

    def english_names(self, sale: SaleRow) -> dict[int, str]:
        """line_no → the catalogue's English name of the line's product, where it has one (the
        sale keeps the name it was sold under, in Chinese)."""
        skus = {line.sku for line in sale.lines}
        with self.db.read() as session:
            rows = session.execute(
                select(ProductRow.sku, ProductRow.name_en).where(ProductRow.sku.in_(skus))
            )
            names = {sku: name_en for sku, name_en in rows}
        return {line.line_no: names[line.sku] for line in sale.lines if names.get(line.sku)}

    def refund_sale(
        self,
        receipt_no: str,
        *,
        quantities: dict[int, int] | None = None,
        staff_id: str = "",
        reason: str = "",
    ) -> RefundReceipt:
        """Refund some lines (``{line_no: qty}``) or, with None, everything not yet refunded.

        Money back is what those units cost; points paid with come back to the lots they came
        from; points they earned are taken back. One transaction, one outbox event.
        """
        now = self.clock.now()
        with UnitOfWork(self.db) as uow:
            session = uow.session
            till = TillInfo.load(session)
            sale = session.scalar(select(SaleRow).where(SaleRow.receipt_no == receipt_no.strip()))
            if sale is None:
                raise PosError("refund.unknown_receipt", receipt=receipt_no.strip()[:40])
            sold = [
                SoldLine(
                    line_no=line.line_no,
                    qty=line.qty,
                    amount_due=line.amount_due,
                    points_spent=line.item_points + line.points_redeemed,
                    points_earned=line.points_earned,
                    refunded_qty=line.refunded_qty,
                    refunded_amount=line.refunded_amount,
                    refunded_points_spent=line.refunded_points_spent,
                    refunded_points_earned=line.refunded_points_earned,
                )
                for line in sale.lines
            ]
            totals = refund(sold, quantities)
            done_restored = sum(line.refunded_points_spent for line in sale.lines)
            done_reversed = sum(line.refunded_points_earned for line in sale.lines)
            refund_id = str(uuid.uuid4())
            payload = {
                "refund_id": refund_id,
                "sale_id": sale.sale_id,
                "receipt_no": sale.receipt_no,
                "store": till.store,
                "staff_id": staff_id,
                "member_id": sale.member_id if sale.provisional_card_no is None else None,
                "lines": [
                    {
                        "line_no": part.line_no,
                        "qty": part.qty,
                        "amount_fen": to_fen(part.amount),
                        "points_restored": part.points_restored,
                        "points_reversed": part.points_reversed,
                    }
                    for part in totals.lines
                ],
                "amount_fen": to_fen(totals.amount),
                "points_restored": totals.points_restored,
                "points_reversed": totals.points_reversed,
                "reason": reason[:200],
                "occurred_at": now.isoformat(),
            }
            appended = outbox.append(
                session, type=EventType.REFUND_COMPLETED, payload=payload, occurred_at=now
            )
            row = RefundRow(
                refund_id=refund_id,
                sale_id=sale.sale_id,
                staff_id=staff_id,
                reason=reason[:200],
                amount=totals.amount,
                points_restored=totals.points_restored,
                points_reversed=totals.points_reversed,
                created_at=now,
                event_seq=appended.seq,
            )
            row.lines = [
                RefundLineRow(
                    line_no=part.line_no,
                    sale_id=sale.sale_id,
                    qty=part.qty,
                    amount=part.amount,
                    points_restored=part.points_restored,
                    points_reversed=part.points_reversed,
                )
                for part in totals.lines
            ]
            session.add(row)
            by_no = {line.line_no: line for line in sale.lines}
            names = []
            for part in totals.lines:
                line = by_no[part.line_no]
                line.refunded_qty += part.qty
                line.refunded_amount += part.amount
                line.refunded_points_spent += part.points_restored
                line.refunded_points_earned += part.points_reversed
                names.append((part.line_no, line.name, part.qty, part.amount))
            sale.refunded_amount += totals.amount
            if sale.member_id is not None and all(
                line.refunded_qty == line.qty for line in sale.lines
            ):
                # All of it came back: no purchase (a first-purchase coupon is theirs again;
                # HQ counts it the same way).
                member = session.get(MemberRow, sale.member_id)
                if member is not None and member.purchase_count > 0:
                    member.purchase_count -= 1
            if sale.member_id is not None:
                self._refund_ledger(
                    session,
                    sale,
                    refund_id,
                    appended.seq,
                    now,
                    restored=(done_restored, totals.points_restored),
                    reversed_=(done_reversed, totals.points_reversed),
                )
            uow.commit()
        log.info("refund completed", extra={"receipt": receipt_no, "seq": appended.seq})
        return RefundReceipt(
            refund_id=refund_id,
            sale_id=row.sale_id,
            receipt_no=receipt_no,
            created_at=now,
            amount=totals.amount,
            points_restored=totals.points_restored,
            points_reversed=totals.points_reversed,
            lines=tuple(names),
            event_seq=appended.seq,
        )

    def _refund_ledger(
        self,
        session: Session,
        sale: SaleRow,
        refund_id: str,
        seq: int,
        now: datetime,
        *,
        restored: tuple[int, int],
        reversed_: tuple[int, int],
    ) -> None:
        assert sale.member_id is not None
        if reversed_[1] and sale.earning:
            part = pts.earning_slice(
                mem.earning_from_json(sale.earning), done=reversed_[0], points=reversed_[1]
            )
            session.add(
                LedgerEntry(
                    member_id=sale.member_id,
                    kind="refund_reverse",
                    points=-part.points,
                    sale_id=sale.sale_id,
                    refund_id=refund_id,
                    detail=mem.earning_to_json(part),
                    event_seq=seq,
                    created_at=now,
                )
            )
        if restored[1] and sale.redemption:
            slice_ = pts.redemption_slice(
                mem.redemption_from_json(sale.redemption), done=restored[0], points=restored[1]
            )
            detail = mem.redemption_to_json(slice_)
            detail["repaid_lot_id"] = default_repaid_lot(refund_id)
            session.add(
                LedgerEntry(
                    member_id=sale.member_id,
                    kind="refund_restore",
                    points=slice_.points,
                    sale_id=sale.sale_id,
                    refund_id=refund_id,
                    detail=detail,
                    event_seq=seq,
                    created_at=now,
                )
            )
