"""Small helpers for tests: demo member codes and raw SQL checks."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from posclient.resources import resource


def demo_members() -> dict[str, dict[str, Any]]:
    """Demo members by tier code (the first of each tier) and by name."""
    items = json.loads(resource("demo", "members.json").read_text(encoding="utf-8"))
    out: dict[str, dict[str, Any]] = {}
    for item in items:
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
