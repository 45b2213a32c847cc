"""A whole sale through the real window: login, wedge scans, redemption, pay, receipt, DB."""

from __future__ import annotations

from PySide6.QtCore import Qt

from posclient.domain.money import format_yuan
from tests.helpers import demo_members, sql
from tests.ui.conftest import login, scan, wait_idle

SILVER = demo_members()["silver"]  # 王芳 139****5678, 4,600 points, coupon BDAY20
MILK = "6901234000030"  # 伊利纯牛奶 ¥59.90, member price ¥54.90
NUTS = "6901234000092"


def test_whole_sale(qtbot, window, key_clock, till):
    login(qtbot, window)
    page = window.checkoutPage
    assert page.scanInput.hasFocus()
    assert "收银员小李" in window.staffLabel.text() and "收银员" in window.staffLabel.text()

    # The member's card through the keyboard wedge, while the scan field has focus.
    scan(qtbot, window, key_clock, SILVER["card_no"])
    panel = page.memberPanel
    assert panel.tierBadge.text() == "银卡"
    assert panel.nameLabel.text() == "王*" and panel.phoneLabel.text() == "139****5678"
    assert panel.pointsBalance.text().startswith("4,600 积分")
    assert page.scanInput.text() == ""  # a scan never lands in the field

    # Two products; the second one scanned while focus is on the coupon field.
    scan(qtbot, window, key_clock, MILK)
    page.couponInput.setFocus()
    scan(qtbot, window, key_clock, NUTS)
    assert page.couponInput.text() == ""
    assert page.cartTable.rowCount() == 2
    priced = page.state.priced
    assert page.totals.totalDue.text() == format_yuan(priced.amount_due)

    # Pay part with points: type into the redemption field, Enter.
    usable = priced.max_redeemable
    assert usable > 2000
    assert f"{usable:,}" in page.redeemHint.text()
    page.redeemPoints.edit.setFocus()
    page.redeemPoints.edit.setText("2000")
    qtbot.keyClick(page.redeemPoints.edit, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    assert page.state.redeem_points == 2000
    assert page.scanInput.hasFocus()  # back to scanning after Enter
    assert page.totals.value("pointsPaid").endswith("-¥20.00")
    due = page.state.priced.amount_due
    assert due == priced.amount_due - 20
    earned = page.state.priced.points_earned

    # F12 pays; the receipt dialog opens with the totals.
    with qtbot.waitSignal(page.saleCompleted, timeout=10_000) as paid:
        qtbot.keyClick(page.scanInput, Qt.Key.Key_F12)
    receipt = paid.args[0]
    qtbot.waitUntil(lambda: page.receiptDialog is not None and page.receiptDialog.isVisible())
    text = page.receiptDialog.receiptView.toPlainText()
    assert receipt.receipt_no in text
    assert format_yuan(due) in text and "积分抵扣 2,000 分" in text
    assert "王*" in text and "139****5678" in text and SILVER["phone"] not in text
    assert "王芳" not in text

    # On disk: the sale, its ledger entries and the outbox event, in one go.
    path = till.db.path
    assert sql(path, "SELECT receipt_no, amount_due, points_redeemed, staff_id FROM sales") == [
        (receipt.receipt_no, int(due * 100), 2000, "c01")
    ]
    assert sql(path, "SELECT kind, points FROM points_ledger ORDER BY entry_id") == [
        ("redeem", -2000),
        ("earn", earned),
    ]
    assert sql(path, "SELECT type, status FROM outbox") == [("sale.completed", "pending")]

    # Closing the receipt starts the next sale, scan field focused; queue count updated.
    qtbot.keyClick(page.receiptDialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.receiptDialog is None)
    assert page.state.lines == () and page.state.member is None
    qtbot.waitUntil(page.scanInput.hasFocus)
    wait_idle(qtbot, window)
    assert "待上传 1" in window.syncStatus.text()
