"""The window syncing in the background with the real HQ process: a sale reaches HQ without
anyone asking, the status bar and the queue view tell the truth, the conflicts inbox resolves a
profile conflict, and the first load shows progress while the till can already sell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from posclient import app
from posclient.domain.events import EventType
from posclient.services import outbox, settings
from posclient.store.uow import UnitOfWork
from posclient.sync.protocol import ConsentPurpose
from tests.helpers import demo_members, sql
from tests.sync.faultproxy import FaultProxy
from tests.ui import served
from tests.ui.conftest import login, scan, wait_idle

MILK = "6901234000009"
SILVER = demo_members()["silver"]


@pytest.fixture
def hq(tmp_path: Path):
    yield from served.demo_hq(tmp_path)


@pytest.fixture
def till(data_dir: Path, clock, hq):
    yield from served.paired_demo_till(data_dir, clock, hq)


def test_a_sale_reaches_hq_in_the_background(qtbot, window, key_clock, till, hq, data_dir):
    assert app.start_sync(till, window, demo=False, data_dir=data_dir) is None
    controller = window.sync
    assert controller is not None
    # The first pass (pairing done, snapshot to pull) runs by itself.
    qtbot.waitUntil(lambda: controller.last_report is not None, timeout=30_000)
    qtbot.waitUntil(lambda: "在线" in window.syncStatus.text(), timeout=10_000)
    assert window.ctx.online

    login(qtbot, window)
    page = window.checkoutPage
    scan(qtbot, window, key_clock, MILK)
    with qtbot.waitSignal(page.saleCompleted, timeout=10_000) as paid:
        qtbot.keyClick(page.scanInput, Qt.Key.Key_F12)
    receipt_no = paid.args[0].receipt_no
    # Nobody pressed anything: the committed sale nudged the sync.
    qtbot.waitUntil(lambda: (receipt_no,) in served.hq_sales(hq), timeout=15_000)
    qtbot.waitUntil(lambda: "待上传 0" in window.syncStatus.text(), timeout=10_000)
    assert sql(till.db.path, "SELECT status FROM outbox WHERE type = 'sale.completed'") == [
        ("applied",)
    ]


def test_a_sale_waits_for_hqs_retry_after_but_sync_now_does_not(qtbot, window, till, hq, data_dir):
    """QA 10: every committed sale started a pass at once, so a store's tills kept calling an
    HQ that had answered 503 with Retry-After: 120. Now a sale waits for the pass the backoff
    scheduled; the queue view's "Sync now" (the user asking) still goes at once."""
    with FaultProxy(hq.url, schedule=lambda n, m, p: "error_503", retry_after="120") as proxy:
        with UnitOfWork(till.db) as uow:
            settings.put(uow.session, "hq_url", proxy.url)
            uow.commit()
        app.start_sync(till, window, demo=False, data_dir=data_dir)
        controller = window.sync
        assert controller is not None
        qtbot.waitUntil(lambda: controller.last_report is not None, timeout=30_000)
        report = controller.last_report
        assert report.error is not None and report.retry_after == 120
        asked = proxy.stats.requests
        for _ in range(3):
            window.outbox_changed()  # what a committed sale does
            qtbot.wait(400)
        assert proxy.stats.requests == asked and not controller.running
        window._queue_sync_now()
        qtbot.waitUntil(lambda: proxy.stats.requests > asked, timeout=10_000)
        qtbot.waitUntil(lambda: not controller.running, timeout=30_000)
        controller.stop()


