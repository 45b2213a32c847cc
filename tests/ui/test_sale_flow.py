"""A whole sale through the real window: login, wedge scans, redemption, pay, receipt, DB."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt

from posclient.domain.money import format_yuan
from tests.helpers import demo_members, sql
from tests.ui.conftest import login, scan, wait_idle

SILVER = demo_members()["silver"]  # 张敏 150****0003, 4,200 points, high-value loyal, buys fresh
MILK = "6901234000009"  # MILK-1L 纯牛奶 1L ¥12.90, member price ¥11.50
NUTS = "6961234000263"  # NUTS-MIX 每日坚果 ¥99.00, member price ¥89.00


def test_whole_sale(qtbot, window, key_clock, till):
    login(qtbot, window)
    page = window.checkoutPage
    assert page.scanInput.hasFocus()
    assert "收银员小李" in window.staffLabel.text() and "收银员" in window.staffLabel.text()

    # The member's card through the keyboard wedge, while the scan field has focus.
    scan(qtbot, window, key_clock, SILVER["card_no"])
    panel = page.memberPanel
    assert panel.tierBadge.text() == "银卡"
    assert panel.nameLabel.text() == "张*" and panel.phoneLabel.text() == "150****0003"
    assert panel.pointsBalance.text().startswith("4,200 积分")
    # Tags and segment in words; the tier is on the badge, not repeated among the tags.
    tags = panel.tagsLabel.accessibleDescription()
    assert tags == "门店 S001 · 近30天 1 次 · 客单价 ¥152.94 · 常购：生鲜 · 高价值忠诚客"
    tags = panel.tagsLabel.text().replace("\u2060", "").replace("\xa0", " ")  # as painted
    for words in ("门店 S001", "近30天 1 次", "客单价 ¥152.94", "常购：生鲜", "高价值忠诚客"):
        assert words in tags
    assert not [c for c in ("tier:", "store:", "freq_30d", "avg_ticket", "rfm:") if c in tags]
    assert "银卡" not in tags
    assert page.scanInput.text() == ""  # a scan never lands in the field

    # Two products; the second one scanned while focus is on the coupon field.
    scan(qtbot, window, key_clock, MILK)
    page.couponInput.setFocus()
    scan(qtbot, window, key_clock, NUTS)
    assert page.couponInput.text() == ""
    assert page.cartTable.rowCount() == 2
    priced = page.state.priced
    # Member prices ¥11.50 + ¥89.00 (no tier discount on top of a member price).
    assert priced.amount_due == Decimal("100.50")
    assert page.totals.totalDue.text() == "¥100.50"

    # Pay part with points: type into the redemption field, Enter.
    usable = priced.max_redeemable
    assert usable == 4200  # half the bill (¥50) would be 5,000: the balance is the limit
    assert f"{usable:,}" in page.redeemHint.text()
    page.redeemPoints.edit.setFocus()
    page.redeemPoints.edit.setText("2000")
    qtbot.keyClick(page.redeemPoints.edit, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    assert page.state.redeem_points == 2000
    assert page.scanInput.hasFocus()  # back to scanning after Enter
    assert page.totals.value("pointsPaid").endswith("-¥20.00")
    due = page.state.priced.amount_due
    assert due == Decimal("80.50")
    earned = page.state.priced.points_earned
    assert earned == 96  # ¥80.50 paid × 1.2 (silver), floored

    # F12 pays; the receipt dialog opens with the totals.
    with qtbot.waitSignal(page.saleCompleted, timeout=10_000) as paid:
        qtbot.keyClick(page.scanInput, Qt.Key.Key_F12)
    receipt = paid.args[0]
    qtbot.waitUntil(lambda: page.receiptDialog is not None and page.receiptDialog.isVisible())
    text = page.receiptDialog.receiptView.toPlainText()
    assert receipt.receipt_no in text
    assert format_yuan(due) in text and "积分抵扣 2,000 分" in text
    assert "张*" in text and "150****0003" in text and SILVER["phone"] not in text
    assert SILVER["name"] not in text

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
