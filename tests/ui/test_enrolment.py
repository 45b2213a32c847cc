"""Enrolment, profile and audit screens on real widgets (offscreen) and a real SQLite till."""

from __future__ import annotations

import json
import logging

import pytest
from PySide6.QtCore import QPoint, Qt

from posclient import log as logsetup
from posclient.ui.consent_screen import customer_screen
from tests.helpers import demo_members, outbox_payloads, sql

from .conftest import login, wait_idle

pytestmark = pytest.mark.gui

MEMBERS = demo_members()
WANG, LI = MEMBERS["王芳"], MEMBERS["李强"]
PHONE, NAME = "13612340099", "欧阳晓"


def open_enrol(qtbot, win):
    win.memberActions.open_enrol()
    dialog = win.memberActions.enrolDialog
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def test_enrolment_on_one_screen_consent_before_details(qtbot, window, tmp_path):
    logsetup.setup(tmp_path / "logs", level=logging.DEBUG)
    try:
        login(qtbot, window, "a01", "2222")
        d = open_enrol(qtbot, window)
        assert d.stepLabel.text().startswith("第 1 步")
        d.phoneInput.setText("1361234")
        qtbot.mouseClick(d.checkButton, Qt.MouseButton.LeftButton)
        assert "11" in d.message.text() and not d.toConsentButton.isEnabled()
        d.phoneInput.setText("+86 136-1234-0099")
        qtbot.mouseClick(d.checkButton, Qt.MouseButton.LeftButton)
        wait_idle(qtbot, window)
        # Not paired: only the local check, said plainly; enrolment may go on.
        assert "只查了本机会员" in d.duplicateLabel.text()
        assert d.toConsentButton.isEnabled() and d.phoneInput.text() == PHONE
        qtbot.mouseClick(d.toConsentButton, Qt.MouseButton.LeftButton)
        # One screen (offscreen platform): the notices are in the dialog.
        assert d.customerWindow is None and "转向顾客" in d.screenLabel.text()
        assert "【会员服务（必选）】" in d.noticeTexts[next(iter(d.agree))].text()
        assert not d.toDetailsButton.isEnabled()  # membership not yet agreed
        d.customerLang.setCurrentIndex(1)
        assert d.noticeTexts[next(iter(d.agree))].text().startswith("[Membership (required)]")
        for purpose, check in d.agree.items():
            check.setChecked(purpose.value in ("membership", "sensitive"))
        assert d.toDetailsButton.isEnabled()
        d.under14.setChecked(True)
        assert not d.toDetailsButton.isEnabled()  # under 14: a guardian must consent
        d.under14.setChecked(False)
        qtbot.mouseClick(d.toDetailsButton, Qt.MouseButton.LeftButton)
        # Only the fields whose purpose was agreed can be entered.
        assert d.nameInput.isEnabled() and d.birthdayGiven.isEnabled()
        assert not d.genderInput.isEnabled()
        assert not any(c.isEnabled() for c in d.categoryChecks.values())
        d.nameInput.setText(NAME)
        d.birthdayGiven.setChecked(True)
        qtbot.mouseClick(d.enrolButton, Qt.MouseButton.LeftButton)
        wait_idle(qtbot, window)
        assert d.pages.currentIndex() == 3, d.message.text()
        assert not d.qrLabel.pixmap().isNull()
        card = d.cardLabel.text()
        qtbot.mouseClick(d.closeButton, Qt.MouseButton.LeftButton)
        wait_idle(qtbot, window)
        assert window.checkoutPage.state.member.card_no == card
        (payload,) = outbox_payloads(window.ctx.till, "member.enrolled")
        assert payload["profile"] == {"phone": PHONE, "name": NAME, "birthday": "1990-01-01"}
        decisions = {
            c["purpose"]: (c["decision"], c["language"], c["channel"]) for c in payload["consents"]
        }
        assert decisions == {
            "membership": ("granted", "en", "till_screen"),
            "marketing": ("declined", "en", "till_screen"),
            "personalised": ("declined", "en", "till_screen"),
            "sensitive": ("granted", "en", "till_screen"),
        }
    finally:
        logsetup.setup(None)
    text = (tmp_path / "logs" / "posclient.log").read_bytes()
    assert b"member enrolled" in text
    for needle in (
        PHONE.encode(),
        NAME.encode(),
        json.dumps(NAME).strip('"').encode(),
        PHONE[-4:].encode() + b'"',
    ):
        assert needle not in text


