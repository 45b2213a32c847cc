"""Points at HQ: every account change is booked in the append-only ledger; lazy expiry."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from posclient.domain.points import Account, Earning, Redemption, Take

from .context import Hq
from .members import MemberState


def total(account: Account) -> int:
    """Points the lots hold (expired or not) minus debt: what the ledger entries add up to."""
    return account.held - account.debt


def book(
    hq: Hq,
    st: MemberState,
    after: Account,
    kind: str,
    *,
    lot_id: str | None = None,
    event_id: str | None = None,
    ref: str | None = None,
) -> int:
    """Make ``after`` the member's account and book the difference; then expire stale lots."""
    delta = total(after) - total(st.account)
    st.account = after
    st.dirty = True
    if delta:
        entry(hq, st, kind, delta, lot_id=lot_id, event_id=event_id, ref=ref)
    expire(hq, st, event_id=event_id)
    return delta


def entry(
    hq: Hq,
    st: MemberState,
    kind: str,
    points: int,
    *,
    lot_id: str | None,
    event_id: str | None,
    ref: str | None = None,
) -> None:
    """Add one ledger entry to the member's pending ones (written with the member)."""
    st.ledger.append(
        {
            "member_id": st.member_id,
            "kind": kind,
            "points": points,
            "lot_id": lot_id,
            "event_id": event_id,
            "ref": ref,
            "at": hq.now(),
        }
    )


def expire(hq: Hq, st: MemberState, *, event_id: str | None = None) -> int:
    """Book an ``expire`` entry for every lot past its date (R7). Returns points expired."""
    today = hq.today()
    count = st.account.expired_prefix(today)  # lots are in expiry order: the stale come first
    if not count:
        return 0
    stale = st.account.lots[:count]
    st.account = replace(st.account, lots=st.account.lots[count:])
    st.dirty = True
    for lot in stale:
        entry(hq, st, "expire", -lot.remaining, lot_id=lot.lot_id, event_id=event_id)
    return sum(lot.remaining for lot in stale)


def redemption_json(redemption: Redemption) -> dict[str, Any]:
    return {
        "points": redemption.points,
        "debt_added": redemption.debt_added,
        "takes": [
            {"lot_id": t.lot_id, "points": t.points, "expires_on": t.expires_on.isoformat()}
            for t in redemption.takes
        ],
    }


def redemption_from(data: dict[str, Any]) -> Redemption:
    return Redemption(
        int(data["points"]),
        tuple(
            Take(t["lot_id"], int(t["points"]), date.fromisoformat(t["expires_on"]))
            for t in data["takes"]
        ),
        int(data["debt_added"]),
    )


def earning_json(earning: Earning) -> dict[str, Any]:
    return {
        "lot_id": earning.lot_id,
        "points": earning.points,
        "expires_on": earning.expires_on.isoformat(),
        "debt_paid": earning.debt_paid,
    }


def earning_from(data: dict[str, Any]) -> Earning:
    return Earning(
        data["lot_id"],
        int(data["points"]),
        date.fromisoformat(data["expires_on"]),
        int(data["debt_paid"]),
    )
