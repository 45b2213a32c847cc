"""Small helpers for tests: demo member codes and raw SQL checks."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from posclient.resources import resource


def demo_members() -> dict[str, dict[str, Any]]:
    """Demo members by tier code (the first of each tier) and by name, with ``phone`` and
    ``tier`` at the top level for convenience."""
    from posclient.domain.money import from_fen
    from posclient.domain.tiers import tier_for_spend

    items = json.loads(resource("demo", "members.json").read_text(encoding="utf-8"))
    out: dict[str, dict[str, Any]] = {}
    for raw in items:
        item = dict(raw, phone=raw["profile"]["phone"], name=raw["profile"]["name"])
        item["tier"] = tier_for_spend(from_fen(item["spend_12m_fen"])).code
        out.setdefault(item["tier"], item)
        out[item["name"]] = item
    return out


def sql(path: Path, query: str, *args: Any) -> list[tuple[Any, ...]]:
    """Run raw SQL on the till's file (a separate connection: what is really on disk)."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(query, args).fetchall()
    finally:
        conn.close()


def demo_members_json() -> list[dict[str, Any]]:
    """The demo members file as loaded by ``posclient-admin init --demo``."""
    data: list[dict[str, Any]] = json.loads(
        resource("demo", "members.json").read_text(encoding="utf-8")
    )
    return data


def outbox_payloads(till: Any, type_: str) -> list[dict[str, Any]]:
    """Payloads of the till's outbox events of one type, opened if sealed (issue 7)."""
    rows = sql(
        till.db.path, "SELECT event_id, payload FROM outbox WHERE type = ? ORDER BY seq", type_
    )
    out = []
    for event_id, stored in rows:
        text = stored
        if stored.startswith("v1."):
            text = till.cipher.decrypt(stored, table="outbox", column="payload", row_id=event_id)
        out.append(json.loads(text))
    return out


def init_demo(data_dir: Path) -> Path:
    """Make the demo till ``posclient-admin init --demo`` makes (language, catalogue, members,
    coupons, staff), in this process. tests/cli/test_admin.py checks the two are alike."""
    from posclient.bootstrap import open_till
    from posclient.services import demo, settings
    from posclient.store.uow import UnitOfWork

    till = open_till(data_dir, create=True)
    try:
        with UnitOfWork(till.db) as uow:
            settings.put(uow.session, "lang", "zh_CN")
            demo.load_all(uow.session, till.cipher, till.clock)
            uow.commit()
    finally:
        till.close()
    return data_dir
