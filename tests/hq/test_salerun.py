"""Sale runs (hq/salerun.py) end exactly as the same sales applied one at a time.

Two copies of one HQ database get the same push batch: one applies its plain sales as runs,
the other one event at a time (the path every other event takes). Answers, members, lots,
ledger, sales and the change feed must come out identical, for generated batches mixing
overdrafts, reused lot ids, stale tiers, unknown members, coupons and repeated events.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from posclient.hq.context import Hq
from posclient.hq.db import Database
from posclient.hq.pairing import new_pairing_code, pair
from posclient.hq.push import push
from posclient.sync.protocol import PushRequest

from .conftest import Clock
from .helpers import Till

MEMBERS = 3
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

sale_step = st.fixed_dictionaries(
    {
        # MEMBERS means a member HQ does not know.
        "member": st.integers(0, MEMBERS),
        "amount_fen": st.integers(0, 20_000),
        "points_redeemed": st.sampled_from([0, 0, 50, 400, 3_000]),
        "points_earned": st.sampled_from([None, 0, 25, 4_000]),
        "lot_id": st.sampled_from([None, None, "L1", "L2", "OLD"]),
        "tier": st.sampled_from([None, None, 0, 1, 3]),
        "coupon": st.booleans().map(lambda b: "NO-SUCH-COUPON" if b else None),
        "repeat": st.integers(0, 12),
    }
)


def _fresh_hq(directory: Path, clock: Clock) -> tuple[Hq, Till, list[str]]:
    hq = Hq(Database(f"sqlite:///{directory}/hq.db"), clock=clock)
    device = pair(hq, new_pairing_code(hq, "S001"), "till")
    till = Till(None, device.model_dump(mode="json"))  # type: ignore[arg-type]
    members, setup = [], []
    for n in range(MEMBERS):
        member_id, enrol = till.enrol(phone=f"1390000000{n}")
        members.append(member_id)
        _, sale = till.sale(member_id, amount_fen=50_000, points_earned=500, lot_id="OLD")
        setup += [enrol, sale]
    answers = _push(hq, till, setup, runs=False)
    assert {a["status"] for a in answers} == {"applied"}, answers
    return hq, till, members


def _push(hq: Hq, till: Till, events: list[dict[str, Any]], *, runs: bool) -> list[Any]:
    request = PushRequest.model_validate({"device_id": till.device_id, "events": events})
    return [r.model_dump(mode="json") for r in push(hq, request, runs=runs).results]


def _tables(hq: Hq) -> dict[str, list[Any]]:
    queries = {
        "members": "SELECT * FROM members ORDER BY member_id",
        "lots": "SELECT * FROM lots ORDER BY member_id, lot_id",
        # Ledger ids follow insertion order, which a run groups by member: compare the entries.
        "ledger": "SELECT member_id, kind, points, lot_id, event_id, ref, at FROM ledger",
        "sales": "SELECT * FROM sales ORDER BY sale_id",
        "changes": "SELECT pos, entity, op, entity_id, version, data FROM changes ORDER BY pos",
        "events": "SELECT event_id, status, result FROM events ORDER BY event_id",
        "chain_issues": "SELECT seq, event_id, kind FROM chain_issues ORDER BY id",
    }
    with hq.db.read() as conn:
        tables = {
            name: [tuple(row) for row in conn.execute(text(sql))] for name, sql in queries.items()
        }
    tables["ledger"].sort(key=repr)
    return tables


def _same_either_way(
    tmp_path_factory: Any,
    make: Callable[[Till, list[str], list[str]], list[dict[str, Any]]],
    split: int = 0,
) -> list[Any]:
    """Push the events ``make(till, members, tier codes)`` builds to two copies of one HQ,
    with and without runs; both must answer and end the same. Returns the answers.

    ``split``: push the first ``split`` events as one batch and the rest as another (the
    second batch's runs then find members' lots in the HQ's lot cache)."""
    clock = Clock()
    clock.at = NOW
    first = tmp_path_factory.mktemp("runs")
    hq, till, members = _fresh_hq(first, clock)
    tiers = [tier.code for tier in hq.tiers]
    hq.db.dispose()
    second = tmp_path_factory.mktemp("one-by-one")
    shutil.copy(first / "hq.db", second / "hq.db")
    events = make(till, members, tiers)
    with_runs = Hq(Database(f"sqlite:///{first}/hq.db"), clock=clock)
    one_by_one = Hq(Database(f"sqlite:///{second}/hq.db"), clock=clock)
    batches = [part for part in (events[:split], events[split:]) if part]
    try:
        answers = []
        for part in batches:
            answers += _push(with_runs, till, part, runs=True)
        assert answers == [a for part in batches for a in _push(one_by_one, till, part, runs=False)]
        assert _tables(with_runs) == _tables(one_by_one)
        return answers
    finally:
        with_runs.db.dispose()
        one_by_one.db.dispose()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(sale_step, min_size=1, max_size=25), warm=st.booleans())
