"""A sale's receipt as rows, rendered to HTML (screen, printer, PDF) and to fixed-width text
(ESC/POS thermal printers). Member data appears masked only."""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from posclient.domain.money import format_yuan
from posclient.security.masking import mask_card
from posclient.services.checkout import Receipt
from posclient.services.clock import Clock


@dataclass(frozen=True)
class ReceiptDoc:
    title: str
    header: tuple[str, ...]
    items: tuple[tuple[str, str, str], ...]  # (name, qty × unit, amount)
    totals: tuple[tuple[str, str, bool], ...]  # (label, value, emphasised)
    footer: tuple[str, ...]


def labels() -> dict[str, str]:
    """The receipt's words in the current language (Qt translations, context "Receipt")."""
    return {
        "reprint": QCoreApplication.translate("Receipt", "*** REPRINT ***"),
        "receipt_no": QCoreApplication.translate("Receipt", "Receipt no."),
        "time": QCoreApplication.translate("Receipt", "Time"),
        "cashier": QCoreApplication.translate("Receipt", "Cashier"),
        "subtotal": QCoreApplication.translate("Receipt", "Subtotal"),
        "member_prices": QCoreApplication.translate("Receipt", "Member prices"),
        "tier_discount": QCoreApplication.translate("Receipt", "Tier discount"),
        "coupon": QCoreApplication.translate("Receipt", "Coupon"),
        "points_paid": QCoreApplication.translate("Receipt", "Paid with %1 points"),
        "amount_due": QCoreApplication.translate("Receipt", "Amount due"),
        "member": QCoreApplication.translate("Receipt", "Member"),
        "points_earned": QCoreApplication.translate("Receipt", "Points earned"),
        "balance": QCoreApplication.translate("Receipt", "Points balance"),
        "provisional": QCoreApplication.translate(
            "Receipt", "Points are provisional until the member is synced"
        ),
        "offline": QCoreApplication.translate(
            "Receipt", "Recorded offline; sent to HQ when the till is back online"
        ),
        "thanks": QCoreApplication.translate("Receipt", "Thank you for shopping with us"),
    }


def build(receipt: Receipt, *, lang: str, clock: Clock, reprint: bool = False) -> ReceiptDoc:
    words = labels()
    priced = receipt.priced
    when = clock.local(receipt.created_at).strftime("%Y-%m-%d %H:%M:%S")
    header = [
        f"{words['receipt_no']} {receipt.receipt_no}",
        f"{words['time']} {when}",
        f"{words['cashier']} {receipt.staff_id or '-'}",
    ]
    if reprint:
        header.insert(0, words["reprint"])
    items = tuple(
        (
            line.display_name(lang),
            f"{line.qty} × {format_yuan(line.unit_paid)}",
            format_yuan(line.gross - line.member_saving),
        )
        for line in priced.lines
    )
    totals: list[tuple[str, str, bool]] = [(words["subtotal"], format_yuan(priced.subtotal), False)]
    if priced.member_savings:
        totals.append((words["member_prices"], format_yuan(-priced.member_savings), False))
    if priced.tier_discount:
        totals.append((words["tier_discount"], format_yuan(-priced.tier_discount), False))
    if priced.coupon_discount:
        label = f"{words['coupon']} {priced.coupon_code or ''}".strip()
        totals.append((label, format_yuan(-priced.coupon_discount), False))
    if priced.points_spent:
        paid = priced.points_value + priced.item_points_value
        label = words["points_paid"].replace("%1", f"{priced.points_spent:,}")
        totals.append((label, format_yuan(-paid), False))
    totals.append((words["amount_due"], format_yuan(priced.amount_due), True))
    footer: list[str] = []
    if receipt.member_id or receipt.provisional:
        tier = receipt.tier_name_en if lang == "en" else receipt.tier_name_zh
        parts = (mask_card(receipt.member_card), tier, receipt.member_name, receipt.member_phone)
        footer.append(f"{words['member']} {' '.join(p for p in parts if p)}")
        footer.append(f"{words['points_earned']} {priced.points_earned:,}")
        if receipt.balance_after is not None and not receipt.provisional:
            footer.append(f"{words['balance']} {receipt.balance_after:,}")
        if receipt.provisional:
            footer.append(words["provisional"])
    if receipt.offline:
        footer.append(words["offline"])
    footer.append(words["thanks"])
    return ReceiptDoc(receipt.store_name, tuple(header), items, tuple(totals), tuple(footer))


def to_html(doc: ReceiptDoc) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(name)}<br/><span class='dim'>{e(qty)}</span></td>"
        f"<td align='right' valign='bottom'>{e(amount)}</td></tr>"
        for name, qty, amount in doc.items
    )
    totals = "".join(
        f"<tr><td>{'<b>' if strong else ''}{e(label)}{'</b>' if strong else ''}</td>"
        f"<td align='right'>{'<b>' if strong else ''}{e(value)}{'</b>' if strong else ''}</td></tr>"
        for label, value, strong in doc.totals
    )
    return (
        "<html><head><style>"
        "body { font-size: 11pt; } .dim { color: #555; } h3 { margin: 0; }"
        "table { width: 100%; } td { padding: 1px 2px; }"
        "</style></head><body>"
        f"<h3 align='center'>{e(doc.title)}</h3>"
        + "".join(f"<div>{e(line)}</div>" for line in doc.header)
        + "<hr/><table width='100%' cellspacing='0'>"
        + rows
        + "</table><hr/><table width='100%' cellspacing='0'>"
        + totals
        + "</table><hr/>"
        + "".join(f"<div>{e(line)}</div>" for line in doc.footer)
        + "</body></html>"
    )


#: GB18030 thermal printers print these better as their GB2312 forms.
_PRINTER_FORMS = str.maketrans({"¥": "￥", "×": "x"})


def text_width(text: str) -> int:
    """Columns on a Chinese thermal printer: wide and ambiguous-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


def _wrap(text: str, width: int) -> list[str]:
    """Break at spaces where possible, inside a word only when it alone is too wide."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if text_width(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for ch in word:
            if text_width(current + ch) > width:
                lines.append(current)
                current = ch
            else:
                current += ch
    return [*lines, current]


def _pair(left: str, right: str, width: int) -> list[str]:
    gap = width - text_width(left) - text_width(right)
    if gap < 1:
        return [*_wrap(left, width), " " * max(0, width - text_width(right)) + right]
    return [f"{left}{' ' * gap}{right}"]


def to_text(doc: ReceiptDoc, width: int = 32) -> list[str]:
    """Fixed-width lines for an ESC/POS printer (58 mm paper: 32 columns), none wider."""

    def plain(line: str) -> list[str]:
        return _wrap(line.translate(_PRINTER_FORMS), width)

    lines = [*plain(doc.title)]
    for line in doc.header:
        lines.extend(plain(line))
    lines.append("-" * width)
    for name, qty, amount in doc.items:
        lines.extend(plain(name))
        lines.extend(
            _pair(f"  {qty}".translate(_PRINTER_FORMS), amount.translate(_PRINTER_FORMS), width)
        )
    lines.append("-" * width)
    for label, value, _ in doc.totals:
        lines.extend(_pair(label.translate(_PRINTER_FORMS), value.translate(_PRINTER_FORMS), width))
    lines.append("-" * width)
    for line in doc.footer:
        lines.extend(plain(line))
    return lines
