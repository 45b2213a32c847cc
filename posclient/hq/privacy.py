"""Forgetting personal data HQ still holds elsewhere after an erasure or a consent purge."""

from __future__ import annotations

import json

from sqlalchemy import Connection, select, update

from . import models as m
from .feed import forget_member_puts


def forget_personal_data(conn: Connection, member_id: str) -> None:
    """Drop the member's earlier feed puts and strip member state from stored push answers.

    The same for every member merged into this one (a duplicate enrolment of the same person):
    their puts carried the same person's data. Stored answers (replayed to a till that repeats
    an event) carry the member's state and any losing profile values; after this, a repeat gets
    the answer without them. Finding them is a LIKE scan of the events table: fine for the rare
    erasure or withdrawal.
    """
    for person in [member_id, *merged_into(conn, member_id)]:
        _forget(conn, person)


def merged_into(conn: Connection, member_id: str) -> list[str]:
    """Every member merged into ``member_id``, directly or through another merged member."""
    found: list[str] = []
    todo = [member_id]
    while todo:
        rows = conn.execute(
            select(m.members.c.member_id).where(m.members.c.merged_into.in_(todo))
        ).scalars()
        todo = [row for row in rows if row not in found and row != member_id]
        found.extend(todo)
    return found


def _forget(conn: Connection, member_id: str) -> None:
    forget_member_puts(conn, member_id)
    rows = conn.execute(
        select(m.events.c.event_id, m.events.c.result).where(
            m.events.c.result.like(f"%{member_id}%")
        )
    ).all()
    for event_id, text in rows:
        result = json.loads(text)
        if result.get("state") is None and result.get("losing") is None:
            continue
        result["state"] = None
        result["losing"] = None
        conn.execute(
            update(m.events)
            .where(m.events.c.event_id == event_id)
            .values(result=json.dumps(result, separators=(",", ":")))
        )