def test_a_run_of_sales_ends_exactly_as_one_sale_at_a_time(
    tmp_path_factory: Any, steps: list[dict[str, Any]], warm: bool
) -> None:
    """``warm``: a batch of plain sales for every member goes first, so the generated batch's
    runs take the members' lots from HQ's lot cache."""

    def make(till: Till, members: list[str], tiers: list[str]) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        if warm:
            events += [till.sale(member, amount_fen=2000)[1] for member in members]
        for step in steps:
            if events and step["repeat"] == 0:
                till.seq += 1  # the same event again in the batch (a till re-sending it)
                events.append({**events[-1], "seq": till.seq})
                continue
            member = members[step["member"]] if step["member"] < MEMBERS else str(uuid.uuid4())
            _, sale = till.sale(
                member,
                amount_fen=step["amount_fen"],
                points_redeemed=step["points_redeemed"],
                points_earned=step["points_earned"],
                lot_id=step["lot_id"],
                tier_code=None if step["tier"] is None else tiers[step["tier"]],
                coupon_code=step["coupon"],
            )
            events.append(sale)
        return events

    _same_either_way(tmp_path_factory, make, MEMBERS if warm else 0)


def test_a_lot_used_up_in_the_run_keeps_its_id_taken(tmp_path_factory: Any) -> None:
    """The member's lot OLD (500 points) is spent, then a sale earns into a lot named OLD
    again, and a lot made in the run is spent and named again: both are refused, as they are
    one at a time (the lot rows exist, with nothing left)."""

    def make(till: Till, members: list[str], tiers: list[str]) -> list[dict[str, Any]]:
        a, b = members[0], members[1]
        return [
            till.sale(a, amount_fen=0, points_redeemed=500, points_earned=0)[1],
            till.sale(a, amount_fen=1000, points_earned=10, lot_id="OLD")[1],
            till.sale(b, amount_fen=1000, points_earned=10, lot_id="NEW")[1],
            till.sale(b, amount_fen=0, points_redeemed=510, points_earned=0)[1],
            till.sale(b, amount_fen=2000, points_earned=20, lot_id="NEW")[1],
            till.sale(b, amount_fen=3000, points_earned=30, lot_id="NEWER")[1],
        ]

    answers = _same_either_way(tmp_path_factory, make)
    assert [a["status"] for a in answers] == ["applied", "rejected", "applied"] * 2
    assert {a["reason"] for a in answers if a["status"] == "rejected"} == {"lot_exists"}


def test_a_lot_made_and_spent_in_one_run_is_stored_empty(tmp_path_factory: Any) -> None:
    def make(till: Till, members: list[str], tiers: list[str]) -> list[dict[str, Any]]:
        b = members[1]
        return [
            till.sale(b, amount_fen=1000, points_earned=10, lot_id="NEW")[1],
            till.sale(b, amount_fen=0, points_redeemed=510, points_earned=0)[1],
        ]

    answers = _same_either_way(tmp_path_factory, make)
    assert [a["status"] for a in answers] == ["applied", "applied"]


