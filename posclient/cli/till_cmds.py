"""Till commands: init, sale, refund, status, queue, products, member."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from posclient.bootstrap import Till
from posclient.domain.errors import CartError, PosError
from posclient.domain.money import format_yuan
from posclient.i18n import hq_reason, text
from posclient.security.masking import mask_card
from posclient.services import demo, outbox, settings, staff, status
from posclient.services.checkout import Cart, Receipt, RefundReceipt
from posclient.services.first_run import check_hq, normalise_store, normalise_url
from posclient.services.members import MemberView
from posclient.store.models import Meta, OutboxEvent, SaleRow
from posclient.store.uow import UnitOfWork

from .common import UsageError, add_json, digits, not_empty, print_json, till


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("init", help="create the till's database (optionally with demo data)")
    p.add_argument("--hq", default=None, help="HQ URL, e.g. https://hq.example.com")
    p.add_argument("--store", default=None, help="store code, e.g. S001")
    p.add_argument("--demo", action="store_true", help="load demo products, members, coupons")
    add_json(p)
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("sale", help="ring up a sale headlessly (same service as the GUI)")
    p.add_argument(
        "--member", default=None, type=not_empty, help="member card, QR text or phone number"
    )
    p.add_argument("--item", action="append", default=[], metavar="SKU[:QTY]", required=True)
    p.add_argument("--redeem", default="0", metavar="POINTS", help="points to pay with")
    p.add_argument("--coupon", default=None, type=not_empty, metavar="CODE")
    p.add_argument(
        "--points-price",
        action="append",
        default=[],
        metavar="SKU",
        help="pay this item at its points+cash price",
    )
    p.add_argument("--staff", default="", help="staff id recorded on the sale")
    add_json(p)
    p.set_defaults(func=cmd_sale)

    p = sub.add_parser("refund", help="refund a sale by receipt number")
    p.add_argument("receipt")
    p.add_argument(
        "--line",
        action="append",
        default=[],
        metavar="LINE[:QTY]",
        help="refund only these lines (default: everything not yet refunded)",
    )
    p.add_argument("--reason", default="")
    p.add_argument("--staff", default="")
    add_json(p)
    p.set_defaults(func=cmd_refund)

    p = sub.add_parser("status", help="queue, rejected events, last sync, cursor")
    add_json(p)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("queue", help="events waiting for HQ and events HQ rejected")
    p.add_argument("--all", action="store_true", help="include events HQ already accepted")
    add_json(p)
    p.set_defaults(func=cmd_queue)

    p = sub.add_parser("products", help="the cached catalogue")
    add_json(p)
    p.set_defaults(func=cmd_products)

    p = sub.add_parser("member", help="a member's tier, balance and masked contact")
    p.add_argument("code", help="card number, QR text or phone number")
    add_json(p)
    p.set_defaults(func=cmd_member)


# ---------------------------------------------------------------- init


def cmd_init(args: argparse.Namespace) -> int:
    # Checked before anything is created: a bad option leaves no half-made till behind.
    hq_url = normalise_url(args.hq) if args.hq is not None else None
    store = normalise_store(args.store) if args.store is not None else None
    t = till(args, create=True)
    with UnitOfWork(t.db) as uow:
        if args.demo and _has_data(uow.session):
            # Loading the demo again would put members' purchase counts, coupons and staff
            # PINs back to the demo's (a used first-purchase coupon valid again): refused
            # before anything is written. On a new or empty till it loads as before.
            raise PosError("cli.demo_on_used_till", path=str(t.data_dir))
        if hq_url:
            settings.put(uow.session, "hq_url", hq_url)
        paired_store = (
            settings.get(uow.session, "store") if settings.get(uow.session, "paired_at") else None
        )
        if store and paired_store and store != paired_store:
            # A paired till's store is HQ's word (its receipts, its members first): another
            # one would split its sales between two stores. Pair it again to move it.
            raise PosError("cli.store_from_hq", store=paired_store)
        if store:
            settings.put(uow.session, "store", store)
        # The till's language (screens, receipts): set by a new till's init, or by --lang; a
        # later init without --lang leaves what the till was set to (e.g. in its settings).
        if getattr(args, "lang_given", True) or uow.session.get(Meta, "lang") is None:
            settings.put(uow.session, "lang", args.lang)
        counts: dict[str, int] = {}
        if args.demo:
            counts = demo.load_all(uow.session, t.cipher, t.clock)
        info = settings.TillInfo.load(uow.session)
        uow.commit()
    result = {
        "data_dir": str(t.data_dir.resolve()),
        "database": str(t.db.path.resolve()),
        "device_id": info.device_id,
        "store": info.store,
        "hq_url": info.hq_url or None,
        "demo": counts or None,
        "secrets": t.secrets.info.name,
    }
    if args.json:
        print_json(result)
    else:
        print(text("cli.init_done", args.lang, path=t.db.path))
        if counts:
            print(text("cli.demo_loaded", args.lang, **counts))
    return 0


#: What ``init --demo`` would overwrite: a till with rows in any of these is not loaded again.
_TILL_DATA = ("products", "members", "coupons", "staff", "tiers", "sales")


def _has_data(session: Session) -> bool:
    return any(
        session.execute(sql_text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None
        for table in _TILL_DATA
    )


# ---------------------------------------------------------------- sale


def _parse_item(item: str) -> tuple[str, int]:
    """``SKU`` or ``SKU:QTY``; a malformed one is a usage error (exit 2)."""
    sku, sep, qty_text = item.partition(":")
    if not sku or (sep and not qty_text):
        raise UsageError("cli.usage.bad_item", item=repr(item[:40]))
    return sku, digits(qty_text, "--item") if sep else 1


def _parse_lines(items: list[str]) -> dict[int, int | None]:
    """``--line LINE[:QTY]`` values: line number → quantity (None: all that is left). A line
    given twice is a usage error, never silently the last one."""
    lines: dict[int, int | None] = {}
    for item in items:
        number, sep, qty_text = item.partition(":")
        line_no = digits(number, "--line")
        if line_no in lines:
            raise UsageError("cli.usage.line_twice", line=line_no)
        lines[line_no] = digits(qty_text, "--line") if sep else None
    return lines


def receipt_json(receipt: Receipt) -> dict[str, Any]:
    priced = receipt.priced
    return {
        "sale_id": receipt.sale_id,
        "receipt_no": receipt.receipt_no,
        "store": receipt.store,
        "created_at": receipt.created_at,
        "member": None
        if receipt.member_id is None and not receipt.provisional
        else {
            "member_id": receipt.member_id,
            "card_no": receipt.member_card,
            "tier": receipt.tier_name_en.lower() or None,
            "provisional": receipt.provisional,
            "balance_after": receipt.balance_after,
        },
        "lines": [
            {
                "line_no": line.line_no,
                "sku": line.sku,
                "name": line.name,
                "name_en": line.name_en or None,
                "qty": line.qty,
                "unit_price": line.unit_price,
                "unit_paid": line.unit_paid,
                "gross": line.gross,
                "member_saving": line.member_saving,
                "tier_discount": line.tier_discount,
                "coupon_discount": line.coupon_discount,
                "item_points": line.item_points,
                "item_points_value": line.item_points_value,
                "points_redeemed": line.points_redeemed,
                "amount_due": line.amount_due,
                "points_earned": line.points_earned,
            }
            for line in priced.lines
        ],
        "subtotal": priced.subtotal,
        "member_savings": priced.member_savings,
        "tier_discount": priced.tier_discount,
        "coupon_code": priced.coupon_code,
        "coupon_discount": priced.coupon_discount,
        "item_points": priced.item_points,
        "item_points_value": priced.item_points_value,
        "points_redeemed": priced.points_redeemed,
        "points_value": priced.points_value,
        "amount_due": priced.amount_due,
        "points_earned": priced.points_earned,
        "offline": receipt.offline,
        "event_seq": receipt.event_seq,
    }


def print_receipt(receipt: Receipt, lang: str, when: datetime, *, paired: bool = True) -> None:
    """The receipt as text (``when``: its time on the store's clock; ``paired``: whether the
    till has been paired with HQ). Member data masked."""
    priced = receipt.priced
    print(text("cli.receipt_header", lang, store=receipt.store_name, receipt=receipt.receipt_no))
    print(
        "  "
        + text(
            "cli.receipt_time",
            lang,
            time=when.strftime("%Y-%m-%d %H:%M:%S"),
            staff=receipt.staff_id or "-",
        )
    )
    if receipt.member_id or receipt.provisional:
        tier = receipt.tier_name_en if lang == "en" else receipt.tier_name_zh
        card = mask_card(receipt.member_card) or "-"
        print(f"  {text('cli.receipt_member', lang)}: {card}  {tier}".rstrip())
    for line in priced.lines:
        print(f"  {line.display_name(lang)}  ×{line.qty}  {format_yuan(line.gross)}")
    rows = [
        ("cli.subtotal", format_yuan(priced.subtotal)),
        ("cli.member_savings", format_yuan(-priced.member_savings)),
        ("cli.tier_discount", format_yuan(-priced.tier_discount)),
    ]
    if priced.coupon_code:
        coupon = f"{priced.coupon_code} {format_yuan(-priced.coupon_discount)}"
        rows.append(("cli.coupon_discount", coupon))
    if priced.item_points:
        rows.append(
            (
                "cli.points_items",
                f"{priced.item_points} → {format_yuan(-priced.item_points_value)}",
            )
        )
    if priced.points_redeemed:
        rows.append(
            ("cli.points_paid", f"{priced.points_redeemed} → {format_yuan(-priced.points_value)}")
        )
    rows.append(("cli.amount_due", format_yuan(priced.amount_due)))
    for code, value in rows:
        print(f"  {text(code, lang)}: {value}")
    if receipt.member_id or receipt.provisional:
        print(f"  {text('cli.points_earned', lang)}: {priced.points_earned}")
        if receipt.balance_after is not None:
            print(f"  {text('cli.balance_after', lang)}: {receipt.balance_after}")
        if receipt.provisional:
            print(f"  {text('cli.provisional', lang)}")
    if receipt.offline:
        print(f"  {text('cli.receipt_offline' if paired else 'cli.receipt_unpaired', lang)}")


def _staff(t: Till, staff_id: str) -> str:
    """``--staff``: an active staff id of this till, or "" when not given."""
    if staff_id and staff_id not in {member.staff_id for member in staff.list_staff(t.db)}:
        raise PosError("staff.unknown")
    return staff_id


def cmd_sale(args: argparse.Namespace) -> int:
    # Malformed arguments first: a usage error whatever the till's state.
    items = [_parse_item(item) for item in args.item]
    redeem = digits(args.redeem, "--redeem")
    t = till(args)
    staff_id = _staff(t, args.staff)
    service = t.checkout
    cart = Cart()
    if args.member is not None:  # given but empty: refused, never a sale without the member
        cart.member = service.identify(args.member)
    for sku, qty in items:
        cart.add(service.find_product(sku), qty)
    for sku in args.points_price:
        numbers = [i for i, line in enumerate(cart.lines, 1) if line.product.sku == sku]
        if not numbers:
            service.find_product(sku)  # an unknown product says so
            raise CartError("cart.not_in_cart", sku=sku[:32])
        cart.set_points_price(numbers[0], True)
    if args.coupon:
        cart.coupon = service.find_coupon(args.coupon, cart)
    cart.redeem_points = redeem
    service.price(cart)  # the reason for a bad redemption before anything is written
    receipt = service.complete_sale(cart, staff_id=staff_id)
    # Committed: should the receipt not reach stdout, main says the sale is done (exit 141).
    args.done = ("cli.output_lost.sale", {"receipt": receipt.receipt_no})
    if args.json:
        print_json(receipt_json(receipt))
    else:
        with t.db.read() as session:
            paired = bool(settings.get(session, "paired_at"))
        print_receipt(receipt, args.lang, t.clock.local(receipt.created_at), paired=paired)
    return 0


# ---------------------------------------------------------------- refund


def refund_json(refund: RefundReceipt, names_en: dict[int, str]) -> dict[str, Any]:
    """``names_en``: line_no → the catalogue's English name (``CheckoutService.english_names``)."""
    return {
        "refund_id": refund.refund_id,
        "sale_id": refund.sale_id,
        "receipt_no": refund.receipt_no,
        "created_at": refund.created_at,
        "amount": refund.amount,
        "points_restored": refund.points_restored,
        "points_reversed": refund.points_reversed,
        "lines": [
            {"line_no": no, "name": name, "name_en": names_en.get(no), "qty": qty, "amount": amount}
            for no, name, qty, amount in refund.lines
        ],
        "event_seq": refund.event_seq,
    }


