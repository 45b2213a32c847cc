"""The till's own settings, kept in the ``meta`` table of its database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from posclient.domain.codes import DEFAULT_CARD_PREFIX
from posclient.store.models import Meta

DEFAULTS = {
    "store": "S001",
    "store_name": "演示门店",
    "chain": "DEMO",
    "card_prefix": DEFAULT_CARD_PREFIX,
    "device_no": "0",
    "lang": "zh_CN",
    "hq_url": "",
}


def get(session: Session, key: str, default: str | None = None) -> str | None:
    row = session.get(Meta, key)
    if row is not None:
        return row.value
    return DEFAULTS.get(key, default)


def put(session: Session, key: str, value: str) -> None:
    row = session.get(Meta, key)
    if row is None:
        session.add(Meta(key=key, value=value))
    else:
        row.value = value


def all_settings(session: Session) -> dict[str, str]:
    values = dict(DEFAULTS)
    values.update({row.key: row.value for row in session.scalars(select(Meta))})
    return values


def next_counter(session: Session, key: str) -> int:
    """Increment and return a counter (inside the caller's write transaction)."""
    value = int(get(session, key, "0") or "0") + 1
    put(session, key, str(value))
    return value


@dataclass(frozen=True)
class TillInfo:
    """Who this till is: read once at start and after pairing."""

    install_id: str
    device_id: str
    device_no: int
    store: str
    store_name: str
    chain: str
    card_prefix: str
    lang: str
    hq_url: str
    #: HQ's Ed25519 key for dynamic member codes (base64url), received at pairing / in the feed.
    code_public_key: str = ""

    @classmethod
    def load(cls, session: Session) -> TillInfo:
        values = all_settings(session)
        return cls(
            install_id=values.get("install_id", ""),
            device_id=values.get("device_id", ""),
            device_no=int(values["device_no"]),
            store=values["store"],
            store_name=values["store_name"],
            chain=values["chain"],
            card_prefix=values["card_prefix"],
            lang=values["lang"],
            hq_url=values["hq_url"],
            code_public_key=values.get("code_public_key", ""),
        )


def ensure_identity(session: Session) -> None:
    """Give a new database its install id and a local device id (replaced at pairing)."""
    if session.get(Meta, "install_id") is None:
        put(session, "install_id", uuid.uuid4().hex)
    if session.get(Meta, "device_id") is None:
        put(session, "device_id", f"local-{uuid.uuid4().hex[:12]}")


def parse_time(text: str | None) -> datetime | None:
    """An ISO datetime from ``meta`` (naive means UTC), or None when missing or unreadable."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
