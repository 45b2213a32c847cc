"""POST /v1/sync/push: each event once (event_id kept forever), in its own transaction."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, insert, select, update

from posclient.domain.errors import PosError
from posclient.domain.events import EventType, chain_hash, jumps_the_queue
from posclient.sync.protocol import Event, EventResult, PushRequest, PushResponse, ResultStatus

from . import models as m
from .consent import apply_consent
from .context import Hq
from .fastsql import Fast
from .feed import Feed, current_position, dumps, publish
from .lotcache import Held
from .members import DocLater
from .opening import apply_opening
from .outcome import Apply, Reject
from .profiles import apply_enrol, apply_erasure, apply_patch
from .salerun import SaleRun
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
    EventType.POINTS_OPENING: apply_opening,
}


_INS_EVENT = (
    "INSERT INTO events (event_id, device_id, seq, type, payload_sha256, hlc, status, result, "
    "received_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', '{}', ?)"
)
_UPD_EVENT = "UPDATE events SET status = ?, result = ? WHERE event_id = ?"


@dataclass
class _Journal:
    """The pushing device's hash-chain state, read once per batch and written back at its end."""

    last_seq: int
    last_hash: str | None
    #: The store the device was paired with: every event it sends is that store's.
    store: str
    events: int = 0
    issues: int = 0

    def advance(self, event: Event) -> None:
        """The chain stands at ``event`` now (its seq and link)."""
        self.last_seq = event.seq
        self.last_hash = chain_hash(
            event.prev_hash,
            event_id=str(event.event_id),
            seq=event.seq,
            type=event.type.value,
            payload_hash=event.payload_sha256,
        )


def push(hq: Hq, request: PushRequest, *, runs: bool = True) -> PushResponse:
    """Apply a batch (see ``push_json``) and answer it."""
    return _push(hq, request, runs=runs).response


def push_json(hq: Hq, request: PushRequest) -> str:
    """Apply a batch and answer it as JSON (``PushResponse.model_dump_json()``).

    The text of each new event's answer is the one stored for it: a conflict's answer carries
    the member, lots and all, and serialising it once instead of twice is worth it.
    """
    return _push(hq, request, runs=True).json()


@dataclass(frozen=True)
class _Pushed:
    response: PushResponse
    #: The JSON text of answers stored by the push, by the answer's id().
    texts: dict[int, str]

    def json(self) -> str:
        texts = self.texts
        results = ",".join(
            texts.get(id(result)) or result.model_dump_json() for result in self.response.results
        )
        return f'{{"results":[{results}],"write_checkpoint":{self.response.write_checkpoint}}}'


