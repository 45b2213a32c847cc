"""What the till's status bar shows: online or offline, events waiting, last sync (Qt-free).

The sync engine writes ISO datetimes to ``meta``: ``last_sync_attempt`` when a pass starts,
``last_sync_ok`` when one succeeds, ``last_sync_failed`` when one fails, and ``last_contact``
whenever HQ answered inside a pass (each pull page written, each push batch settled); and
``paired_at`` once paired. Online means paired, HQ answered within ``ONLINE_WINDOW``, and no
pass failed since. A pass still running is no sign of being offline (a first load takes
minutes while pages stream in).

The till needs pairing when HQ refused its device token (the engine sets ``auth_failed`` on a
401, the same flag ``posclient-admin status`` reports as ``needs_pairing``; pairing clears it),
or when an HQ address is set but the secret store holds no device token. Sync stops until a
manager pairs the till again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from posclient.store.db import Database
from posclient.store.models import OutboxEvent

from . import conflicts, outbox, settings

if TYPE_CHECKING:
    from posclient.security.secrets import SecretStore

log = logging.getLogger("posclient.sync")

ONLINE_WINDOW = timedelta(minutes=2)
#: Moved to settings; the CLI and the conflicts inbox still import it from here.
parse_time = settings.parse_time


@dataclass(frozen=True)
class TillStatus:
    paired: bool
    online: bool
    pending: int
    rejected: int
    last_sync_ok: datetime | None
    last_sync_attempt: datetime | None
    #: Conflicts nobody has looked at yet (the inbox).
    conflicts: int = 0
    #: The HQ address set for this till ("" when none).
    hq_url: str = ""
    #: HQ refused the device token (401, e.g. revoked): ``needs_pairing`` of ``status --json``.
    token_refused: bool = False
    #: Whether the secret store holds a device token (None: not looked at, see ``has_token``).
    has_token: bool | None = None

    @property
    def needs_pairing(self) -> bool:
        """Sync cannot go on until a manager enters a new pairing code."""
        return needs_pairing(
            {"hq_url": self.hq_url, "auth_failed": "1" if self.token_refused else ""},
            has_token=self.has_token,
        )


def needs_pairing(values: Mapping[str, str], *, has_token: bool | None = None) -> bool:
    """From the till's settings (``meta``): HQ refused the device token, or an HQ address is set
    and the device token is known to be missing (``has_token`` False; None: not known)."""
    if values.get("auth_failed") == "1":
        return True
    return bool(values.get("hq_url")) and has_token is False


def has_token(secrets: SecretStore) -> bool | None:
    """Whether the till's device token is in the secret store; None when the store cannot say
    (a locked keyring). The OS keyring may be slow or ask to be unlocked: call this off the GUI
    thread and away from the sale's database work."""
    from posclient.domain.errors import PosError

    from .sync import TOKEN

    try:
        return bool(secrets.get(TOKEN))
    except PosError:  # an exposed token file: there is a token, the sync pass will say why not
        return True
    except Exception:  # keyring errors: unknown, the sync pass reports what it finds
        log.warning("device token could not be read", exc_info=True)
        return None


def with_token(status: TillStatus, present: bool | None) -> TillStatus:
    """``status`` knowing whether the device token is there; a till that needs pairing is never
    online."""
    known = replace(status, has_token=present)
    return replace(known, online=known.online and not known.needs_pairing)


def is_online(
    *,
    paired: bool,
    ok: datetime | None,
    now: datetime,
    contact: datetime | None = None,
    failed: datetime | None = None,
) -> bool:
    """HQ answered lately (a finished pass or a page of one still running) and nothing failed
    after that."""
    heard = max((t for t in (ok, contact) if t is not None), default=None)
    if not paired or heard is None:
        return False
    if failed is not None and failed >= heard:
        return False
    return timedelta(0) <= now - heard <= ONLINE_WINDOW


def snapshot(session: Session, *, now: datetime) -> TillStatus:
    values = settings.all_settings(session)
    paired = bool(values.get("paired_at"))
    ok = parse_time(values.get("last_sync_ok"))
    attempt = parse_time(values.get("last_sync_attempt"))
    contact = parse_time(values.get("last_contact"))
    failed = parse_time(values.get("last_sync_failed"))
    refused = needs_pairing({"auth_failed": values.get("auth_failed", "")})
    return TillStatus(
        paired=paired,
        online=not refused
        and is_online(paired=paired, ok=ok, now=now, contact=contact, failed=failed),
        pending=outbox.pending_count(session),
        rejected=outbox.rejected_count(session),
        last_sync_ok=ok,
        last_sync_attempt=attempt,
        conflicts=conflicts.open_count(session),
        hq_url=values.get("hq_url", ""),
        token_refused=refused,
    )


def read(db: Database, *, now: datetime) -> TillStatus:
    with db.read() as session:
        return snapshot(session, now=now)


def queue_events(session: Session, *, everything: bool = False) -> list[dict[str, Any]]:
    """Events waiting for HQ and events HQ rejected (all events with ``everything``), by seq."""
    query = select(OutboxEvent).order_by(OutboxEvent.seq)
    if not everything:
        query = query.where(OutboxEvent.status.in_(("pending", "rejected")))
    return [
        {
            "seq": row.seq,
            "event_id": row.event_id,
            "type": row.type,
            "status": row.status,
            "priority": row.priority,
            "attempts": row.attempts,
            "occurred_at": row.occurred_at,
            "hlc": row.hlc,
            "last_error": row.last_error,
            "reason": (row.result or {}).get("reason"),
            "detail": (row.result or {}).get("detail"),
        }
        for row in session.scalars(query)
    ]