def test_queue_view_lists_waiting_and_rejected_with_reasons(qtbot, window, till, hq, data_dir):
    hq.stop()  # HQ unreachable: everything waits
    with UnitOfWork(till.db) as uow:
        outbox.append(
            uow.session,
            type=EventType.MEMBER_PATCHED,
            payload={
                "member_id": "00000000-0000-4000-8000-000000000000",
                "store": "S001",
                "fields": {"gender": {"value": "f", "base_version": 0}},
                "occurred_at": till.clock.now().isoformat(),
            },
            occurred_at=till.clock.now(),
            seal=outbox.sealer(till.cipher),
        )
        uow.commit()
    login(qtbot, window)
    app.start_sync(till, window, demo=False, data_dir=data_dir)
    qtbot.waitUntil(lambda: window.sync.last_report is not None, timeout=30_000)
    assert window.sync.last_report.error == "sync.offline"
    qtbot.keyClick(window.checkoutPage.scanInput, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    dialog = window.queueDialog
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1)
    assert dialog.table.item(0, 1).text() == "资料修改"
    assert dialog.table.item(0, 2).text() == "等待上传"
    assert "1 条等待上传" in dialog.summaryLabel.text()
    # Why it waits, in words (the till is offline: nothing to do but wait).
    assert dialog.table.item(0, 4).text() == "总部暂时无法连接：恢复后自动上传"

    # HQ back: the unknown member is rejected; the event stays, with its reason in words.
    hq.start()
    dialog.syncButton.click()
    qtbot.waitUntil(
        lambda: dialog.table.rowCount() == 1 and "拒绝" in dialog.table.item(0, 2).text(),
        timeout=30_000,
    )
    assert dialog.table.item(0, 4).text() == "总部不认识该会员"
    qtbot.waitUntil(lambda: "被拒 1" in window.syncStatus.text(), timeout=10_000)
    dialog.close()


