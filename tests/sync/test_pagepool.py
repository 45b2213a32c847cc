"""A large first load read and prepared in worker processes (services.pagepool), against the
real HQ on loopback.

Whatever the workers do (read every page, guess the next cursor wrong, die mid-load), the till
ends holding exactly what a till that read every page in its sync thread holds, and no worker
outlives the pass.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from posclient.services import feedapply, pagepool
from posclient.services.sync import SyncEngine, SyncReport
from posclient.sync.pages import parse_pull

from .conftest import (
    HqProcess,
    PairedTill,
    paired_till,
    reopened_till,
    running_hq,
    small_page_engine,
)
from .test_kill_during_sync import ROOT
from .test_pull_resume import cache

COLUMNS = feedapply._MEMBER_COLUMNS

PAGE = 7  # members a page: the chain's snapshot is dozens of pages


@pytest.fixture(scope="module")
def chain_hq(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HqProcess]:
    with running_hq(tmp_path_factory.mktemp("hq"), 150) as hq:
        yield hq


@pytest.fixture(scope="module")
def reference(chain_hq: HqProcess, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What a till holds after reading every page in its sync thread."""
    paired = paired_till(tmp_path_factory.mktemp("reference"), chain_hq)
    try:
        report = load(paired, pool=False)
        assert report.error is None and report.pages_in_workers == 0
        return cache(paired)
    finally:
        paired.close()


@pytest.fixture
def till(tmp_path: Path, chain_hq: HqProcess) -> Iterator[PairedTill]:
    paired = paired_till(tmp_path / "till", chain_hq)
    yield paired
    paired.close()


def load(
    paired: PairedTill, *, pool: bool, on_page: Callable[[SyncReport], None] | None = None
) -> SyncReport:
    """A first load in small pages; with ``pool``, the workers are waited for at the first
    page (they take a second or two to start; a real load's pages go on meanwhile)."""
    engine = engine_for(paired, snapshot_commit=1, pool_from=1 if pool else 0, workers=2)

    def page_written(report: SyncReport) -> None:
        if pool and report.pages == 1:
            wait_for_workers(engine)
        if on_page is not None:
            on_page(report)

    engine.on_page = page_written
    try:
        return engine.run_until_idle(deadline_s=120)
    finally:
        engine.close()


def engine_for(paired: PairedTill, **settings: Any) -> SyncEngine:
    """An engine pulling pages of ``PAGE`` changes, with ``settings`` on top."""
    return small_page_engine(paired.till, PAGE, **settings)


def wait_for_workers(engine: SyncEngine) -> None:
    deadline = time.monotonic() + 60
    while not (engine.reading is not None and engine.reading.workers_ready()):
        assert time.monotonic() < deadline, "page workers did not start"
        time.sleep(0.05)


def test_pages_read_in_workers_load_what_the_sync_thread_loads(
    till: PairedTill, reference: dict[str, Any]
) -> None:
    report = load(till, pool=True)
    assert report.error is None
    assert report.pages_in_workers >= 10  # nearly every page after the workers came up
    assert cache(till) == reference
    assert multiprocessing.active_children() == []  # the workers ended with the pass


def test_a_small_snapshot_is_read_in_the_sync_thread(
    till: PairedTill, reference: dict[str, Any]
) -> None:
    engine = engine_for(till)  # default pool_from: far above the chain's 150 members
    report = engine.run_until_idle(deadline_s=120)
    engine.close()
    assert report.error is None and report.pages_in_workers == 0
    assert engine.reading is not None and not engine.reading.workers_ready()
    assert cache(till) == reference


def stale_cursor() -> Callable[[bytes], str | None]:
    """Guesses the first cursor it found, every time: a well-formed cursor HQ answers, for the
    wrong page."""
    first: list[str] = []

    def guess(body: bytes) -> str | None:
        found = NEXT_CURSOR(body)
        if found is not None and not first:
            first.append(found)
        return first[0] if first else None

    return guess


NEXT_CURSOR = pagepool.next_cursor_in


@pytest.mark.parametrize(
    "guess",
    [
        pytest.param(lambda: lambda body: None, id="not-found"),
        pytest.param(lambda: lambda body: "bm90LWEtY3Vyc29y", id="refused-by-hq"),
        pytest.param(stale_cursor, id="stale"),
    ],
)
def test_a_wrong_cursor_guess_costs_a_request_not_a_page(
    till: PairedTill,
    reference: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    guess: Callable[[], Callable[[bytes], str | None]],
) -> None:
    guesser = guess()
    guesses: list[str | None] = []

    def counted(body: bytes) -> str | None:
        guesses.append(guesser(body))
        return guesses[-1]

    monkeypatch.setattr(pagepool, "next_cursor_in", counted)
    report = load(till, pool=True)
    assert report.error is None
    assert report.pages_in_workers >= 10 and len(guesses) >= 10  # the guesses were made...
    assert cache(till) == reference  # ...and not one wrong page was written


def test_a_worker_killed_mid_load_leaves_the_rest_to_the_sync_thread(
    till: PairedTill, reference: dict[str, Any]
) -> None:
    killed: list[int] = []

    def kill_a_worker(report: SyncReport) -> None:
        if not killed and report.pages_in_workers >= 2:
            worker = multiprocessing.active_children()[0]
            assert worker.pid is not None
            os.kill(worker.pid, signal.SIGKILL)
            killed.append(worker.pid)

    report = load(till, pool=True, on_page=kill_a_worker)
    assert killed and report.error is None
    assert cache(till) == reference
    assert multiprocessing.active_children() == []


