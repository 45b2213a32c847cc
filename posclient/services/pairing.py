"""Pairing a till with HQ: a one-time code becomes a device token kept only in the keyring."""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from posclient.domain.errors import PosError
from posclient.security.secrets import SecretStore
from posclient.store.db import Database
from posclient.store.models import OutboxEvent
from posclient.store.uow import UnitOfWork
from posclient.sync.protocol import MAX_CHAIN_MARKS, ChainMark

from . import applock, settings
from .sync import ACKNOWLEDGED, TOKEN, ClientFactory, default_client, requeue_lost

log = logging.getLogger("posclient.sync")


@dataclass(frozen=True)
class Paired:
    device_id: str
    device_no: int
    store: str
    chain: str
    hq_url: str
    secrets_backend: str
    #: Paired before with another store: that store, and how many events made there were still
    #: waiting (HQ books them to the store the till is paired with now).
    previous_store: str = ""
    moved_pending: int = 0
    #: Events HQ had acknowledged and no longer holds (restored from a backup): queued again.
    resent: int = 0


def chain_position(session: Session) -> tuple[int, str | None]:
    """Where this till's event chain stands for HQ: the seq its next push follows and the hash
    that push links to (0, None: no event yet). A till paired again (its token revoked) sends
    this, so HQ continues the chain instead of flagging a gap."""
    first_pending = session.execute(
        select(OutboxEvent.seq, OutboxEvent.prev_hash)
        .where(OutboxEvent.status == "pending")
        .order_by(OutboxEvent.seq)
        .limit(1)
    ).first()
    if first_pending is not None:
        return first_pending.seq - 1, first_pending.prev_hash
    last = session.execute(
        select(OutboxEvent.seq, OutboxEvent.event_hash).order_by(OutboxEvent.seq.desc()).limit(1)
    ).first()
    return (last.seq, last.event_hash) if last is not None else (0, None)


#: How long ``pair`` waits for a running sync pass to end.
PAIR_WAIT_S = 30.0


def chain_marks(session: Session, seq: int) -> list[ChainMark]:
    """Acknowledged events at seqs ``seq``, -1, -2, -4, … and 1 (newest first): HQ finds the
    newest of them it holds (protocol.PairRequest.acknowledged)."""
    wanted: list[int] = []
    step = 1
    at = seq
    while at >= 1 and len(wanted) < MAX_CHAIN_MARKS - 1:
        wanted.append(at)
        at = seq - step
        step *= 2
    if seq >= 1:
        wanted.append(1)
    rows = session.execute(
        select(OutboxEvent.seq, OutboxEvent.event_id, OutboxEvent.event_hash)
        .where(OutboxEvent.seq.in_(set(wanted)), OutboxEvent.status.in_(ACKNOWLEDGED))
        .order_by(OutboxEvent.seq.desc())
    )
    return [ChainMark(seq=r.seq, event_id=r.event_id, event_hash=r.event_hash) for r in rows]


def pair(
    db: Database,
    secrets: SecretStore,
    *,
    code: str,
    hq_url: str | None = None,
    device_name: str | None = None,
    client_factory: ClientFactory = default_client,
    wait_s: float = PAIR_WAIT_S,
) -> Paired:
    """Exchange ``code`` for a device token; the token goes to the SecretStore, never the DB.

    Never beside a sync pass (``sync.lock``; waits up to ``wait_s`` for one to end, then
    ``sync.busy``): the pass would push under the old device while the new one's chain is
    set from the queue as it was."""
    with applock.held(db.path.parent, applock.SYNC_LOCK_NAME, "sync.busy", wait_s=wait_s):
        return _pair(
            db,
            secrets,
            code=code,
            hq_url=hq_url,
            device_name=device_name,
            client_factory=client_factory,
        )


def _pair(
    db: Database,
    secrets: SecretStore,
    *,
    code: str,
    hq_url: str | None,
    device_name: str | None,
    client_factory: ClientFactory,
) -> Paired:
    from .first_run import normalise_url

    info = secrets.info
    if info.inside(db.path.parent):  # copied with every backup: refused before the code is used
        raise PosError("doctor.secrets_in_data_dir", path=info.location)
    with db.read() as session:
        url = (hq_url or settings.get(session, "hq_url") or "").rstrip("/")
    if not url:
        raise PosError("sync.no_hq_url")
    url = normalise_url(url)
    with db.read() as session:
        seq, prev_hash = chain_position(session)
        known_key = settings.get(session, "code_public_key") or None
        marks = chain_marks(session, seq) if known_key else []
        before = (
            (settings.get(session, "store") or "") if settings.get(session, "paired_at") else ""
        )
        waiting = int(
            session.scalar(
                select(func.count()).select_from(OutboxEvent).where(OutboxEvent.status == "pending")
            )
            or 0
        )
    # A till paired before shows its current token: HQ revokes that device as it makes the
    # new one, so the discarded token (and any copy of it) stops working.
    client = client_factory(url, secrets.get(TOKEN))
    try:
        answer = client.pair(
            code.strip(),
            device_name or socket.gethostname()[:64] or "till",
            continues_seq=seq,
            continues_hash=prev_hash,
            known_key=known_key,
            acknowledged=marks,
        )
    except PosError as exc:
        if exc.code in ("sync.offline", "sync.timeout"):
            # Not the sales message ("selling goes on"): say what it means for pairing. Once
            # the request went out, HQ may have paired the till and used the code up.
            reason = "sync.pair_unreachable" if exc.params.get("unsent") else "sync.pair_no_answer"
            raise PosError(reason, url=url) from exc
        raise
    finally:
        client.close()
    secrets.set(TOKEN, answer.device_token)
    with UnitOfWork(db) as uow:
        session = uow.session
        for key, value in {
            "hq_url": url,
            "device_id": answer.device_id,
            "device_no": str(answer.device_no),
            "store": answer.store,
            "chain": answer.chain,
            "card_prefix": answer.card_prefix,
            "code_public_key": answer.code_public_key,
            "code_key_chain": answer.chain,
            "paired_at": datetime.now(UTC).isoformat(),
            "auth_failed": "",
        }.items():
            settings.put(session, key, value)
        # The same HQ, restored from a backup, lost acknowledged events: they go again.
        held = seq if answer.device_seq is None else answer.device_seq
        resent = requeue_lost(session, held) if held < seq else 0
        uow.commit()
    log.info("paired with HQ", extra={"device": answer.device_id, "store": answer.store})
    moved = bool(before) and before != answer.store
    return Paired(
        answer.device_id,
        answer.device_no,
        answer.store,
        answer.chain,
        url,
        secrets.info.name,
        previous_store=before if moved else "",
        moved_pending=waiting if moved else 0,
        resent=resent,
    )
