"""A new till's first load of a large snapshot sets the card and phone look-up index aside and
builds it when the snapshot ends (real HQ on loopback; feedapply.defer_identity_index).

Meanwhile the till still finds every member loaded so far; whatever stops the load (a crash, a
SIGKILL, a new snapshot), it ends with the same cache and look-ups as a till that kept the
index all along. A re-snapshot and a small first load keep the index.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from posclient.services import feedapply
from tests.helpers import sql

from .conftest import (
    HqProcess,
    PairedTill,
    hq_cli,
    paired_till,
    reopened_till,
    running_hq,
)
from .test_kill_during_sync import run_child
from .test_pull_resume import Crash, cache, engine_for


@pytest.fixture
def reference(make_till) -> dict[str, Any]:
    """The cache of a till that kept the index (the demo chain is far below the default size)."""
    paired = make_till("reference")
    engine = engine_for(paired, [])
    assert engine.run_until_idle(deadline_s=60).error is None
    engine.close()
    return cache(paired)


def index_aside(paired: PairedTill) -> bool:
    with paired.till.db.read() as session:
        return feedapply.identity_index_deferred(session.connection().connection.driver_connection)


def loaded(paired: PairedTill) -> list[tuple[str, str, str]]:
    """(member id, card, phone) of every member the till holds from HQ."""
    till = paired.till
    rows = sql(till.db.path, "SELECT member_id, card_no, phone_enc FROM members")
    return [
        (
            member_id,
            card,
            till.cipher.decrypt(phone, table="members", column="phone", row_id=member_id),
        )
        for member_id, card, phone in rows
    ]


def test_a_large_first_load_finds_members_while_the_index_is_aside(
    make_till, reference: dict[str, Any]
) -> None:
    paired = make_till()
    engine = engine_for(paired, [], defer_index_from=1)
    states: list[bool] = []
    tallied: list[int] = []

    def check(report: Any) -> None:
        states.append(index_aside(paired))
        if states[-1]:  # the engine tallies the phones it writes meanwhile (phonetally)
            assert engine._phones is not None
            tallied.append(len(engine._phones))
        for member_id, card, phone in loaded(paired):  # found by card and by phone meanwhile
            assert paired.till.checkout.identify(card).member_id == member_id
            if phone:
                assert paired.till.checkout.identify(phone).member_id == member_id

    engine.on_page = check
    report = engine.run_until_idle(deadline_s=60)
    engine.close()
    assert report.error is None
    assert len(states) >= 3 and states[0] and not states[-1]  # aside from the first page on
    assert states == sorted(states, reverse=True)  # ... then built once, at the end
    assert tallied == sorted(tallied) and tallied[-1] > 0 and engine._phones is None
    assert not index_aside(paired)
    assert cache(paired) == reference


def test_a_small_first_load_and_a_new_snapshot_keep_the_index(
    hq_process: HqProcess, make_till, reference: dict[str, Any]
) -> None:
    paired = make_till()
    states: list[bool] = []
    engine = engine_for(paired, [])  # the demo chain is far below the default size
    engine.on_page = lambda report: states.append(index_aside(paired))
    assert engine.run_until_idle(deadline_s=60).error is None
    assert states and not any(states)

    # The cursor expires: a new snapshot of a till that holds members keeps the index.
    hq_cli("maintain", "--db", hq_process.db_url, "--retention-days", "0")
    states.clear()
    again = engine_for(paired, [], defer_index_from=1)
    again.on_page = lambda report: states.append(index_aside(paired))
    assert again.run_until_idle(deadline_s=60).error is None
    engine.close()
    again.close()
    assert states and not any(states)
    assert cache(paired) == reference


def test_a_crash_with_the_index_aside_resumes_and_builds_it(
    make_till, reference: dict[str, Any]
) -> None:
    paired = make_till()
    engine = engine_for(paired, [], defer_index_from=1)

    def crash_amid_the_members(report: Any) -> None:
        if loaded(paired):
            raise Crash

    engine.on_page = crash_amid_the_members
    with pytest.raises(Crash):
        engine.sync_once()
    engine.close()
    assert index_aside(paired)  # what the crash left: two pages, the index aside
    assert 0 < len(loaded(paired)) < len(reference["members"])

    resumed = engine_for(paired, [], defer_index_from=1)
    assert resumed.run_until_idle(deadline_s=60).error is None
    resumed.close()
    assert not index_aside(paired)
    assert cache(paired) == reference


@pytest.fixture
def large_hq(tmp_path: Path) -> Iterator[HqProcess]:
    with running_hq(tmp_path, 1000) as hq:
        yield hq


@pytest.mark.slow
def test_sigkill_during_a_first_load_with_the_index_aside(tmp_path: Path, large_hq: HqProcess):
    data_dir = tmp_path / "till"
    paired_till(data_dir, large_hq).close()  # paired, nothing pulled yet
    expected = paired_till(tmp_path / "reference", large_hq)
    try:
        assert expected.engine.run_until_idle(deadline_s=60).error is None
        want = cache(expected)
    finally:
        expected.close()

    rng = random.Random(20261203)
    aside_seen = 0
    for round_no in range(12):
        run_child(data_dir, rng.randrange(2**31), rng.uniform(0.05, 0.5), "tests.sync.load_child")
        conn = sqlite3.connect(data_dir / "posclient.sqlite3")
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",), round_no
            index = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = ?", (feedapply.IDENTITY_INDEX,)
            ).fetchone()[0]
            members = conn.execute("SELECT count(*) FROM members").fetchone()[0]
        finally:
            conn.close()
        aside_seen += int(index == 0 and members > 0)
    assert aside_seen, "no kill came while the index was aside: the test proves nothing"

    paired = reopened_till(data_dir)
    try:
        assert paired.engine.run_until_idle(deadline_s=60).error is None
        assert not index_aside(paired)
        assert cache(paired) == want
    finally:
        paired.close()