def _push(hq: Hq, request: PushRequest, *, runs: bool) -> _Pushed:
    """Apply a batch: one database transaction, a savepoint per event, one durable commit.

    Every event is atomic on its own (a rejected one rolls back to its savepoint and never
    affects the others) and nothing is answered before the commit, so an answer always means
    the event is on disk. One commit per batch instead of per event is what makes thousands of
    events a second possible: a durable commit costs an fsync.

    Savepoints are only taken when needed. A batch is first applied without them (a savepoint
    makes SQLite copy every page an event touches into a statement journal, doubling the cost
    of its writes); if any event is refused, that attempt is rolled back whole and the batch
    runs again with a savepoint per event. Refusals are rare, and the second run is exactly
    the careful one, so the answer is the same either way.

    In that first attempt consecutive plain sales are applied as runs (``salerun``): their
    members are loaded together and their writes made together. ``runs=False`` applies them
    one at a time instead (the reference the tests compare runs with).
    """

    #: Members' accounts the attempt wrote (sale runs): into ``hq.lot_cache`` once committed.
    written: list[Held] = []
    #: The stored answers' JSON (the last attempt's).
    texts: dict[int, str] = {}

    def work(conn: Connection, *, safe: bool) -> list[EventResult]:
        written.clear()
        texts.clear()
        device = conn.execute(
            select(m.devices.c.last_seq, m.devices.c.last_hash, m.devices.c.store)
            .where(m.devices.c.device_id == request.device_id)
            .with_for_update()
        ).one()
        journal = _Journal(device.last_seq, device.last_hash, device.store)
        _lock_members(conn, request)
        batch = _Batch.claim(hq, Fast.of(conn), request.events)
        feed = Feed()
        if safe or not runs:
            results = [
                _process(hq, conn, event, journal, feed, batch, safe=safe)
                for event in request.events
            ]
        else:
            results = _apply_in_runs(hq, conn, request.events, journal, feed, batch, written)
        results, final = member_state_once(results)
        texts.update(batch.store_results(final))
        conn.execute(
            update(m.devices)
            .where(m.devices.c.device_id == request.device_id)
            .values(
                last_seq=journal.last_seq,
                last_hash=journal.last_hash,
                events=m.devices.c.events + journal.events,
                chain_issues=m.devices.c.chain_issues + journal.issues,
            )
        )
        publish(conn, feed, hq.now())
        return results

    run_again: tuple[type[Exception], ...] = (_NeedsSavepoints, *hq.db.integrity_errors)
    try:
        results = hq.db.transact(lambda conn: work(conn, safe=False))
    except run_again:
        # Either an event was refused (its writes must be undone alone: run the batch again
        # with a savepoint per event), or another device's request carried one of the same
        # event ids at the same moment and committed first (a device's own pushes queue on its
        # row lock): run again, that event is now answered from what is stored.
        results = hq.db.transact(lambda conn: work(conn, safe=True))
    hq.lot_cache.committed(written)
    with hq.db.read() as conn:
        checkpoint = current_position(conn)
    if log.isEnabledFor(logging.INFO):
        log.info("push from %s: %s", request.device_id, _summary(results))
    return _Pushed(PushResponse(results=results, write_checkpoint=checkpoint), texts)


def _summary(results: list[EventResult]) -> str:
    """``200 events: 120 applied, 80 conflict (tier_corrected 80)``: one log line a batch (a
    line per event cost more than applying some of them)."""
    statuses = Counter(result.status.value for result in results)
    reasons = Counter(
        result.reason
        for result in results
        if result.reason and result.status is not ResultStatus.APPLIED
    )
    text = f"{len(results)} events: " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    if reasons:
        text += " (" + ", ".join(f"{r} {n}" for r, n in reasons.most_common()) + ")"
    return text


@dataclass
class _Batch:
    """The batch's event ids: which were stored before, and the rows that claim the new ones.

    Every new id is claimed up front, before any event is applied (one INSERT for the batch):
    a concurrent push carrying the same id waits on the unique key and, once this one has
    committed, fails and runs again, finding it stored. Each answer is stored at the end (one
    UPDATE for the batch). An id stored before, or repeated in the batch, is answered from
    what was stored for it.
    """

    fast: Fast
    #: event_id → (payload_sha256, its answer: stored JSON, or this batch's result) of every id
    #: answered already.
    seen: dict[str, tuple[str, str | EventResult]]
    #: (event_id, result) of each new event, stored by ``store_results``.
    answers: list[tuple[str, EventResult]] = field(default_factory=list)

    @classmethod
    def claim(cls, hq: Hq, fast: Fast, events: list[Event]) -> _Batch:
        ids = list(dict.fromkeys(str(event.event_id) for event in events))
        marks = ", ".join("?" * len(ids))
        stored = fast.all(
            f"SELECT event_id, payload_sha256, result FROM events WHERE event_id IN ({marks})",
            ids,
        )
        batch = cls(fast, {row[0]: (row[1], row[2]) for row in stored})
        received_at = fast.dt(hq.now())
        fresh: dict[str, Event] = {}
        for event in events:
            event_id = str(event.event_id)
            if event_id not in batch.seen:
                fresh.setdefault(event_id, event)
        fast.many(
            _INS_EVENT,
            [
                (
                    event_id,
                    event.device_id,
                    event.seq,
                    event.type.value,
                    event.payload_sha256,
                    event.hlc,
                    received_at,
                )
                for event_id, event in fresh.items()
            ],
        )
        return batch

    def answered(self, event_id: str, event: Event, result: EventResult) -> None:
        """Keep the answer of a new event (a later copy in this batch is answered from it)."""
        self.seen[event_id] = (event.payload_sha256, result)
        self.answers.append((event_id, result))

    def store_results(self, final: dict[int, EventResult]) -> dict[int, str]:
        """Store each new event's answer as sent (``final``: results ``member_state_once``
        replaced, by the id of the result it replaced). Returns the JSON of each answer
        stored, by the answer's id()."""
        rows = []
        texts: dict[int, str] = {}
        for event_id, answer in self.answers:
            result = final.get(id(answer), answer)
            text = texts[id(result)] = result.model_dump_json()
            rows.append((result.status.value, text, event_id))
        self.fast.many(_UPD_EVENT, rows)
        return texts


