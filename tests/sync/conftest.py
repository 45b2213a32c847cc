"""Sync tests against the real HQ: ``posclient-hq serve`` in its own process on loopback."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from posclient.bootstrap import Till, open_till
from posclient.services import pairing
from posclient.services.demo_hq import free_port, serve, wait_until_up
from posclient.services.sync import SyncEngine
from posclient.sync.client import HqClient

FAST_TIMEOUT = httpx.Timeout(connect=2.0, read=5.0, write=5.0, pool=2.0)


def hq_cli(*args: str) -> str:
    """``posclient-hq ARGS``'s output. Run in this process: the same ``main`` as the command,
    without starting a Python for each of the many demo-data and pairing-code calls (tests of
    the command itself run it as a process: tests/hq/test_cli.py)."""
    from posclient.hq.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # a usage error
            code = exc.code if isinstance(exc.code, int) else 2
    if code != 0:
        raise AssertionError(f"posclient-hq {args[0]} failed ({code}): {err.getvalue()}")
    return out.getvalue()


@dataclass
class HqProcess:
    db_path: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.db_path}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = serve(self.db_url, self.port)
        if not wait_until_up(self.url, self.proc, 30):
            raise AssertionError(f"HQ did not come up (exit {self.proc.poll()})")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def pairing_code(self, store: str = "S001") -> str:
        return hq_cli("pairing-code", "--db", self.db_url, "--store", store).split()[-1]

    def sql(self, query: str, *args: object) -> list[tuple[object, ...]]:
        conn = sqlite3.connect(self.db_path)
        try:
            return conn.execute(query, args).fetchall()
        finally:
            conn.close()

    def members(self) -> dict[str, dict[str, object]]:
        rows = json.loads(hq_cli("members", "--db", self.db_url, "--json"))
        return {row["member_id"]: row for row in rows}


@contextlib.contextmanager
def running_hq(tmp_path: Path, members: int) -> Iterator[HqProcess]:
    """A demo HQ with ``members`` generated members, serving on loopback."""
    hq = HqProcess(tmp_path / "hq.sqlite3", free_port())
    hq_cli("demo-data", "--db", hq.db_url, "--members", str(members))
    hq.start()
    try:
        yield hq
    finally:
        hq.stop()


@pytest.fixture
def hq_process(tmp_path: Path) -> Iterator[HqProcess]:
    with running_hq(tmp_path, 6) as hq:
        yield hq


def fast_client(url: str, token: str | None) -> HqClient:
    return HqClient(url, token, timeout=FAST_TIMEOUT)


def small_page_engine(till: Till, limit: int, **settings: Any) -> SyncEngine:
    """An engine on ``till`` pulling pages of ``limit`` changes (feed and snapshot alike), with
    the tests' short timeouts and ``settings`` on top."""
    return SyncEngine(
        till.db,
        cipher=till.cipher,
        secrets=till.secrets,
        client_factory=fast_client,
        pull_limit=limit,
        snapshot_limit=limit,
        **settings,
    )


@dataclass
class PairedTill:
    till: Till
    engine: SyncEngine

    def close(self) -> None:
        self.engine.close()
        self.till.close()


def paired_till(
    data_dir: Path, hq: HqProcess, *, store: str = "S001", url: str | None = None
) -> PairedTill:
    till = open_till(data_dir, create=True)
    pairing.pair(
        till.db,
        till.secrets,
        code=hq.pairing_code(store),
        hq_url=hq.url,
        client_factory=fast_client,
    )
    if url is not None:  # talk to HQ through a proxy from now on
        from posclient.services import settings
        from posclient.store.uow import UnitOfWork

        with UnitOfWork(till.db) as uow:
            settings.put(uow.session, "hq_url", url)
            uow.commit()
    till.checkout.reload_till()
    engine = SyncEngine(
        till.db, cipher=till.cipher, secrets=till.secrets, client_factory=fast_client
    )
    return PairedTill(till, engine)


def reopened_till(data_dir: Path) -> PairedTill:
    """A till paired before, opened again as after a restart (its engine with the defaults)."""
    till = open_till(data_dir)
    engine = SyncEngine(
        till.db, cipher=till.cipher, secrets=till.secrets, client_factory=fast_client
    )
    return PairedTill(till, engine)


@pytest.fixture
def make_till(tmp_path: Path, hq_process: HqProcess) -> Iterator[object]:
    made: list[PairedTill] = []

    def make(name: str = "till", **kwargs: object) -> PairedTill:
        paired = paired_till(tmp_path / name, hq_process, **kwargs)  # type: ignore[arg-type]
        made.append(paired)
        return paired

    yield make
    for paired in made:
        paired.close()


os.environ.setdefault("POSCLIENT_SECRETS", "file")
