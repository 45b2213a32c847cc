"""Errors a person can act on. Each carries a stable code and parameters; the text is looked up
in the user's language by ``posclient.i18n`` (never here, so the domain stays pure)."""

from __future__ import annotations

from typing import Any


class PosError(Exception):
    """Something the cashier, assistant or operator can act on (bad code, offline, over cap…).

    ``params`` must never hold personal data: they end up in logs.
    """

    def __init__(self, code: str, /, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        if not self.params:
            return self.code
        args = ", ".join(f"{key}={value}" for key, value in sorted(self.params.items()))
        return f"{self.code} ({args})"


class CodeError(PosError):
    """A scanned or typed code that is not a valid member code, barcode or phone number."""


class CartError(PosError):
    """A cart operation that cannot be done: unknown product, bad quantity…"""


class CouponError(PosError):
    """A coupon that does not apply: expired, used, someone else's, below minimum spend…"""


class PointsError(PosError):
    """A redemption that is not allowed: over balance, over cap, not whole yuan…"""
