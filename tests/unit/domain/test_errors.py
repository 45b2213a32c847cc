"""PosError: a stable code plus parameters, whatever the parameters are called."""

from __future__ import annotations

import pytest

from posclient.domain.errors import CartError, CodeError, CouponError, PointsError, PosError


def test_code_and_params() -> None:
    error = PointsError("points.over_cap", requested=5000, limit=4900)
    assert error.code == "points.over_cap"
    assert error.params == {"requested": 5000, "limit": 4900}
    assert str(error) == "points.over_cap (limit=4900, requested=5000)"
    assert str(CartError("cart.empty")) == "cart.empty"


def test_a_parameter_may_be_called_code() -> None:
    # Coupon errors name the coupon as ``code=``; it must not clash with the error code.
    error = CouponError("coupon.used", code="C1")
    assert error.code == "coupon.used"
    assert error.params == {"code": "C1"}
    assert str(error) == "coupon.used (code=C1)"


@pytest.mark.parametrize("cls", [CodeError, CartError, CouponError, PointsError])
def test_every_domain_error_is_a_pos_error(cls: type[PosError]) -> None:
    with pytest.raises(PosError):
        raise cls("x.y")
