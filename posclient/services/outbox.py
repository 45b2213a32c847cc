"""Appending events to the outbox inside the caller's transaction (DESIGN "Sync protocol").

Sequence numbers are per device and gapless: the next one is read and written under the write
lock the unit of work already holds. Each event carries the hash of the one before it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from posclient.domain.events import EventType, canonical_json, chain_hash, jumps_the_queue
from posclient.domain.hlc import Hlc, receive, tick
from posclient.security.fieldcrypt import FieldCipher
from posclient.store import fastpath
from posclient.store.models import OutboxEvent

PRIORITY_URGENT = 0  # consent withdrawals, erasure requests: sent ahead of the queue
PRIORITY_NORMAL = 10

#: Seals a payload's canonical text for storage (issue 7: personal data encrypted at rest).
Sealer = Callable[[str, str], str]  # (text, event id) -> stored text
SEALED_PREFIX = "v1."


@dataclass(frozen=True)
class Appended:
    seq: int
    event_id: str
    hlc: str


def _now_ms(now: datetime | None) -> int:
    return int((now.timestamp() if now else time.time()) * 1000)


def last_hlc(head: fastpath.OutboxHead) -> Hlc:
    """The newest stamp this till has issued or received.

    A stamp issued is kept on its event (the newest outbox row holds the newest one); only a
    stamp received from HQ is written to meta. So appending an event writes no meta row: one
    page and one statement fewer in every sale's commit.
    """
    stamps = [Hlc.parse(text) for text in (head.event_hlc, head.meta_hlc) if text]
    return max(stamps, default=Hlc(0, 0))


def observe_hlc(session: Session, remote: str) -> None:
    """Move our clock past a stamp received from HQ."""
    conn = fastpath.driver(session)
    last = last_hlc(fastpath.outbox_head(conn))
    try:
        merged = receive(last, Hlc.parse(remote), _now_ms(None))
    except ValueError:
        return
    fastpath.write_meta(conn, {"hlc": str(merged)})


#: Events whose payload carries personal data (profile values): stored sealed, never in plaintext.
PERSONAL = frozenset({EventType.MEMBER_ENROLLED, EventType.MEMBER_PATCHED})


def append(
    session: Session,
    *,
    type: EventType,
    payload: dict[str, Any],
    occurred_at: datetime,
    base: dict[str, int] | None = None,
    seal: Sealer | None = None,
) -> Appended:
    """Write one event; the caller's unit of work commits it with the change it describes."""
    return append_raw(
        fastpath.driver(session),
        type=type,
        payload=payload,
        occurred_at=occurred_at,
        base=base,
        seal=seal,
    )


def append_raw(
    conn: sqlite3.Connection,
    *,
    type: EventType,
    payload: dict[str, Any],
    occurred_at: datetime,
    base: dict[str, int] | None = None,
    seal: Sealer | None = None,
) -> Appended:
    """Write one event (seq, HLC stamp and chain hash follow the newest event); consent
    withdrawals and erasures are urgent (``_urgent``; HQ's chain check knows the rule).

    The event id is a fresh uuid4, drawn in ``write_event`` and nowhere else: the outbox keeps
    no unique index on it (schema 0003), so callers cannot pass one in. An event that carries
    personal data (``PERSONAL``) must come with a ``seal``: ValueError otherwise.
    """
    if type in PERSONAL and seal is None:
        raise ValueError(f"{type.value} carries personal data: its payload must be sealed")
    return write_event(
        conn,
        fastpath.outbox_head(conn),
        type=type,
        payload=payload,
        occurred_at=occurred_at,
        base=base,
        seal=seal,
        urgent=_urgent(conn, type, payload),
    )


def write_event(
    writer: fastpath.Writer,
    head: fastpath.OutboxHead,
    *,
    type: EventType,
    payload: dict[str, Any],
    occurred_at: datetime,
    base: dict[str, int] | None = None,
    seal: Sealer | None = None,
    urgent: bool = False,
) -> Appended:
    """The event that follows ``head`` (read in the same transaction, or in one that nothing
    was committed after: see fastpath.unchanged), written to ``writer``."""
    seq = head.seq + 1
    prev_hash = head.event_hash
    event_id = str(uuid.uuid4())
    payload_text = canonical_json(payload)
    digest = hashlib.sha256(payload_text).hexdigest()
    stamp = tick(last_hlc(head), _now_ms(occurred_at))
    fastpath.insert_event(
        writer,
        seq=seq,
        event_id=event_id,
        type=str(type),
        hlc=str(stamp),
        occurred_at=occurred_at,
        base=base or {},
        payload_text=(
            seal(payload_text.decode("utf-8"), event_id)
            if seal is not None
            else payload_text.decode("utf-8")
        ),
        payload_sha256=digest,
        prev_hash=prev_hash,
        event_hash=chain_hash(
            prev_hash, event_id=event_id, seq=seq, type=str(type), payload_hash=digest
        ),
        priority=PRIORITY_URGENT if urgent else PRIORITY_NORMAL,
    )
    return Appended(seq, event_id, str(stamp))


def _urgent(conn: sqlite3.Connection, type: EventType, payload: dict[str, Any]) -> bool:
    """Whether the event goes out ahead of the queue: withdrawals and erasures do
    (``jumps_the_queue``), unless HQ has not confirmed the member yet.

    A member enrolled here while offline has local version 0 until HQ's record arrives. Sent
    ahead of the member's own enrolment, a withdrawal or erasure would find no member at HQ and
    be refused for good, leaving HQ holding the data the member took back. In queue order it
    reaches HQ right after the enrolment.
    """
    if not jumps_the_queue(type, payload):
        return False
    row = conn.execute(
        "SELECT version FROM members WHERE member_id = ?", (str(payload.get("member_id")),)
    ).fetchone()
    return row is not None and row[0] > 0


def pending_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.status == "pending")
        )
        or 0
    )


def rejected_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.status == "rejected")
        )
        or 0
    )


def sealer(cipher: FieldCipher) -> Sealer:
    """Seal with the till's field key: the outbox holds no personal data in plaintext."""
    return lambda text, event_id: cipher.encrypt(  # type: ignore[return-value]
        text, table="outbox", column="payload", row_id=event_id
    )


def payload_text(cipher: FieldCipher | None, event: OutboxEvent) -> str:
    """The canonical payload text of a stored event (opening it if it was sealed)."""
    text = event.payload
    if text.startswith(SEALED_PREFIX):
        assert cipher is not None, "a sealed payload needs the till's cipher"
        opened = cipher.decrypt(text, table="outbox", column="payload", row_id=event.event_id)
        assert opened is not None
        return opened
    return text


def seal_json(cipher: FieldCipher, value: Any, event_id: str) -> str | None:
    """A JSON value sealed for the conflicts inbox (losing profile values are personal data)."""
    if value is None:
        return None
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return cipher.encrypt(text, table="conflicts", column="losing", row_id=event_id)


def open_json(cipher: FieldCipher, sealed: str | None, event_id: str) -> Any:
    if sealed is None:
        return None
    text = cipher.decrypt(sealed, table="conflicts", column="losing", row_id=event_id)
    return None if text is None else json.loads(text)
