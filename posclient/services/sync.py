"""The sync engine (no Qt): push the outbox, pull the change feed, apply what HQ decided.

Push: pending events leave in batches of ≤ 200, lowest priority value first (consent
withdrawals skip the queue), each batch in seq order. An event leaves the outbox only on a
final answer (applied, duplicate, conflict, rejected); a rejected one stays visible for a person
and never blocks the events behind it. A batch HQ refuses as a whole (422) is split until the
bad event is alone, and that one is marked rejected with HQ's reason.

Pull: pages of the change feed, each page and its cursor applied in ONE transaction (several
snapshot pages may share one; a page is never split); local ledger entries count on top of HQ's
balance until the till has pulled past the checkpoint HQ returned for their event. 410 → a new
snapshot.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import sqlite3
import sys
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from posclient.domain.errors import PosError
from posclient.domain.events import EventType
from posclient.security.fieldcrypt import FieldCipher
from posclient.security.secrets import SecretStore
from posclient.store import fastpath
from posclient.store.db import Database
from posclient.store.models import ConflictRow, OutboxEvent
from posclient.store.uow import UnitOfWork
from posclient.sync.client import HqClient, SyncError
from posclient.sync.protocol import (
    DEFAULT_PULL_LIMIT,
    MAX_PULL_LIMIT,
    MAX_PUSH_BATCH,
    EventResult,
    PullResponse,
    PushResponse,
    ResultStatus,
)
from posclient.sync.retry import Backoff

from . import applock, conflicts, feedapply, members, outbox, pagepool, phonetally, settings

log = logging.getLogger("posclient.sync")

TOKEN = "device-token"
FINAL = ("applied", "duplicate", "conflict", "rejected")
ClientFactory = Callable[[str, str | None], HqClient]


def default_client(base_url: str, token: str | None) -> HqClient:
    return HqClient(base_url, token)


@dataclass
class SyncReport:
    """What one sync pass did (for status, logs and ``posclient-admin sync``)."""

    pushed: int = 0
    applied: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    pulled: int = 0
    pages: int = 0
    #: Events HQ had acknowledged but no longer holds (restored from a backup), queued again.
    resent: int = 0
    position: int = 0
    pending: int = 0
    error: str | None = None
    retry_after: float | None = None
    snapshot_done: int | None = None
    snapshot_total: int | None = None
    #: Pages read and prepared in worker processes (a large first load: pagepool), counting
    #: any prepared ahead of the ones written when the pass ended.
    pages_in_workers: int = 0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k != "notes"}


#: run_until_idle adds these up over its passes and keeps the last pass's value of the others.
_SUMMED = (
    "pushed",
    "applied",
    "duplicates",
    "conflicts",
    "rejected",
    "pulled",
    "pages",
    "resent",
    "pages_in_workers",
)
_LATEST = ("position", "pending", "error", "retry_after")


def _version(member: dict[str, Any]) -> int:
    version = member.get("version")
    return version if isinstance(version, int) else -1


def _iso(text: str) -> str:
    """SQLite's naive-UTC datetime text → ISO 8601 with an explicit UTC offset."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC).isoformat()


