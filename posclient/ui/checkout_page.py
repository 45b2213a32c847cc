"""The checkout screen: scan field, cart, member panel, points and coupons, totals, pay."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial  # issue 8
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from posclient.domain.errors import PosError
from posclient.domain.points import POINTS_PER_YUAN, points_value
from posclient.i18n import text as i18n_text
from posclient.services import offers as offers_service  # issue 8
from posclient.services import staff as staff_service
from posclient.services.checkout import Receipt, RefundReceipt

from . import format as fmt
from .cart_table import CartTable
from .context import Context
from .format import named, with_key
from .member_panel import MemberPanel
from .message_line import MessageLine
from .sale import SaleSession, SaleState
from .stepper import Stepper
from .totals import TotalsPanel

log = logging.getLogger("posclient.ui")

RIGHT_WIDTH = 380
MAX_REDEEM_INPUT = 10_000_000

#: key → (button attribute, slot name). The key is shown on the button.
SHORTCUTS = {
    "F2": ("memberButton", "_on_member_key"),
    "F3": ("qtyButton", "_on_qty_key"),
    "F4": ("redeemMaxButton", "_on_redeem_max"),
    "F5": ("removeButton", "_on_remove_line"),
    "F6": ("cameraButton", "_on_camera"),
    "F7": ("reprintButton", "_on_reprint"),
    "F8": ("couponButton", "_on_coupon_key"),
    "F9": ("refundButton", "_on_refund"),
    "F12": ("payButton", "_on_pay"),
    "Esc": ("voidButton", "_on_void"),
}


class CheckoutPage(QWidget):
    """Sends commands to the sale (on the database worker) and renders what comes back."""

    #: A sale state is on screen (tests and the benchmark wait for it).
    rendered = Signal()
    saleCompleted = Signal(object)  # Receipt
    refunded = Signal(object)  # RefundReceipt
    offersShown = Signal()  # issue 8: the member panel shows the member's offers

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("checkoutPage")
        self.ctx = ctx
        self.session = SaleSession(ctx.till.checkout)
        self.state: SaleState | None = None
        self.last_receipt: Receipt | None = None
        self._paying = False
        self._manual_pending = False
        self.receiptDialog: QDialog | None = None
        self._build()
        self._shortcuts: list[QShortcut] = []
        self._connect_signals()
        self._retranslate()

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(10, 8, 10, 4)
        root.setSpacing(6)
        top = QHBoxLayout()
        self.scanInput = named(QLineEdit(), "scanInput")
        # Codes are ASCII: no IME composition in the scan field, even with pinyin switched on.
        self.scanInput.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.scanInput.setInputMethodHints(
            Qt.InputMethodHint.ImhPreferNumbers | Qt.InputMethodHint.ImhLatinOnly
        )
        self.scanInput.setMaxLength(1024)
        self.scanButton = named(QPushButton(), "scanButton")
        self.memberButton = named(QPushButton(), "memberButton")
        self.cameraButton = named(QPushButton(), "cameraButton")
        top.addWidget(self.scanInput, 1)
        for button in (self.scanButton, self.memberButton, self.cameraButton):
            top.addWidget(button)
        root.addLayout(top)
        self.message = MessageLine(self)
        root.addWidget(self.message)

        body = QHBoxLayout()
        body.setSpacing(10)
        left = QVBoxLayout()
        self.cartTable = CartTable(self)
        left.addWidget(self.cartTable, 1)
        actions = QHBoxLayout()
        self.qtyButton = named(QPushButton(), "qtyButton")
        self.removeButton = named(QPushButton(), "removeButton")
        self.voidButton = named(QPushButton(), "voidButton")
        self.refundButton = named(QPushButton(), "refundButton")
        self.reprintButton = named(QPushButton(), "reprintButton")
        for button in (
            self.qtyButton,
            self.removeButton,
            self.voidButton,
            self.refundButton,
            self.reprintButton,
        ):
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            actions.addWidget(button)
        left.addLayout(actions)
        body.addLayout(left, 1)

        right = QVBoxLayout()
        right.setSpacing(6)
        self.memberPanel = MemberPanel(self.ctx.clock, self)
        scroll = named(QScrollArea(), "memberScroll")
        scroll.setWidget(self.memberPanel)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumHeight(150)
        right.addWidget(scroll, 1)

        redeem = named(QFrame(), "redeemBox")
        redeem_layout = QVBoxLayout(redeem)
        redeem_layout.setContentsMargins(10, 6, 10, 6)
        redeem_layout.setSpacing(2)
        row = QHBoxLayout()
        self.redeemLabel = QLabel()
        self.redeemPoints = Stepper(
            maximum=MAX_REDEEM_INPUT, step=POINTS_PER_YUAN, edit_width=64, parent=self
        )
        self.redeemPoints.setObjectName("redeemPoints")
        self.redeemMaxButton = named(QPushButton(), "redeemMax")
        row.addWidget(self.redeemLabel)
        row.addWidget(self.redeemPoints, 1)
        row.addWidget(self.redeemMaxButton)
        redeem_layout.addLayout(row)
        self.redeemHint = named(QLabel(), "redeemHint")
        self.redeemHint.setWordWrap(True)
        redeem_layout.addWidget(self.redeemHint)
        coupon_row = QHBoxLayout()
        self.couponInput = named(QLineEdit(), "couponInput")
        self.couponInput.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.couponInput.setMaxLength(64)
        self.couponButton = named(QPushButton(), "couponApply")
        self.couponRemove = named(QPushButton(), "couponRemove")
        coupon_row.addWidget(self.couponInput, 1)
        coupon_row.addWidget(self.couponButton)
        coupon_row.addWidget(self.couponRemove)
        redeem_layout.addLayout(coupon_row)
        right.addWidget(redeem)

        self.totals = TotalsPanel(self)
        right.addWidget(self.totals)
        self.payButton = named(QPushButton(), "payButton")
        self.payButton.setProperty("primary", True)
        self.payButton.setMinimumHeight(64)
        right.addWidget(self.payButton)
        holder = QWidget()
        holder.setLayout(right)
        holder.setFixedWidth(RIGHT_WIDTH)
        body.addWidget(holder)
        root.addLayout(body, 1)
        # Shortcuts (scanners and people come back to the scan field after every action).
        self.setFocusProxy(self.scanInput)

    def _connect_signals(self) -> None:
        self.scanInput.returnPressed.connect(self._on_scan_entered)
        self.scanButton.clicked.connect(self._on_scan_entered)
        self.cartTable.qtyChanged.connect(self._on_qty_changed)
        self.cartTable.removeRequested.connect(self._on_remove_requested)
        self.memberPanel.couponClicked.connect(self._on_coupon_clicked)
        self.memberPanel.clearClicked.connect(self._on_member_clear)
        self.redeemPoints.committed.connect(self._on_redeem_edited)
        self.couponInput.returnPressed.connect(self._on_coupon_apply)
        self.couponRemove.clicked.connect(self._on_coupon_remove)
        for key, (button_name, slot_name) in SHORTCUTS.items():
            slot = getattr(self, slot_name)
            getattr(self, button_name).clicked.connect(slot)
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)
            self._shortcuts.append(shortcut)
        for key, delta in (("Up", -1), ("Down", 1)):
            shortcut = QShortcut(QKeySequence(key), self.scanInput)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(lambda d=delta: self.cartTable.move_selection(d))
            self._shortcuts.append(shortcut)
        shortcut = QShortcut(QKeySequence("Delete"), self.cartTable)
        shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        shortcut.activated.connect(self._on_remove_line)
        self._shortcuts.append(shortcut)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self.scanInput.setPlaceholderText(
            self.tr("Scan, or type a phone number, member card or barcode, then Enter")
        )
        self.scanInput.setAccessibleName(self.tr("Scan or type a code"))
        self.scanButton.setText(with_key(self.tr("OK"), "Enter"))
        self.memberButton.setText(with_key(self.tr("Member"), "F2"))
        self.cameraButton.setText(with_key(self.tr("Camera"), "F6"))
        self.qtyButton.setText(with_key(self.tr("Quantity"), "F3"))
        self.removeButton.setText(with_key(self.tr("Remove line"), "F5"))
        self.voidButton.setText(with_key(self.tr("Cancel sale"), "Esc"))
        self.refundButton.setText(with_key(self.tr("Refund"), "F9"))
        self.reprintButton.setText(with_key(self.tr("Reprint"), "F7"))
        self.redeemLabel.setText(self.tr("Pay with points"))
        self.redeemPoints.setAccessibleName(self.tr("Points to redeem"))
        self.redeemPoints.edit.setAccessibleName(self.tr("Points to redeem"))
        self.redeemMaxButton.setText(with_key(self.tr("Max"), "F4"))
        self.couponInput.setPlaceholderText(self.tr("Coupon code"))
        self.couponInput.setAccessibleName(self.tr("Coupon code"))
        self.couponButton.setText(with_key(self.tr("Apply"), "F8"))
        self.couponRemove.setText(self.tr("Remove"))
        self.payButton.setText(with_key(self.tr("Pay"), "F12"))
        self.payButton.setAccessibleName(self.tr("Pay"))
        self.cartTable.setAccessibleName(self.tr("Cart"))
        self.message.show_info("")  # whatever it said was in the other language
        if self.state is not None:
            self._render(self.state)

    # ------------------------------------------------------------------ commands

    def start(self) -> None:
        """Show the sale as it is (empty on start; kept across a switch of user)."""
        self._run(self.session.state)
        self.scanInput.setFocus()

    def scan(self, text: str, *, manual: bool = False) -> None:
        """The one scan path: wedge bursts, the scan field, the camera dialog."""
        text = text.strip()
        if not text:
            return
        self._manual_pending = manual
        self._run(self.session.scan, text, on_failure=self._on_scan_failed)

    def _run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_failure: Callable[[PosError], None] | None = None,
        **kwargs: Any,
    ) -> None:
        self.ctx.ops.db(fn, *args, **kwargs).success(self._on_state).failure(
            on_failure or self._on_failed
        ).run()

    def _on_state(self, state: SaleState) -> None:
        self._render(state)
        self._say(state)
        if self._manual_pending:
            self._manual_pending = False
            self.scanInput.clear()
        self.rendered.emit()

    def _on_failed(self, error: PosError) -> None:
        self.message.show_error(self.ctx.error_text(error))
        if self.state is not None:
            self._render_redeem(self.state)  # an edit that was refused shows the value in force

    def _on_scan_failed(self, error: PosError) -> None:
        self._on_failed(error)
        if self._manual_pending:
            self._manual_pending = False
            self.scanInput.setFocus()
            self.scanInput.selectAll()  # a typing mistake: fix it, or type over it

    # ------------------------------------------------------------------ rendering

    def _render(self, state: SaleState) -> None:
        self.state = state
        lang = self.ctx.lang
        self.memberPanel.show_member(
            state.member,
            online=self.ctx.online,
            lang=lang,
            applied_coupon=state.coupon.code if state.coupon else None,
        )
        self._request_offers(state)  # issue 8
        self.cartTable.show_cart(state.lines, state.priced, lang=lang, focus_line=state.focus_line)
        self.totals.show_totals(state.priced, has_member=state.member is not None)
        self._render_redeem(state)
        self.couponRemove.setVisible(state.coupon is not None)
        self.payButton.setEnabled(bool(state.lines) and not self._paying)
        self.qtyButton.setEnabled(bool(state.lines))
        self.removeButton.setEnabled(bool(state.lines))

    # --- issue 8: triggered offers for the member just identified (on the database worker)

    def _request_offers(self, state: SaleState) -> None:
        member = state.member
        member_id = member.member_id if member is not None else None
        if member_id == getattr(self, "_offers_for", None):
            return
        self._offers_for = member_id
        if member is None or member.provisional:
            return
        till, clock = self.ctx.till, self.ctx.clock
        self.ctx.ops.db(
            offers_service.offers_for,
            till.db,
            till.cipher,
            member,
            now=clock.now(),
            today=clock.today(),
        ).success(partial(self._on_offers, member.member_id)).run()

    def _on_offers(self, member_id: str, offers: tuple[object, ...]) -> None:
        self.memberPanel.show_offers(member_id, offers)  # type: ignore[arg-type]
        self.offersShown.emit()

    # --- end issue 8

    def _render_redeem(self, state: SaleState) -> None:
        member = state.member
        usable = state.priced.max_redeemable
        self.redeemPoints.set_value(state.redeem_points)
        can = member is not None and not member.provisional and bool(state.lines)
        self.redeemPoints.setEnabled(can)
        self.redeemMaxButton.setEnabled(can and usable > 0)
        if member is None:
            hint = self.tr("Identify the member to pay with points")
        elif member.provisional:
            hint = self.tr("This member cannot redeem until synced")
        elif not state.lines:
            hint = self.tr("Scan items, then choose points")
        else:
            hint = (
                self.tr("At most %1 points usable now (%2)")
                .replace("%1", fmt.points(usable))
                .replace("%2", fmt.yuan(points_value(usable)))
            )
            if not self.ctx.online:
                hint += " · " + self.tr("offline limit")
        self.redeemHint.setText(hint)

    def _say(self, state: SaleState) -> None:
        """One line about what the command did (the last event wins)."""
        for kind, value in state.events:
            if kind == "member" and state.member is not None:
                member = state.member
                self.message.show_info(
                    self.tr("Member %1 · %2")
                    .replace("%1", member.name_masked or member.card_no)
                    .replace("%2", member.tier.name(self.ctx.lang))
                )
            elif kind == "added":
                name = next(
                    (
                        line.product.display_name(self.ctx.lang)
                        for line in state.lines
                        if line.product.sku == value
                    ),
                    value,
                )
                self.message.show_info(self.tr("Added %1").replace("%1", name))
            elif kind == "removed":
                self.message.show_info(self.tr("Line %1 removed").replace("%1", value))
            elif kind == "redeem":
                points = int(value)
                self.message.show_info(
                    self.tr("Paying %1 points (%2)")
                    .replace("%1", fmt.points(points))
                    .replace("%2", fmt.yuan(points_value(points)))
                    if points
                    else self.tr("No points used")
                )
            elif kind == "redeem_reduced":
                self.message.show_warning(
                    self.tr("Points payment reduced to %1: the bill is smaller now").replace(
                        "%1", fmt.points(int(value))
                    )
                )
            elif kind == "coupon":
                self.message.show_info(self.tr("Coupon %1 applied").replace("%1", value))
            elif kind == "coupon_removed":
                self.message.show_info(self.tr("Coupon removed"))
            elif kind == "coupon_dropped":
                self.message.show_warning(
                    self.tr("Coupon %1 no longer applies and was removed").replace("%1", value)
                )
            elif kind == "member_cleared":
                self.message.show_info(self.tr("Selling without a member"))
            elif kind == "completed":
                self.message.show_info(self.tr("Sale %1 completed").replace("%1", value))
            elif kind == "voided":
                self.message.show_info(self.tr("Sale cancelled"))

    def set_online(self, online: bool) -> None:
        """The status changed: re-price (offline caps) and redraw the "as of" line."""
        if self.state is not None and self.ctx.staff is not None:
            self._run(self.session.refresh)

    def show_partial_scan(self) -> None:
        self.message.show_warning(i18n_text("scan.partial", self.ctx.lang))

    # ------------------------------------------------------------------ slots: cart

    def _on_scan_entered(self) -> None:
        self.scan(self.scanInput.text(), manual=True)

    def _on_qty_changed(self, line_no: int, qty: int) -> None:
        self._run(self.session.set_qty, line_no, qty)

    def _on_remove_requested(self, line_no: int) -> None:
        self._run(self.session.remove, line_no)

    def _on_remove_line(self) -> None:
        if self.state is None or not self.state.lines:
            return
        line = self.cartTable.selected_line() or len(self.state.lines)
        self._run(self.session.remove, line)

    def _on_qty_key(self) -> None:
        if self.state is None or not self.state.lines:
            return
        line = self.cartTable.selected_line() or len(self.state.lines)
        self.cartTable.selectRow(line - 1)
        editor = self.cartTable.qty_editor(line)
        if editor is not None:
            editor.edit.setFocus()
            editor.edit.selectAll()

    def _on_member_key(self) -> None:
        self.scanInput.setFocus()
        self.scanInput.selectAll()
        self.message.show_info(self.tr("Scan the member code, or type the phone number + Enter"))

    def _on_member_clear(self) -> None:
        self._run(self.session.clear_member)

    # ------------------------------------------------------------------ slots: points, coupons

    def _on_redeem_edited(self, points: int) -> None:
        if self.redeemPoints.edit.hasFocus():
            self.scanInput.setFocus()  # Enter applied it: back to scanning
        if self.state is None or points == self.state.redeem_points:
            return
        self._run(self.session.set_redeem, points)

    def _on_redeem_max(self) -> None:
        if self.state is None or self.state.member is None:
            return
        self._run(self.session.redeem_max)

    def _on_coupon_key(self) -> None:
        if self.couponInput.hasFocus() and self.couponInput.text().strip():
            self._on_coupon_apply()
            return
        self.couponInput.setFocus()
        self.couponInput.selectAll()

    def _on_coupon_apply(self) -> None:
        code = self.couponInput.text().strip()
        if not code:
            return
        self.ctx.ops.db(self.session.apply_coupon, code).success(self._on_coupon_applied).failure(
            self._on_failed
        ).run()

    def _on_coupon_applied(self, state: SaleState) -> None:
        self.couponInput.clear()
        self._on_state(state)
        self.scanInput.setFocus()

    def _on_coupon_clicked(self, code: str) -> None:
        self._run(self.session.apply_coupon, code)

    def _on_coupon_remove(self) -> None:
        self._run(self.session.remove_coupon)

    # ------------------------------------------------------------------ slots: pay, void

    def _on_pay(self) -> None:
        if self._paying or self.state is None:
            return
        try:
            staff = staff_service.require(self.ctx.staff, "sell")
        except PosError as error:
            self._on_failed(error)
            return
        if not self.state.lines:
            self._on_failed(PosError("cart.empty"))
            return
        pending_redeem = self.redeemPoints.typed_value()
        session = self.session

        def pay() -> tuple[Receipt, SaleState]:
            if pending_redeem != session.cart.redeem_points:
                session.set_redeem(pending_redeem)  # typed but not yet applied
            return session.complete(staff.staff_id)

        self._paying = True
        self.payButton.setEnabled(False)
        self.ctx.ops.db(pay).success(self._on_paid).failure(self._on_pay_failed).run()

    def _on_paid(self, result: tuple[Receipt, SaleState]) -> None:
        receipt, state = result
        self._paying = False
        self.last_receipt = receipt
        self._on_state(state)
        self.saleCompleted.emit(receipt)
        self.show_receipt(receipt)

    def _on_pay_failed(self, error: PosError) -> None:
        self._paying = False
        self._on_failed(error)
        if self.state is not None:
            self._render(self.state)

    def show_receipt(self, receipt: Receipt, *, reprint: bool = False) -> None:
        from .receipt_dialog import ReceiptDialog

        dialog = ReceiptDialog(self.ctx, receipt, reprint=reprint, parent=self)
        dialog.finished.connect(self._on_dialog_closed)
        self.receiptDialog = dialog
        dialog.open()

    def _on_dialog_closed(self, _result: int = 0) -> None:
        self.receiptDialog = None
        self.focus_scan()

    def focus_scan(self) -> None:
        """Back to scanning: the window active again (no window manager may do it) and the
        scan field focused."""
        self.window().activateWindow()
        self.scanInput.setFocus()

    def _on_reprint(self) -> None:
        if self.last_receipt is None:
            self._on_failed(PosError("print.no_receipt"))
            return
        self.show_receipt(self.last_receipt, reprint=True)

    def _on_void(self) -> None:
        if self.scanInput.hasFocus() and self.scanInput.text():
            self.scanInput.clear()
            return
        state = self.state
        if state is None or (not state.lines and state.member is None):
            return
        if not state.lines:
            self._run(self.session.clear_member)
            return
        from .void_dialog import VoidDialog

        summary = (
            self.tr("Cancel this sale of %1 lines (%2)?")
            .replace("%1", str(len(state.lines)))
            .replace("%2", fmt.yuan(state.priced.amount_due))
        )
        dialog = VoidDialog(summary, self)
        dialog.accepted.connect(lambda: self._on_void_confirmed(dialog.reason()))
        dialog.finished.connect(self._on_dialog_closed)
        self.voidDialog = dialog
        dialog.open()

    def _on_void_confirmed(self, reason: str) -> None:
        staff = self.ctx.staff
        self._run(
            self.session.void,
            staff_id=staff.staff_id if staff else "",
            reason=reason,
            now=self.ctx.clock.now(),
        )

    # ------------------------------------------------------------------ slots: refund, camera

    def _on_refund(self) -> None:
        try:
            staff_service.require(self.ctx.staff, "refund")
        except PosError as error:
            self._on_failed(error)
            return
        from .refund_dialog import RefundDialog

        dialog = RefundDialog(self.ctx, self)
        dialog.refunded.connect(self._on_refunded)
        dialog.finished.connect(self._on_dialog_closed)
        self.refundDialog = dialog
        dialog.open()

    def _on_refunded(self, refund: RefundReceipt) -> None:
        self.message.show_info(self.refundDialog.done_text(refund))
        self.refunded.emit(refund)

    def _on_camera(self) -> None:
        try:
            from posclient.ui.camera_dialog import CameraScanDialog  # another issue builds it
        except ImportError:
            log.info("camera dialog not available")
            self.message.show_warning(i18n_text("scan.camera_unavailable", self.ctx.lang))
            return
        dialog = CameraScanDialog(self)
        dialog.codeScanned.connect(self._on_camera_code)
        dialog.finished.connect(self._on_dialog_closed)
        self.cameraDialog = dialog
        dialog.open()

    def _on_camera_code(self, code: str) -> None:
        self.scan(code)
