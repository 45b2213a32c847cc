"""Shared fixtures: a real SQLite till in tmp_path, secrets in a private tmp dir, a fixed clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

# Secrets never touch the developer's real keyring or config dir during tests.
os.environ.setdefault("POSCLIENT_SECRETS", "file")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _private_secrets(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("POSCLIENT_SECRETS", "file")
    monkeypatch.setenv("POSCLIENT_SECRETS_DIR", str(tmp_path_factory.mktemp("secrets")))
    monkeypatch.delenv("POSCLIENT_LANG", raising=False)


@pytest.fixture
def clock():
    from posclient.services.clock import FixedClock

    return FixedClock(datetime(2026, 11, 23, 2, 30, tzinfo=UTC))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "till"


@pytest.fixture
def till(data_dir: Path, clock) -> Iterator[object]:
    """A till with the demo catalogue, members, coupons and staff loaded."""
    from posclient.bootstrap import open_till
    from posclient.services import demo
    from posclient.store.uow import UnitOfWork

    t = open_till(data_dir, create=True, clock=clock)
    with UnitOfWork(t.db) as uow:
        demo.load_all(uow.session, t.cipher, clock)
        uow.commit()
    yield t
    t.close()