def test_conflicts_inbox_reapply_and_discard(qtbot, window, till, hq, data_dir):
    member = SILVER["member_id"]
    # Two stale edits of the member's profile (base version 0: HQ has moved on).
    for value in ("张敏敏", "张小敏"):
        with UnitOfWork(till.db) as uow:
            outbox.append(
                uow.session,
                type=EventType.MEMBER_PATCHED,
                payload={
                    "member_id": member,
                    "store": "S001",
                    "fields": {"name": {"value": value, "base_version": 0}},
                    "occurred_at": till.clock.now().isoformat(),
                },
                occurred_at=till.clock.now(),
                seal=outbox.sealer(till.cipher),
            )
            uow.commit()
    login(qtbot, window, "c01", "1111")
    app.start_sync(till, window, demo=False, data_dir=data_dir)
    qtbot.waitUntil(window.conflictsButton.isVisible, timeout=30_000)
    assert "冲突：2" in window.conflictsButton.text()
    # The losing values are personal data: the inbox keeps them encrypted.
    stored = json.dumps(sql(till.db.path, "SELECT detail FROM conflicts"), ensure_ascii=False)
    assert "张小敏" not in stored and "张敏敏" not in stored and "value_enc" in stored

    # A cashier may not open the inbox.
    qtbot.keyClick(window.checkoutPage.scanInput, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert (
        "无权" in window.checkoutPage.message.text() or "权限" in window.checkoutPage.message.text()
    )

    window.logout()
    login(qtbot, window, "a01", "2222")
    qtbot.keyClick(window.checkoutPage.scanInput, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    dialog = window.conflictsDialog
    qtbot.waitUntil(lambda: dialog.list.count() == 2)
    # Newest first: the second edit; both values and where/when HQ's value came from.
    dialog.list.setCurrentRow(0)
    assert dialog.fieldsTable.item(0, 0).text() == "姓名"
    assert dialog.fieldsTable.item(0, 1).text() == "张小敏"
    assert dialog.fieldsTable.item(0, 2).text() == SILVER["name"]
    assert dialog.reapplyButton.isVisible()
    dialog.reapplyButton.click()
    qtbot.waitUntil(lambda: dialog.list.count() == 1)
    # Re-applied on top of HQ's current version: HQ takes it.
    qtbot.waitUntil(lambda: _name_version(till, member) == 2, timeout=30_000)
    assert sql(till.db.path, "SELECT status FROM outbox ORDER BY seq") == [
        ("conflict",),
        ("conflict",),
        ("applied",),
    ]
    dialog.list.setCurrentRow(0)
    dialog.discardButton.click()
    qtbot.waitUntil(lambda: dialog.list.count() == 0)
    assert "没有冲突" in dialog.summaryLabel.text()
    wait_idle(qtbot, window)
    actions = sql(till.db.path, "SELECT action FROM audit_log WHERE action LIKE 'conflict.%'")
    assert {a for (a,) in actions} >= {"conflict.view", "conflict.reapplied", "conflict.discarded"}


def _name_version(till, member_id: str) -> int:
    """The name's field version in the till's cache, as HQ last sent it."""
    rows = sql(till.db.path, "SELECT field_versions FROM members WHERE member_id = ?", member_id)
    return int(json.loads(rows[0][0]).get("name", 0))


def test_first_load_pages_turn_the_status_online_at_once(qtbot, window, till, hq):
    """The first page written proves HQ answers: the status says online then, not at the
    next timed refresh (a big first load used to sell under offline rules meanwhile)."""
    from posclient.services import settings
    from posclient.store.uow import UnitOfWork

    window._status_timer.stop()
    wait_idle(qtbot, window)
    assert "离线" in window.syncStatus.text()
    with UnitOfWork(till.db) as uow:  # what writing a page records
        settings.put(uow.session, "last_contact", till.clock.now().isoformat())
        uow.commit()
    window._on_sync_progress(1000, 40000)
    qtbot.waitUntil(lambda: "在线" in window.syncStatus.text(), timeout=5_000)
    assert window.ctx.online and window.syncProgress.isVisible()


def test_building_the_look_up_index_after_a_first_load_shows_a_busy_bar(qtbot, window) -> None:
    """The seconds after a first load's last page, while the card and phone look-ups are
    built: a busy bar that says so in its tooltip (not a full bar saying nothing); then gone."""
    from posclient.services.sync import SyncEngine
    from posclient.ui.sync_controller import SyncController

    till = window.ctx.till
    engine = SyncEngine(till.db, cipher=till.cipher, secrets=till.secrets)
    controller = SyncController(engine, window.ctx.ops)
    window.attach_sync(controller)
    engine.on_indexing(True)  # as the sync worker calls it
    qtbot.waitUntil(window.syncProgress.isVisible, timeout=5_000)
    assert window.syncProgress.maximum() == 0  # busy: no count to show
    assert window.syncProgress.toolTip() == "正在建立按卡号和手机号查找会员的索引"
    engine.on_indexing(False)
    qtbot.waitUntil(lambda: not window.syncProgress.isVisible(), timeout=5_000)
    assert window.syncProgress.toolTip() == "首次从总部载入"
    assert window.syncProgress.format() == "%v / %m"  # counts again, should a load follow


def test_a_consent_withdrawal_goes_to_hq_at_once(qtbot, window, till, hq, data_dir):
    """QA 6: only a sale started a pass; a withdrawal waited for the 30 s idle pass."""
    assert app.start_sync(till, window, demo=False, data_dir=data_dir) is None
    controller = window.sync
    qtbot.waitUntil(lambda: controller.last_report is not None, timeout=30_000)
    login(qtbot, window, "a01", "2222")  # a shop assistant
    member = till.checkout.identify(demo_members()["diamond"]["phone"])  # marketing: granted
    window.memberActions.show_profile(member.member_id)
    dialog = window.memberActions.profileDialog
    check = dialog.consentChecks[ConsentPurpose.MARKETING]
    qtbot.waitUntil(check.isChecked, timeout=10_000)
    with qtbot.waitSignal(dialog.changed, timeout=10_000):
        check.click()  # untick: withdraw
    # Well inside the idle interval (30 s): the withdrawal nudged a pass.
    qtbot.waitUntil(lambda: _hq_consent(hq, member.member_id) is False, timeout=8_000)


def _hq_consent(hq, member_id: str) -> bool | None:
    rows = hq.sql("SELECT consents FROM members WHERE member_id = ?", member_id)
    return json.loads(rows[0][0]).get("marketing") if rows else None
