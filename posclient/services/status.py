"""What the till's status bar shows: online or offline, events waiting, last sync (Qt-free).

The sync engine writes ISO datetimes to ``meta``: ``last_sync_attempt`` when a pass starts,
``last_sync_ok`` when one succeeds, ``last_sync_failed`` when one fails, and ``last_contact``
whenever HQ answered inside a pass (each pull page written, each push batch settled); and
``paired_at`` once paired. Online means paired, HQ answered within ``ONLINE_WINDOW``, and no
pass failed since. A pass still running is no sign of being offline (a first load takes
minutes while pages stream in).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from posclient.store.db import Database
from posclient.store.models import OutboxEvent

from . import conflicts, outbox, settings

ONLINE_WINDOW = timedelta(minutes=2)


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


def parse_time(text: str | None) -> datetime | None:
    """An ISO datetime from ``meta`` (naive means UTC), or None when missing or unreadable."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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
    return TillStatus(
        paired=paired,
        online=is_online(paired=paired, ok=ok, now=now, contact=contact, failed=failed),
        pending=outbox.pending_count(session),
        rejected=outbox.rejected_count(session),
        last_sync_ok=ok,
        last_sync_attempt=attempt,
        conflicts=conflicts.open_count(session),
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
