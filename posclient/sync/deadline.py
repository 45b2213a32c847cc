"""An overall time limit for each call to HQ, on top of httpx's per-operation timeouts.

httpx times each connect, read and write on its own: a server (or a broken middlebox) that
trickles a byte every few seconds never trips a 15 s read timeout, and a sync pass would wait
for it forever, holding the sync lock. Here every socket operation of a call gets at most the
time left until the call's deadline (``within``); once it has passed, the next operation fails
as a timeout, which the client turns into ``sync.timeout`` like any other.

It works at httpcore's network-backend level (public API): ``transport`` builds an httpx
transport whose connection pool uses ``DeadlineBackend``.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
import typing
from collections.abc import Iterator

import httpcore
import httpx

#: At most this long for one call, however the bytes arrive (a 5,000-member page is ~4 MB).
CALL_DEADLINE_S = 120.0


class _Deadline(threading.local):
    at: float | None = None


_deadline = _Deadline()


@contextlib.contextmanager
def within(seconds: float | None) -> Iterator[None]:
    """Calls made on this thread inside the block end by ``seconds`` from now (None: no limit)."""
    saved = _deadline.at
    _deadline.at = None if seconds is None else time.monotonic() + seconds
    try:
        yield
    finally:
        _deadline.at = saved


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    """``timeout`` cut to the time left before the deadline; ``error`` once it has passed."""
    at = _deadline.at
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise error("the call to HQ took longer than its overall limit")
    return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream):
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(
            ssl_context, server_hostname, _left(timeout, httpcore.ConnectTimeout)
        )
        return DeadlineStream(inner)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's own blocking backend, each operation held to the call's deadline."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, _left(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return DeadlineStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(
            path, _left(timeout, httpcore.ConnectTimeout), socket_options
        )
        return DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def transport(*, verify: bool = True) -> httpx.BaseTransport:
    """httpx's HTTP transport with its connection pool on ``DeadlineBackend``.

    httpx builds its pool itself with no way to pass a backend, so the pool is replaced with
    one built the same way (httpx's default limits). If a future httpx keeps it elsewhere, the
    plain transport is returned: per-operation timeouts only (tests/sync/test_deadline.py fails).
    """
    context = httpx.create_ssl_context(verify=verify)  # once: it loads the CA bundle
    plain = httpx.HTTPTransport(verify=context)
    if not isinstance(getattr(plain, "_pool", None), httpcore.ConnectionPool):
        return plain
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)
    plain._pool.close()
    plain._pool = httpcore.ConnectionPool(
        ssl_context=context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=DeadlineBackend(),
    )
    return plain
