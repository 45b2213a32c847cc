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
    """HQ's address as typed (trimmed, no trailing slash), or PosError naming what is wrong with
    it: no http(s) scheme, a malformed address, no host name, a port out of range."""
    url = url.strip()
    shown = url[:60]
    if not url.lower().startswith(("http://", "https://")):
        raise PosError("setup.bad_url", url=shown)
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise PosError("setup.url_malformed", url=shown.encode("unicode_escape").decode())
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unclosed [IPv6 bracket
        raise PosError("setup.url_malformed", url=shown) from exc
    if parts.query or parts.fragment or "?" in url or "#" in url or "@" in parts.netloc:
        # The till adds its own paths (/v1/...); a user:password@ would be kept in settings
        # and shown in messages.
        raise PosError("setup.url_malformed", url=shown.split("@")[-1])
    if not parts.hostname:
        raise PosError("setup.url_no_host", url=shown)
    try:
        port = parts.port
    except ValueError as exc:  # out of range, or not a number
        raise PosError("setup.url_bad_port", url=shown) from exc
    if port == 0:
        raise PosError("setup.url_bad_port", url=shown)
    return url.rstrip("/")


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
