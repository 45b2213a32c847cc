"""Identifiers the till mints for rows it appends in bulk.

A sale id is the key of the sale's lines (sale_lines is keyed by (sale_id, line_no)) and of its
row in the sales primary key index. A uuid4 lands each new sale at a random place in both
B-trees, so each sale dirties a random page of each and splits them often. A time-ordered
UUID (RFC 9562 version 7: 48-bit Unix milliseconds, then 74 random bits) lands it at the end,
next to the sale before: fewer pages per commit, and fuller pages on disk.
"""

from __future__ import annotations

import os
import time
import uuid


def uuid7(now_ms: int | None = None) -> str:
    """A version-7 UUID: sorts by creation time (to the millisecond), random after that."""
    ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    rand = int.from_bytes(os.urandom(10), "big")  # 80 bits; 74 are used
    rand_a = rand >> 68  # 12 bits
    rand_b = rand & ((1 << 62) - 1)  # 62 bits
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return str(uuid.UUID(int=value))
