"""A first load that stops part-way (crash, fault on a page fetched ahead) resumes exactly.

The engine fetches page N+1 while it applies page N. Whatever stops it, the till keeps only
whole pages with their cursor: it resumes from the last applied page, never skipping or
applying a page twice, and ends with the same cache as a till that was never interrupted.
"""

from __future__ import annotations

import gc
import itertools
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from posclient.services import feedapply, settings
from posclient.services.members import phone_index
from posclient.services.sync import SyncEngine
from posclient.sync.client import HqClient

from .conftest import FAST_TIMEOUT, HqProcess, PairedTill
from .faultproxy import FaultProxy

LIMIT = 7  # small pages: the demo HQ's snapshot is several of them


class Crash(Exception):
    """Stands in for the process dying at that point."""


class RecordingClient(HqClient):
    """Remembers the cursor of every page request (the read-ahead ones too)."""

    def __init__(self, url: str, token: str | None, log: list[str]) -> None:
        super().__init__(url, token, timeout=FAST_TIMEOUT)
        self.log = log
        self.limits: list[int] = []

    def fetch_pull(self, cursor: str, limit: int = 1000) -> httpx.Response:
        self.log.append(cursor)
        self.limits.append(limit)
        return super().fetch_pull(cursor, limit)


def engine_for(
    paired: PairedTill,
    log: list[str],
    snapshot_commit: int = 1,
    snapshot_limit: int = LIMIT,
    defer_index_from: int = 50_000,
) -> SyncEngine:
    """An engine pulling small pages; by default each in a transaction of its own."""
    till = paired.till
    return SyncEngine(
        till.db,
        cipher=till.cipher,
        secrets=till.secrets,
        client_factory=lambda url, token: RecordingClient(url, token, log),
        pull_limit=LIMIT,
        snapshot_limit=snapshot_limit,
        snapshot_commit=snapshot_commit,
        defer_index_from=defer_index_from,
    )


def cache(paired: PairedTill) -> dict[str, Any]:
    """What the till holds from HQ (personal fields opened), minus the time it pulled them."""
    till = paired.till
    with till.db.read() as session:
        conn = session.connection().connection.driver_connection
        members = {}
        for row in conn.execute(
            "SELECT member_id, card_no, points_balance, lots, tags, version, name_enc, "
            "phone_enc FROM members"
        ):
            member_id, *rest, name, phone = row
            open_ = till.cipher.decrypt
            members[member_id] = (
                *rest,
                open_(name, table="members", column="name", row_id=member_id),
                open_(phone, table="members", column="phone", row_id=member_id),
            )
        identities = []
        for kind, value, member_id in conn.execute(
            "SELECT kind, value, member_id FROM member_identities"
        ):
            shown = value
            if kind == "phone":  # keyed per till: compare what it indexes
                phone = members[member_id][-1]
                assert value == phone_index(till.cipher, phone)
                shown = f"index of {phone}"
            identities.append((kind, shown, member_id))
        return {
            "members": members,
            "identities": sorted(identities),
            "products": sorted(conn.execute("SELECT * FROM products")),
            "coupons": sorted(conn.execute("SELECT * FROM coupons")),
            "tiers": sorted(conn.execute("SELECT * FROM tiers")),
        }


def saved_cursor(paired: PairedTill) -> str:
    with paired.till.db.read() as session:
        return settings.get(session, "pull_cursor", "") or ""


@pytest.fixture
def reference(make_till) -> dict[str, Any]:
    """The cache of a till that loaded everything in one go, with the same page size."""
    paired = make_till("reference")
    engine = engine_for(paired, [])
    assert engine.run_until_idle(deadline_s=60).error is None
    engine.close()
    return cache(paired)


def test_a_crash_between_pages_resumes_from_the_last_applied_page(make_till, reference) -> None:
    paired = make_till()
    requested: list[str] = []
    engine = engine_for(paired, requested)
    pages: list[int] = []

    def crash_after_two(report: Any) -> None:
        pages.append(report.pages)
        if len(pages) == 2:
            # The read-ahead asked for page 3 when page 2 was read; on a starved machine its
            # HTTP thread may not have sent it yet, and the crash would cancel it unsent.
            deadline = time.monotonic() + 10
            while len(requested) < 3 and time.monotonic() < deadline:
                time.sleep(0.01)
            raise Crash

    engine.on_page = crash_after_two
    threads = threading.active_count()
    with pytest.raises(Crash):
        engine.sync_once()
    engine.close()
    assert threading.active_count() == threads  # the read-ahead ended with the pass
    # Pages 3 (and maybe 4) were already requested by the read-ahead but never applied: the
    # till kept page 2's cursor, which is exactly what the request for page 3 carried.
    assert 3 <= len(requested) <= 4 and requested[0] == ""
    assert saved_cursor(paired) == requested[2]
    held = cache(paired)
    assert 0 < sum(len(v) for v in held.values()) < sum(len(v) for v in reference.values())

    again: list[str] = []
    resumed = engine_for(paired, again)
    report = resumed.run_until_idle(deadline_s=60)
    resumed.close()
    assert report.error is None
    assert again[0] == requested[2]  # no page skipped, none fetched twice
    assert cache(paired) == reference


