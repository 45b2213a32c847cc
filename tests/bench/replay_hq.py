"""HQ's snapshot pages recorded once and served again, for the first-load benchmark.

With HQ on the same two cores as the till, a first load measures both processes sharing the
CPU; a real till's HQ is another machine. Replaying the pages HQ sent (the bytes, as they
came) takes HQ's CPU out of the till's figure: serving a recorded page costs next to nothing.
Requests for anything else (and for cursors not recorded) go on to the real HQ.

    python -m tests.bench.replay_hq PAGES_FILE PORT HQ_URL     # serve until killed
"""

from __future__ import annotations

import http.server
import pickle
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

_NEXT = re.compile(rb'"next_cursor":"([^"]+)"')


def record(client: Any, first_limit: int, limit: int, path: Path) -> int:
    """Every page of the snapshot as ``client`` (an HqClient) asks for them, and the feed page
    after it, saved to ``path``; returns how many pages."""
    pages: dict[str, bytes] = {}
    cursor, size = "", first_limit
    while True:
        body: bytes = client.fetch_pull(cursor, size).content
        pages[cursor] = body
        found = _NEXT.search(body)
        assert found is not None, body[:200]
        cursor, size = found.group(1).decode(), limit
        if b'"has_more":true' not in body:
            pages[cursor] = client.fetch_pull(cursor, first_limit).content
            break
    path.write_bytes(pickle.dumps(pages, protocol=pickle.HIGHEST_PROTOCOL))
    return len(pages)


class Replay:
    """The replaying server in a process of its own (``with Replay(...) as url:``)."""

    def __init__(self, pages: Path, port: int, hq_url: str):
        self.command = [sys.executable, "-m", "tests.bench.replay_hq", str(pages), str(port)]
        self.command.append(hq_url)
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> str:
        root = Path(__file__).resolve().parents[2]
        self.process = subprocess.Popen(self.command, cwd=root)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return f"http://127.0.0.1:{self.port}"
            except OSError:
                assert self.process.poll() is None, "replay server ended"
                time.sleep(0.2)
        raise TimeoutError("replay server did not start")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()


def serve(pages: dict[str, bytes], port: int, hq_url: str) -> None:
    forward = httpx.Client(base_url=hq_url, timeout=60)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            cursor = parse_qs(url.query).get("cursor", [""])[0]
            if url.path == "/v1/sync/pull" and cursor in pages:
                self._answer(200, pages[cursor], "application/json")
            else:
                self._forward(None)

        def do_POST(self) -> None:
            self._forward(self.rfile.read(int(self.headers.get("content-length", 0))))

        def _forward(self, body: bytes | None) -> None:
            kept = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
            answer = forward.request(self.command, self.path, content=body, headers=kept)
            self._answer(answer.status_code, answer.content, answer.headers.get("content-type"))

        def _answer(self, status: int, body: bytes, kind: str | None) -> None:
            self.send_response(status)
            if kind:
                self.send_header("content-type", kind)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


#: Headers of the till's request not passed on (the forwarding client sets its own).
_HOP = ("host", "content-length", "connection", "accept-encoding", "transfer-encoding")


if __name__ == "__main__":
    serve(pickle.loads(Path(sys.argv[1]).read_bytes()), int(sys.argv[2]), sys.argv[3])
