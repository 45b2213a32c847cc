"""The change feed: changes numbered in commit order, pruning, cursors."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic_core import to_json
from sqlalchemy import Connection, delete, func, select, update

from posclient.sync.protocol import Entity, Op

from . import models as m
from .fastsql import Fast


@dataclass
class Feed:
    """Changes one transaction makes, published by ``publish`` just before it commits."""

    items: dict[tuple[str, str, str], tuple[int, str | None]] = field(default_factory=dict)

    def put(self, entity: Entity, entity_id: str, version: int, data: dict[str, Any] | str) -> None:
        text = data if isinstance(data, str) else dumps(data)
        self._add(entity, Op.PUT, entity_id, version, text)

    def delete(self, entity: Entity, entity_id: str, version: int) -> None:
        self.items.pop((entity.value, Op.PUT.value, entity_id), None)
        self._add(entity, Op.DELETE, entity_id, version, None)

    def merge(self, from_id: str, into_id: str, version: int, card_no: str) -> None:
        """``from_id`` was merged into ``into_id``; ``card_no`` (from_id's card) finds them."""
        self._add(Entity.MEMBER, Op.MERGE, from_id, version, merge_data(from_id, into_id, card_no))

    def absorb(self, other: Feed) -> None:
        """Take over ``other``'s changes (a later state of an entity replaces an earlier one)."""
        for key, value in other.items.items():
            self.items.pop(key, None)
            self.items[key] = value
        other.items.clear()

    def _add(self, entity: Entity, op: Op, entity_id: str, version: int, text: str | None) -> None:
        key = (entity.value, op.value, entity_id)
        # Re-putting an entity in the same transaction sends it once, at its latest state.
        self.items.pop(key, None)
        self.items[key] = (version, text)


def merge_data(from_id: str, into_id: str, card_no: str) -> str:
    """A member merge change's data: who went into whom, and the card that finds them."""
    return dumps({"from": from_id, "into": into_id, "card_no": card_no})


def dumps(value: Any) -> str:
    """Compact UTF-8 JSON as stored and sent: ``json.dumps(value, ensure_ascii=False,
    separators=(",", ":"))`` for JSON values, encoded by pydantic-core (several times faster:
    a member document is written for every pushed sale)."""
    return to_json(value).decode()


_BUMP = "UPDATE feed_counter SET n = n + ? WHERE id = 1 RETURNING n"
_INS_CHANGE = (
    "INSERT INTO changes (pos, entity, op, entity_id, version, data, committed_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def publish(conn: Connection, feed: Feed, now: datetime) -> int | None:
    """Number ``feed``'s changes and insert them; call last, right before commit.

    The UPDATE takes the counter row's lock and holds it until this transaction commits, so a
    transaction that numbers its changes later also commits later: positions follow commit
    order and a reader that has seen position p has every change ≤ p (DESIGN "Sync protocol").
    """
    if not feed.items:
        return None
    k = len(feed.items)
    fast = Fast.of(conn)
    row = fast.one(_BUMP, (k,))
    assert row is not None
    last = int(row[0])
    first = last - k + 1
    at = fast.dt(now)
    fast.many(
        _INS_CHANGE,
        [
            (first + index, entity, op, entity_id, version, text, at)
            for index, ((entity, op, entity_id), (version, text)) in enumerate(feed.items.items())
        ],
    )
    feed.items.clear()
    return int(last)


def forget_member_puts(conn: Connection, member_id: str) -> int:
    """Drop a member's earlier puts from the feed: they carry personal data that was just
    erased or purged (the new state or tombstone follows in this transaction)."""
    removed = conn.execute(
        delete(m.changes).where(
            m.changes.c.entity == Entity.MEMBER.value,
            m.changes.c.op == Op.PUT.value,
            m.changes.c.entity_id == member_id,
        )
    ).rowcount
    return int(removed or 0)


def current_position(conn: Connection) -> int:
    return int(
        conn.execute(select(m.feed_counter.c.n).where(m.feed_counter.c.id == 1)).scalar_one()
    )


def pruned_through(conn: Connection) -> int:
    value = conn.execute(
        select(m.meta.c.value).where(m.meta.c.key == "pruned_through")
    ).scalar_one()
    return int(value)


def prune(conn: Connection, *, now: datetime, retention: timedelta) -> int:
    """Drop changes older than ``retention``; cursors before them now get 410. Returns rows."""
    limit = now - retention
    newest_old = conn.execute(
        select(func.max(m.changes.c.pos)).where(m.changes.c.committed_at < limit)
    ).scalar_one_or_none()
    if newest_old is None:
        return 0
    return reset_before(conn, int(newest_old))


def reset_before(conn: Connection, position: int) -> int:
    """Forget changes up to ``position``: older cursors must re-snapshot (410)."""
    removed = conn.execute(delete(m.changes).where(m.changes.c.pos <= position)).rowcount
    current = pruned_through(conn)
    conn.execute(
        update(m.meta)
        .where(m.meta.c.key == "pruned_through")
        .values(value=str(max(current, position)))
    )
    return int(removed or 0)


class CursorError(ValueError):
    """A cursor this HQ did not issue."""


def encode_cursor(state: dict[str, Any]) -> str:
    raw = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(text: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(text.encode("ascii") + b"=" * (-len(text) % 4))
        state = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeError) as exc:
        raise CursorError("not a cursor issued by this HQ") from exc
    if not isinstance(state, dict) or state.get("v") != 1:
        raise CursorError("not a cursor issued by this HQ")
    return state
