"""Login and lockout, refund, receipt printing, language switch, names for tests and readers."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from posclient.services.checkout import Cart
from tests.helpers import demo_members, sql
from tests.ui.conftest import login, scan, wait_idle, wedge_burst

SILVER = demo_members()["silver"]  # 张敏 150****0003, 4,200 points
MILK = "6901234000009"  # MILK-1L
CHIPS = "6971234000279"  # CHIPS
KEY_WIDGETS = (
    "scanInput",
    "memberPanel",
    "tierBadge",
    "pointsBalance",
    "cartTable",
    "redeemPoints",
    "couponInput",
    "totalDue",
    "payButton",
    "syncStatus",
)


def make_sale(till, *items):
    cart = Cart(member=till.checkout.identify(SILVER["card_no"]))
    for sku, qty in items:
        cart.add(till.checkout.find_product(sku), qty)
    cart.redeem_points = 1000
    return till.checkout.complete_sale(cart, staff_id="c01")


def test_wrong_pins_lock_the_account(qtbot, window):
    page = window.loginPage
    page.select_staff("c01")
    for attempt in range(5):
        page.pinInput.setText("0000")
        qtbot.keyClick(page.pinInput, Qt.Key.Key_Return)
        wait_idle(qtbot, window)
        if attempt < 4:
            assert page.message.text() == f"PIN 错误，还可再试 {4 - attempt} 次"
    assert page.message.text() == "PIN 错误次数过多，账号锁定至 10:35"
    assert page.pinInput.text() == "" and page.pinInput.hasFocus()
    page.pinInput.setText("1111")  # right PIN, still locked
    qtbot.keyClick(page.pinInput, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    assert window.stack.currentWidget() is page
    assert "锁定至 10:35" in page.message.text()
    login(qtbot, window, "m01", "9999")  # others are not affected
    assert "店长" in window.staffLabel.text()


def test_switch_user_keeps_the_sale_and_scans_need_a_login(qtbot, window, key_clock):
    login(qtbot, window)
    page = window.checkoutPage
    scan(qtbot, window, key_clock, MILK)
    qtbot.keyClick(page.scanInput, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is window.loginPage
    assert window.staffLabel.text() == "未登录"
    wait_idle(qtbot, window)
    window.loginPage.pinInput.setFocus()
    wedge_burst(key_clock, CHIPS)
    assert window.loginPage.message.text() == "请先登录"
    assert window.loginPage.pinInput.text() == ""  # the burst did not land in the PIN field
    login(qtbot, window, "m01", "9999")
    assert len(page.state.lines) == 1 and "店长老陈" in window.staffLabel.text()


def test_refund_by_receipt_number(qtbot, window, key_clock, till):
    sale = make_sale(till, ("MILK-1L", 2), ("CHIPS", 1))
    login(qtbot, window)
    page = window.checkoutPage
    qtbot.keyClick(page.scanInput, Qt.Key.Key_F9)
    dialog = page.refundDialog
    qtbot.waitUntil(dialog.receiptInput.hasFocus)
    # The receipt's barcode scanned while the dialog is open lands in its field.
    with qtbot.waitSignal(window.ctx.ops.busyChanged):
        wedge_burst(key_clock, "S001-0000-0000404")
    wait_idle(qtbot, window)
    assert dialog.message.text() == "找不到小票 S001-0000-0000404"
    dialog.receiptInput.setText(sale.receipt_no)
    qtbot.keyClick(dialog.receiptInput, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    assert dialog.linesTable.rowCount() == 2 and sale.receipt_no in dialog.saleLabel.text()
    # Items are named in the screen's language (the catalogue's English name in English).
    assert dialog.linesTable.item(0, 1).text() == "纯牛奶 1L"
    window.ctx.translations.switch("en")
    qtbot.waitUntil(lambda: dialog.linesTable.item(0, 1).text() == "Whole milk 1 L")
    window.ctx.translations.switch("zh_CN")
    qtbot.waitUntil(lambda: dialog.linesTable.item(0, 1).text() == "纯牛奶 1L")
    dialog.linesTable.cellWidget(1, 4).set_value(0)  # keep the chips, return the milk
    dialog.reasonInput.setText("质量问题")
    with qtbot.waitSignal(page.refunded) as done:
        qtbot.mouseClick(dialog.refundButton, Qt.MouseButton.LeftButton)
    refund = done.args[0]
    wait_idle(qtbot, window)
    assert sql(till.db.path, "SELECT reason, staff_id, amount FROM refunds") == [
        ("质量问题", "c01", int(refund.amount * 100))
    ]
    assert f"已退货：小票 {sale.receipt_no}" in dialog.message.text()
    assert page.message.text() == dialog.message.text()
    assert dialog.linesTable.item(0, 3).text() == "2"  # refunded quantity shown after reload
    assert "待上传 2" in window.syncStatus.text()
    dialog.reject()


def test_assistant_may_not_refund(qtbot, window):
    login(qtbot, window, "a01", "2222")
    page = window.checkoutPage
    qtbot.keyClick(page.scanInput, Qt.Key.Key_F9)
    assert page.message.text() == "当前员工无权执行此操作，请找店长"


def test_receipt_reprint_pdf_and_escpos(qtbot, window, key_clock, till, tmp_path, monkeypatch):
    from escpos.printer import Dummy

    from posclient.ui import escpos_printer

    window.ctx.settings["escpos"] = "usb:04b8:0202"
    printers = []

    def fake_open(spec):
        assert spec == "usb:04b8:0202"
        printers.append(Dummy())
        return printers[-1]

    monkeypatch.setattr(escpos_printer, "open_printer", fake_open)
    login(qtbot, window)
    page = window.checkoutPage
    scan(qtbot, window, key_clock, SILVER["card_no"])
    scan(qtbot, window, key_clock, MILK)
    qtbot.mouseClick(page.payButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.receiptDialog is not None)
    dialog = page.receiptDialog
    pdf = dialog.save_pdf(tmp_path / "receipt.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert dialog.escposButton.isVisible()
    with qtbot.waitSignal(dialog.printed) as printed:
        qtbot.mouseClick(dialog.escposButton, Qt.MouseButton.LeftButton)
    assert printed.args == ["escpos"]
    raw = printers[0].output
    assert page.last_receipt.receipt_no.encode() in raw
    assert "应付金额".encode("gb18030") in raw and b"150****0003" in raw
    assert SILVER["phone"].encode() not in raw
    dialog.accept()
    qtbot.waitUntil(lambda: page.receiptDialog is None)
    qtbot.waitUntil(page.scanInput.hasFocus)
    qtbot.keyClick(page.scanInput, Qt.Key.Key_F7)
    qtbot.waitUntil(lambda: page.receiptDialog is not None)
    assert "*** 重打小票 ***" in page.receiptDialog.receiptView.toPlainText()
    page.receiptDialog.accept()


def test_language_switch_in_settings_retranslates_the_window(qtbot, window, key_clock):
    login(qtbot, window, "c01", "1111")
    page = window.checkoutPage
    qtbot.keyClick(page.scanInput, Qt.Key.Key_F10)
    assert page.message.text() == "当前员工无权执行此操作，请找店长"  # settings: managers only
    window.logout()
    wait_idle(qtbot, window)
    login(qtbot, window, "m01", "9999")
    scan(qtbot, window, key_clock, SILVER["card_no"])
    assert page.payButton.text() == "收款  F12"
    qtbot.keyClick(page.scanInput, Qt.Key.Key_F10)
    dialog = window.settingsDialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.langCombo.setCurrentIndex(dialog.langCombo.findData("en"))
    with qtbot.waitSignal(window.languageChanged):
        qtbot.mouseClick(dialog.saveButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.payButton.text() == "Pay  F12")  # LanguageChange is posted
    assert page.memberPanel.tierBadge.text() == "Silver"
    assert page.memberPanel.pointsBalance.text() == "4,200 points (¥42.00)"
    tags = page.memberPanel.tagsLabel.text().replace("\u2060", "").replace("\xa0", " ")
    for words in ("Store S001", "1 visit in 30 days", "Buys: fresh food", "High-value loyal"):
        assert words in tags
    assert "常购" not in tags and "高价值忠诚客" not in tags
    # The longer English label still leaves the points stepper its room: nothing overlaps.
    stepper = page.redeemPoints
    qtbot.waitUntil(lambda: page.redeemLabel.width() >= page.redeemLabel.sizeHint().width())
    assert stepper.width() >= stepper.minimumSizeHint().width()
    assert stepper.edit.geometry().right() < stepper.plus.geometry().left()
    assert stepper.geometry().right() < page.redeemMaxButton.geometry().left()
    assert page.cartTable.horizontalHeaderItem(1).text() == "Item"
    assert window.syncStatus.text() == "● Offline · 0 waiting"
    assert "Manager" in window.staffLabel.text()
    assert window.ctx.settings["lang"] == "en"
    # … and back to Chinese from the login screen's button.
    window.logout()
    wait_idle(qtbot, window)
    assert window.loginPage.langButton.text() == "中文"
    qtbot.mouseClick(window.loginPage.langButton, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.loginPage.loginButton.text() == "登录  Enter")
    assert window.ctx.settings["lang"] == "zh_CN"


def test_key_widgets_have_stable_names_and_accessible_names(qtbot, window, key_clock):
    login(qtbot, window)
    scan(qtbot, window, key_clock, SILVER["card_no"])
    scan(qtbot, window, key_clock, MILK)
    for name in KEY_WIDGETS:
        widget = window.findChild(QWidget, name)
        assert widget is not None, name
        assert widget.accessibleName(), name
    page = window.checkoutPage
    qtbot.keyClick(page.scanInput, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: page.receiptDialog is not None)
    view = page.receiptDialog.findChild(QWidget, "receiptView")
    assert view is not None and view.accessibleName() == "小票"
    page.receiptDialog.accept()


def test_every_action_shows_its_shortcut(qtbot, window):
    login(qtbot, window)
    page = window.checkoutPage
    expected = {
        "memberButton": "F2",
        "qtyButton": "F3",
        "redeemMaxButton": "F4",
        "removeButton": "F5",
        "cameraButton": "F6",
        "reprintButton": "F7",
        "couponButton": "F8",
        "refundButton": "F9",
        "payButton": "F12",
        "voidButton": "Esc",
    }
    for attribute, key in expected.items():
        button = getattr(page, attribute)
        assert button.text().endswith(key), attribute
        assert button.minimumSizeHint().height() >= 44 or button.height() >= 44, attribute
    assert window.settingsButton.text().endswith("F10")
    assert window.logoutButton.text().endswith("Ctrl+L")


def test_information_conflicts_are_for_the_manager_to_mark_read(qtbot, window, till):
    """An assistant sees coupon conflicts but cannot close them; the manager marks one read,
    then the rest at once."""
    from posclient.store.models import ConflictRow
    from posclient.store.uow import UnitOfWork

    with UnitOfWork(till.db) as uow:
        for n in range(3):
            uow.session.add(
                ConflictRow(
                    event_id=f"e-coupon-{n}",
                    kind="coupon_already_used",
                    member_id=SILVER["member_id"],
                    detail={
                        "type": "sale.completed",
                        "receipt_no": f"S001-0001-000000{n}",
                        "coupon_code": "BD-LIU",
                        "points_redeemed": 500,
                        "occurred_at": "2026-11-20T02:30:00+00:00",
                    },
                    created_at=till.clock.now(),
                )
            )
        uow.commit()
    for staff_id, pin, may_close in (("a01", "2222", False), ("m01", "9999", True)):
        login(qtbot, window, staff_id, pin)
        window.open_conflicts()
        dialog = window.conflictsDialog
        qtbot.waitUntil(lambda d=dialog: d.list.count() == 3)
        assert dialog.discardButton.isVisible() is may_close
        assert dialog.allReadButton.isVisible() is may_close
        assert not dialog.reapplyButton.isVisible()
        # Information only: no empty table of fields; the member named by card.
        assert not dialog.fieldsTable.isVisible()
        assert SILVER["card_no"] in dialog.headline.text()
        # QA 6: which sale, when, with what: the manager can find it.
        shown = dialog.headline.text()
        assert "小票 S001-0001-000000" in shown and "优惠券 BD-LIU" in shown
        assert "抵扣 500 积分" in shown and "发生于 2026-11-20" in shown
        assert "小票 S001-0001-000000" in shown and "；优惠券 BD-LIU；" in shown
        assert "S001-0001-000000" in dialog.list.item(0).text()
        assert ("店长" in dialog.message.text()) is not may_close
        if may_close:
            assert dialog.discardButton.text() == "标记为已读"
            dialog.discardButton.click()
            qtbot.waitUntil(lambda d=dialog: d.list.count() == 2)
            dialog.allReadButton.click()
            qtbot.waitUntil(lambda d=dialog: d.list.count() == 0)
            assert dialog.message.text() == "已将 2 条标记为已读。"
            assert not dialog.allReadButton.isVisible()
        dialog.close()
        wait_idle(qtbot, window)
        window.logout()
    assert sql(till.db.path, "SELECT resolution FROM conflicts") == [("acknowledged",)] * 3


def test_a_sale_for_a_member_hq_did_not_know_says_its_points_may_still_come(qtbot, window, till):
    """HQ holds such a sale and books its points when the member's enrolment arrives: the
    manager is told so, not left to think the points are lost."""
    from posclient.store.models import ConflictRow
    from posclient.store.uow import UnitOfWork

    with UnitOfWork(till.db) as uow:
        for n, kind in enumerate(("unknown_member", "coupon_already_used")):
            uow.session.add(
                ConflictRow(
                    event_id=f"e-{kind}",
                    kind=kind,
                    member_id=SILVER["member_id"],
                    detail={"type": "sale.completed", "receipt_no": f"S001-0001-000001{n}"},
                    created_at=till.clock.now(),
                )
            )
        uow.commit()
    login(qtbot, window, "m01", "9999")
    window.open_conflicts()
    dialog = window.conflictsDialog
    qtbot.waitUntil(lambda: dialog.list.count() == 2)
    shown = {}
    for row in range(2):
        dialog.list.setCurrentRow(row)
        shown[dialog.selected().kind] = dialog.headline.text()
    assert "会员入会信息到达总部后补记积分" in shown["unknown_member"]
    assert "补记积分" not in shown["coupon_already_used"]
    dialog.close()
    wait_idle(qtbot, window)