def test_existing_phone_offers_the_member_instead(qtbot, window):
    login(qtbot, window, "c01", "1111")
    d = open_enrol(qtbot, window)
    d.phoneInput.setText(WANG["phone"])
    qtbot.mouseClick(d.checkButton, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert d.useExistingButton.isVisible() and not d.toConsentButton.isEnabled()
    assert "王*" in d.duplicateLabel.text() and WANG["phone"] not in d.duplicateLabel.text()
    qtbot.mouseClick(d.useExistingButton, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert window.checkoutPage.state.member.member_id == WANG["member_id"]
    assert sql(
        window.ctx.till.db.path, "SELECT count(*) FROM outbox WHERE type='member.enrolled'"
    ) == [(0,)]


def test_customer_screen_placement():
    till_screen, second = object(), object()
    assert customer_screen([till_screen, second], till_screen) is second  # type: ignore[list-item,arg-type]
    assert customer_screen([second, till_screen], till_screen) is second  # type: ignore[list-item,arg-type]
    assert customer_screen([till_screen], till_screen) is None  # type: ignore[list-item,arg-type]


def open_profile_of(qtbot, win, code):
    win.checkoutPage.scan(code)
    wait_idle(qtbot, win)
    win.memberActions.open_profile()
    dialog = win.memberActions.profileDialog
    qtbot.waitUntil(dialog.isVisible)
    wait_idle(qtbot, win)
    return dialog


def test_cashier_sees_masked_profile_only(qtbot, window):
    login(qtbot, window, "c01", "1111")
    d = open_profile_of(qtbot, window, WANG["card_no"])
    assert d.inputs["phone"].text() == "138****8001" and d.inputs["name"].text() == "王*"
    assert d.inputs["name"].isReadOnly() and not d.saveButton.isVisible()
    assert "脱敏" in d.header.text()
    assert sql(window.ctx.till.db.path, "SELECT count(*) FROM audit_log") == [(0,)]
    assert not window.memberActions.auditButton.isVisible()
    window.memberActions.open_audit()
    assert window.memberActions.auditDialog is None


def test_assistant_edits_own_member_and_withdraws_consent(qtbot, window):
    login(qtbot, window, "a01", "2222")
    d = open_profile_of(qtbot, window, WANG["card_no"])
    assert d.inputs["name"].text() == "王芳" and d.inputs["birthday"].text() == "1988-03-14"
    d.inputs["name"].setText("王芳芳")
    qtbot.mouseClick(d.saveButton, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert d.message.text() == "已保存：姓名"  # the field as the form names it (QA 6)
    (patch,) = outbox_payloads(window.ctx.till, "member.patched")
    assert patch["fields"] == {"name": {"value": "王芳芳", "base_version": 1}}
    sensitive = d.consentChecks[list(d.consentChecks)[2]]
    qtbot.mouseClick(sensitive, Qt.MouseButton.LeftButton, pos=QPoint(8, sensitive.height() // 2))
    wait_idle(qtbot, window)
    assert d.inputs["birthday"].text() == ""  # purged at once
    assert sql(
        window.ctx.till.db.path, "SELECT priority FROM outbox WHERE type='consent.recorded'"
    ) == [(0,)]
    d.accept()
    # Someone else's member is refused with the reason.
    window.checkoutPage.scan(LI["card_no"])
    wait_idle(qtbot, window)
    window.memberActions.open_profile()
    d2 = window.memberActions.profileDialog
    wait_idle(qtbot, window)
    assert "不是分配给您的" in d2.message.text() and d2.inputs["phone"].text() == ""


def test_manager_reads_the_audit_log(qtbot, window):
    login(qtbot, window, "m01", "9999")
    d = open_profile_of(qtbot, window, LI["card_no"])
    assert d.inputs["name"].text() == "李强"
    d.accept()
    assert window.memberActions.auditButton.isVisible()
    window.memberActions.open_audit()
    a = window.memberActions.auditDialog
    qtbot.waitUntil(a.isVisible)
    wait_idle(qtbot, window)
    assert a.table.rowCount() == 1
    assert a.table.item(0, 1).text() == "m01" and a.table.item(0, 2).text() == LI["card_no"]
    assert a.table.item(0, 3).text() == "查看资料"


def test_personalised_fields_from_the_widgets_reach_the_event(qtbot, window):
    login(qtbot, window, "c01", "1111")
    d = open_enrol(qtbot, window)
    d.phoneInput.setText(PHONE)
    qtbot.mouseClick(d.checkButton, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    qtbot.mouseClick(d.toConsentButton, Qt.MouseButton.LeftButton)
    for purpose, check in d.agree.items():
        check.setChecked(purpose.value in ("membership", "personalised"))
    qtbot.mouseClick(d.toDetailsButton, Qt.MouseButton.LeftButton)
    assert not d.birthdayGiven.isEnabled() and d.genderInput.isEnabled()
    d.genderInput.setCurrentIndex(1)  # female
    d.categoryChecks["dairy"].setChecked(True)
    qtbot.mouseClick(d.enrolButton, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert d.pages.currentIndex() == 3, d.message.text()
    (payload,) = outbox_payloads(window.ctx.till, "member.enrolled")
    assert payload["profile"] == {"phone": PHONE, "gender": "female", "categories": ["dairy"]}
    assert payload["assigned_staff"] is None  # a cashier's enrolment: managers see it
