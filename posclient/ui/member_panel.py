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
from posclient.domain.offers import Offer, OfferKind
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
        self._offers: tuple[Offer, ...] = ()
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
        # Triggered offers (issue 8): between the member's facts and the coupon list.
        self.offerBox = named(QWidget(), "memberOffers")
        self.offerLayout = QVBoxLayout(self.offerBox)
        self.offerLayout.setContentsMargins(0, 4, 0, 0)
        self.offerLayout.setSpacing(4)
        layout.addWidget(self.offerBox)
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
        if member is None or self._member is None or member.member_id != self._member.member_id:
            self._offers = ()
        self._member, self._online, self._lang = member, online, lang
        self._applied = applied_coupon
        self._render()

    def show_offers(self, member_id: str, offers: tuple[Offer, ...]) -> None:
        """The offers evaluated for ``member_id`` (ignored if another member is on screen)."""
        if self._member is None or self._member.member_id != member_id:
            return
        self._offers = tuple(offers)
        self._render()

    @property
    def offers(self) -> tuple[Offer, ...]:
        return self._offers

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
        self._clear_layout(self.offerLayout)
        if member is None:
            self.offerBox.hide()
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
        self._render_offers()
        offered = {offer.coupon_code for offer in self._offers if offer.coupon_code}
        self._render_coupons(tuple(c for c in member.coupons if c.code not in offered))

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

    def _offered(self, kind: OfferKind) -> bool:
        return any(offer.kind is kind for offer in self._offers)

    def _render_expiring(self, member: MemberView) -> None:
        if not member.expiring or self._offered(OfferKind.POINTS_EXPIRING):
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
        if step is None or self._offered(OfferKind.NEAR_TIER):
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

    def _coupon_short(self, coupon: Coupon) -> str:
        text = f"{coupon.code} · {self._coupon_what(coupon)}"
        return f"✓ {text}" if coupon.code == self._applied else text

    def _coupon_what(self, coupon: Coupon) -> str:
        if coupon.discount_type == DiscountType.FIXED:
            return self.tr("%1 off").replace("%1", fmt.yuan(coupon.value))
        if coupon.discount_type == DiscountType.PERCENT:
            return self.tr("%1% off").replace("%1", f"{coupon.value.normalize():f}")
        return self.tr("%1× points").replace("%1", f"{coupon.value.normalize():f}")

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
        self._clear_layout(self.couponLayout)

    def _clear_layout(self, layout: QVBoxLayout) -> None:
        while layout.count():
            item = layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.setParent(None)  # gone from findChild now; deleted once its click is over
                widget.deleteLater()

    # ------------------------------------------------------------------ offers (issue 8)

    def _render_offers(self) -> None:
        member = self._member
        self.offerBox.setVisible(bool(self._offers))
        coupons = {c.code: c for c in member.coupons} if member else {}
        for index, offer in enumerate(self._offers):
            coupon = coupons.get(offer.coupon_code or "")
            text = self.offer_text(offer, coupon)
            name = f"offer_{offer.kind.value}"
            if coupon is not None:
                widget: QWidget = named(QPushButton(text), name)
                button = widget
                assert isinstance(button, QPushButton)
                button.setProperty("offer", True)
                button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
                button.setToolTip(text)
                button.setAccessibleName(text)
                button.setEnabled(coupon.code != self._applied)
                button.setStyleSheet(
                    "QPushButton{background:#fff4e5;border:1px solid #f0a54a;border-radius:4px;"
                    "padding:4px 6px;text-align:left;color:#7b341e;font-weight:bold;}"
                    "QPushButton:disabled{background:#f3f3f3;color:#777;border-color:#ccc;}"
                )
                button.clicked.connect(
                    lambda _=False, code=coupon.code: self.couponClicked.emit(code)
                )
            else:
                label = named(QLabel(text), name)
                label.setWordWrap(True)
                label.setStyleSheet(
                    "QLabel{background:#fff4e5;border:1px solid #f0a54a;border-radius:4px;"
                    "padding:4px 6px;color:#7b341e;}"
                )
                widget = label
            widget.setProperty("offerIndex", index)
            self.offerLayout.addWidget(widget)

    def offer_text(self, offer: Offer, coupon: Coupon | None) -> str:
        """One offer in the cashier's language; with its coupon when one applies it."""
        use = ""
        if coupon is not None:
            use = self.tr("apply %1").replace("%1", self._coupon_short(coupon))
        kind = offer.kind
        if kind is OfferKind.BIRTHDAY:
            day = offer.day.strftime("%m-%d") if offer.day else ""
            head = self.tr("★ Birthday on %1").replace("%1", day)
            tail = use or self.tr("wish them a happy birthday")
        elif kind is OfferKind.FIRST_PURCHASE:
            head = self.tr("★ New member, first purchase")
            tail = use or self.tr("welcome them")
        elif kind is OfferKind.COMEBACK:
            head = self.tr("★ Welcome back after a long break")
            tail = use
        elif kind is OfferKind.NEAR_TIER:
            assert offer.amount is not None and offer.tier is not None
            return (
                self.tr("★ %1 more to %2")
                .replace("%1", fmt.yuan(offer.amount))
                .replace("%2", offer.tier.name(self._lang))
            )
        else:
            return (
                self.tr("★ %1 points expire by %2: suggest using them")
                .replace("%1", fmt.points(offer.points))
                .replace("%2", offer.day.strftime("%Y-%m-%d") if offer.day else "")
            )
        # Two lines: a button does not wrap, and the panel must never widen.
        return f"{head}\n{tail}" if tail else head
