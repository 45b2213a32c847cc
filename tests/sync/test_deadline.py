"""Every call to HQ ends: a server that trickles its answer a byte at a time (each read well
inside httpx's read timeout) still fails as a timeout once the call's overall limit is up; and a
500 that says Retry-After is honoured like a 503 (QA 10)."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from posclient.sync.client import HqClient, SyncError


@contextmanager
def serving(answer) -> Iterator[str]:
    """A loopback TCP server that hands each connection to ``answer(sock, stop)``."""
    stop = threading.Event()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.settimeout(1.0)
            try:
                self.request.recv(65536)  # the request (small; one read is enough here)
                answer(self.request, stop)
            except OSError:
                pass

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


def trickle(sock: socket.socket, stop: threading.Event) -> None:
    """Headers that never end, a byte every 0.2 s."""
    sock.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    while not stop.wait(0.2):
        sock.sendall(b"a")


def call_in_thread(client: HqClient) -> tuple[threading.Thread, list[BaseException | None]]:
    outcome: list[BaseException | None] = []

    def call() -> None:
        try:
            client.health()
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    return caller, outcome


def test_a_trickling_answer_times_out_at_the_call_deadline() -> None:
    with serving(trickle) as url:
        client = HqClient(url, call_deadline_s=1.0)
        started = time.monotonic()
        caller, outcome = call_in_thread(client)
        caller.join(8)  # not forever, should the limit not work
        took = time.monotonic() - started
        assert not caller.is_alive()
    client.close()
    (error,) = outcome
    assert isinstance(error, SyncError) and error.code == "sync.timeout"
    assert 0.9 <= took < 5.0


def test_without_the_deadline_the_same_answer_holds_the_call() -> None:
    """The other side of the test above: httpx's per-read timeout alone never trips."""
    with serving(trickle) as url:
        client = HqClient(url, call_deadline_s=None)
        caller, outcome = call_in_thread(client)
        caller.join(2.5)
        assert caller.is_alive() and not outcome  # still reading after 2.5 s
    caller.join(20)  # the server closed: the call ends (with an error)
    client.close()
    assert outcome and isinstance(outcome[0], SyncError)


def test_a_500_with_retry_after_is_honoured() -> None:
    def error_500(sock: socket.socket, _stop: threading.Event) -> None:
        sock.sendall(
            b"HTTP/1.1 500 Internal Server Error\r\nRetry-After: 7\r\n"
            b"Content-Length: 0\r\nConnection: close\r\n\r\n"
        )

    with serving(error_500) as url, HqClient(url) as client, pytest.raises(SyncError) as error:
        client.health()
    assert error.value.code == "sync.server_error"
    assert error.value.retry_after == 7


def test_calls_within_the_deadline_work_as_before(hq_process) -> None:
    with HqClient(hq_process.url, call_deadline_s=5.0) as client:
        assert client.health().status == "ok"