def test_a_crash_while_a_page_is_applied_keeps_nothing_of_it(
    make_till, reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    paired = make_till()
    requested: list[str] = []
    engine = engine_for(paired, requested)
    real = feedapply.write_members

    def dies_half_way(conn: Any, batch: feedapply.PreparedMembers) -> None:
        real(conn, batch)  # the rows are written in the transaction...
        raise Crash  # ...which never commits

    monkeypatch.setattr(feedapply, "write_members", dies_half_way)
    with pytest.raises(Crash):
        engine.sync_once()
    engine.close()
    assert cache(paired)["members"] == {} and cache(paired)["identities"] == []
    cursor = saved_cursor(paired)
    # The saved cursor is the request of the page being applied (the read-ahead may have asked
    # for one or two pages after it).
    assert requested.index(cursor) >= len(requested) - 3

    monkeypatch.setattr(feedapply, "write_members", real)
    again: list[str] = []
    resumed = engine_for(paired, again)
    assert resumed.run_until_idle(deadline_s=60).error is None
    resumed.close()
    assert again[0] == cursor
    assert cache(paired) == reference


@pytest.mark.parametrize("fault", ["error_503", "drop_request", "garbage", "truncate"])
def test_a_fault_on_a_page_fetched_ahead_loses_nothing(
    hq_process: HqProcess, make_till, reference, tmp_path: Path, fault: str
) -> None:
    with FaultProxy(hq_process.url) as proxy:
        paired = make_till(url=proxy.url)
        pulls: list[int] = []

        def third_pull_fails(number: int, method: str, path: str) -> str:
            if not path.startswith("/v1/sync/pull"):
                return "ok"
            pulls.append(number)
            return fault if len(pulls) == 3 else "ok"

        proxy.schedule = third_pull_fails
        requested: list[str] = []
        engine = engine_for(paired, requested)
        first = engine.sync_once()
        assert first.error is not None and first.pages == 2
        assert saved_cursor(paired) == requested[2]
        second = engine.sync_once()
        engine.close()
        assert second.error is None
        assert requested[3] == requested[2]  # the failed page, asked for again
        assert cache(paired) == reference


def test_collector_thresholds_and_switch_interval_change_only_while_pulling(make_till) -> None:
    paired = make_till()
    engine = engine_for(paired, [])
    before = gc.get_threshold()
    interval = sys.getswitchinterval()
    assert interval > 0.001  # Python's default (5 ms): the pull's setting is seen to change it
    during: list[tuple[tuple[int, int, int], float]] = []

    def crash(report: Any) -> None:
        during.append((gc.get_threshold(), sys.getswitchinterval()))
        raise Crash

    engine.on_page = crash
    with pytest.raises(Crash):
        engine.sync_once()
    # restored when a pass dies too
    assert (gc.get_threshold(), sys.getswitchinterval()) == (before, interval)
    engine.on_page = lambda report: during.append((gc.get_threshold(), sys.getswitchinterval()))
    assert engine.sync_once().error is None
    engine.close()
    assert (gc.get_threshold(), sys.getswitchinterval()) == (before, interval)
    assert len(during) > 2
    for threshold, switch in during:
        assert threshold[0] >= 500_000 and threshold[1:] == before[1:]
        assert switch == pytest.approx(0.001)


def test_snapshot_pages_get_a_larger_cache_and_feed_pages_the_defaults(make_till) -> None:
    paired = make_till()
    engine = engine_for(paired, [])
    seen: list[tuple[bool, int, int]] = []

    def check(report: Any) -> None:
        pooled = engine.db.engine.raw_connection()  # the pool's one connection: the page's
        try:
            conn = pooled.driver_connection
            snapshot = conn.execute(  # set by every snapshot page, cleared by the first other
                "SELECT value FROM meta WHERE key = 'snapshot_in_progress'"
            ).fetchone()
            seen.append(
                (
                    snapshot == ("1",),
                    conn.execute("PRAGMA cache_size").fetchone()[0],
                    conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0],
                )
            )
        finally:
            pooled.close()

    threads = threading.active_count()
    engine.on_page = check
    assert engine.run_until_idle(deadline_s=60).error is None
    engine.close()
    assert threading.active_count() == threads  # the checkpoint helper ended with the pass
    during = [s for s in seen if s[0]]
    assert len(during) > 2 and all(s[1:] == (-256 * 1024, 32_768) for s in during)
    assert seen[-1] == (False, -2000, 1000)


