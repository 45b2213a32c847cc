"""Sync benchmark: the till's real SyncEngine against a real ``posclient-hq serve`` on loopback.

    PYTHONPATH=. python tests/bench/bench_sync.py [--sales 10000] [--members 1000000]

1. drain: ``--sales`` sales completed while offline (through the checkout service), then HQ
   becomes reachable: time until every one is applied at HQ and the till has pulled to HQ's
   write checkpoint (target ≤ 10 s for 10,000).
2. online sale: complete one sale and run one sync pass, as the app does when a sale commits;
   p50/p95 over 50 sales (target p50 ≤ 1 s).
3. first load: a new till pairs with an HQ holding ``--members`` members and pulls the snapshot
   page by page: members/s (target ≥ 20,000) and time until the first page is applied and the
   till can sell (target ≤ 2 s). Then again on another new till, with the pages HQ sent
   recorded and replayed (tests/bench/replay_hq.py): HQ's CPU out of the till's two cores, as
   with HQ on another machine.

Baselines in the same run: a bare SQLite commit, a bare HTTP GET of HQ's /v1/health, HQ's
members read straight from its database. Never fails on time: it reports.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("POSCLIENT_SECRETS", "file")

from posclient.bootstrap import Till, open_till  # noqa: E402
from posclient.services import pairing  # noqa: E402
from posclient.services.checkout import Cart  # noqa: E402
from posclient.services.sync import SyncEngine, SyncReport  # noqa: E402
from tests.bench import replay_hq  # noqa: E402
from tests.sync.conftest import HqProcess, free_port, hq_cli  # noqa: E402

SKUS = ("MILK-1L", "CHIPS", "NOODLE-5")


def new_till(base: Path, name: str, hq: HqProcess) -> tuple[Till, SyncEngine]:
    os.environ["POSCLIENT_SECRETS_DIR"] = str(base / f"{name}-secrets")
    till = open_till(base / name, create=True)
    pairing.pair(till.db, till.secrets, code=hq.pairing_code(), hq_url=hq.url)
    till.checkout.reload_till()
    # The app's settings: first page of a pass 1,000 changes, the snapshot's next ones 5,000.
    return till, SyncEngine(till.db, cipher=till.cipher, secrets=till.secrets)


def sell(till: Till, n: int, members: list[str]) -> None:
    cart = Cart()
    if members:
        cart.member = till.checkout.identify(members[n % len(members)])
    cart.add(till.checkout.find_product(SKUS[n % len(SKUS)]), 1 + n % 3)
    till.checkout.complete_sale(cart)


def card_numbers(till: Till, limit: int = 50) -> list[str]:
    conn = sqlite3.connect(till.db.path)
    try:
        return [row[0] for row in conn.execute("SELECT card_no FROM members LIMIT ?", (limit,))]
    finally:
        conn.close()


def bare_commit_ms(base: Path, rounds: int = 200) -> float:
    conn = sqlite3.connect(base / "bare.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (x INTEGER)")
    times = []
    for i in range(rounds):
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (?)", (i,))
        conn.execute("COMMIT")
        times.append(time.perf_counter() - started)
    conn.close()
    return statistics.median(times) * 1000


def bare_get_ms(url: str, rounds: int = 100) -> float:
    times = []
    with httpx.Client() as client:
        for _ in range(rounds):
            started = time.perf_counter()
            client.get(f"{url}/v1/health").raise_for_status()
            times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def member_parse_us(rounds: int = 5) -> float:
    """Machine-speed baseline: json.loads of a page of 5,000 member documents, best of
    ``rounds``, in µs per member. The same Python work every run: a first-load figure from a
    slower hour (this machine varies by ~30 %) shows a higher baseline beside it."""
    doc = {
        "member_id": "3958afad-6b2a-52ce-8466-ead6ef64489e",
        "card_no": "2990000812711",
        "home_store": "S001",
        "tier_code": "normal",
        "points_balance": 28046,
        "lots": [{"lot_id": "demo:2990000812711", "remaining": 28046, "expires_on": "2027-03-09"}],
        "enrolled_at": "2026-08-02T17:09:21.441799Z",
        "tags": ["tier:normal", "store:S001", "freq_30d:0", "avg_ticket_fen:34773"],
        "profile": {"phone": "19655138827", "name": "孙明"},
        "consents": {"membership": True, "marketing": True},
        "version": 1,
    }
    body = json.dumps({"members": [doc] * 5000}, ensure_ascii=False).encode()
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        json.loads(body)
        best = min(best, time.perf_counter() - started)
    return best / 5000 * 1e6


def bench_drain_and_online(base: Path, sales: int) -> dict[str, float]:
    hq = HqProcess(base / "hq-drain.sqlite3", free_port())
    hq_cli("demo-data", "--db", hq.db_url, "--members", "200")
    hq.start()
    try:
        till, engine = new_till(base, "drain", hq)
        first = engine.run_until_idle(deadline_s=120)
        assert first.error is None, first
        members = card_numbers(till)
        get_ms = bare_get_ms(hq.url)
        hq.stop()  # offline from here
        started = time.perf_counter()
        for n in range(sales):
            sell(till, n, members)
        sell_s = time.perf_counter() - started
        hq.start()  # HQ reachable again: the clock starts
        started = time.perf_counter()
        report = engine.run_until_idle(deadline_s=600)
        drain_s = time.perf_counter() - started
        assert report.error is None and report.pending == 0, report
        at_hq = hq.sql("SELECT count(*) FROM sales")[0][0]
        assert at_hq >= sales, (at_hq, sales)
        online = []
        for n in range(50):
            started = time.perf_counter()
            sell(till, n, members)
            result: SyncReport = engine.sync_once()
            online.append(time.perf_counter() - started)
            assert result.error is None and result.pending == 0, result
        engine.close()
        till.close()
    finally:
        hq.stop()
    online.sort()
    return {
        "sell_s": sell_s,
        "drain_s": drain_s,
        "online_p50": statistics.median(online),
        "online_p95": online[int(len(online) * 0.95) - 1],
        "get_ms": get_ms,
    }


def bench_first_load(base: Path, members: int) -> dict[str, float]:
    hq = HqProcess(base / "hq-load.sqlite3", free_port())
    started = time.perf_counter()
    # Not hq_cli: its 120 s limit is for tests; 10⁶ members take several minutes to generate.
    command = [sys.executable, "-m", "posclient.hq.cli", "demo-data", "--db", hq.db_url]
    subprocess.run(
        [*command, "--members", str(members)],
        check=True,
        capture_output=True,
        timeout=3600,
    )
    load_s = time.perf_counter() - started
    conn = sqlite3.connect(hq.db_path)
    started = time.perf_counter()
    raw = sum(1 for _ in conn.execute("SELECT doc FROM members"))
    raw_rate = raw / (time.perf_counter() - started)
    conn.close()
    hq.start()
    try:
        parse_before = member_parse_us()
        measured = first_load(base, "load", hq)
        till, engine = new_till(base, "replay-pages", hq)
        pages = base / "replay-pages.pickle"
        recorded = replay_hq.record(
            engine.client(), engine.pull_limit, engine.snapshot_limit, pages
        )
        with replay_hq.Replay(pages, free_port(), hq.url) as url:
            replayed = first_load(base, "replay", hq, url=url)
        engine.close()
        till.close()
        pages.unlink()
        parse_after = member_parse_us()
    finally:
        hq.stop()
    return {
        **measured,
        "raw_rate": raw_rate,
        "load_s": load_s,
        "parse_us": (parse_before + parse_after) / 2,
        "replay_rate": replayed["rate"],
        "replay_first_page_s": replayed["first_page_s"],
        "replay_cpu_us": replayed["till_cpu_us"],
        "replay_pages": recorded,
    }


def first_load(base: Path, name: str, hq: HqProcess, url: str | None = None) -> dict[str, float]:
    """A new till's first load from ``hq`` (or, at ``url``, its pages replayed)."""
    till, engine = new_till(base, name, hq)
    if url is not None:
        factory = engine.client_factory
        engine.client_factory = lambda _url, token: factory(url, token)
    first_page: list[float] = []
    started = time.perf_counter()
    cpu_started = time.process_time() + children_cpu()

    def on_page(report: SyncReport) -> None:
        if not first_page:
            first_page.append(time.perf_counter() - started)

    engine.on_page = on_page
    report = engine.run_until_idle(deadline_s=3600)
    total_s = time.perf_counter() - started
    # The sync threads and the page workers (reaped when the pass ends; HQ is not, yet).
    cpu_s = time.process_time() + children_cpu() - cpu_started
    assert report.error is None, report
    got = sqlite3.connect(till.db.path).execute("SELECT count(*) FROM members").fetchone()[0]
    # A sale works once the first page is in (here: at the end; measured above).
    sell(till, 0, card_numbers(till, 5))
    engine.close()
    till.close()
    return {
        "members": got,
        "rate": got / total_s,
        "first_page_s": first_page[0] if first_page else float("nan"),
        "till_cpu_us": cpu_s / max(got, 1) * 1e6,
        "pages_in_workers": report.pages_in_workers,
    }


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sales", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        commit_ms = bare_commit_ms(base)
        drain = bench_drain_and_online(base, args.sales)
        load = bench_first_load(base, args.members)
    rows = [
        ("metric", "measured", "target", "baseline"),
        (
            f"drain {args.sales:,} offline sales to HQ (s)",
            f"{drain['drain_s']:.1f}",
            "≤ 10",
            f"selling them offline took {drain['sell_s']:.1f} s",
        ),
        (
            "online sale: commit + push + pull, p50 (ms)",
            f"{drain['online_p50'] * 1000:.0f}",
            "≤ 1,000",
            f"bare GET /v1/health p50 {drain['get_ms']:.1f} ms; "
            f"bare SQLite commit p50 {commit_ms:.2f} ms",
        ),
        ("  … p95 (ms)", f"{drain['online_p95'] * 1000:.0f}", "", ""),
        (
            f"first load {load['members']:,} members (members/s)",
            f"{load['rate']:,.0f}",
            "≥ 20,000",
            f"{load['raw_rate']:,.0f}/s raw SELECT at HQ",
        ),
        (
            "  … HQ's pages replayed (its CPU elsewhere, as a remote HQ's) (members/s)",
            f"{load['replay_rate']:,.0f}",
            "≥ 20,000",
            f"first page {load['replay_first_page_s']:.2f} s; till CPU "
            f"{load['replay_cpu_us']:.0f} µs a member",
        ),
        (
            "  … till CPU per member, all threads and page workers (µs)",
            f"{load['till_cpu_us']:.0f}",
            "",
            f"machine speed: json.loads of a member {load['parse_us']:.1f} µs",
        ),
        ("  … first page applied, till can sell (s)", f"{load['first_page_s']:.2f}", "≤ 2", ""),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print(" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print(f"(HQ demo-data load of {args.members:,} members: {load['load_s']:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
