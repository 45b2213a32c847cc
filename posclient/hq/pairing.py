"""Pairing: a one-time code per store becomes a device token (stored hashed); revocation."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from posclient.security.codesign import b64url
from posclient.sync.protocol import MAX_STORE_CODE, STORE_CODE_PATTERN, ChainMark, PairResponse

from . import models as m
from .context import Hq

log = logging.getLogger("posclient.hq")

#: No 0/O, 1/I/L: codes are read aloud and typed on a till keyboard.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
CODE_TTL = timedelta(hours=24)
MAX_DEVICE_NO = 8999


class PairingError(Exception):
    """The pairing code is unknown, used or expired."""


@dataclass(frozen=True)
class Device:
    device_id: str
    device_no: int
    store: str


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def new_pairing_code(hq: Hq, store: str) -> str:
    """A fresh one-time code that pairs one till with ``store`` within 24 hours.

    ValueError for a store code the protocol would refuse (the till could never pair with it).
    """
    if not (len(store) <= MAX_STORE_CODE and re.fullmatch(STORE_CODE_PATTERN, store)):
        raise ValueError(f"store code {store!r} is not 1-{MAX_STORE_CODE} letters, digits, _ or -")
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    now = hq.now()
    with hq.db.write() as conn:
        conn.execute(
            insert(m.pairing_codes).values(
                code_hash=_sha(code), store=store, created_at=now, expires_at=now + CODE_TTL
            )
        )
    log.info("pairing code issued for store %s", store)
    return code


def pair(
    hq: Hq,
    code: str,
    device_name: str,
    *,
    continues_seq: int = 0,
    continues_hash: str | None = None,
    replaces_token: str | None = None,
    known_key: str | None = None,
    acknowledged: Sequence[ChainMark] = (),
) -> PairResponse:
    """Pair a device with the code's store. ``continues_seq``/``continues_hash``: where the
    till's event chain stands (a till paired before): the new device's chain starts there,
    unless this HQ (``known_key`` is its code key) no longer holds the newest ``acknowledged``
    event (restored from a backup): then at the newest it holds (see ``_held_from``).
    ``replaces_token``: the till's current token, whose device is revoked in the same
    transaction (a till pairing again leaves no second live device behind)."""
    own_key = b64url(hq.public_key)

    def work(conn: Connection) -> PairResponse:
        row = conn.execute(
            select(m.pairing_codes)
            .where(m.pairing_codes.c.code_hash == _sha(normalise_code(code)))
            .with_for_update()
        ).first()
        now = hq.now()
        if row is None or row.used_at is not None or row.expires_at < now:
            raise PairingError("unknown, used or expired pairing code")
        # One pairing at a time: device numbers are handed out in order.
        conn.execute(select(m.meta.c.value).where(m.meta.c.key == "chain").with_for_update()).one()
        device_no = _free_device_no(conn)
        start_seq, start_hash = continues_seq, continues_hash
        if continues_seq and known_key == own_key and acknowledged:
            start_seq, start_hash = _held_from(conn, continues_seq, continues_hash, acknowledged)
        token = secrets.token_urlsafe(32)
        device_id = f"dev-{device_no:04d}-{secrets.token_hex(4)}"
        conn.execute(
            insert(m.devices).values(
                device_id=device_id,
                device_no=device_no,
                store=row.store,
                name=device_name,
                token_hash=_sha(token),
                created_at=now,
                last_seq=start_seq,
                last_hash=start_hash,
                events=0,
                chain_issues=0,
            )
        )
        conn.execute(
            update(m.pairing_codes)
            .where(m.pairing_codes.c.code_hash == row.code_hash)
            .values(used_at=now, device_id=device_id)
        )
        log.info("device %s paired with store %s", device_id, row.store)
        if replaces_token and len(replaces_token) <= 200:
            _retire(conn, replaces_token, by=device_id, now=now)
        if start_seq < continues_seq:
            log.warning(
                "device %s: this HQ no longer holds its till's events %d..%d it acknowledged "
                "(restored from a backup?): the till sends them again",
                device_id,
                start_seq + 1,
                continues_seq,
            )
        elif continues_seq:
            log.info(
                "device %s continues its till's event chain after seq %d", device_id, continues_seq
            )
        return PairResponse(
            device_id=device_id,
            device_token=token,
            device_no=device_no,
            store=row.store,
            chain=hq.chain,
            code_public_key=own_key,
            device_seq=start_seq,
        )

    return hq.db.transact(work)


def _held_from(
    conn: Connection, seq: int, chain_hash: str | None, marks: Sequence[ChainMark]
) -> tuple[int, str | None]:
    """Where a till's chain continues at this HQ: after ``seq`` if HQ holds the newest of the
    acknowledged events the till lists (it holds all before it then: a backup is a point in
    time; events between it and ``seq`` were rejected, never sent again), else after the newest
    listed event it holds, else from the start (0)."""
    listed = sorted((mark for mark in marks if mark.seq <= seq), key=lambda k: -k.seq)
    if not listed:
        return seq, chain_hash
    ids = [str(mark.event_id) for mark in listed]
    held = set(
        conn.execute(select(m.events.c.event_id).where(m.events.c.event_id.in_(ids))).scalars()
    )
    if ids[0] in held:
        return seq, chain_hash
    for mark, event_id in zip(listed, ids, strict=True):
        if event_id in held:
            return mark.seq, mark.event_hash
    return 0, None


def _retire(conn: Connection, token: str, *, by: str, now: datetime) -> None:
    """Revoke the live device holding ``token`` (the till's before it paired again)."""
    old = conn.execute(
        select(m.devices.c.device_id).where(
            m.devices.c.token_hash == _sha(token), m.devices.c.revoked_at.is_(None)
        )
    ).scalar_one_or_none()
    if old is None:
        return
    conn.execute(update(m.devices).where(m.devices.c.device_id == old).values(revoked_at=now))
    log.info("device %s revoked: its till paired again as %s", old, by)


def _free_device_no(conn: Connection) -> int:
    highest = conn.execute(select(func.max(m.devices.c.device_no))).scalar_one_or_none() or 0
    if highest < MAX_DEVICE_NO:
        return int(highest) + 1
    used = set(conn.execute(select(m.devices.c.device_no)).scalars())
    for number in range(1, MAX_DEVICE_NO + 1):
        if number not in used:
            return number
    raise PairingError("this chain has no device numbers left")


def authenticate(hq: Hq, token: str) -> Device | None:
    """The device a bearer token belongs to, or None (unknown or revoked)."""
    if not token or len(token) > 200:
        return None
    with hq.db.read() as conn:
        row = conn.execute(
            select(
                m.devices.c.device_id,
                m.devices.c.device_no,
                m.devices.c.store,
                m.devices.c.revoked_at,
            ).where(m.devices.c.token_hash == _sha(token))
        ).first()
    if row is None or row.revoked_at is not None:
        return None
    return Device(row.device_id, row.device_no, row.store)


def revoke(hq: Hq, device_id: str) -> bool:
    with hq.db.write() as conn:
        changed = conn.execute(
            update(m.devices)
            .where(m.devices.c.device_id == device_id, m.devices.c.revoked_at.is_(None))
            .values(revoked_at=hq.now())
        ).rowcount
    if changed:
        log.info("device %s revoked", device_id)
    return bool(changed)


def device_report(hq: Hq) -> list[dict[str, Any]]:
    """Every device with its journal state and chain issues (gaps, broken links)."""
    with hq.db.read() as conn:
        devices = conn.execute(select(m.devices).order_by(m.devices.c.device_no)).mappings().all()
        issues = conn.execute(select(m.chain_issues).order_by(m.chain_issues.c.id)).mappings().all()
    out = []
    for d in devices:
        out.append(
            {
                "device_id": d["device_id"],
                "device_no": d["device_no"],
                "store": d["store"],
                "name": d["name"],
                "revoked": d["revoked_at"] is not None,
                "last_seq": d["last_seq"],
                "events": d["events"],
                "chain_issues": [
                    {
                        "seq": i["seq"],
                        "event_id": i["event_id"],
                        "kind": i["kind"],
                        "detail": i["detail"],
                    }
                    for i in issues
                    if i["device_id"] == d["device_id"]
                ],
            }
        )
    return out
