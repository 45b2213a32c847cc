"""A real HQ process on loopback and a demo till paired with it, for the GUI sync tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from posclient.bootstrap import Till, open_till
from posclient.services import demo, pairing
from posclient.services.clock import Clock
from posclient.store.uow import UnitOfWork
from tests.sync.conftest import HqProcess, fast_client, free_port, hq_cli


def demo_hq(tmp_path: Path) -> Iterator[HqProcess]:
    """HQ with 30 demo members, served until the test ends."""
    hq = HqProcess(tmp_path / "hq.sqlite3", free_port())
    hq_cli("demo-data", "--db", hq.db_url, "--members", "30")
    hq.start()
    yield hq
    hq.stop()


def paired_demo_till(data_dir: Path, clock: Clock, hq: HqProcess) -> Iterator[Till]:
    """The demo till (staff, catalogue, members), paired with ``hq``."""
    t = open_till(data_dir, create=True, clock=clock)
    with UnitOfWork(t.db) as uow:
        demo.load_all(uow.session, t.cipher, clock)
        uow.commit()
    pairing.pair(t.db, t.secrets, code=hq.pairing_code(), hq_url=hq.url, client_factory=fast_client)
    t.checkout.reload_till()
    yield t
    t.close()


def hq_sales(hq: HqProcess) -> list[tuple[object, ...]]:
    return hq.sql("SELECT receipt_no FROM sales")
