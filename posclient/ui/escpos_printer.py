"""Receipts on an ESC/POS thermal printer through python-escpos (no Qt; runs on a worker).

The printer is set in the till's settings, key ``escpos``: ``usb:VID:PID`` (hex),
``network:HOST[:PORT]`` or ``file:/dev/usb/lp0``. Chinese is sent as GB18030, which the
Chinese-market printers we target print in their default (Chinese) mode.
"""

from __future__ import annotations

import logging
from typing import Any

from posclient.domain.errors import PosError

log = logging.getLogger("posclient.ui")


def open_printer(spec: str) -> Any:
    """A python-escpos printer for a settings value, or PosError("print.escpos_config")."""
    from escpos import printer

    kind, _, rest = spec.strip().partition(":")
    try:
        if kind == "usb":
            vid, pid = rest.split(":")[:2]
            return printer.Usb(int(vid, 16), int(pid, 16))
        if kind == "network":
            host, _, port = rest.partition(":")
            if not host:
                raise ValueError(spec)
            return printer.Network(host, int(port or 9100))
        if kind == "file" and rest:
            return printer.File(rest)
    except (ValueError, TypeError) as exc:
        raise PosError("print.escpos_config", spec=spec[:60]) from exc
    raise PosError("print.escpos_config", spec=spec[:60])


def print_lines(device: Any, lines: list[str], *, cut: bool = True) -> None:
    """Send the receipt's lines to an open python-escpos printer (Dummy in tests)."""
    try:
        device.hw("INIT")
        for line in lines:
            device._raw(line.encode("gb18030", errors="replace") + b"\n")
        device._raw(b"\n\n")
        if cut:
            device.cut()
    except PosError:
        raise
    except Exception as exc:  # USB/network/file errors: the cashier can act (paper, cable)
        log.warning("escpos print failed", extra={"error": type(exc).__name__})
        raise PosError("print.escpos_failed", error=type(exc).__name__) from exc


def print_receipt(spec: str, lines: list[str]) -> None:
    device = open_printer(spec)
    try:
        print_lines(device, lines)
    finally:
        close = getattr(device, "close", None)
        if close is not None:
            try:
                close()
            except Exception:  # closing a failed device must not hide the first error
                log.warning("escpos close failed")
