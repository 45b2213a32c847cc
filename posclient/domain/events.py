"""Event identity and the per-device hash chain (DESIGN "Sync protocol"). Pure: json + hashlib."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    SALE_COMPLETED = "sale.completed"
    REFUND_COMPLETED = "refund.completed"
    MEMBER_ENROLLED = "member.enrolled"
    MEMBER_PATCHED = "member.patched"
    CONSENT_RECORDED = "consent.recorded"
    ERASURE_REQUESTED = "member.erasure_requested"
    AUDIT_RECORDED = "audit.recorded"
    #: A legacy member's points balance carried over at import (once per member).
    POINTS_OPENING = "points.opening"


def jumps_the_queue(type: str, payload: Mapping[str, Any]) -> bool:
    """Whether a till sends the event ahead of the events before it (DESIGN: consent
    withdrawals and erasures go out first), so that it may reach HQ before lower seqs."""
    if type == EventType.ERASURE_REQUESTED:
        return True
    return type == EventType.CONSENT_RECORDED and payload.get("decision") != "granted"


def canonical_json(value: Any) -> bytes:
    """The one byte form of a payload: sorted keys, no spaces, UTF-8. Hashes are taken over it."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def payload_sha256(payload: Any) -> str:
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def chain_hash(
    prev_hash: str | None, *, event_id: str, seq: int, type: str, payload_hash: str
) -> str:
    """Hash of one event in its device's journal; the next event carries it as ``prev_hash``."""
    text = f"{prev_hash or ''}|{event_id}|{seq}|{type}|{payload_hash}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
