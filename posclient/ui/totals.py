"""Totals: subtotal, member prices, tier discount, coupon, points, amount due, points earned."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QWidget

from posclient.domain.pricing import PricedCart

from . import format as fmt
from .format import named


class TotalsPanel(QFrame):
    """The money of the sale, amount due largest."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("totalsPanel")
        self._priced: PricedCart | None = None
        self._has_member = False
        grid = QGridLayout(self)
        grid.setContentsMargins(12, 8, 12, 8)
        grid.setVerticalSpacing(2)
        names = ("subtotal", "memberSavings", "tierDiscount", "couponDiscount", "pointsPaid")
        self._labels: dict[str, QLabel] = {}
        self._values: dict[str, QLabel] = {}
        for row, name in enumerate(names):
            label, value = QLabel(), named(QLabel(), name)
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(label, row, 0)
            grid.addWidget(value, row, 1)
            self._labels[name], self._values[name] = label, value
        self.dueLabel = named(QLabel(), "totalDueLabel")
        self.totalDue = named(QLabel(), "totalDue")
        self.totalDue.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(self.dueLabel, len(names), 0)
        grid.addWidget(self.totalDue, len(names), 1)
        self.earnLabel = QLabel()
        self.pointsEarned = named(QLabel(), "pointsEarned")
        self.pointsEarned.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(self.earnLabel, len(names) + 1, 0)
        grid.addWidget(self.pointsEarned, len(names) + 1, 1)
        grid.setColumnStretch(1, 1)
        self._retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        texts = {
            "subtotal": self.tr("Subtotal"),
            "memberSavings": self.tr("Member prices"),
            "tierDiscount": self.tr("Tier discount"),
            "couponDiscount": self.tr("Coupon"),
            "pointsPaid": self.tr("Points"),
        }
        for name, text in texts.items():
            self._labels[name].setText(text)
        self.dueLabel.setText(self.tr("Amount due"))
        self.totalDue.setAccessibleName(self.tr("Amount due"))
        self.earnLabel.setText(self.tr("Points to earn"))
        self._render()

    def show_totals(self, priced: PricedCart, *, has_member: bool) -> None:
        self._priced, self._has_member = priced, has_member
        self._render()

    def value(self, name: str) -> str:
        return self._values[name].text()

    def _render(self) -> None:
        priced = self._priced
        if priced is None:
            return
        coupon = fmt.minus_yuan(priced.coupon_discount)
        if priced.coupon_code:
            coupon = f"{priced.coupon_code}  {coupon}"
        paid = priced.points_value + priced.item_points_value
        points = fmt.minus_yuan(paid)
        if priced.points_spent:
            points = (
                self.tr("%1 pts  %2")
                .replace("%1", fmt.points(priced.points_spent))
                .replace("%2", fmt.minus_yuan(paid))
            )
        self._values["subtotal"].setText(fmt.yuan(priced.subtotal))
        self._values["memberSavings"].setText(fmt.minus_yuan(priced.member_savings))
        self._values["tierDiscount"].setText(fmt.minus_yuan(priced.tier_discount))
        self._values["couponDiscount"].setText(coupon)
        self._values["pointsPaid"].setText(points)
        self.totalDue.setText(fmt.yuan(priced.amount_due))
        self.pointsEarned.setText(fmt.points(priced.points_earned) if self._has_member else "—")