class SyncEngine:
    """One till's sync with HQ. Call from one thread at a time (the sync worker)."""

    def __init__(
        self,
        db: Database,
        *,
        cipher: FieldCipher,
        secrets: SecretStore,
        client_factory: ClientFactory = default_client,
        batch_size: int = MAX_PUSH_BATCH,
        pull_limit: int = DEFAULT_PULL_LIMIT,
        snapshot_limit: int = MAX_PULL_LIMIT,
        snapshot_commit: int = 20_000,
        defer_index_from: int = 50_000,
        pool_from: int = 50_000,
        workers: int | None = None,
        on_page: Callable[[SyncReport], None] | None = None,
        now: Callable[[], datetime] | None = None,
    ):
        self.db = db
        self.cipher = cipher
        self.secrets = secrets
        self.client_factory = client_factory
        self.batch_size = batch_size
        self.pull_limit = pull_limit
        #: Page size asked for after a snapshot page (the first page of a pass asks for
        #: ``pull_limit``: small, so a new till sells soon). Larger pages cost fewer round trips,
        #: statements and commits per member: a first load of 100,000 members ran ~10 % faster
        #: with 5,000 than with 1,000 (alternating runs). Never below ``pull_limit``.
        self.snapshot_limit = max(snapshot_limit, pull_limit)
        #: Snapshot pages already fetched and prepared when one is written join its transaction,
        #: up to this many changes (each page still whole and with its cursor; the first page
        #: of a pass is committed alone, so a new till can sell early). Each commit syncs the
        #: WAL and rewrites every index page the transaction touched: a new till's random card
        #: and phone index entries touch nearly as many pages for 5,000 members as for 20,000.
        #: 1: one transaction per page.
        self.snapshot_commit = snapshot_commit
        #: A new till's first load of a snapshot of at least this many members sets the card and
        #: phone look-up index aside and builds it when the snapshot ends
        #: (feedapply.defer_identity_index). Smaller loads keep it: a look-up meanwhile stays
        #: indexed, and their random index writes cost little.
        self.defer_index_from = defer_index_from
        #: A snapshot of at least this many members is read and prepared in ``workers`` worker
        #: processes (pagepool; default: one per core, 2 to 4) while this thread writes. 0:
        #: never. First load of 100,000 members on 2 cores: see README "Speed".
        self.pool_from = pool_from
        self.workers = pagepool.worker_count() if workers is None else workers
        #: Called after each page is committed (pages committed together: one call each, after).
        self.on_page = on_page
        #: Called with True before the look-up index a first load set aside is built (seconds),
        #: and with False after (``_build_identity_index``).
        self.on_indexing: Callable[[bool], None] | None = None
        #: The pages being read ahead while a pass pulls (the last pass's after it).
        self.reading: _ReadAhead | None = None
        #: Phones written while this engine's first load set the look-up index aside.
        self._phones: phonetally.PhoneTally | None = None
        #: The till's clock (status "online" compares these stamps with the same clock).
        self.now = now or (lambda: datetime.now(UTC))
        self._client: HqClient | None = None
        self._client_key: tuple[str, str | None] | None = None
        self._push_thread: ThreadPoolExecutor | None = None

    # ------------------------------------------------------------------ wiring

    def _config(self) -> tuple[str, str, str | None]:
        with self.db.read() as session:
            values = settings.all_settings(session)
        return values.get("hq_url", ""), values.get("device_id", ""), self.secrets.get(TOKEN)

    def client(self) -> HqClient:
        url, _, token = self._config()
        if not url:
            raise SyncError("sync.not_paired")
        if not token:
            raise SyncError("sync.not_paired")
        key = (url, token)
        if self._client is None or self._client_key != key:
            if self._client is not None:
                self._client.close()
            self._client = self.client_factory(url, token)
            self._client_key = key
        return self._client

    def close(self) -> None:
        if self._push_thread is not None:
            self._push_thread.shutdown(wait=True)
            self._push_thread = None
        if self._client is not None:
            self._client.close()
            self._client = None

    # ------------------------------------------------------------------ one pass

    def sync_once(self) -> SyncReport:
        """Push everything pending, then pull until HQ's write checkpoint is reached. One pass
        at a time per data directory: while another runs, ``sync.busy`` and nothing done."""
        lock = applock.AppLock(self.db.path.parent, applock.SYNC_LOCK_NAME, busy="sync.busy")
        try:
            lock.acquire()
        except PosError as exc:
            report = self._report(error=exc.code)
            with self.db.read() as session:
                report.pending = _pending(session)
            return report
        try:
            return self._pass()
        finally:
            lock.release()

    def _catch_up_lost(self) -> int:
        """Before pushing anything new: if HQ no longer holds events it acknowledged (restored
        from a backup), put them back in the queue so they go first, in order: a sale must not
        reach HQ before the enrolment of its member. Asked only when events wait and some
        before them were acknowledged (one small request); a pull page says it too."""
        with self.db.read() as session:
            conn = fastpath.driver(session)
            first_waiting = conn.execute(_FIRST_WAITING).fetchone()[0]
            if first_waiting is None:
                return 0
            acked = conn.execute(_NEWEST_ACKED_BELOW, (first_waiting,)).fetchone()[0]
        if acked is None:
            return 0
        held = self.client().position()
        if held is None or held >= acked:
            return 0
        with UnitOfWork(self.db) as uow:
            count = requeue_lost(uow.session, held)
            uow.commit()
        return count

    def _report(self, error: str | None = None) -> SyncReport:
        """A new pass's report, saying where the feed stands even if it pulls nothing."""
        report = SyncReport(error=error)
        with self.db.read() as session:
            held = settings.get(session, "pull_position") or ""
            report.position = int(held) if held.isascii() and held.isdigit() else 0
        return report

    def _pass(self) -> SyncReport:
        report = self._report()
        started = self._mark("last_sync_attempt")
        try:
            report.resent += self._catch_up_lost()
            checkpoint = self.push_all(report)
            self.pull_all(report, until=checkpoint)
            # Everything HQ held when the pass began is on this till now: every cached
            # member's confirmed balance is at least that recent (offline caps look at it).
            self._mark(members.FEED_CURRENT_AT, at=started)
        except SyncError as exc:
            report.error = exc.code
            report.retry_after = exc.retry_after
            with UnitOfWork(self.db) as uow:
                settings.put(uow.session, "last_sync_failed", self.now().isoformat())
                if exc.code == "sync.unauthorized":
                    settings.put(uow.session, "auth_failed", "1")
                uow.commit()
            log.info("sync pass stopped", extra={"code": exc.code})
        else:
            self._mark("last_sync_ok", also_clear="auth_failed")
        with self.db.read() as session:
            report.pending = _pending(session)
        return report

    def _mark(
        self, key: str, also_clear: str | None = None, *, at: datetime | None = None
    ) -> datetime:
        moment = at or self.now()
        with UnitOfWork(self.db) as uow:
            settings.put(uow.session, key, moment.isoformat())
            if also_clear:
                settings.put(uow.session, also_clear, "")
            uow.commit()
        return moment

    def run_until_idle(
        self, *, deadline_s: float = 60.0, sleep: Callable[[float], None] = time.sleep
    ) -> SyncReport:
        """Sync, retrying with backoff, until nothing is pending and the feed is drained."""
        backoff = Backoff(base=0.25, cap=5.0)
        total = SyncReport()
        end = time.monotonic() + deadline_s
        while True:
            report = self.sync_once()
            for name in _SUMMED:
                setattr(total, name, getattr(total, name) + getattr(report, name))
            for name in _LATEST:
                setattr(total, name, getattr(report, name))
            if report.snapshot_total is not None:  # a pass that loaded (part of) a snapshot
                total.snapshot_done, total.snapshot_total = (
                    report.snapshot_done,
                    report.snapshot_total,
                )
            total.notes.extend(report.notes)
            if report.error is None and report.pending == 0:
                return total
            if report.error in ("sync.unauthorized", "sync.not_paired"):
                return total
            if time.monotonic() >= end:
                return total
            if report.error is None:
                backoff.reset()
                continue
            delay = report.retry_after or backoff.next_delay()
            left = end - time.monotonic()
            if report.retry_after is not None and delay > left:
                return total  # HQ asked for more time than is left: stop, do not knock early
            sleep(min(delay, max(0.0, left)))

    # ------------------------------------------------------------------ push

    def push_all(self, report: SyncReport) -> int:
        """Push pending events until none are left; returns the highest write checkpoint.

        Requests go one after another, in order, each only after the one before was answered
        (HQ applies a device's events in seq order), but the till's own work overlaps HQ's:
        while HQ applies batch N+1, the till settles batch N and reads and encodes batch N+2,
        which goes out the moment N+1's answer has been read (a long offline queue drains
        about as fast as HQ alone can apply it).
        """
        checkpoint = 0
        batch = self._next_batch()
        if not batch:
            return 0
        _, device_id, _ = self._config()
        client = self.client()
        sending = self._send(client, device_id, self._bodies(batch, device_id))
        ahead = self._next_batch(after=batch)
        ahead_bodies = self._bodies(ahead, device_id)
        while True:
            try:
                response = sending.result()
            except SyncError as exc:
                if exc.code == "sync.request_refused" and exc.params.get("status") in (413, 422):
                    checkpoint = max(checkpoint, self._split(batch, report, exc))
                    response = None
                else:
                    self._note_attempt(batch, exc.code)
                    raise
            following = ahead
            if following:
                sending = self._send(client, device_id, ahead_bodies)
            try:
                if response is not None:
                    checkpoint = max(checkpoint, self._settle(batch, response, report))
                ahead = self._next_batch(after=following) if following else []
                ahead_bodies = self._bodies(ahead, device_id)
            except BaseException:
                if following:
                    # Already sent: HQ may apply it; its answer comes again as "duplicate".
                    with contextlib.suppress(Exception):
                        sending.result()
                raise
            if not following:
                return checkpoint
            batch = following

    def _bodies(self, batch: list[OutboxEvent], device_id: str) -> list[str]:
        return [self._event_json(event, device_id) for event in batch]

    def _send(self, client: HqClient, device_id: str, bodies: list[str]) -> Future[PushResponse]:
        """Start pushing ``bodies`` on the push thread (HTTP and parsing only, no database)."""
        if self._push_thread is None:
            self._push_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="push-http")
        return self._push_thread.submit(client.push_raw, device_id, bodies)

    def _next_batch(self, after: list[OutboxEvent] | None = None) -> list[OutboxEvent]:
        """The next pending events to push: the lowest priority value first, in seq order.

        ``after``: a batch still on its way (its events are pending until settled), skipped.
        """
        pending = OutboxEvent.status == "pending"
        if after:
            last = after[-1]
            pending = pending & ~(
                (OutboxEvent.priority == last.priority) & (OutboxEvent.seq <= last.seq)
            )
        with self.db.read() as session:
            priority = session.scalar(
                select(OutboxEvent.priority).where(pending).order_by(OutboxEvent.priority).limit(1)
            )
            if priority is None:
                return []
            return list(
                session.scalars(
                    select(OutboxEvent)
                    .where(pending, OutboxEvent.priority == priority)
                    .order_by(OutboxEvent.seq)
                    .limit(self.batch_size)
                )
            )

    def _push_batch(self, batch: list[OutboxEvent], report: SyncReport) -> int:
        """Push one batch and settle it, waiting for the answer (halves of a refused batch)."""
        _, device_id, _ = self._config()
        client = self.client()
        bodies = [self._event_json(event, device_id) for event in batch]
        try:
            response = client.push_raw(device_id, bodies)
        except SyncError as exc:
            if exc.code == "sync.request_refused" and exc.params.get("status") in (413, 422):
                return self._split(batch, report, exc)
            self._note_attempt(batch, exc.code)
            raise
        return self._settle(batch, response, report)

    def _settle(self, batch: list[OutboxEvent], response: PushResponse, report: SyncReport) -> int:
        unanswered = self._apply_results(batch, response.results, response.write_checkpoint, report)
        report.pushed += len(batch)
        if unanswered:
            # HQ broke the protocol (every event gets an answer). Those events stay pending;
            # stop here rather than send them again at once, and let backoff space the retries.
            log.warning("HQ left events unanswered", extra={"events": unanswered})
            raise SyncError("sync.bad_response", call="/v1/sync/push")
        return response.write_checkpoint

    def _split(self, batch: list[OutboxEvent], report: SyncReport, exc: SyncError) -> int:
        """HQ refused the whole batch: find the bad event(s) by halving."""
        if len(batch) == 1:
            reason = str(exc.params.get("error") or "invalid")
            detail = str(exc.params.get("detail") or "")
            result = EventResult(
                event_id=batch[0].event_id,
                status=ResultStatus.REJECTED,
                reason=reason,
                detail=detail[:200],
            )
            self._apply_results(batch, [result], 0, report)
            return 0
        middle = len(batch) // 2
        first = self._push_batch(batch[:middle], report)
        return max(first, self._push_batch(batch[middle:], report))

    def _event_json(self, event: OutboxEvent, device_id: str) -> str:
        head = {
            "event_id": event.event_id,
            "device_id": device_id,
            "seq": event.seq,
            "hlc": event.hlc,
            "occurred_at": event.occurred_at.isoformat(),
            "type": event.type,
            "base": event.base or {},
            "payload_sha256": event.payload_sha256,
            "prev_hash": event.prev_hash,
        }
        text = json.dumps(head, ensure_ascii=False)
        return text[:-1] + ',"payload":' + outbox.payload_text(self.cipher, event) + "}"

    def _note_attempt(self, batch: list[OutboxEvent], code: str) -> None:
        seqs = [event.seq for event in batch]
        with UnitOfWork(self.db) as uow:
            uow.session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.seq.in_(seqs), OutboxEvent.status == "pending")
                .values(attempts=OutboxEvent.attempts + 1, last_error=code[:200])
            )
            uow.commit()

    def _apply_results(
        self,
        batch: list[OutboxEvent],
        results: list[EventResult],
        checkpoint: int,
        report: SyncReport,
    ) -> int:
        """Settle the events HQ answered; returns how many it left unanswered."""
        by_id = {str(result.event_id): result for result in results}
        now = self.now()
        with UnitOfWork(self.db) as uow:
            session = uow.session
            # One SELECT and one executemany UPDATE for the batch, not a SELECT and an UPDATE
            # per event: draining a long offline queue spent most of its time here.
            pending = set(
                session.scalars(
                    select(OutboxEvent.seq).where(
                        OutboxEvent.seq.in_([event.seq for event in batch]),
                        OutboxEvent.status == "pending",
                    )
                )
            )
            answers: list[dict[str, Any]] = []
            unanswered: list[int] = []
            conflicted: list[tuple[int, EventResult]] = []
            for event in batch:
                if event.seq not in pending:
                    continue
                result = by_id.get(event.event_id)
                if result is None:  # HQ did not answer for it: stays pending, goes again
                    unanswered.append(event.seq)
                    continue
                status = result.status.value
                # HQ's state (personal data) is applied to the encrypted cache and the losing
                # values sealed in the conflicts inbox: neither is kept here in plain text.
                answers.append(
                    {
                        "seq": event.seq,
                        "status": status,
                        "result": result.model_dump(
                            mode="json", exclude_none=True, exclude={"state", "losing"}
                        ),
                        "acked_checkpoint": checkpoint,
                        "acked_at": now,
                        "last_error": result.reason,
                    }
                )
                if status == "applied":
                    report.applied += 1
                elif status == "duplicate":
                    report.duplicates += 1
                    if result.original_status is ResultStatus.CONFLICT:
                        # HQ's first answer was lost on the way (its stored answer comes back):
                        # the outcome still goes to the inbox, and HQ's state to the cache.
                        conflicted.append((event.seq, result))
                elif status == "conflict":
                    report.conflicts += 1
                    conflicted.append((event.seq, result))
                else:
                    report.rejected += 1
                    log.warning(
                        "event rejected by HQ",
                        extra={"seq": event.seq, "type": event.type, "reason": result.reason},
                    )
            if answers:
                session.execute(update(OutboxEvent), answers)  # bulk UPDATE by primary key
            if unanswered:
                session.execute(
                    update(OutboxEvent)
                    .where(OutboxEvent.seq.in_(unanswered))
                    .values(attempts=OutboxEvent.attempts + 1, last_error="no_result")
                )
            if conflicted:
                by_seq = {event.seq: event for event in batch}
                self._conflicts(session, [(by_seq[seq], result) for seq, result in conflicted], now)
            settings.put(session, "last_contact", now.isoformat())  # HQ answered this batch
            uow.commit()
        return len(unanswered)

    def _conflicts(
        self, session: Session, answered: list[tuple[OutboxEvent, EventResult]], now: datetime
    ) -> None:
        """Apply HQ's authoritative states and keep each outcome for the conflicts inbox.

        HQ sends each member's state with the last of its conflicts in a batch (older HQs with
        every one): a member is written once, at the newest state sent (highest version).
        """
        newest: dict[str, dict[str, Any]] = {}
        for _, result in answered:
            member = (result.state or {}).get("member")
            if isinstance(member, dict):
                key = str(member.get("member_id"))
                held = newest.get(key)
                if held is None or _version(member) >= _version(held):
                    newest[key] = member
        if newest:
            feedapply.put_members(
                fastpath.driver(session), self.cipher, list(newest.values()), datetime.now(UTC)
            )
        for row, result in answered:
            member = (result.state or {}).get("member")
            payload = json.loads(outbox.payload_text(self.cipher, row))
            member_id: str | None = None
            card_no = None
            if isinstance(member, dict):
                member_id = str(member.get("member_id"))
            else:  # HQ sends a member's state once per batch: the event names the member
                member_id = payload.get("member_id")
                # A card sold to before the till knew it: the inbox names the member by it.
                card_no = payload.get("provisional_card_no")
            detail = {
                "type": row.type,
                "detail": result.detail,
                "losing": conflicts.seal_losing(self.cipher, row.event_id, result.losing),
                "occurred_at": row.occurred_at.isoformat(),
            }
            if card_no:
                detail["card_no"] = card_no
            # What the manager finds the sale by (no personal data): receipt, coupon, points.
            for key in ("receipt_no", "coupon_code", "points_redeemed"):
                if payload.get(key):
                    detail[key] = payload[key]
            for kind, filed in _inbox_kinds(result, detail):
                if session.scalar(  # filed already: HQ answered it again (resent after a restore)
                    select(ConflictRow.id).where(
                        ConflictRow.event_id == row.event_id, ConflictRow.kind == kind
                    )
                ):
                    continue
                session.add(
                    ConflictRow(
                        event_id=row.event_id,
                        kind=kind,
                        member_id=member_id,
                        detail=filed,
                        created_at=now,
                    )
                )

    # ------------------------------------------------------------------ pull

    def pull_all(self, report: SyncReport, *, until: int = 0) -> None:
        """Pull pages until the feed is drained and ``until`` (a write checkpoint) is reached.

        Pages are written here, in order, each whole and with its cursor in one transaction
        (snapshot pages that arrive back to back may share one: ``snapshot_commit``). Meanwhile
        the next page is checked and prepared (personal fields sealed) on a helper thread, and
        the one after it is already being built by HQ (its cursor is in the page before). Only
        what is written counts: a page fetched ahead and never written is dropped, and after a
        crash the till resumes from the last written page.
        """
        client = self.client()
        with (
            _ReadAhead(
                client,
                self.cipher,
                self.pull_limit,
                self.snapshot_limit,
                pool_from=self.pool_from,
                workers=self.workers,
            ) as ahead,
            _pull_tuning,
            _SnapshotWrites(self.db) as writes,
        ):
            self.reading = ahead
            cursor = self._cursor()
            pending = ahead.start(cursor)
            while True:
                try:
                    page, prepared, after = pending.result()
                except ValidationError as exc:  # an entity in the page HQ sent is malformed
                    raise _bad_page(exc) from exc
                except SyncError as exc:
                    gone = exc.code == "sync.cursor_gone"
                    unknown = exc.code == "sync.request_refused" and exc.params.get("error") == (
                        "invalid_cursor"
                    )
                    if not (gone or unknown) or not cursor:
                        raise
                    log.info("cursor refused by HQ: new snapshot", extra={"code": exc.code})
                    self._reset_cursor()
                    cursor = ""
                    pending = ahead.start(cursor)
                    continue
                if after is not None:  # has_more: HQ is already building the next page
                    pending = ahead.follow(after)
                if feedapply.wants_identity_index(page, prepared):
                    self._build_identity_index()
                pages = [page]
                with UnitOfWork(self.db) as uow:
                    report.resent += self._write_page(uow.session, page, prepared, writes)
                    size = page.count
                    # Snapshot pages that are ready go in the same transaction (see __init__).
                    while (
                        report.pages + len(pages) > 1  # the first page of a pass: alone
                        and page.snapshot
                        and after is not None
                        and size < self.snapshot_commit
                        and _ready(pending)
                        # ...but not one that needs the look-up index built first (above).
                        and not feedapply.wants_identity_index(*pending.result()[:2])
                    ):
                        page, prepared, after = pending.result()
                        if after is not None:
                            pending = ahead.follow(after)
                        report.resent += self._write_page(uow.session, page, prepared, writes)
                        pages.append(page)
                        size += page.count
                    uow.commit()
                if writes is not None and pages[0].snapshot:
                    writes.committed()
                report.pages_in_workers = ahead.in_workers
                for done in pages:
                    report.pulled += done.count
                    report.position = done.position
                    if done.snapshot:  # the feed pages after a snapshot keep its figures
                        report.snapshot_done = done.snapshot_done
                        report.snapshot_total = done.snapshot_total
                    report.pages += 1
                    if self.on_page is not None:
                        self.on_page(report)
                cursor = page.next_cursor
                if not page.has_more and page.position >= until:
                    return
                if not page.has_more and not page.count:
                    # HQ has nothing more yet; the checkpoint will show up on the next pass.
                    return
                if after is None:
                    pending = ahead.start(cursor)

    def _cursor(self) -> str:
        with self.db.read() as session:
            return settings.get(session, "pull_cursor", "") or ""

    def _reset_cursor(self) -> None:
        self._build_identity_index()  # a new snapshot starts from a till with its index
        with UnitOfWork(self.db) as uow:
            settings.put(uow.session, "pull_cursor", "")
            settings.put(uow.session, "snapshot_started", self.now().isoformat())
            feedapply.start_unseen(fastpath.driver(uow.session))
            uow.commit()

    def _build_identity_index(self) -> None:
        """Build the card/phone look-up index a first load set aside, so that a sale waits for
        the write lock one step at most, not the whole build (10⁶ members: ~3 s a step).

        The unique index in a transaction of its own. If some card or phone is held twice (the
        demo chain's 10⁶ members share one phone) that fails, and the entries held twice are
        found in a read (sales go on meanwhile); the older ones are dropped and the index built
        in one more transaction, with anything claimed twice in between.
        """
        with self.db.read() as session:
            if not feedapply.identity_index_deferred(fastpath.driver(session)):
                return
        if self.on_indexing is not None:
            self.on_indexing(True)
        try:
            # A sale meanwhile waits for a step to end, however long, instead of failing busy.
            with self.db.long_write():
                self._build_identity_index_steps()
        finally:
            if self.on_indexing is not None:
                self.on_indexing(False)

    def _build_identity_index_steps(self) -> None:
        # Phones this load wrote twice (phonetally): the older entries go first, so the build
        # usually succeeds at once. Held twice otherwise: the long way, below.
        phones, self._phones = self._phones, None
        repeated = phones.repeated() if phones is not None else None
        held_twice: list[tuple[str, str, int]] = []
        if repeated:
            with self.db.read() as session:
                held_twice = phonetally.held_twice(fastpath.driver(session), repeated)
        with UnitOfWork(self.db) as uow:
            feedapply.drop_superseded_identities(fastpath.driver(uow.session), held_twice)
            built = feedapply.create_identity_index(fastpath.driver(uow.session))
            uow.commit()
        if built:
            return
        with self.db.read() as session:
            held_twice = feedapply.held_twice_identities(fastpath.driver(session))
        with UnitOfWork(self.db) as uow:
            feedapply.drop_superseded_identities(fastpath.driver(uow.session), held_twice)
            feedapply.restore_identity_index(fastpath.driver(uow.session))
            uow.commit()

    def _write_page(
        self,
        session: Session,
        page: PullResponse,
        prepared: feedapply.Prepared,
        writes: _SnapshotWrites | None = None,
    ) -> int:
        """A page of changes and its cursor, in the caller's transaction. Returns how many
        acknowledged events went back in the queue because HQ no longer holds them."""
        conn = fastpath.driver(session)
        if writes is not None:
            writes.tune(conn, snapshot=page.snapshot)
        # A feed page finds the look-up index built (pull_all builds it before such a page).
        if page.snapshot and self._first_large_load(session, page):
            feedapply.defer_identity_index(conn)
            self._phones = phonetally.PhoneTally()
        try:
            feedapply.apply_prepared(session, prepared)
        except ValidationError as exc:  # checked as it is written: nothing of it stays
            raise _bad_page(exc) from exc
        if page.snapshot and self._phones is not None:
            self._phones.add(prepared)
        if feedapply.settle_unknown_members(fastpath.driver(session), prepared, self.now()):
            log.info("held sales' members arrived from HQ: their inbox entries settled")
        settings.put(session, "pull_cursor", page.next_cursor)
        settings.put(session, "pull_position", str(page.position))
        settings.put(session, "last_contact", self.now().isoformat())  # HQ is answering
        # Events HQ lost go back in the queue first: an enrolment among them keeps its member.
        resent = 0 if page.device_seq is None else requeue_lost(session, page.device_seq)
        if page.snapshot:
            settings.put(session, "snapshot_in_progress", "1")
            feedapply.seen(fastpath.driver(session), prepared)
        elif settings.get(session, "snapshot_in_progress") == "1":
            settings.put(session, "snapshot_in_progress", "")
            settings.put(session, "first_load_done", self.now().isoformat())
            # Members put by this first feed page exist at HQ, though the snapshot lacked them.
            feedapply.seen(fastpath.driver(session), prepared)
            dropped = feedapply.drop_unseen(fastpath.driver(session), keep=self._enrolling(session))
            if dropped:
                log.info("members gone at HQ dropped after a new snapshot", extra={"n": dropped})
        confirm_ledger(session, page.position)
        return resent

    def _first_large_load(self, session: Session, page: PullResponse) -> bool:
        """The first page of a large snapshot, on a till holding no member from HQ yet."""
        if (page.snapshot_total or 0) < self.defer_index_from:
            return False
        if settings.get(session, "snapshot_in_progress") == "1":
            return False  # decided at its first page (a re-snapshot begun mid-way: no)
        cached = fastpath.driver(session).execute(
            "SELECT 1 FROM members WHERE synced_at IS NOT NULL LIMIT 1"
        )
        return cached.fetchone() is None

    def _enrolling(self, session: Session) -> list[str]:
        """Members whose enrolment is still on its way to HQ (new, or sent again because HQ
        lost it): a snapshot without them does not mean they are gone."""
        rows = session.scalars(
            select(OutboxEvent).where(
                OutboxEvent.status == "pending",
                OutboxEvent.type == EventType.MEMBER_ENROLLED.value,
            )
        )
        return [json.loads(outbox.payload_text(self.cipher, row))["member_id"] for row in rows]


