"""Money: Decimal yuan with two places, stored as integer fen, never float."""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
#: Largest amount one till handles in a single value (¥10,000,000.00): catches typos and overflow.
MAX_YUAN = Decimal("10000000.00")


def yuan(value: str | int | Decimal) -> Decimal:
    """Parse an amount in yuan, rounded half-up to the fen. Floats are refused."""
    if isinstance(value, bool | float):
        raise TypeError("money is never a float; pass a str, int or Decimal")
    try:
        amount = Decimal(value) if not isinstance(value, Decimal) else value
        if not amount.is_finite():
            raise ValueError(f"not an amount: {value!r}")
        # quantize raises InvalidOperation past the context precision (e.g. "1e30").
        return amount.quantize(FEN, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


def round_fen(amount: Decimal) -> Decimal:
    """Round half-up to the fen."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def to_fen(amount: Decimal) -> int:
    """Yuan → integer fen (exact after rounding half-up)."""
    return int(round_fen(amount) * 100)


def from_fen(fen: int) -> Decimal:
    """Integer fen → yuan with two places."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError("fen must be an int")
    return (Decimal(fen) / 100).quantize(FEN)


def floor_int(amount: Decimal) -> int:
    """Largest integer ≤ amount (for points, which are always floored)."""
    return int(amount.to_integral_value(rounding=ROUND_FLOOR))


def format_yuan(amount: Decimal, *, symbol: str = "¥") -> str:
    """¥1,234.50 — the one display format for amounts, in both languages."""
    rounded = round_fen(amount)
    sign = "-" if rounded < 0 else ""
    return f"{sign}{symbol}{abs(rounded):,.2f}"


def allocate(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``total`` across weights in fen, largest remainder first, so the parts sum exactly.

    Used to spread a coupon or a points payment over cart lines: every fen lands on some line
    and no fen is created, whatever the rounding.
    """
    if not weights:
        if total != 0:
            raise ValueError("cannot allocate a non-zero total over no lines")
        return []
    total_fen = to_fen(total)
    weight_sum = sum(weights, ZERO)
    if weight_sum <= 0:
        if total_fen == 0:
            return [ZERO for _ in weights]
        raise ValueError("cannot allocate over lines that carry no value")
    shares: list[int] = []
    remainders: list[tuple[Decimal, int]] = []
    for index, weight in enumerate(weights):
        exact = Decimal(total_fen) * weight / weight_sum
        whole = floor_int(exact)
        shares.append(whole)
        remainders.append((exact - whole, index))
    leftover = total_fen - sum(shares)
    # Largest remainder first; ties go to the earlier line so the result is deterministic.
    for _, index in sorted(remainders, key=lambda item: (-item[0], item[1]))[:leftover]:
        shares[index] += 1
    return [from_fen(share) for share in shares]
