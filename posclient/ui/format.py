"""Display formats shared by the screens: amounts, points, local times."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from PySide6.QtCore import QObject
from PySide6.QtGui import QKeySequence

from posclient.domain.money import format_yuan
from posclient.services.clock import Clock

W = TypeVar("W", bound=QObject)


def yuan(amount: Decimal) -> str:
    """¥1,234.50 in both languages."""
    return format_yuan(amount)


def minus_yuan(amount: Decimal) -> str:
    """A discount: −¥5.00, or ¥0.00 when there is none."""
    return format_yuan(-amount) if amount else format_yuan(Decimal(0))


def points(value: int) -> str:
    return f"{value:,}"


def local_hhmm(clock: Clock, moment: datetime) -> str:
    """10:30 today, 11-22 10:30 another day (store time zone)."""
    local = clock.local(moment)
    if local.date() == clock.today():
        return local.strftime("%H:%M")
    return local.strftime("%m-%d %H:%M")


def key_name(key: str | QKeySequence) -> str:
    sequence = key if isinstance(key, QKeySequence) else QKeySequence(key)
    return sequence.toString(QKeySequence.SequenceFormat.NativeText)


def with_key(text: str, key: str) -> str:
    """Button text with its shortcut shown: "收款  F12"."""
    return f"{text}  {key_name(key)}"


def named(widget: W, name: str) -> W:
    """``widget`` with its objectName set (stable names: tests and screen readers use them)."""
    widget.setObjectName(name)
    return widget