def _receipt_no(t: Till, typed: str) -> str:
    """The receipt number as the till has it: typed as printed, or in lower case
    (``s001-0000-0000004``), as coupon codes are."""
    candidate = typed.strip()
    for option in dict.fromkeys((candidate, candidate.upper())):
        try:
            return str(t.checkout.find_sale(option).receipt_no)
        except PosError as exc:
            if exc.code != "refund.unknown_receipt":
                raise
    raise PosError("refund.unknown_receipt", receipt=candidate[:40])


def cmd_refund(args: argparse.Namespace) -> int:
    lines = _parse_lines(args.line)
    t = till(args)
    args.receipt = _receipt_no(t, args.receipt)
    quantities: dict[int, int] | None = None
    if lines:
        sale = t.checkout.find_sale(args.receipt)
        sold = {line.line_no: line.qty - line.refunded_qty for line in sale.lines}
        quantities = {no: qty if qty is not None else sold.get(no, 1) for no, qty in lines.items()}
    refund = t.checkout.refund_sale(
        args.receipt, quantities=quantities, staff_id=_staff(t, args.staff), reason=args.reason
    )
    args.done = ("cli.output_lost.refund", {"receipt": refund.receipt_no})
    if args.json:
        names_en = t.checkout.english_names(t.checkout.find_sale(refund.receipt_no))
        print_json(refund_json(refund, names_en))
    else:
        print(
            text(
                "cli.refund_done",
                args.lang,
                receipt=refund.receipt_no,
                amount=refund.amount,
                restored=refund.points_restored,
                reversed=refund.points_reversed,
            )
        )
    return 0


