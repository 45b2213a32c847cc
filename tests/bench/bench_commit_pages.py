"""What a durable commit costs per dirty page, on this disk, with the till's pragmas.

    python tests/bench/bench_commit_pages.py [--runs 400] [--dir DIR]

Each transaction rewrites exactly N pages (one ~3.5 KiB row per page, updated in place) and
commits; the table shows the COMMIT alone and BEGIN..COMMIT for N = 1, 2, 4, 8, 16, 24, taken
in rounds so that load from other processes falls on every N alike. It tells how far cutting
the pages a sale writes can take its commit: the floor is the 1-page figure. Not part of the
test suite: it never fails on time, it reports.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

PAGE_COUNTS = (1, 2, 4, 8, 16, 24)
ROW_BYTES = 3500  # one row per 4 KiB page, so N rows are N pages


def open_db(path: Path) -> sqlite3.Connection:
    from posclient.store.db import PRAGMAS

    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in PRAGMAS:
        conn.execute(pragma)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB)")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO t (id, payload) VALUES (?, ?)",
        [(n, os.urandom(ROW_BYTES)) for n in range(max(PAGE_COUNTS) * 4)],
    )
    conn.execute("COMMIT")
    return conn


def one_commit(conn: sqlite3.Connection, pages: int, n: int) -> tuple[float, float]:
    """(COMMIT, BEGIN..COMMIT) seconds for a transaction that dirties ``pages`` pages."""
    # Random bytes, fresh for every row: SQLite skips rewriting a row with the same content,
    # and this disk writes compressible pages faster than the real ones (uuids, hashes, JSON).
    values = [os.urandom(ROW_BYTES) for _ in range(pages)]
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    for row, value in enumerate(values):
        # Spread over the table so consecutive runs do not always hit the same pages.
        conn.execute("UPDATE t SET payload = ? WHERE id = ?", (value, (n + row * 4) % 96))
    committing = time.perf_counter()
    conn.execute("COMMIT")
    done = time.perf_counter()
    return done - committing, done - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    base = args.dir or Path(tempfile.mkdtemp(prefix="posclient-pages-"))
    base.mkdir(parents=True, exist_ok=True)
    conn = open_db(base / "pages.sqlite3")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    commit: dict[int, list[float]] = {n: [] for n in PAGE_COUNTS}
    whole: dict[int, list[float]] = {n: [] for n in PAGE_COUNTS}
    for run in range(args.runs):
        for pages in PAGE_COUNTS:
            c, w = one_commit(conn, pages, run)
            commit[pages].append(c)
            whole[pages].append(w)
    wal_frames = conn.execute("PRAGMA wal_checkpoint").fetchone()
    conn.close()
    ms = 1000
    one = statistics.median(commit[1])
    print(f"\ncommit cost per dirty page — page size {page_size}, {args.runs} runs, in {base}")
    print(f"{'pages':>5} {'COMMIT p50':>11} {'p90':>8} {'BEGIN..COMMIT p50':>18} {'× 1 page':>9}")
    for pages in PAGE_COUNTS:
        c50 = statistics.median(commit[pages])
        c90 = sorted(commit[pages])[int(0.9 * len(commit[pages]))]
        w50 = statistics.median(whole[pages])
        print(
            f"{pages:>5} {c50 * ms:>8.3f} ms {c90 * ms:>5.3f} ms {w50 * ms:>15.3f} ms"
            f" {c50 / one:>8.2f}×"
        )
    print(f"(last checkpoint: {wal_frames})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
