"""The store dashboard (F11, managers) and the offers on the member panel, on real widgets."""

from __future__ import annotations

import csv
from decimal import Decimal

from PySide6.QtCharts import QBarSeries, QLineSeries
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QPushButton

from posclient.services import dashboard, dashboard_sample
from tests.helpers import demo_members
from tests.ui.conftest import login, scan, wait_idle

MEMBERS = demo_members()
SUN = MEMBERS["孙悦"]  # enrolled today, birthday in two days: BD-SUN, FP-SUN
ZHOU = MEMBERS["周婷"]  # ¥230 short of gold
OIL = "6961234000065"  # OIL-5L


def open_dashboard(qtbot, window):  # type: ignore[no-untyped-def]
    page = window.checkoutPage
    qtbot.keyClick(page.scanInput, Qt.Key.Key_F11)
    dialog = window.dashboardDialog
    qtbot.waitUntil(lambda: dialog.board is not None, timeout=10_000)
    wait_idle(qtbot, window)
    return dialog


def test_manager_opens_the_dashboard_with_f11_offline(qtbot, window, till) -> None:  # type: ignore[no-untyped-def]
    dashboard_sample.generate(till.db.path, now=till.clock.now(), count=2_000, days=90)
    login(qtbot, window, "m01", "9999")
    dialog = open_dashboard(qtbot, window)
    assert dialog.isVisible() and dialog.isModal()
    expected = dashboard.load(till.db, now=till.clock.now(), tz=till.clock.tz)
    assert dialog.board.charts == expected.charts
    counts = {}
    for key, cell in dialog.cells.items():
        series = cell.chart.series()
        if key in ("sales", "new_members", "points"):
            assert all(isinstance(s, QLineSeries) for s in series)
            counts[key] = len(series)
        else:
            (bars,) = series
            assert isinstance(bars, QBarSeries)
            counts[key] = (len(bars.barSets()), bars.barSets()[0].count())
    assert counts == {
        "sales": 2,
        "new_members": 2,
        "points": 2,
        "avg_ticket": (1, 5),  # walk-in and the four tiers
        "repeat": (1, 2),
        "coupons": (1, 4),
    }
    # The sales line holds the 30 days, ending today, in yuan.
    total = dialog.cells["sales"].chart.series()[0]
    assert total.count() == 30
    assert Decimal(str(total.at(29).y())).quantize(Decimal("0.01")) == expected.today.amount
    # Unpaired till: offline, this till's figures only, nothing from HQ yet.
    assert not window.ctx.online
    assert dialog.offlineLabel.isVisible()
    assert dialog.offlineLabel.text() == "离线 — 仅本机数据，尚未收到总部数据"
    assert dialog.chainTile.text().endswith("尚未收到总部的全店数据")
    window.set_language("en")
    qtbot.waitUntil(lambda: dialog.offlineLabel.text().startswith("Offline"))
    assert dialog.offlineLabel.text() == "Offline — figures from this till only, no HQ figures yet"
    assert dialog.cells["repeat"].chart.title() == "Repeat-purchase rate (%)"
    dialog.reject()


