"""Serving the HQ app with uvicorn, with a deadline on request heads.

uvicorn times out an idle keep-alive connection but not a connection that sends nothing, or a
few bytes of a request head and then stalls: each such client holds a socket and a file
descriptor for as long as it likes, and a few thousand of them (slowloris) starve the service.
``HeadTimeoutProtocol`` closes a connection whose request head (request line and headers) has
not fully arrived ``HEAD_TIMEOUT_S`` after its first byte could have been sent. The body has its
own deadline in the app (``app.BodyLimit``). A reverse proxy in front is still the place for
TLS and per-client limits in production.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

#: Seconds a client has to send a complete request head (nginx's client_header_timeout: 60).
HEAD_TIMEOUT_S = 20.0


class HeadTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing connections that do not finish a request head in time."""

    head_timeout: float = HEAD_TIMEOUT_S

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            # Still waiting for a whole head: the first bytes of a request, or of the next one
            # on a kept-alive connection (uvicorn's keep-alive timer stops at the first byte).
            if self._head_deadline is None:
                self._arm()
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._head_deadline = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _disarm(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_timed_out(self) -> None:
        self._head_deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            # No request yet, so no response can be sent (HTTP has nothing to answer): close.
            self.transport.close()


def check_listen(host: str, port: int) -> None:
    """Raise OSError when ``host:port`` cannot be listened on (in use, no such address).

    uvicorn would log the failure among its start-up lines and exit 3; this binds each address
    the host resolves to as asyncio's server will (SO_REUSEADDR, IPv6 only on IPv6 sockets)
    and lets them go again, so the caller can refuse with one line before starting anything.
    """
    for family, kind, proto, _, address in socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    ):
        try:
            sock = socket.socket(family, kind, proto)
        except OSError:
            continue  # a family this machine lacks (no IPv6): asyncio skips it too
        with sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)


def serve(app: Any, *, host: str, port: int, head_timeout: float | None = None) -> None:
    """Run ``app`` until SIGINT/SIGTERM, as ``posclient-hq serve`` does."""
    import uvicorn

    head_timeout = HEAD_TIMEOUT_S if head_timeout is None else head_timeout
    protocol = type("HeadTimeoutProtocol", (HeadTimeoutProtocol,), {"head_timeout": head_timeout})
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False, http=protocol)