# ---------------------------------------------------------------- status, queue


def status_data(t: Till) -> dict[str, Any]:
    with t.db.read() as session:
        info = settings.TillInfo.load(session)
        values = settings.all_settings(session)
        pending = outbox.pending_count(session)
        rejected = outbox.rejected_count(session)
        sales = session.scalar(select(func.count()).select_from(SaleRow)) or 0
        last_seq = session.scalar(select(func.max(OutboxEvent.seq))) or 0
    return {
        "data_dir": str(t.data_dir.resolve()),
        "device_id": info.device_id,
        "store": info.store,
        "paired": bool(values.get("paired_at")),
        "hq_url": info.hq_url or None,
        "pending": pending,
        "rejected": rejected,
        "last_sync": values.get("last_sync_ok"),
        "cursor": values.get("pull_cursor"),
        # Asked now (GET /v1/health, a short timeout), not taken from the last sync attempt.
        "hq_reachable": _reachable(info.hq_url) if info.hq_url else None,
        # HQ refused the device token (revoked), or it is missing from the secret store
        # (opened as another user, a lost secrets folder): sync stops until paired again.
        "needs_pairing": status.needs_pairing(values, has_token=status.has_token(t.secrets)),
        "sales": sales,
        "last_seq": last_seq,
    }


#: Seconds ``status`` waits for HQ's health answer (a refused connection answers at once).
PROBE_TIMEOUT_S = 3.0