def member_state_once(
    results: list[EventResult],
) -> tuple[list[EventResult], dict[int, EventResult]]:
    """Each member's state in one answer of the batch: the last that carries it.

    A sale answered as a conflict carries the member as HQ now holds it (DESIGN "Conflict
    rules"); a regular whose tier rose while the till was offline gets a correction with every
    sale after that, and the record, lots and all, is tens of kilobytes. The till applies the
    newest state it is given, so earlier copies in the same batch would only be built, stored,
    sent and read for nothing. A state still to be built (``DocLater``, from a sale run) is
    built here. Only conflicts count: a repeat is answered as it was the first time (the till
    takes no state from a duplicate). Returns the results and, by the id of each result
    replaced, its replacement.
    """
    kept: set[str] = set()
    final: dict[int, EventResult] = {}
    out: list[EventResult] = []
    for result in reversed(results):
        member = result.state.get("member") if result.state else None
        if member is not None:
            state = dict(result.state or {})
            member_id = (
                member.member_id if isinstance(member, DocLater) else str(member.get("member_id"))
            )
            if result.status is not ResultStatus.CONFLICT:  # a repeat: answered as it was
                if isinstance(member, DocLater):
                    state["member"] = member.build()
            elif member_id in kept:
                del state["member"]
            else:
                kept.add(member_id)
                if isinstance(member, DocLater):
                    state["member"] = member.build()
            replaced = result.model_copy(update={"state": state or None})
            final[id(result)] = replaced
            out.append(replaced)
        else:
            out.append(result)
    out.reverse()
    return out, final


def _lock_members(conn: Connection, request: PushRequest) -> None:
    """Lock the members a batch names, in id order, before touching any (PostgreSQL).

    Two batches locking the same members in different orders would deadlock; one would be
    retried, but taking the locks in one order up front avoids most of that.
    """
    if conn.dialect.name != "postgresql":
        return
    ids = sorted(
        {
            str(event.payload["member_id"])
            for event in request.events
            if isinstance(event.payload.get("member_id"), str)
        }
    )
    if ids:
        conn.execute(
            select(m.members.c.member_id)
            .where(m.members.c.member_id.in_(ids))
            .order_by(m.members.c.member_id)
            .with_for_update()
        ).all()


def _rejected(event: Event, reason: str, detail: str) -> EventResult:
    return EventResult(
        event_id=event.event_id, status=ResultStatus.REJECTED, reason=reason, detail=detail
    )


def _apply_in_runs(
    hq: Hq,
    conn: Connection,
    events: list[Event],
    journal: _Journal,
    feed: Feed,
    batch: _Batch,
    written: list[Held],
) -> list[EventResult]:
    """Apply consecutive plain sales as runs (``salerun``), every other event on its own."""
    results: list[EventResult] = []
    i = 0
    while i < len(events):
        end = i
        while end < len(events) and events[end].type is EventType.SALE_COMPLETED:
            end += 1
        if end == i:
            results.append(_process(hq, conn, events[i], journal, feed, batch, safe=False))
            i += 1
            continue
        run = SaleRun.load(hq, conn, events[i:end])
        start = i
        while i < end and run.takes(events[i]):
            results.append(_process(hq, conn, events[i], journal, feed, batch, safe=False, run=run))
            i += 1
        run.flush(hq, feed)
        written.extend(run.written)
        if i == start:  # a sale the run cannot take (e.g. with a coupon): on its own
            results.append(_process(hq, conn, events[i], journal, feed, batch, safe=False))
            i += 1
    return results


