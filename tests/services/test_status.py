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


def test_online_only_when_the_last_attempt_succeeded_recently(till):
    now = till.clock.now()
    recent = (now - timedelta(seconds=30)).isoformat()
    put(till, paired_at=now.isoformat(), last_sync_attempt=recent, last_sync_ok=recent)
    assert status.read(till.db, now=now).online
    # Two minutes without a successful exchange: offline.
    assert not status.read(till.db, now=now + timedelta(minutes=3)).online
    # The last attempt failed (ok is older than the attempt): offline.
    older = (now - timedelta(minutes=1)).isoformat()
    put(till, last_sync_ok=older)
    assert not status.read(till.db, now=now).online


def test_unreadable_times_count_as_never(till):
    put(till, paired_at="yes", last_sync_attempt="garbage", last_sync_ok="")
    snap = status.read(till.db, now=till.clock.now())
    assert snap.paired and not snap.online and snap.last_sync_attempt is None
    assert status.parse_time("2026-11-23T02:00:00").tzinfo is not None  # naive means UTC
