"""The member panel: masked name and phone, tier badge, points (as of hh:mm offline), expiring
points, tags, next tier, and the member's coupons (one click applies)."""

from __future__ import annotations

import html
import unicodedata

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from posclient.domain.coupons import Coupon, DiscountType
from posclient.domain.points import points_value
from posclient.domain.tiers import DEFAULT_TIERS, spend_to_next_tier
from posclient.services.clock import Clock
from posclient.services.members import MemberView
from posclient.services.tags import member_labels

from . import format as fmt
from .format import named

TAG_STYLE = "background-color:#e8eef7;color:#234;"
WORD_JOINER = "\u2060"


def unbreakable(text: str, widest: int = 28) -> str:
    """``text`` escaped for rich text, with no line break inside it when it is short (at most
    ``widest`` columns, a Chinese character counting two): Chinese may otherwise be broken
    between any two characters, splitting a tag chip over two lines. A longer text may still
    wrap, so that it never widens the panel."""
    columns = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    if columns > widest:
        return html.escape(text)
    return WORD_JOINER.join(html.escape(char) for char in text.replace(" ", "\u00a0"))


class MemberPanel(QFrame):
    """Shows the identified member, or how to identify one."""

    couponClicked = Signal(str)
    clearClicked = Signal()

    def __init__(self, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("memberPanel")
        self._clock = clock
        self._member: MemberView | None = None
        self._online = False
        self._lang = "zh_CN"
        self._applied: str | None = None
        self._build()
        self._connect_signals()
        self._retranslate()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(4)
        top = QHBoxLayout()
        self.tierBadge = named(QLabel(), "tierBadge")
        self.tierBadge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.nameLabel = named(QLabel(), "memberName")
        self.phoneLabel = named(QLabel(), "memberPhone")
        self.clearButton = named(QPushButton(), "memberClear")
        self.clearButton.setProperty("flat", True)
        top.addWidget(self.tierBadge)
        top.addWidget(self.nameLabel)
        top.addWidget(self.phoneLabel, 1)
        top.addWidget(self.clearButton)
        layout.addLayout(top)
        self.emptyLabel = named(QLabel(), "memberEmpty")
        self.emptyLabel.setWordWrap(True)
        layout.addWidget(self.emptyLabel)
        self.pointsBalance = named(QLabel(), "pointsBalance")
        self.asOfLabel = named(QLabel(), "pointsAsOf")
        self.expiringLabel = named(QLabel(), "pointsExpiring")
        self.nextTierLabel = named(QLabel(), "nextTier")
        self.tagsLabel = named(QLabel(), "memberTags")
        self.tagsLabel.setTextFormat(Qt.TextFormat.RichText)
        self.tagsLabel.setWordWrap(True)
        self.noticeLabel = named(QLabel(), "memberNotice")
        self.noticeLabel.setWordWrap(True)
        for label in (
            self.pointsBalance,
            self.asOfLabel,
            self.expiringLabel,
            self.nextTierLabel,
            self.tagsLabel,
            self.noticeLabel,
        ):
            layout.addWidget(label)
        self.couponBox = named(QWidget(), "memberCoupons")
        self.couponLayout = QVBoxLayout(self.couponBox)
        self.couponLayout.setContentsMargins(0, 2, 0, 0)
        self.couponLayout.setSpacing(4)
        layout.addWidget(self.couponBox)
        layout.addStretch(1)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

    def _connect_signals(self) -> None:
        self.clearButton.clicked.connect(self._on_clear_clicked)

    def _on_clear_clicked(self) -> None:
        self.clearClicked.emit()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self.setAccessibleName(self.tr("Member"))
        self.tierBadge.setAccessibleName(self.tr("Tier"))
        self.pointsBalance.setAccessibleName(self.tr("Points balance"))
        self.tagsLabel.setAccessibleName(self.tr("Member tags"))
        self.clearButton.setText(self.tr("Clear ×"))
        self.clearButton.setToolTip(self.tr("Sell without this member"))
        self.emptyLabel.setText(
            self.tr("No member yet: scan the member's code or type the phone number (F2).")
        )
        self._render()

    # ------------------------------------------------------------------ rendering

    def show_member(
        self,
        member: MemberView | None,
        *,
        online: bool,
        lang: str,
        applied_coupon: str | None = None,
    ) -> None:
        self._member, self._online, self._lang = member, online, lang
        self._applied = applied_coupon
        self._render()

    def _render(self) -> None:
        member = self._member
        has = member is not None
        for widget in (
            self.tierBadge,
            self.nameLabel,
            self.phoneLabel,
            self.clearButton,
            self.pointsBalance,
        ):
            widget.setVisible(has)
        self.emptyLabel.setVisible(not has)
        self._clear_coupons()
        if member is None:
            for label in (
                self.asOfLabel,
                self.expiringLabel,
                self.nextTierLabel,
                self.tagsLabel,
                self.noticeLabel,
            ):
                label.hide()
            self.couponBox.hide()
            return
        self.tierBadge.setText(member.tier.name(self._lang))
        self.tierBadge.setProperty("tier", member.tier.code)
        self.tierBadge.style().unpolish(self.tierBadge)
        self.tierBadge.style().polish(self.tierBadge)
        self.nameLabel.setText(member.name_masked or self.tr("(no name)"))
        self.phoneLabel.setText(member.phone_masked)
        self.pointsBalance.setText(
            self.tr("%1 points (%2)")
            .replace("%1", fmt.points(member.balance))
            .replace("%2", fmt.yuan(points_value(max(0, member.balance))))
        )
        self._render_as_of(member)
        self._render_expiring(member)
        self._render_next_tier(member)
        self._render_tags(member)
        self._render_notice(member)
        self._render_coupons(member.coupons)

    def _render_as_of(self, member: MemberView) -> None:
        if self._online or member.provisional:
            self.asOfLabel.hide()
            return
        if member.as_of is None:
            text = self.tr("Offline: balance not confirmed by HQ")
        else:
            text = self.tr("Offline: balance as of %1").replace(
                "%1", fmt.local_hhmm(self._clock, member.as_of)
            )
        self.asOfLabel.setText(text)
        self.asOfLabel.show()

    def _render_expiring(self, member: MemberView) -> None:
        if not member.expiring:
            self.expiringLabel.hide()
            return
        total = sum(points for _, points in member.expiring)
        first = min(day for day, _ in member.expiring)
        self.expiringLabel.setText(
            self.tr("%1 points expire by %2")
            .replace("%1", fmt.points(total))
            .replace("%2", first.strftime("%Y-%m-%d"))
        )
        self.expiringLabel.show()

    def _render_next_tier(self, member: MemberView) -> None:
        step = None if member.provisional else spend_to_next_tier(member.tier, member.spend_12m)
        if step is None:
            self.nextTierLabel.hide()
            return
        tier, amount = step
        self.nextTierLabel.setText(
            self.tr("%1 more to reach %2")
            .replace("%1", fmt.yuan(amount))
            .replace("%2", tier.name(self._lang))
        )
        self.nextTierLabel.show()

    def _render_tags(self, member: MemberView) -> None:
        # In words, in the cashier's language; the tier is on the badge already.
        tags = member_labels(
            member.tags,
            member.segment,
            self._lang,
            shown_tier=member.tier.code,
            tiers=(member.tier, *DEFAULT_TIERS),
        )
        if not tags:
            self.tagsLabel.hide()
            return
        chips = "&nbsp; ".join(
            f"<span style='{TAG_STYLE}'>&nbsp;{unbreakable(t)}&nbsp;</span>" for t in tags
        )
        self.tagsLabel.setText(chips)
        self.tagsLabel.setAccessibleDescription(" · ".join(tags))  # plain text for readers
        self.tagsLabel.show()

    def _render_notice(self, member: MemberView) -> None:
        if member.provisional:
            text = self.tr("Member not synced to this till yet: earns points, cannot redeem")
        elif member.flagged_overdraft:
            text = self.tr("Points overdrawn at HQ: recovered from future earnings")
        else:
            self.noticeLabel.hide()
            return
        self.noticeLabel.setText(text)
        self.noticeLabel.show()

    def _render_coupons(self, coupons: tuple[Coupon, ...]) -> None:
        self.couponBox.setVisible(bool(coupons))
        for coupon in coupons:
            button = named(QPushButton(self._coupon_text(coupon)), f"coupon_{coupon.code}")
            button.setProperty("coupon", True)
            # Never wider than the panel: a long coupon text is clipped, the panel is not.
            button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            button.setToolTip(button.text())
            button.setAccessibleName(self.tr("Apply coupon %1").replace("%1", coupon.code))
            applied = coupon.code == self._applied
            button.setEnabled(not applied)
            button.clicked.connect(lambda _=False, code=coupon.code: self.couponClicked.emit(code))
            self.couponLayout.addWidget(button)

    def _coupon_text(self, coupon: Coupon) -> str:
        if coupon.discount_type == DiscountType.FIXED:
            what = self.tr("%1 off").replace("%1", fmt.yuan(coupon.value))
        elif coupon.discount_type == DiscountType.PERCENT:
            what = self.tr("%1% off").replace("%1", f"{coupon.value.normalize():f}")
        else:
            what = self.tr("%1× points").replace("%1", f"{coupon.value.normalize():f}")
        parts = [coupon.code, what]
        if coupon.min_spend:
            parts.append(self.tr("min. %1").replace("%1", fmt.yuan(coupon.min_spend)))
        parts.append(self.tr("until %1").replace("%1", coupon.valid_until.strftime("%m-%d")))
        text = " · ".join(parts)
        return f"✓ {text}" if coupon.code == self._applied else text

    def _clear_coupons(self) -> None:
        while self.couponLayout.count():
            item = self.couponLayout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.setParent(None)  # gone from findChild now; deleted once its click is over
                widget.deleteLater()
