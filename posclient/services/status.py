"""What the till's status bar shows: online or offline, events waiting, last sync (Qt-free).

The sync engine writes ``last_sync_attempt`` and ``last_sync_ok`` (ISO datetimes) to ``meta``
after each exchange with HQ, and ``paired_at`` once paired. Online means paired and the last
attempt succeeded within ``ONLINE_WINDOW``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from posclient.store.db import Database

from . import outbox, settings

ONLINE_WINDOW = timedelta(minutes=2)


@dataclass(frozen=True)
class TillStatus:
    paired: bool
    online: bool
    pending: int
    rejected: int
    last_sync_ok: datetime | None
    last_sync_attempt: datetime | None


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
    *, paired: bool, ok: datetime | None, attempt: datetime | None, now: datetime
) -> bool:
    if not paired or ok is None or attempt is None:
        return False
    return ok >= attempt and timedelta(0) <= now - attempt <= ONLINE_WINDOW


def snapshot(session: Session, *, now: datetime) -> TillStatus:
    values = settings.all_settings(session)
    paired = bool(values.get("paired_at"))
    ok = parse_time(values.get("last_sync_ok"))
    attempt = parse_time(values.get("last_sync_attempt"))
    return TillStatus(
        paired=paired,
        online=is_online(paired=paired, ok=ok, attempt=attempt, now=now),
        pending=outbox.pending_count(session),
        rejected=outbox.rejected_count(session),
        last_sync_ok=ok,
        last_sync_attempt=attempt,
    )


def read(db: Database, *, now: datetime) -> TillStatus:
    with db.read() as session:
        return snapshot(session, now=now)
