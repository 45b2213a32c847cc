"""POST /v1/sync/push: each event once (event_id kept forever), in its own transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from posclient.domain.errors import PosError
from posclient.domain.events import EventType, chain_hash
from posclient.sync.protocol import Event, EventResult, PushRequest, PushResponse, ResultStatus

from . import models as m
from .consent import apply_consent
from .context import Hq
from .feed import Feed, current_position, dumps, publish
from .outcome import Apply, Reject
from .profiles import apply_enrol, apply_erasure, apply_patch
from .sales import apply_refund, apply_sale

log = logging.getLogger("posclient.hq")


def _apply_audit(cx: Apply, payload: Any) -> None:
    cx.conn.execute(
        insert(m.audit),
        [
            {
                "store": payload.store,
                "device_id": cx.ev.device_id,
                "staff_id": entry.staff_id,
                "member_id": str(entry.member_id) if entry.member_id else None,
                "action": entry.action,
                "fields": dumps(entry.fields),
                "at": entry.at,
            }
            for entry in payload.entries
        ],
    )


HANDLERS: dict[EventType, Callable[[Apply, Any], None]] = {
    EventType.SALE_COMPLETED: apply_sale,
    EventType.REFUND_COMPLETED: apply_refund,
    EventType.MEMBER_ENROLLED: apply_enrol,
    EventType.MEMBER_PATCHED: apply_patch,
    EventType.CONSENT_RECORDED: apply_consent,
    EventType.ERASURE_REQUESTED: apply_erasure,
    EventType.AUDIT_RECORDED: _apply_audit,
}


def push(hq: Hq, request: PushRequest) -> PushResponse:
    results = [process_event(hq, event) for event in request.events]
    with hq.db.read() as conn:
        checkpoint = current_position(conn)
    return PushResponse(results=results, write_checkpoint=checkpoint)


def process_event(hq: Hq, event: Event) -> EventResult:
    """Apply one event in its own transaction and return the (stored) answer."""
    try:
        return hq.db.transact(lambda conn: _process(hq, conn, event))
    except IntegrityError:
        # The same event_id arrived twice at once; the other copy won: answer as a duplicate.
        return hq.db.transact(lambda conn: _process(hq, conn, event))


def _rejected(event: Event, reason: str, detail: str) -> EventResult:
    return EventResult(
        event_id=event.event_id, status=ResultStatus.REJECTED, reason=reason, detail=detail
    )


def _process(hq: Hq, conn: Connection, event: Event) -> EventResult:
    event_id = str(event.event_id)
    seen = conn.execute(
        select(m.events.c.payload_sha256, m.events.c.result).where(m.events.c.event_id == event_id)
    ).first()
    if seen is not None:
        return _repeat(hq, conn, event, seen.payload_sha256, seen.result)
    device = conn.execute(
        select(m.devices.c.last_seq, m.devices.c.last_hash)
        .where(m.devices.c.device_id == event.device_id)
        .with_for_update()
    ).one()
    # Claim the id first: a concurrent copy of this event now waits on the unique key.
    conn.execute(
        insert(m.events).values(
            event_id=event_id,
            device_id=event.device_id,
            seq=event.seq,
            type=event.type.value,
            payload_sha256=event.payload_sha256,
            hlc=event.hlc,
            status="pending",
            result="{}",
            received_at=hq.now(),
        )
    )
    _check_chain(hq, conn, event, device.last_seq, device.last_hash)
    feed = Feed()
    cx = Apply(hq=hq, conn=conn, ev=event, feed=feed)
    try:
        with conn.begin_nested():
            try:
                payload = event.typed_payload()
            except ValidationError as exc:
                raise Reject("invalid_payload", _describe(exc)) from exc
            HANDLERS[event.type](cx, payload)
        result = cx.out.result(event.event_id)
    except Reject as exc:
        feed.items.clear()
        result = _rejected(event, exc.reason, exc.detail)
    except (ValueError, PosError) as exc:
        # A domain rule refused what the till sent (e.g. a lot that would go negative): the event
        # goes to the till's attention list instead of failing the whole push forever.
        log.exception("event %s (%s) could not be applied", event_id, event.type.value)
        feed.items.clear()
        result = _rejected(event, "unprocessable", f"HQ could not apply the event: {exc}")
    conn.execute(
        update(m.events)
        .where(m.events.c.event_id == event_id)
        .values(status=result.status.value, result=result.model_dump_json())
    )
    publish(conn, feed, hq.now())
    if result.status is not ResultStatus.APPLIED:
        log.info(
            "event %s (%s): %s %s", event_id, event.type.value, result.status.value, result.reason
        )
    return result


def _repeat(hq: Hq, conn: Connection, event: Event, stored_hash: str, stored: str) -> EventResult:
    if stored_hash != event.payload_sha256:
        _issue(hq, conn, event, "key_reuse", "an event id came back with another payload")
        return _rejected(
            event, "key_reuse", "this event id was already used for a different payload"
        )
    original = EventResult.model_validate_json(stored)
    if original.status is ResultStatus.REJECTED:
        # A rejection stays a rejection: the till must put it on its attention list.
        return original
    return original.model_copy(
        update={"status": ResultStatus.DUPLICATE, "original_status": original.status}
    )


def _check_chain(
    hq: Hq, conn: Connection, event: Event, last_seq: int, last_hash: str | None
) -> None:
    """Verify the device's hash chain; flag gaps and broken links, never refuse the event."""
    expected = last_seq + 1
    if event.seq == expected:
        if event.prev_hash != last_hash:
            _issue(
                hq,
                conn,
                event,
                "broken_link",
                f"prev_hash of seq {event.seq} does not match seq {last_seq}",
            )
    elif event.seq > expected:
        _issue(hq, conn, event, "gap", f"seq {expected}..{event.seq - 1} never arrived")
    else:
        _issue(
            hq,
            conn,
            event,
            "seq_reused",
            f"seq {event.seq} arrived after seq {last_seq} with a new event id",
        )
    values: dict[str, Any] = {"events": m.devices.c.events + 1}
    if event.seq > last_seq:
        values.update(
            last_seq=event.seq,
            last_hash=chain_hash(
                event.prev_hash,
                event_id=str(event.event_id),
                seq=event.seq,
                type=event.type.value,
                payload_hash=event.payload_sha256,
            ),
        )
    conn.execute(update(m.devices).where(m.devices.c.device_id == event.device_id).values(**values))


def _issue(hq: Hq, conn: Connection, event: Event, kind: str, detail: str) -> None:
    conn.execute(
        insert(m.chain_issues).values(
            device_id=event.device_id,
            seq=event.seq,
            event_id=str(event.event_id),
            kind=kind,
            detail=detail,
            at=hq.now(),
        )
    )
    conn.execute(
        update(m.devices)
        .where(m.devices.c.device_id == event.device_id)
        .values(chain_issues=m.devices.c.chain_issues + 1)
    )
    log.warning("device %s seq %d: %s", event.device_id, event.seq, kind)


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(part) for part in error["loc"])
        parts.append(f"{where}: {error['msg']}" if where else str(error["msg"]))
    return "; ".join(parts)
