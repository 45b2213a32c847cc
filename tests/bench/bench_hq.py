"""HQ benchmark: push throughput and snapshot throughput on loopback. Prints a table.

    PYTHONPATH=. python tests/bench/bench_hq.py [--members 1000000] [--events 10000] [--db URL]

push: 10,000 sale events in batches of 200 to a real ``posclient-hq serve`` process (SQLite by
default), beside the same bytes POSTed to a no-op ASGI endpoint served by uvicorn the same way
(the floor: HTTP + JSON transfer without HQ work). snapshot: a new till pulls every member
(``--members``, default 1,000,000) through GET /v1/sync/pull, asking as a till does (member
documents listed); the baseline is reading the same member documents straight from the
database. Never fails on time: it reports.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from posclient.domain.events import canonical_json, chain_hash, payload_sha256  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def noop_app_main(port: int) -> None:
    """A no-op ASGI app: reads the body, answers {} (the floor)."""
    import uvicorn

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": b"{}"})

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def start(args: list[str], port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def hq_cli(*args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-m", "posclient.hq.cli", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout


def sale_batches(device_id: str, members: list[str], count: int, batch: int = 200) -> list[bytes]:
    prev: str | None = None
    events = []
    now = datetime.now(UTC)
    for seq in range(1, count + 1):
        member = members[seq % len(members)]
        sale_id = str(uuid.uuid4())
        amount = 1000 + seq % 9000
        earned = amount // 100
        payload = {
            "sale_id": sale_id,
            "receipt_no": f"B{seq}",
            "store": "S001",
            "member_id": member,
            "tier_code": None,
            "lines": [
                {
                    "line_no": 1,
                    "sku": "MILK-1L",
                    "qty": 1,
                    "unit_price_fen": amount,
                    "unit_paid_fen": amount,
                    "gross_fen": amount,
                    "amount_due_fen": amount,
                    "points_earned": earned,
                }
            ],
            "subtotal_fen": amount,
            "amount_due_fen": amount,
            "points_earned": earned,
            "earn_lot_id": f"lot-{sale_id}",
            "occurred_at": now.isoformat(),
        }
        digest = payload_sha256(payload)
        event_id = str(uuid.uuid4())
        events.append(
            {
                "event_id": event_id,
                "device_id": device_id,
                "seq": seq,
                "hlc": f"{int(now.timestamp() * 1000):015d}-{seq % 100000:05d}",
                "occurred_at": now.isoformat(),
                "type": "sale.completed",
                # As a till sends it: its canonical JSON (the text the hash is taken over).
                "payload": json.loads(canonical_json(payload)),
                "payload_sha256": digest,
                "prev_hash": prev,
            }
        )
        prev = chain_hash(
            prev, event_id=event_id, seq=seq, type="sale.completed", payload_hash=digest
        )
    return [
        json.dumps({"device_id": device_id, "events": events[i : i + batch]}).encode()
        for i in range(0, len(events), batch)
    ]


def post_all(url: str, bodies: list[bytes], headers: dict[str, str]) -> tuple[float, Any]:
    last: Any = None
    with httpx.Client(timeout=600) as client:
        started = time.perf_counter()
        for body in bodies:
            response = client.post(
                url, content=body, headers={**headers, "Content-Type": "application/json"}
            )
            response.raise_for_status()
            last = response.json()
        return time.perf_counter() - started, last


def pair(base: str, db: str) -> dict[str, Any]:
    code = hq_cli("pairing-code", "--db", db, "--store", "S001").strip()
    response = httpx.post(
        f"{base}/v1/pair", json={"pairing_code": code, "device_name": "bench"}, timeout=30
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def bench_push(db: str, events: int) -> tuple[float, float]:
    hq_cli("demo-data", "--db", db, "--members", "1000")
    members = [m["member_id"] for m in json.loads(hq_cli("members", "--db", db, "--json"))]
    port, noop_port = free_port(), free_port()
    server = start(["-m", "posclient.hq.cli", "serve", "--db", db, "--port", str(port)], port)
    noop = start([__file__, "--noop-server", str(noop_port)], noop_port)
    try:
        base = f"http://127.0.0.1:{port}"
        device = pair(base, db)
        headers = {"Authorization": f"Bearer {device['device_token']}"}
        bodies = sale_batches(device["device_id"], members, events)
        floor_s, _ = post_all(f"http://127.0.0.1:{noop_port}/v1/sync/push", bodies, headers)
        push_s, last = post_all(f"{base}/v1/sync/push", bodies, headers)
        statuses = {r["status"] for r in last["results"]}
        assert statuses <= {"applied", "conflict"}, statuses
    finally:
        server.terminate()
        noop.terminate()
        server.wait(30)
        noop.wait(30)
    return events / push_s, events / floor_s


def bench_snapshot(db: str, members: int) -> tuple[float, float, float, float]:
    started = time.perf_counter()
    hq_cli("demo-data", "--db", db, "--members", str(members))
    load_s = time.perf_counter() - started
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    with engine.connect() as conn:
        started = time.perf_counter()
        rows = sum(
            1
            for _ in conn.execution_options(stream_results=True).execute(
                text("SELECT doc FROM members")
            )
        )
        raw_rate = rows / (time.perf_counter() - started)
    engine.dispose()
    port = free_port()
    server = start(["-m", "posclient.hq.cli", "serve", "--db", db, "--port", str(port)], port)
    try:
        base = f"http://127.0.0.1:{port}"
        device = pair(base, db)
        headers = {"Authorization": f"Bearer {device['device_token']}"}
        cursor, got, fetch_s, parse_s = "", 0, 0.0, 0.0
        with httpx.Client(timeout=600, headers=headers) as client:
            while True:
                started = time.perf_counter()
                response = client.get(  # as a new till asks: members as a list
                    f"{base}/v1/sync/pull",
                    params={"cursor": cursor, "limit": 5000, "members": "list"},
                )
                body = response.content
                fetched = time.perf_counter()
                page = json.loads(body)
                parse_s += time.perf_counter() - fetched
                fetch_s += fetched - started
                got += len(page.get("members") or ())
                got += sum(1 for c in page["changes"] if c["entity"] == "member")
                cursor = page["next_cursor"]
                if not page.get("snapshot"):
                    break
    finally:
        server.terminate()
        server.wait(30)
    assert got == members, (got, members)
    return members / fetch_s, members / (fetch_s + parse_s), raw_rate, load_s


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--db", help="database URL (default: a SQLite file in a temp dir)")
    parser.add_argument("--noop-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.noop_server:
        noop_app_main(args.noop_server)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        push_db = args.db or f"sqlite:///{Path(tmp) / 'push.db'}"
        snap_db = args.db or f"sqlite:///{Path(tmp) / 'snapshot.db'}"
        push_rate, floor_rate = bench_push(push_db, args.events)
        snap_rate, parsed_rate, raw_rate, load_s = bench_snapshot(snap_db, args.members)
    rows = [
        ("metric", "measured", "target", "baseline", "ratio"),
        (
            f"push {args.events} sale events (events/s)",
            f"{push_rate:,.0f}",
            "≥ 2,000",
            f"{floor_rate:,.0f} (no-op POST)",
            f"{push_rate / floor_rate:.2f}",
        ),
        (
            f"snapshot {args.members:,} members, served (members/s)",
            f"{snap_rate:,.0f}",
            "≥ 20,000",
            f"{raw_rate:,.0f} (raw SELECT)",
            f"{snap_rate / raw_rate:.2f}",
        ),
        (
            "  … and JSON-decoded by the client (members/s)",
            f"{parsed_rate:,.0f}",
            "",
            "",
            f"{parsed_rate / raw_rate:.2f}",
        ),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        print(" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print(
        f"(demo-data load of {args.members:,} members: {load_s:.1f} s; "
        f"database: {'given' if args.db else 'SQLite'})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