def _reachable(url: str) -> bool:
    import httpx

    from posclient.sync.client import HqClient

    def probe(base: str, token: str | None) -> HqClient:
        return HqClient(base, token, timeout=httpx.Timeout(PROBE_TIMEOUT_S))

    try:
        check_hq(url, client_factory=probe)
    except PosError:
        return False
    return True


def cmd_status(args: argparse.Namespace) -> int:
    t = till(args)
    data = status_data(t)
    if args.json:
        print_json(data)
        return 0
    lang = args.lang
    print(text("cli.status_till", lang, device=data["device_id"], store=data["store"]))
    print(text("cli.status_queue", lang, pending=data["pending"], rejected=data["rejected"]))
    never = text("cli.never", lang)
    print(
        text(
            "cli.status_sync",
            lang,
            last=_store_time(t, data["last_sync"]) or never,
            hq=data["hq_url"] or text("cli.not_paired", lang),
        )
    )
    if data["hq_url"]:
        if not data["hq_reachable"]:
            print(text("cli.status_offline", lang))
        elif data["needs_pairing"]:  # reachable, but not "online": nothing goes through
            print(text("cli.status_reachable_unpaired", lang))
        else:
            print(text("cli.status_online", lang))
    if data["needs_pairing"]:
        # Never paired, or paired and then refused (revoked) or its token lost: each its words.
        if not data["paired"]:
            print(text("sync.not_paired", lang))
        elif _token_refused(t):
            print(text("sync.unauthorized", lang))
        else:
            print(text("cli.token_missing", lang))
    return 0


