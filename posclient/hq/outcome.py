"""What applying one event came to: applied, conflict (with HQ's resolution) or rejected."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import Connection

from posclient.sync.protocol import Event, EventResult, ResultStatus

from .context import Hq
from .feed import Feed

if TYPE_CHECKING:
    from .salerun import SaleRun


class Reject(Exception):
    """The event cannot be applied; its changes are rolled back and the reason is the answer."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass
class Outcome:
    """Collects conflicts while an event is applied; the first reason is the headline."""

    reasons: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    losing: dict[str, Any] = field(default_factory=dict)

    def conflict(self, reason: str, detail: str) -> None:
        self.reasons.append((reason, detail))

    def note(self, text: str) -> None:
        self.notes.append(text)

    @property
    def is_conflict(self) -> bool:
        return bool(self.reasons)

    def result(self, event_id: UUID) -> EventResult:
        details = [detail for _, detail in self.reasons] + self.notes
        kinds = list(dict.fromkeys(reason for reason, _ in self.reasons))
        # Built by HQ from values it made itself: not validated again (this runs per event).
        return EventResult.model_construct(
            event_id=event_id,
            status=ResultStatus.CONFLICT if self.reasons else ResultStatus.APPLIED,
            reason=kinds[0] if kinds else None,
            detail="; ".join(details) or None,
            reasons=kinds if len(kinds) > 1 else None,
            state=(self.state or None) if self.reasons else None,
            losing=self.losing or None,
        )


@dataclass
class Apply:
    """One event being applied: its transaction, feed and outcome."""

    hq: Hq
    conn: Connection
    ev: Event
    feed: Feed
    out: Outcome = field(default_factory=Outcome)
    #: The run of plain sales this sale belongs to (``salerun``): members are in memory and
    #: writes wait for the end of the run.
    run: SaleRun | None = None
    #: The store the pushing device was paired with ("": not checked).
    store: str = ""

    @cached_property
    def event_id(self) -> str:
        return str(self.ev.event_id)