def test_export_png_and_csv_through_the_file_dialog(qtbot, window, till, tmp_path) -> None:  # type: ignore[no-untyped-def]
    dashboard_sample.generate(till.db.path, now=till.clock.now(), count=500, days=40)
    login(qtbot, window, "m01", "9999")
    dialog = open_dashboard(qtbot, window)

    def export(key: str, kind: str, name: str):  # type: ignore[no-untyped-def]
        cell = dialog.cells[key]
        button = cell.pngButton if kind == "png" else cell.csvButton
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        files = dialog.fileDialog
        qtbot.waitUntil(files.isVisible)
        target = tmp_path / name
        files.selectFile(str(target))
        with qtbot.waitSignal(dialog.exported, timeout=5_000):
            files.accept()
        return target

    png = export("sales", "png", "sales.png")
    image = QImage(str(png))
    assert not image.isNull() and image.width() >= 300 and image.height() >= 200

    path = export("points", "csv", "points.csv")
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0] == ["day", "issued", "redeemed"]
    assert len(rows) == 31 and rows[-1][0] == "2026-11-23"
    assert rows == dialog.board.chart("points").rows()
    assert sum(int(r[1]) for r in rows[1:]) > 0

    rows = list(csv.reader(export("avg_ticket", "csv", "avg.csv").open(encoding="utf-8")))
    assert [r[0] for r in rows] == ["x", "walk_in", "normal", "silver", "gold", "diamond"]
    assert dialog.message.text() == f"已保存 {tmp_path / 'avg.csv'}"

    # A place that cannot be written: one line saying so, nothing else changes.
    dialog.export("coupons", "csv", tmp_path / "missing" / "c.csv")
    assert dialog.message.text() == f"导出失败：{tmp_path / 'missing' / 'c.csv'}"


def test_cashier_is_refused_in_one_line(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    login(qtbot, window)
    page = window.checkoutPage
    qtbot.keyClick(page.scanInput, Qt.Key.Key_F11)
    assert getattr(window, "dashboardDialog", None) is None
    assert page.message.text() == "只有店长可以查看门店看板"


def offer_widgets(page):  # type: ignore[no-untyped-def]
    box = page.memberPanel.offerBox
    return [w for w in box.findChildren(QObject) if w.objectName().startswith("offer_")]


def test_offers_at_scan_time_offline_and_one_click_applies(qtbot, window, key_clock) -> None:  # type: ignore[no-untyped-def]
    login(qtbot, window)
    page = window.checkoutPage
    assert not window.ctx.online
    scan(qtbot, window, key_clock, OIL)
    with qtbot.waitSignal(page.offersShown, timeout=10_000):
        scan(qtbot, window, key_clock, SUN["phone"])
    wait_idle(qtbot, window)
    names = [w.objectName() for w in offer_widgets(page)]
    assert names == ["offer_birthday", "offer_first_purchase"]
    birthday = page.memberPanel.findChild(QPushButton, "offer_birthday")
    assert birthday.text() == "★ 11-25 生日\n使用 BD-SUN · 10% 折扣"
    # The coupons behind the offers are not listed a second time.
    assert page.memberPanel.findChild(QObject, "coupon_BD-SUN") is None
    qtbot.mouseClick(birthday, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert page.state.coupon.code == "BD-SUN"
    birthday = page.memberPanel.findChild(QPushButton, "offer_birthday")
    assert not birthday.isEnabled() and "✓ BD-SUN" in birthday.text()
    window.set_language("en")

    def first_text() -> str:
        return page.memberPanel.findChild(QPushButton, "offer_first_purchase").text()

    qtbot.waitUntil(lambda: first_text().startswith("★ New"))
    assert first_text() == "★ New member, first purchase\napply FP-SUN · ¥15.00 off"


def test_near_tier_offer_replaces_the_plain_next_tier_line(qtbot, window, key_clock) -> None:  # type: ignore[no-untyped-def]
    login(qtbot, window)
    page = window.checkoutPage
    with qtbot.waitSignal(page.offersShown, timeout=10_000):
        scan(qtbot, window, key_clock, ZHOU["phone"])
    wait_idle(qtbot, window)
    (offer,) = offer_widgets(page)
    assert isinstance(offer, QLabel)
    assert offer.text() == "★ 再消费 ¥230.00 即可升级金卡"
    assert not page.memberPanel.nextTierLabel.isVisible()
    # Another member: the offers go with the previous one.
    with qtbot.waitSignal(page.offersShown, timeout=10_000):
        scan(qtbot, window, key_clock, MEMBERS["王芳"]["phone"])
    wait_idle(qtbot, window)
    assert offer_widgets(page) == []
    assert not page.memberPanel.offerBox.isVisible()
