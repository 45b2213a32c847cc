"""Appending to the outbox: a gapless chain, HLC stamps that never go back (kept on events)."""

from __future__ import annotations

from datetime import timedelta

from posclient.domain.events import EventType
from posclient.domain.hlc import Hlc
from posclient.services import outbox
from posclient.store import fastpath
from posclient.store.uow import UnitOfWork
from tests.helpers import sql


def append(till, at) -> outbox.Appended:
    with UnitOfWork(till.db) as uow:
        appended = outbox.append(
            uow.session, type=EventType.AUDIT_RECORDED, payload={"n": 1}, occurred_at=at
        )
        uow.commit()
    return appended


def meta_hlc(till) -> list[tuple[str]]:
    return sql(till.db.path, "SELECT value FROM meta WHERE key = 'hlc'")


def test_appending_writes_no_meta_row_and_stamps_only_go_forward(till, clock):
    now = clock.now()
    first = append(till, now)
    same_ms = append(till, now)
    clock_set_back = append(till, now - timedelta(hours=1))
    later = append(till, now + timedelta(seconds=1))
    stamps = [Hlc.parse(a.hlc) for a in (first, same_ms, clock_set_back, later)]
    assert stamps == sorted(stamps) and len(set(stamps)) == 4
    assert stamps[1] == Hlc(stamps[0].wall_ms, 1) and stamps[2] == Hlc(stamps[0].wall_ms, 2)
    assert [a.seq for a in (first, same_ms, clock_set_back, later)] == [1, 2, 3, 4]
    assert meta_hlc(till) == []  # the newest event holds the newest stamp issued


def test_a_stamp_received_from_hq_is_kept_in_meta_and_the_next_event_follows_it(till, clock):
    append(till, clock.now())
    ahead = Hlc(int(clock.now().timestamp() * 1000) + 60_000, 7)
    with UnitOfWork(till.db) as uow:
        outbox.observe_hlc(uow.session, str(ahead))
        uow.commit()
    assert Hlc.parse(meta_hlc(till)[0][0]) > ahead
    assert Hlc.parse(append(till, clock.now()).hlc) > Hlc.parse(meta_hlc(till)[0][0])


def test_a_meta_stamp_left_by_an_older_version_still_counts(till, clock):
    """Tills upgraded from schema 0002 kept every issued stamp in meta; it stays a floor."""
    append(till, clock.now())
    floor = Hlc(int(clock.now().timestamp() * 1000) + 5_000, 3)
    with UnitOfWork(till.db) as uow:
        fastpath.write_meta(fastpath.driver(uow.session), {"hlc": str(floor)})
        uow.commit()
    assert Hlc.parse(append(till, clock.now()).hlc) == Hlc(floor.wall_ms, 4)


def test_outbox_head_of_an_empty_outbox_still_sees_a_received_stamp(till):
    with till.db.read() as session:
        head = fastpath.outbox_head(fastpath.driver(session))
    assert head == fastpath.OutboxHead(0, None, None, None)
    with UnitOfWork(till.db) as uow:
        fastpath.write_meta(fastpath.driver(uow.session), {"hlc": "001800000000000-00004"})
        uow.commit()
    with till.db.read() as session:
        head = fastpath.outbox_head(fastpath.driver(session))
    assert head == fastpath.OutboxHead(0, None, None, "001800000000000-00004")