def test_snapshot_pages_ready_together_share_a_transaction(make_till, reference) -> None:
    paired = make_till()
    requested: list[str] = []
    engine = engine_for(paired, requested, snapshot_commit=3 * LIMIT)
    cursors: list[str] = []

    def note(report: Any) -> None:
        cursors.append(saved_cursor(paired))

    # Writing is slowed down: the read-ahead gets ahead, later pages wait when one is written.
    real = SyncEngine._write_page

    def slow_write(self: SyncEngine, *args: Any) -> int:
        resent = real(self, *args)
        time.sleep(0.3)
        return resent

    engine._write_page = slow_write.__get__(engine)  # type: ignore[method-assign]
    engine.on_page = note
    assert engine.run_until_idle(deadline_s=60).error is None
    engine.close()
    assert cache(paired) == reference
    # Pages committed together report after their commit, each seeing the group's cursor.
    assert cursors[0] == requested[1]  # the first page alone
    shared = [c for n, c in enumerate(cursors[1:]) if c == cursors[n]]
    assert shared  # at least one transaction held more than one page
    runs = [len(list(g)) for _, g in itertools.groupby(cursors)]
    assert max(runs) <= 3  # at most snapshot_commit changes (3 pages of LIMIT) each
    assert requested == list(dict.fromkeys(requested))  # no page asked for twice


def test_snapshot_pages_after_the_first_are_asked_for_larger(make_till, reference) -> None:
    paired = make_till()
    requested: list[str] = []
    engine = engine_for(paired, requested, snapshot_limit=3 * LIMIT)
    assert engine.run_until_idle(deadline_s=60).error is None
    limits = engine.client().limits  # type: ignore[attr-defined]
    # The first page small (a new till sells soon), the rest of the snapshot larger.
    assert limits[0] == LIMIT
    assert limits[1:] and set(limits[1:]) == {3 * LIMIT}, limits
    assert len(limits) < len(requested_alone(make_till))  # fewer round trips
    # The feed after it: pages of the usual size again.
    asked = len(limits)
    assert engine.sync_once().error is None
    engine.close()
    assert limits[asked:] == [LIMIT]
    assert cache(paired) == reference


def requested_alone(make_till: Any) -> list[str]:
    """The page requests of a first load with every page ``LIMIT`` long."""
    requested: list[str] = []
    engine = engine_for(make_till("alone"), requested)
    assert engine.run_until_idle(deadline_s=60).error is None
    engine.close()
    return requested


def test_a_crash_in_a_shared_transaction_keeps_none_of_its_pages(
    make_till, reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    paired = make_till()
    requested: list[str] = []
    engine = engine_for(paired, requested, snapshot_commit=100 * LIMIT)
    written: list[str] = []
    real = SyncEngine._write_page

    def dies_in_second_page(self: SyncEngine, session: Any, page: Any, *rest: Any) -> int:
        resent = real(self, session, page, *rest)
        written.append(page.next_cursor)
        if len(written) == 3:  # page 1 alone, then a transaction of pages 2 and 3
            raise Crash
        time.sleep(0.3)  # page 3 is ready by the time page 2 is written
        return resent

    monkeypatch.setattr(SyncEngine, "_write_page", dies_in_second_page)
    with pytest.raises(Crash):
        engine.sync_once()
    engine.close()
    assert saved_cursor(paired) == written[0]  # page 2 went with page 3: neither kept
    monkeypatch.setattr(SyncEngine, "_write_page", real)
    again: list[str] = []
    resumed = engine_for(paired, again, snapshot_commit=100 * LIMIT)
    assert resumed.run_until_idle(deadline_s=60).error is None
    resumed.close()
    assert again[0] == written[0]
    assert cache(paired) == reference
