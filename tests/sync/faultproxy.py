"""A fault-injecting HTTP proxy between a till and the real HQ (loopback, a thread).

Each request gets a fault from ``schedule(request_no, method, path)``: forward it untouched, drop
it before HQ sees it, drop the answer after HQ committed, delay it, answer 500 (with or without
Retry-After) or 503 with Retry-After without asking HQ, truncate the body, send it to HQ twice,
or answer garbage. Every answer closes the connection, so the client opens a new one per
request.
"""

from __future__ import annotations

import http.client
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

FAULTS = (
    "ok",
    "drop_request",
    "drop_response",
    "delay",
    "error_500",
    "error_500_retry",
    "error_503",
    "truncate",
    "duplicate",
    "garbage",
)


@dataclass
class Stats:
    requests: int = 0
    reached_hq: int = 0
    faults: dict[str, int] | None = None

    def count(self, fault: str) -> None:
        if self.faults is None:
            self.faults = {}
        self.faults[fault] = self.faults.get(fault, 0) + 1


Schedule = Callable[[int, str, str], str]


class FaultProxy:
    def __init__(
        self,
        upstream: str,
        schedule: Schedule | None = None,
        delay_s: float = 0.3,
        retry_after: str = "0",
    ):
        parts = urlsplit(upstream)
        #: The Retry-After header value of injected 503 (and error_500_retry) answers.
        self.retry_after = retry_after
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.schedule: Schedule = schedule or (lambda n, m, p: "ok")
        self.delay_s = delay_s
        self.stats = Stats()
        self._lock = threading.Lock()
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._handle(self.request)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread.ident is not None:  # never entered: shutdown() would wait forever
            self._server.shutdown()
        self._server.server_close()

    # ------------------------------------------------------------------ one request

    def _handle(self, sock: socket.socket) -> None:
        sock.settimeout(30)
        try:
            request = _read_request(sock)
        except (OSError, ValueError):
            return
        if request is None:
            return
        method, path, headers, body = request
        with self._lock:
            self.stats.requests += 1
            number = self.stats.requests
        fault = self.schedule(number, method, path)
        with self._lock:
            self.stats.count(fault)
        try:
            self._apply(sock, fault, method, path, headers, body)
        except OSError:
            pass
        finally:
            sock.close()

    def _apply(self, sock, fault, method, path, headers, body) -> None:  # type: ignore[no-untyped-def]
        if fault == "drop_request":
            return
        if fault in ("error_500", "error_500_retry", "error_503"):
            status = 503 if fault == "error_503" else 500
            extra = f"Retry-After: {self.retry_after}\r\n" if fault != "error_500" else ""
            payload = b'{"error":"injected","detail":"fault proxy"}'
            sock.sendall(
                f"HTTP/1.1 {status} Injected\r\nContent-Type: application/json\r\n{extra}"
                f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
                + payload
            )
            return
        if fault == "garbage":
            payload = b'{"results": [{"event_id": 12}], "write_checkpoint": "x"'
            sock.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
                + payload
            )
            return
        if fault == "delay":
            time.sleep(self.delay_s)
        status, reason, resp_headers, resp_body = self._forward(method, path, headers, body)
        if fault == "duplicate":
            status, reason, resp_headers, resp_body = self._forward(method, path, headers, body)
        if fault == "drop_response":
            return
        if fault == "truncate":
            resp_body = resp_body[: max(1, len(resp_body) // 2)]
            declared = len(resp_body) * 2
        else:
            declared = len(resp_body)
        head = [f"HTTP/1.1 {status} {reason}"]
        for name, value in resp_headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                head.append(f"{name}: {value}")
        head += [f"Content-Length: {declared}", "Connection: close", "", ""]
        sock.sendall("\r\n".join(head).encode("latin-1") + resp_body)

    def _forward(self, method, path, headers, body):  # type: ignore[no-untyped-def]
        conn = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            forwarded = {k: v for k, v in headers.items() if k.lower() not in ("connection",)}
            conn.request(method, path, body=body or None, headers=forwarded)
            response = conn.getresponse()
            data = response.read()
            with self._lock:
                self.stats.reached_hq += 1
            return response.status, response.reason, response.getheaders(), data
        finally:
            conn.close()


def _read_request(sock: socket.socket) -> tuple[str, str, dict[str, str], bytes] | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    length = int(headers.get("Content-Length", headers.get("content-length", "0")) or 0)
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ValueError("request body cut short")
        rest += chunk
    return method, path, headers, rest[:length]
