"""HQ test fixtures: a database per test on SQLite and on a real PostgreSQL, a live server."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn

from posclient.hq.app import create_app
from posclient.hq.context import Hq
from posclient.hq.db import Database
from posclient.hq.pairing import new_pairing_code
from posclient.hq.server import HeadTimeoutProtocol

from .helpers import Till
from .pg import PgCluster, find_bindir

NO_PG = (
    "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's postgresql "
    "or set POSCLIENT_PG_BIN"
)


class Clock:
    """A settable clock shared by the HQ under test and the test (no sleeping)."""

    def __init__(self) -> None:
        self.at: datetime | None = None

    def __call__(self) -> datetime:
        return self.at or datetime.now(UTC)

    def advance(self, **delta: float) -> None:
        self.at = self() + timedelta(**delta)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster | None]:
    bindir = find_bindir()
    if bindir is None:
        reason = (
            "PostgreSQL server binaries (initdb, pg_ctl) not found; install Debian's postgresql"
        )
        if os.environ.get("POSCLIENT_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason + " (POSCLIENT_REQUIRE_POSTGRES=1)")
        print(f"\nskipping PostgreSQL tests: {reason}")
        yield None
        return
    cluster = PgCluster.start(bindir)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hq.db'}"
    cluster = request.getfixturevalue("pg_cluster")
    if cluster is None:
        pytest.skip(NO_PG)
    return str(cluster.create_database())


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def hq(db_url: str, clock: Clock) -> Iterator[Hq]:
    instance = Hq(Database(db_url), clock=clock)
    yield instance
    instance.db.dispose()


class LiveServer:
    """uvicorn on a loopback port in a thread."""

    def __init__(self, app: object) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(
            app,  # type: ignore[arg-type]
            log_level="warning",
            access_log=False,
            lifespan="off",
            http=HeadTimeoutProtocol,  # as posclient-hq serve runs it
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("server did not start")
            self.thread.join(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@pytest.fixture
def app(hq: Hq):  # type: ignore[no-untyped-def]
    return create_app(hq=hq)


@pytest.fixture
def server(app: object) -> Iterator[LiveServer]:
    with LiveServer(app) as live:
        yield live


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


def pair_till(hq: Hq, client: httpx.Client, store: str = "S001", name: str = "till") -> Till:
    code = new_pairing_code(hq, store)
    response = client.post("/v1/pair", json={"pairing_code": code, "device_name": name})
    assert response.status_code == 200, response.text
    return Till(client, response.json())


@pytest.fixture
def till(hq: Hq, client: httpx.Client) -> Till:
    return pair_till(hq, client, "S001", "till-1")


@pytest.fixture
def till2(hq: Hq, client: httpx.Client) -> Till:
    return pair_till(hq, client, "S002", "till-2")