class _NeedsSavepoints(Exception):
    """An event was refused in a batch applied without savepoints: undo it all, run it again."""


def _process(
    hq: Hq,
    conn: Connection,
    event: Event,
    journal: _Journal,
    feed: Feed,
    batch: _Batch,
    *,
    safe: bool,
    run: SaleRun | None = None,
) -> EventResult:
    event_id = str(event.event_id)
    seen = batch.seen.get(event_id)
    if seen is not None:
        return _repeat(hq, conn, event, journal, stored_hash=seen[0], stored=seen[1])
    _check_chain(hq, conn, event_id, event, journal)
    cx = Apply(hq=hq, conn=conn, ev=event, feed=Feed(), run=run, store=journal.store)
    result = _apply_guarded(cx, batch.fast) if safe else _apply_bare(cx)
    if result.status is ResultStatus.APPLIED or result.status is ResultStatus.CONFLICT:
        feed.absorb(cx.feed)
    batch.answered(event_id, event, result)
    if result.status is ResultStatus.REJECTED:
        log.warning("event %s (%s): rejected %s", event_id, event.type.value, result.reason)
    elif result.status is not ResultStatus.APPLIED and log.isEnabledFor(logging.DEBUG):
        log.debug(
            "event %s (%s): %s %s", event_id, event.type.value, result.status.value, result.reason
        )
    return result


def _apply_bare(cx: Apply) -> EventResult:
    """Apply without a savepoint: any refusal undoes the whole attempt (see ``push``)."""
    try:
        _dispatch(cx, cx.ev.typed_payload())
    except (Reject, ValidationError, ValueError, PosError) as exc:
        raise _NeedsSavepoints from exc
    return cx.out.result(cx.ev.event_id)


def _dispatch(cx: Apply, payload: Any) -> None:
    """Apply ``payload`` with its type's handler, for the store the pushing device is paired
    with.

    An event naming another store is recorded for the device's store (with a note): a sale
    booked to another store would count in that store's figures, and a forged one could act on
    its members. Not refused: a till sells before it is first paired (its store is then the
    default), and those sales, enrolments and consent records must still reach HQ.
    """
    if cx.store and payload.store != cx.store:
        cx.out.note(
            f"the event named store {payload.store}; recorded for store {cx.store}, the one "
            "this till is paired with"
        )
        payload = payload.model_copy(update={"store": cx.store})
    HANDLERS[cx.ev.type](cx, payload)


def _apply_guarded(cx: Apply, fast: Fast) -> EventResult:
    """Apply inside a savepoint: a refusal rolls back this event only and becomes its answer."""
    event = cx.ev
    # Plain SQL: SQLAlchemy's begin_nested costs more than the event.
    fast.run("SAVEPOINT event")
    try:
        try:
            payload = event.typed_payload()
        except ValidationError as exc:
            raise Reject("invalid_payload", _describe(exc)) from exc
        _dispatch(cx, payload)
        result = cx.out.result(event.event_id)
    except Reject as exc:
        fast.run("ROLLBACK TO SAVEPOINT event")
        result = _rejected(event, exc.reason, exc.detail)
    except (ValueError, PosError) as exc:
        # A domain rule refused what the till sent (e.g. a lot that would go negative): the event
        # goes to the till's attention list instead of failing the whole push forever.
        fast.run("ROLLBACK TO SAVEPOINT event")
        log.exception("event %s (%s) could not be applied", cx.event_id, event.type.value)
        result = _rejected(event, "unprocessable", f"HQ could not apply the event: {exc}")
    fast.run("RELEASE SAVEPOINT event")
    return result