def _token_refused(t: Till) -> bool:
    with t.db.read() as session:
        return settings.get(session, "auth_failed") == "1"


def cmd_queue(args: argparse.Namespace) -> int:
    t = till(args)
    with t.db.read() as session:
        events = status.queue_events(session, everything=args.all)
    if args.json:
        print_json(events)
        return 0
    if not events:
        print(text("cli.queue_empty", args.lang))
    for event in events:
        words = hq_reason(event["reason"], event["detail"], args.lang)
        reason = f"  {words}" if words else ""
        kind = _words(f"event.{event['type']}", args.lang, event["type"])
        state = _words(f"event.status.{event['status']}", args.lang, event["status"])
        print(
            f"{event['seq']:>6}  {kind:<10} {state:<8} "
            f"{t.clock.local(event['occurred_at']):%Y-%m-%d %H:%M:%S}{reason}"
        )
    return 0


def _store_time(t: Till, iso: str | None) -> str | None:
    """An ISO time from meta as the store's clock shows it (None when missing or unreadable)."""
    moment = status.parse_time(iso)
    return f"{t.clock.local(moment):%Y-%m-%d %H:%M:%S}" if moment else None


def _words(code: str, lang: str, fallback: str) -> str:
    words = text(code, lang)
    return fallback if words == code else words


# ---------------------------------------------------------------- products, member


def cmd_products(args: argparse.Namespace) -> int:
    products = till(args).checkout.list_products()
    if args.json:
        print_json(
            [
                {
                    "sku": p.sku,
                    "barcode": p.barcode,
                    "name": p.name,
                    "name_en": p.name_en,
                    "price": p.price,
                    "member_price": p.member_price,
                    "discountable": p.discountable,
                    "points_price": p.points_price,
                    "points_cash": p.points_cash,
                }
                for p in products
            ]
        )
        return 0
    for p in products:
        member = (
            f"  {text('cli.member_price', args.lang)} {format_yuan(p.member_price)}"
            if (p.member_price is not None)
            else ""
        )
        print(
            f"{p.sku:<8} {p.barcode or '':<14} {format_yuan(p.price):>10}{member}  "
            f"{p.display_name(args.lang)}"
        )
    return 0


def member_json(view: MemberView) -> dict[str, Any]:
    return {
        "member_id": view.member_id,
        "card_no": view.card_no,
        "tier": view.tier.code,
        "tier_name": view.tier.name_zh,
        "name": view.name_masked,
        "phone": view.phone_masked,
        "balance": view.balance,
        "confirmed_balance": view.confirmed_balance,
        "unsynced_points": view.unsynced_points,
        "as_of": view.as_of,
        "provisional": view.provisional,
        "tags": list(view.tags),
        "segment": view.segment,
        "coupons": [c.code for c in view.coupons],
        "expiring": [{"date": d, "points": p} for d, p in view.expiring],
    }


def cmd_member(args: argparse.Namespace) -> int:
    view = till(args).checkout.identify(args.code)
    if args.json:
        print_json(member_json(view))
        return 0
    lang = args.lang
    tier = view.tier.name(lang)
    print(
        text(
            "cli.member_line",
            lang,
            card=view.card_no,
            tier=tier,
            name=view.name_masked,
            phone=view.phone_masked,
        )
    )
    print(
        text(
            "cli.member_points",
            lang,
            balance=view.balance,
            confirmed=view.confirmed_balance,
            unsynced=view.unsynced_points,
        )
    )
    if view.provisional:
        print(text("cli.provisional", lang))
    return 0
