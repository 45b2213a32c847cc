"""The status bar's snapshot: online/offline from the sync engine's meta keys, queue counts."""

from __future__ import annotations

from datetime import timedelta

from posclient.services import settings, status
from posclient.services.checkout import Cart
from posclient.store.uow import UnitOfWork


def put(till, **values):
    with UnitOfWork(till.db) as uow:
        for key, value in values.items():
            settings.put(uow.session, key, value)
        uow.commit()


def test_unpaired_till_is_offline_with_its_queue(till):
    cart = Cart()
    cart.add(till.checkout.find_product("CHIPS"))
    till.checkout.complete_sale(cart)
    snap = status.read(till.db, now=till.clock.now())
    assert (snap.paired, snap.online, snap.pending, snap.rejected) == (False, False, 1, 0)
    assert snap.last_sync_ok is None


def test_online_only_when_hq_answered_recently_and_nothing_failed_since(till):
    now = till.clock.now()
    recent = (now - timedelta(seconds=30)).isoformat()
    put(till, paired_at=now.isoformat(), last_sync_attempt=recent, last_sync_ok=recent)
    assert status.read(till.db, now=now).online
    # Two minutes without a successful exchange: offline.
    assert not status.read(till.db, now=now + timedelta(minutes=3)).online
    # A pass still running (started after the last success) is no sign of being offline.
    put(till, last_sync_attempt=(now - timedelta(seconds=5)).isoformat())
    assert status.read(till.db, now=now).online
    # The last pass failed: offline at once.
    put(till, last_sync_failed=(now - timedelta(seconds=2)).isoformat())
    assert not status.read(till.db, now=now).online


def test_a_first_load_in_progress_is_online(till):
    """No pass has finished yet, but HQ is answering page after page."""
    now = till.clock.now()
    put(
        till,
        paired_at=now.isoformat(),
        last_sync_attempt=(now - timedelta(minutes=5)).isoformat(),
        last_contact=(now - timedelta(seconds=1)).isoformat(),
    )
    assert status.read(till.db, now=now).online
    assert not status.read(till.db, now=now + timedelta(minutes=3)).online


def test_unreadable_times_count_as_never(till):
    put(till, paired_at="yes", last_sync_attempt="garbage", last_sync_ok="")
    snap = status.read(till.db, now=till.clock.now())
    assert snap.paired and not snap.online and snap.last_sync_attempt is None
    assert status.parse_time("2026-11-23T02:00:00").tzinfo is not None  # naive means UTC