def _repeat(
    hq: Hq,
    conn: Connection,
    event: Event,
    journal: _Journal,
    *,
    stored_hash: str,
    stored: str | EventResult,
) -> EventResult:
    if stored_hash != event.payload_sha256:
        _issue(
            hq,
            conn,
            event,
            journal,
            kind="key_reuse",
            detail="an event id came back with another payload",
        )
        return _rejected(
            event, "key_reuse", "this event id was already used for a different payload"
        )
    if event.seq > journal.last_seq:
        # HQ holds this event (checked when it first came, maybe from this till's device
        # before it paired again): the device's chain stands at least here now. Otherwise a
        # till that paired again behind events HQ holds would be told, page after page, that
        # HQ lacks them (pull's device_seq) and send them again forever.
        journal.advance(event)
    original = EventResult.model_validate_json(stored) if isinstance(stored, str) else stored
    if original.status is ResultStatus.REJECTED:
        # A rejection stays a rejection: the till must put it on its attention list.
        return original
    return original.model_copy(
        update={"status": ResultStatus.DUPLICATE, "original_status": original.status}
    )


def _catch_up(conn: Connection, event: Event, journal: _Journal) -> None:
    """Walk the chain through events of this device that arrived ahead of their turn (they
    jumped the queue) and sit right after ``journal``'s position.

    Their links are computed from the chain as HQ knows it, so the next event's ``prev_hash``
    still proves them: an altered or missing one shows up as a broken link there.
    """
    e = m.events.c
    rows = conn.execute(
        select(e.seq, e.event_id, e.type, e.payload_sha256)
        .where(e.device_id == event.device_id, e.seq > journal.last_seq, e.seq < event.seq)
        .order_by(e.seq)
    )
    for seq, event_id, type_, payload_hash in rows:
        if seq != journal.last_seq + 1:
            break
        journal.last_hash = chain_hash(
            journal.last_hash, event_id=event_id, seq=seq, type=type_, payload_hash=payload_hash
        )
        journal.last_seq = seq


def _check_chain(hq: Hq, conn: Connection, event_id: str, event: Event, journal: _Journal) -> None:
    """Verify the device's hash chain; flag gaps and broken links, never refuse the event.

    Events that jump the queue (``jumps_the_queue``) may arrive before the seqs below them:
    they are not a gap, and the chain walks through them when the events before them arrive.
    """
    if event.seq > journal.last_seq + 1:
        _catch_up(conn, event, journal)  # only off the in-order path: one query per gap
    last_seq, expected = journal.last_seq, journal.last_seq + 1
    if event.seq == expected:
        if event.prev_hash != journal.last_hash:
            detail = f"prev_hash of seq {event.seq} does not match seq {last_seq}"
            _issue(hq, conn, event, journal, kind="broken_link", detail=detail)
    elif event.seq > expected and jumps_the_queue(event.type, event.payload):
        journal.events += 1
        return  # ahead of its turn: the chain reaches it when seqs expected.. arrive
    elif event.seq > expected:
        _issue(
            hq,
            conn,
            event,
            journal,
            kind="gap",
            detail=f"seq {expected}..{event.seq - 1} never arrived",
        )
    else:
        detail = f"seq {event.seq} arrived after seq {last_seq} with a new event id"
        _issue(hq, conn, event, journal, kind="seq_reused", detail=detail)
    journal.events += 1
    if event.seq > last_seq:
        journal.advance(event)


def _issue(
    hq: Hq, conn: Connection, event: Event, journal: _Journal, *, kind: str, detail: str
) -> None:
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
    journal.issues += 1
    log.warning("device %s seq %d: %s", event.device_id, event.seq, kind)


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(part) for part in error["loc"])
        parts.append(f"{where}: {error['msg']}" if where else str(error["msg"]))
    return "; ".join(parts)
