"""Masked display of personal data: screens, receipts and logs never show it whole."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str:
    """13812345678 → 138****5678."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def mask_name(name: str | None) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***, Alice Wong → A****."""
    if not name:
        return ""
    name = name.strip()
    first = name[0]
    return first + "*" * max(1, len(name.replace(" ", "")) - 1)


def mask_card(card_no: str | None) -> str:
    """2900000012345 → 29*******2345."""
    if not card_no:
        return ""
    return f"{card_no[:2]}{'*' * max(0, len(card_no) - 6)}{card_no[-4:]}"