def _inbox_kinds(result: EventResult, detail: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The inbox items (kind, detail) for a conflict: its headline reason, and each further
    reason HQ gave (an overdraft behind a coupon already used, say: QA 10 found it shown only
    in the English detail text). Routine corrections are logged, not filed."""
    headline = result.reason or "conflict"
    items: list[tuple[str, dict[str, Any]]] = []
    if headline in conflicts.ROUTINE_KINDS:
        log.info("HQ corrected an event", extra={"reason": headline})
    elif any(name in conflicts.PROFILE_FIELDS for name in result.losing or {}):
        # Values of this till's that lost: a decision for an assistant, shown only to staff
        # who may open the member, whichever reason HQ named first.
        items.append(("profile_conflict", {**detail, "reason": headline}))
    else:
        items.append((headline, detail))
    for extra in result.reasons or ():
        known = {kind for kind, _ in items} | {headline}
        if extra in known or extra in conflicts.ROUTINE_KINDS or extra in conflicts.PROFILE_KINDS:
            continue
        items.append((extra, {**detail, "headline": headline}))
    return items


def _ready(future: Future[Any]) -> bool:
    """The future is done and has a result (taking it neither waits nor raises)."""
    return future.done() and not future.cancelled() and future.exception() is None


def _bad_page(exc: ValidationError) -> SyncError:
    """A pull page with a malformed entity (a coupon, product, tier, …): refused as a whole, like
    a page that is not a page (members alone are skipped one by one, feedapply.validate_members).
    """
    log.warning("malformed entity in a pull page", extra={"errors": exc.error_count()})
    return SyncError("sync.bad_response", call="/v1/sync/pull")


#: A page checked and prepared for its transaction, and the request for the page after it.
_Ready = tuple[PullResponse, feedapply.Prepared, "Future[httpx.Response] | None"]


class _ReadAhead:
    """Fetches and prepares the pages after the one being written (helper threads).

    ``start(cursor)`` asks HQ for a page; its future gives (page, prepared rows, the request for
    the next page if there is one), and ``follow(request)`` continues with that next page. The
    request for page N+2 leaves as soon as page N+1 is checked (its cursor is in it), so HQ
    builds it while the till prepares N+1 and writes N. Nothing here touches the database.

    A large snapshot (``pool_from`` members or more) is read and prepared in worker processes
    (pagepool) once they are up: then the request for page N+1 leaves as soon as page N's
    bytes are in (its cursor found in them, checked when the page is read), and the pages
    after it are prepared side by side, ``workers`` at a time, a few ahead of the writer.
    """

    def __init__(
        self,
        client: HqClient,
        cipher: FieldCipher,
        limit: int,
        snapshot_limit: int,
        *,
        pool_from: int = 0,
        workers: int = 0,
    ):
        self.client, self.cipher = client, cipher
        self.limit, self.snapshot_limit = limit, snapshot_limit
        self.pool_from, self.workers = pool_from, workers
        self._http = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pull-http")
        # One thread per page being prepared: with worker processes they mostly wait.
        self._work = ThreadPoolExecutor(max_workers=1 + workers, thread_name_prefix="pull-prepare")
        self._lock = threading.Lock()
        self._futures: list[Future[Any]] = []
        self._closed = False
        self._pool: pagepool.PagePool | None = None
        #: Pages already being prepared, by the request they follow (see ``follow``).
        self._chained: dict[Future[httpx.Response], Future[_Ready]] = {}
        #: Pages prepared ahead of the writer at most (each holds ~10-20 MB).
        self._ahead = threading.BoundedSemaphore(max(1, workers))
        self._dropped: weakref.WeakSet[Future[httpx.Response]] = weakref.WeakSet()
        #: Pages a worker process read and prepared so far.
        self.in_workers = 0

    def __enter__(self) -> _ReadAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        # Stopped (done, error or crash of the pass): ask for nothing more, let what is in
        # flight end, and drop it.
        with self._lock:
            self._closed = True
            futures = list(self._futures)
        for future in futures:
            future.cancel()
        if self._pool is not None:  # fixed by now: none is started once _closed is set
            self._pool.close()  # its queued jobs cancelled: the prepare threads return
        for future in futures:
            with contextlib.suppress(BaseException):
                future.result()
        self._http.shutdown(wait=True)
        self._work.shutdown(wait=True)

    def workers_ready(self) -> bool:
        """Worker processes are up and reading pages (a large first load)."""
        return self._pool is not None and self._pool.ready()

    def start(self, cursor: str) -> Future[_Ready]:
        return self.follow(self._request(cursor, self.limit))

    def follow(self, request: Future[httpx.Response]) -> Future[_Ready]:
        with self._lock:
            chained = self._chained.pop(request, None)
        if chained is not None:
            self._ahead.release()
            return chained
        return self._track(self._work.submit(self._prepare, request))

    def _request(self, cursor: str, limit: int) -> Future[httpx.Response]:
        return self._track(self._http.submit(self.client.fetch_pull, cursor, limit))

    def _track(self, future: Future[Any]) -> Future[Any]:
        with self._lock:  # the prepare thread adds requests too
            if self._closed:  # asked for while the pass was stopping: not needed
                future.cancel()
            self._futures = [f for f in self._futures if not f.done()]
            self._futures.append(future)
        return future

    def _prepare(self, request: Future[httpx.Response]) -> _Ready:
        response = request.result()
        if request in self._dropped:  # asked for on a wrong guess (_prepare_in_pool)
            raise CancelledError()
        if self._pool is not None and self._pool.ready():
            return self._prepare_in_pool(response)
        page, prepared = self._read_here(response)
        after = self._next(page)
        self._start_pool(page)
        return page, prepared, after

    def _read_here(self, response: httpx.Response) -> tuple[PullResponse, feedapply.Prepared]:
        """The page read and prepared in this process (without workers, or one they refused)."""
        page = self.client.read_pull(response)
        return page, feedapply.prepare_page(self.cipher, page, datetime.now(UTC))

    def _start_pool(self, page: PullResponse) -> None:
        """Worker processes for a large snapshot (they start while pages go on here)."""
        large = page.snapshot and (page.snapshot_total or 0) >= self.pool_from > 0
        if not large or not page.has_more or self.workers < 1 or self._closed:
            return
        with self._lock:  # __exit__ sets _closed under it: no pool is started after that
            if self._pool is None and not self._closed:
                self._pool = pagepool.start_pool(self.cipher, self.workers)
                if self._pool is None:
                    self.workers = 0

    def _prepare_in_pool(self, response: httpx.Response) -> _Ready:
        """Page N in a worker process; page N+1 asked for meanwhile (its cursor guessed from
        N's bytes) and, if few pages wait for the writer, handed to the next worker."""
        assert self._pool is not None
        guess = pagepool.next_cursor_in(response.content)
        after = None
        if guess is not None and not self._closed:
            after = self._request(guess, self.snapshot_limit)
        job = self._pool.submit(response.content, datetime.now(UTC))
        if after is not None and self._ahead.acquire(blocking=False):
            chained = self._track(self._work.submit(self._prepare, after))
            with self._lock:
                self._chained[after] = chained
        done = self._pool.result(job)
        if self._closed:
            raise CancelledError()
        if done is None:  # not a page a worker reads: here, as without workers
            page, prepared = self._read_here(response)
        else:
            page, prepared = done
            with self._lock:
                self.in_workers += 1
        if after is not None and not (
            page.snapshot and page.has_more and page.next_cursor == guess
        ):
            self._drop(after)  # the guess was wrong (or no next snapshot page)
            after = None
        return page, prepared, after if after is not None else self._next(page)

    def _next(self, page: PullResponse) -> Future[httpx.Response] | None:
        """The request for the page after ``page``, if there is one."""
        if not page.has_more or self._closed:
            return None
        return self._request(page.next_cursor, self.snapshot_limit if page.snapshot else self.limit)

    def _drop(self, request: Future[httpx.Response]) -> None:
        request.cancel()
        with self._lock:
            self._dropped.add(request)
            chained = self._chained.pop(request, None)
        if chained is not None:
            self._ahead.release()
            chained.cancel()


class _PullTuning:
    """Interpreter settings while pages are pulled (``with _pull_tuning:``); process-wide, so
    counted, and restored when the last pull ends.

    * Rarer cyclic garbage collections. Checking a page allocates ~50 containers per member, all
      freed by reference counting when the page is written. With the default thresholds that
      many allocations start a full collection every ~1,400 members, each walking every live
      object: a third of the time of a first load. At 50,000 a 100k-member load still spent
      ~1 s in young-generation collections (each walks the page being checked, which is still
      alive: ~5 per page); at 500,000 it is ~0.1 s. Only cyclic garbage waits longer (the pages
      themselves have no cycles).
    * A shorter GIL switch interval (1 ms instead of 5). The writing thread lets go of the GIL
      for every SQLite statement and commit, and the HTTP thread for every read from the
      socket; each time it wants it back it waits until the thread preparing the next page
      (pure Python, never blocking) is made to yield, up to the whole interval. A page takes a
      few dozen such hand-overs. First load of 100,000 members, 4 alternating runs each:
      16.1k/s at 5 ms, 17.6k/s at 1 ms, 17.7k/s at 0.5 ms.
    """

    GC_THRESHOLD = pagepool.GC_THRESHOLD
    SWITCH_INTERVAL_S = 0.001

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._saved_gc = gc.get_threshold()
        self._saved_switch = sys.getswitchinterval()

    def __enter__(self) -> None:
        with self._lock:
            if self._users == 0:
                self._saved_gc = gc.get_threshold()
                self._saved_switch = sys.getswitchinterval()
                gc.set_threshold(max(self._saved_gc[0], self.GC_THRESHOLD), *self._saved_gc[1:])
                sys.setswitchinterval(min(self._saved_switch, self.SWITCH_INTERVAL_S))
            self._users += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0:
                gc.set_threshold(*self._saved_gc)
                sys.setswitchinterval(self._saved_switch)


_pull_tuning = _PullTuning()


class _SnapshotWrites:
    """SQLite settings for the pages of a snapshot (a new till's first load), and a helper
    thread that copies the WAL into the database file beside them.

    A snapshot page writes ~5,000 members: with the default 2 MB page cache the random inserts
    into the card and phone index (10⁶ members: ~100 MB of it) read and spill pages over and
    over, and every commit crosses ``wal_autocheckpoint``, so the writer also copied the whole
    WAL into the database file (and synced it) before it could go on. During a snapshot the
    writing connection gets a larger cache and only a backstop autocheckpoint, and a PASSIVE
    checkpoint runs on a connection of its own right after each commit, while the next page is
    being written (it never blocks the writer; SQLite starts the WAL over once it caught up).
    A commit stays durable as before (``synchronous=FULL`` syncs the WAL). Feed pages put the
    connection back to SQLite's defaults.
    """

    CACHE_KIB = 256 * 1024
    BACKSTOP_PAGES = 32_768  # 128 MB of WAL: then the writer finishes the copy and restarts it
    DEFAULT_CACHE = -2000  # SQLite's defaults
    DEFAULT_AUTOCHECKPOINT = 1000

    def __init__(self, db: Database):
        self.path = db.path
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None

    def __enter__(self) -> _SnapshotWrites:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread is not None:
            self._stop = True
            self._wake.set()
            self._thread.join(60)
            self._thread = None

    def tune(self, conn: sqlite3.Connection, *, snapshot: bool) -> None:
        """Settings for the page about to be written on ``conn`` (inside its transaction).

        Connections are pooled and a pass may stop half-way through a snapshot, so a feed page
        checks the connection it got (one PRAGMA read) rather than trusting bookkeeping here.
        """
        cache = int(conn.execute("PRAGMA cache_size").fetchone()[0])
        if snapshot:
            if cache != -self.CACHE_KIB:
                conn.execute(f"PRAGMA cache_size=-{self.CACHE_KIB}")
                conn.execute(f"PRAGMA wal_autocheckpoint={self.BACKSTOP_PAGES}")
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="snapshot-checkpoint", daemon=True
                )
                self._thread.start()
        elif cache == -self.CACHE_KIB:
            conn.execute(f"PRAGMA cache_size={self.DEFAULT_CACHE}")
            conn.execute(f"PRAGMA wal_autocheckpoint={self.DEFAULT_AUTOCHECKPOINT}")

    def committed(self) -> None:
        """A snapshot page was committed: copy its WAL frames while the next one is written."""
        self._wake.set()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            log.warning("snapshot checkpoint helper not started: %s", exc)
            return
        try:
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=1000")
            while True:
                self._wake.wait()
                self._wake.clear()
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error as exc:  # busy, …: the next commit tries again
                    log.info("snapshot checkpoint skipped: %s", exc)
                if self._stop:
                    return
        finally:
            conn.close()


#: Walks the partial index of unconfirmed entries (schema 0004), each checked against its outbox
#: row by primary key: the work is the entries still waiting, not the till's history.
CONFIRM_LEDGER = (
    "UPDATE points_ledger SET confirmed = 1 WHERE confirmed = 0 AND EXISTS ("
    "SELECT 1 FROM outbox WHERE outbox.seq = points_ledger.event_seq "
    "AND outbox.acked_checkpoint <= ?)"
)


#: Acknowledged events above HQ's chain head for this till and below the first event still
#: waiting: HQ answered for them and no longer holds them. (Events above the first waiting one
#: are there by design: a consent withdrawal jumps the queue and HQ's chain reaches it when the
#: events before it arrive.)
#: HQ's answers that mean it took an event (not 'rejected'): what a restored HQ may have lost.
ACKNOWLEDGED = ("applied", "duplicate", "conflict")
_ACKNOWLEDGED_SQL = "(" + ", ".join(f"'{status}'" for status in ACKNOWLEDGED) + ")"
_LOST = f"seq > ? AND seq < ? AND status IN {_ACKNOWLEDGED_SQL}"
_FIRST_WAITING = "SELECT min(seq) FROM outbox WHERE status = 'pending'"
#: "+status": walk back by seq (the rowid) and stop at the first acknowledged event, not
#: through every answered event in the status index (the outbox keeps them all).
_NEWEST_ACKED_BELOW = (
    "SELECT max(seq) FROM (SELECT seq FROM outbox WHERE seq < ? "
    f"AND +status IN {_ACKNOWLEDGED_SQL} ORDER BY seq DESC LIMIT 1)"
)
_UNCONFIRM_LOST = (
    "UPDATE points_ledger SET confirmed = 0 WHERE confirmed = 1 AND event_seq IN "
    f"(SELECT seq FROM outbox WHERE {_LOST})"
)
_REQUEUE_LOST = (
    "UPDATE outbox SET status = 'pending', attempts = 0, result = NULL, acked_checkpoint = NULL,"
    f" acked_at = NULL, last_error = NULL WHERE {_LOST}"
)


def requeue_lost(session: Session, device_seq: int) -> int:
    """Put back in the queue the events HQ acknowledged but no longer holds (``device_seq``: the
    newest of this till's events in HQ's chain, from a pull page), e.g. after HQ was restored
    from a backup. Their points count as unsynced again until HQ answers once more; HQ takes
    each event once whatever it is sent (event ids), so an event sent again that HQ does hold
    comes back a duplicate. Returns how many."""
    conn = fastpath.driver(session)
    first_waiting = conn.execute(_FIRST_WAITING).fetchone()[0]
    bounds = (device_seq, first_waiting if first_waiting is not None else 2**63 - 1)
    conn.execute(_UNCONFIRM_LOST, bounds)
    count = conn.execute(_REQUEUE_LOST, bounds).rowcount
    if count:
        log.warning(
            "HQ no longer holds events it acknowledged (restored from a backup?): sending again",
            extra={"events": count, "hq_device_seq": device_seq},
        )
    return count


def confirm_ledger(session: Session, position: int) -> None:
    """Local ledger entries whose event HQ answered by ``position`` are now in HQ's state."""
    fastpath.driver(session).execute(CONFIRM_LEDGER, (position,))


def _pending(session: Session) -> int:
    from . import outbox

    return outbox.pending_count(session)