def test_lots_another_process_wrote_are_read_again(tmp_path: Path) -> None:
    """The lot cache holds what this process committed, by member version: a sale another HQ
    process applied (new lot, next version) is seen by the next run here."""
    clock = Clock()
    clock.at = NOW
    hq, till, members = _fresh_hq(tmp_path, clock)
    other = Hq(Database(f"sqlite:///{tmp_path}/hq.db"), clock=clock)
    member = members[0]
    try:
        first = _push(
            hq, till, [till.sale(member, amount_fen=10_000, points_earned=100)[1]], runs=True
        )
        assert first[0]["status"] == "applied" and hq.lot_cache.hits == 0
        # Another process: 400 points more, in a lot of their own.
        _, earned = till.sale(member, amount_fen=40_000, points_earned=400, lot_id="ELSEWHERE")
        assert _push(other, till, [earned], runs=True)[0]["status"] == "applied"
        # Back here: spending 1,000 of the 1,000 now held is no overdraft.
        _, spend = till.sale(member, amount_fen=0, points_redeemed=1000, points_earned=0)
        answer = _push(hq, till, [spend], runs=True)[0]
        assert answer["status"] == "applied", answer
        assert hq.lot_cache.hits == 0  # the version had moved on: read from the database
        _, again = till.sale(member, amount_fen=500, points_earned=5)
        assert _push(hq, till, [again], runs=True)[0]["status"] == "applied"
        assert hq.lot_cache.hits == 1  # nobody else wrote since: from the cache
        with hq.db.read() as conn:
            lots = conn.execute(
                text("SELECT lot_id, remaining FROM lots WHERE member_id = :m ORDER BY lot_id"),
                {"m": member},
            ).all()
        assert sum(remaining for _, remaining in lots) == 5 and ("ELSEWHERE", 0) in lots
    finally:
        hq.db.dispose()
        other.db.dispose()


def test_cached_sales_figures_hold_until_a_sale_leaves_its_window(tmp_path_factory: Any) -> None:
    """A run keeps each member's 12-month and 30-day figures in the lot cache. As the clock
    moves, a sale counted 29 days ago drops out of the 30 days and one counted 364 days ago out
    of the 12 months (tier, spend, segment, tags change): the next run must count them again,
    and end exactly as sales applied one at a time (which always count from the database)."""
    from datetime import timedelta

    clock = Clock()
    clock.at = NOW
    first = tmp_path_factory.mktemp("runs")
    hq, till, members = _fresh_hq(first, clock)
    hq.db.dispose()
    second = tmp_path_factory.mktemp("one-by-one")
    shutil.copy(first / "hq.db", second / "hq.db")
    with_runs = Hq(Database(f"sqlite:///{first}/hq.db"), clock=clock)
    one_by_one = Hq(Database(f"sqlite:///{second}/hq.db"), clock=clock)
    a, b, c = members

    def sale(member: str, fen: int, ago: timedelta = timedelta(0)) -> dict[str, Any]:
        assert clock.at is not None
        return till.sale(member, amount_fen=fen, occurred_at=clock.at - ago)[1]

    def both(events: list[dict[str, Any]]) -> None:
        runs = _push(with_runs, till, events, runs=True)
        assert runs == _push(one_by_one, till, events, runs=False)
        assert {answer["status"] for answer in runs} <= {"applied", "conflict"}, runs
        assert _tables(with_runs) == _tables(one_by_one)

    try:
        # The setup's sale (now) is counted for all three; add one 29 days old for a and a
        # big one 364 days old for b (it lifts b's tier).
        both([sale(a, 1000, timedelta(days=29)), sale(b, 900_000, timedelta(days=364))])
        both([sale(a, 100), sale(b, 100), sale(c, 100)])
        hits = with_runs.lot_cache.hits
        assert hits == 2  # a and b: lots and figures from the cache (c was last written alone)
        # Two days on: a's 29-day-old sale leaves the 30 days, b's big one the 12 months.
        clock.advance(days=2)
        both([sale(a, 100), sale(b, 100), sale(c, 100)])
        with with_runs.db.read() as conn:
            tiers = dict(conn.execute(text("SELECT member_id, tier_code FROM members")).all())
        assert tiers[b] == tiers[c]  # the big sale no longer counts
        both([sale(a, 100), sale(b, 100), sale(c, 100)])
        assert with_runs.lot_cache.hits > hits
    finally:
        with_runs.db.dispose()
        one_by_one.db.dispose()