def test_a_worker_reads_a_page_as_the_sync_thread_does(till: PairedTill) -> None:
    client, cursor = till.engine.client(), ""
    while True:  # the first pages hold the chain's tiers, rules, products: a page of members
        body = client.fetch_pull(cursor, PAGE).content
        page = parse_pull(body)
        assert page is not None and page.has_more
        if page.members:
            break
        cursor = page.next_cursor
    assert pagepool.next_cursor_in(body) == page.next_cursor
    # Key order or spacing HQ might change: no guess, never a wrong one.
    reordered = json.dumps(json.loads(body), indent=1).encode()
    assert pagepool.next_cursor_in(reordered) is None

    now = datetime.now(UTC)
    pagepool.use_keys(till.till.cipher.keys.dumps())  # what a worker does first
    try:
        done = pagepool.prepare_body(body, now)
    finally:
        pagepool.use_keys(None)
    assert done is not None
    stripped, prepared = done
    assert stripped.members is None and stripped.count == page.count  # members: in the rows
    assert stripped.next_cursor == page.next_cursor
    # Sealing is randomised (a fresh nonce per field): compare what the rows say, opened.
    expected = feedapply.prepare_page(till.till.cipher, page, now)
    assert opened(till, prepared) == opened(till, expected)


def test_a_page_of_changes_comes_back_from_a_worker_without_them(till: PairedTill) -> None:
    """Coupons (and tiers, rules, products) arrive as changes: a worker sends back their rows
    and the changes written one by one, not the page's change models too (~9 µs a coupon to
    pickle and unpickle, in the writer's process)."""
    client, cursor = till.engine.client(), ""
    kinds: set[str] = set()
    now = datetime.now(UTC)
    pagepool.use_keys(till.till.cipher.keys.dumps())
    try:
        while not {"coupon", "tier"} <= kinds:
            body = client.fetch_pull(cursor, PAGE).content
            page = parse_pull(body)
            assert page is not None and page.has_more and not page.members
            cursor = page.next_cursor
            kinds |= {change.entity.value for change in page.changes}
            done = pagepool.prepare_body(body, now)
            assert done is not None
            light, prepared = done
            assert light.changes == [] and light.count == page.count == len(page.changes) > 0
            assert light.next_cursor == page.next_cursor and light.position == page.position
            assert prepared == feedapply.prepare_page(till.till.cipher, page, now)
    finally:
        pagepool.use_keys(None)


def test_workers_collect_garbage_rarely(till: PairedTill) -> None:
    """Reading a page allocates ~50 containers a member, with no cycles: at Python's default
    threshold a worker spent a quarter of its time in the collector."""
    assert in_a_worker(till, gc.get_threshold)[0] == pagepool.GC_THRESHOLD
    assert gc.get_threshold()[0] < pagepool.GC_THRESHOLD  # the test process: Python's default


@pytest.mark.skipif(not hasattr(os, "nice"), reason="POSIX priorities")
def test_workers_yield_the_cores_to_the_till(till: PairedTill) -> None:
    """When the cores are busy, the till's screen and its writing thread come first."""
    assert in_a_worker(till, os.nice, 0) == min(19, os.nice(0) + pagepool.WORKER_NICENESS)


def in_a_worker(paired: PairedTill, call: Callable[..., Any], *args: Any) -> Any:
    """What ``call(*args)`` returns in a page worker, started as a first load starts them."""
    pool = pagepool.PagePool(paired.till.cipher, 1)
    try:
        return pool._pool.submit(call, *args).result(timeout=60)
    finally:
        pool.close()


def test_a_page_a_worker_cannot_read_goes_back_to_the_sync_thread(till: PairedTill) -> None:
    pagepool.use_keys(till.till.cipher.keys.dumps())
    try:
        for body in (b"", b"{not json", b'{"changes": 3}', b"[]"):
            assert pagepool.prepare_body(body, datetime.now(UTC)) is None
    finally:
        pagepool.use_keys(None)


def opened(paired: PairedTill, prepared: feedapply.Prepared) -> list[Any]:
    """The prepared rows with each sealed personal field opened."""
    cipher = paired.till.cipher
    sealed = {n: name[: -len("_enc")] for n, name in enumerate(COLUMNS) if name.endswith("_enc")}
    out: list[Any] = []
    for item in prepared:
        if not isinstance(item, feedapply.PreparedMembers):
            out.append(item)
            continue
        out.append((item.ids, item.versions, item.cards, item.phones, item.snapshot))
        for member_id, row in zip(item.ids, item.rows, strict=True):
            out.append(
                [
                    cipher.decrypt(value, table="members", column=sealed[n], row_id=member_id)
                    if n in sealed
                    else value
                    for n, value in enumerate(row)
                ]
            )
    return out


def workers_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_a_till_killed_mid_load_leaves_no_worker_behind(
    tmp_path: Path, chain_hq: HqProcess, reference: dict[str, Any]
) -> None:
    """SIGKILL never lets the pass close its pool: the workers notice their parent is gone and
    end (keys and all); the till resumes and ends as if nothing happened."""
    data_dir = tmp_path / "till"
    paired_till(data_dir, chain_hq).close()  # paired, nothing pulled yet
    for seed in (1, 2):
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.sync.load_child", str(data_dir), str(seed), "pool"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == b"ready"
            assert child.stdout.readline().strip() == b"workers", child.stderr.read()  # type: ignore[union-attr]
            workers = [pid for pid in workers_of(child.pid) if alive(pid)]
            assert len(workers) >= 2  # the two workers (and multiprocessing's tracker)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(10)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in workers):
            left = [cmdline(pid) for pid in workers if alive(pid)]
            assert time.monotonic() < deadline, f"outlived their till: {left}"
            time.sleep(0.1)

    paired = reopened_till(data_dir)
    try:
        assert paired.engine.run_until_idle(deadline_s=60).error is None
        assert cache(paired) == reference
    finally:
        paired.close()
