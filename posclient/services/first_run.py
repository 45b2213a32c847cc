"""First run of an installed till (no Qt): is it set up, check HQ, save what the wizard chose.

A till counts as set up once it is paired with HQ (``paired_at``) or the wizard finished
(``setup_done``). The wizard's network calls (HQ health, pairing) run on the network worker.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from posclient.domain.errors import PosError
from posclient.store.db import Database
from posclient.store.uow import UnitOfWork
from posclient.sync.protocol import Health

from . import settings
from .sync import ClientFactory, default_client


def needs_setup(db: Database) -> bool:
    with db.read() as session:
        return not (settings.get(session, "paired_at") or settings.get(session, "setup_done"))


def normalise_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")) or len(url) < 10 or " " in url:
        raise PosError("setup.bad_url", url=url[:60])
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port out of range
    except ValueError as exc:
        raise PosError("setup.bad_url", url=url[:60]) from exc
    if not parts.hostname:
        raise PosError("setup.bad_url", url=url[:60])
    return url


def normalise_store(code: str) -> str:
    code = code.strip().upper()
    if not (1 <= len(code) <= 16 and code.isascii() and code.replace("-", "").isalnum()):
        raise PosError("setup.bad_store", store=code[:20])
    return code


def check_hq(url: str, *, client_factory: ClientFactory = default_client) -> Health:
    """HQ's health answer for ``url`` (PosError sync.* when it cannot be reached)."""
    client = client_factory(normalise_url(url), None)
    try:
        return client.health()
    finally:
        client.close()


def finish(db: Database, values: dict[str, str]) -> None:
    """Save the wizard's choices (language, printer, scanner) and mark the till set up."""
    from . import till_settings

    till_settings.save(db, values)
    with UnitOfWork(db) as uow:
        settings.put(uow.session, "setup_done", "1")
        uow.commit()
