"""The card and phone look-up index set aside during a first load (feedapply.defer_identity_index).

While it is aside, pages append their identities and a (kind, value) may be held twice: every
look-up takes the newest entry, provisional members are still adopted, and building the index
keeps exactly what the upserts would have left. A merge or an erasure builds it first.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from posclient.bootstrap import Till, open_till
from posclient.services import feedapply
from posclient.services.members import identity_lookup, phone_index
from posclient.services.phonetally import PhoneTally
from posclient.store import fastpath
from posclient.store.uow import UnitOfWork
from posclient.sync.pages import parse_pull
from tests.helpers import sql

from .test_feedapply import NOW, _merge_naming, apply, member, page_body


@pytest.fixture
def bare_till(tmp_path: Path, clock) -> Iterator[Till]:
    till = open_till(tmp_path / "till", create=True, clock=clock)
    yield till
    till.close()


def set_aside(till: Till) -> None:
    with UnitOfWork(till.db) as uow:
        feedapply.defer_identity_index(fastpath.driver(uow.session))
        uow.commit()
    assert deferred(till)


def deferred(till: Till) -> bool:
    with till.db.read() as session:
        return feedapply.identity_index_deferred(fastpath.driver(session))


def build(till: Till) -> None:
    with UnitOfWork(till.db) as uow:
        conn = fastpath.driver(uow.session)
        settings = [conn.execute(f"PRAGMA {name}").fetchone() for name in ("cache_size", "threads")]
        feedapply.restore_identity_index(conn)
        # Raised for the build only.
        assert [conn.execute(f"PRAGMA {n}").fetchone() for n in ("cache_size", "threads")] == (
            settings
        )
        uow.commit()


def put(till: Till, *members: dict[str, Any]) -> None:
    apply(till, list(parse_pull(page_body(list(members))).changes))  # type: ignore[union-attr]


def owner(till: Till, kind: str, value: str) -> str | None:
    with till.db.read() as session:
        found: str | None = session.scalar(identity_lookup(kind, value))
        return found


def entries(till: Till) -> list[tuple[Any, ...]]:
    return sql(till.db.path, "SELECT kind, value, member_id FROM member_identities ORDER BY 1, 2")


def test_pages_append_while_the_index_is_aside_and_building_it_keeps_the_same_entries(
    bare_till: Till, tmp_path: Path
) -> None:
    members = [member(n) for n in range(1, 9)]
    kept = open_till(tmp_path / "kept", create=True)
    try:
        for chunk in (members[:3], members[3:]):
            put(kept, *chunk)
        expected = sorted((k, v if k == "card" else "phone", m) for k, v, m in entries(kept))
    finally:
        kept.close()

    set_aside(bare_till)
    put(bare_till, *members[:3])
    put(bare_till, *members[3:])
    plan = sql(
        bare_till.db.path,
        "EXPLAIN QUERY PLAN SELECT member_id FROM member_identities WHERE kind = ? AND value = ?",
        "card",
        members[0]["card_no"],
    )
    assert "SCAN" in plan[0][-1]  # no index to search: look-ups scan meanwhile
    for m in members:  # ... and find every member, by card and by phone
        assert owner(bare_till, "card", m["card_no"]) == m["member_id"]
        phone = phone_index(bare_till.cipher, m["profile"]["phone"])
        assert owner(bare_till, "phone", phone) == m["member_id"]
    assert bare_till.checkout.identify(members[5]["card_no"]).member_id == members[5]["member_id"]

    build(bare_till)
    assert not deferred(bare_till)
    got = sorted((k, v if k == "card" else "phone", m) for k, v, m in entries(bare_till))
    assert got == expected
    plan = sql(
        bare_till.db.path,
        "EXPLAIN QUERY PLAN SELECT member_id FROM member_identities WHERE kind = ? AND value = ?",
        "card",
        members[0]["card_no"],
    )
    assert feedapply.IDENTITY_INDEX in plan[0][-1]


def test_a_card_or_phone_claimed_again_while_aside_goes_to_the_newest_claim(
    bare_till: Till,
) -> None:
    first = member(1, profile={"phone": "13912345678"})
    second = member(2, card_no=first["card_no"], profile={"phone": "13912345678"})
    third = member(3, profile={"phone": "13912345678"})  # the phone only, a third time
    others = [member(n) for n in range(4, 8)]
    set_aside(bare_till)
    put(bare_till, first, *others[:2])
    put(bare_till, second)  # a later page claims the same card and phone
    index = phone_index(bare_till.cipher, "13912345678")
    held = sql(bare_till.db.path, "SELECT count(*) FROM member_identities WHERE value = ?", index)
    assert held == [(2,)]  # both held while the index is aside...
    assert owner(bare_till, "card", first["card_no"]) == second["member_id"]  # ...newest counts
    assert owner(bare_till, "phone", index) == second["member_id"]
    put(bare_till, third, *others[2:])
    assert owner(bare_till, "phone", index) == third["member_id"]

    build(bare_till)  # the duplicates make the first attempt fail: superseded entries go
    assert not deferred(bare_till)
    assert sql(
        bare_till.db.path,
        "SELECT kind, member_id FROM member_identities WHERE value IN (?, ?) ORDER BY kind",
        first["card_no"],
        index,
    ) == [("card", second["member_id"]), ("phone", third["member_id"])]
    assert owner(bare_till, "card", first["card_no"]) == second["member_id"]
    # Everyone else keeps both entries; the index that found the superseded ones is gone.
    for m in [*others, third]:
        assert owner(bare_till, "card", m["card_no"]) == m["member_id"]
    for m in others:
        phone = phone_index(bare_till.cipher, m["profile"]["phone"])
        assert owner(bare_till, "phone", phone) == m["member_id"]
    assert sql(bare_till.db.path, "SELECT count(*) FROM member_identities") == [(11,)]
    assert sql(
        bare_till.db.path,
        "SELECT name FROM sqlite_master WHERE type = 'index' AND "
        "tbl_name = 'member_identities' ORDER BY name",
    ) == [
        ("ix_member_identities_member_id",),
        (feedapply.IDENTITY_INDEX,),
    ]


def test_a_provisional_member_is_adopted_while_the_index_is_aside(till: Till) -> None:
    from posclient.services.checkout import Cart
    from posclient.services.members import provisional_id

    real = member(77)
    set_aside(till)
    put(till, member(1), member(2))
    cart = Cart(member=till.checkout.identify(real["card_no"]))  # not loaded yet
    assert cart.member is not None and cart.member.provisional
    cart.add(till.checkout.find_product("MILK-1L"), 1)
    till.checkout.complete_sale(cart)

    put(till, real)
    ghost = provisional_id(real["card_no"])
    assert sql(till.db.path, "SELECT count(*) FROM members WHERE member_id = ?", ghost) == [(0,)]
    assert sql(till.db.path, "SELECT DISTINCT member_id FROM sales") == [(real["member_id"],)]
    assert till.checkout.identify(real["card_no"]).member_id == real["member_id"]
    build(till)
    cards = sql(
        till.db.path, "SELECT member_id FROM member_identities WHERE value = ?", real["card_no"]
    )
    assert cards == [(real["member_id"],)]


def test_looking_for_provisional_members_scans_neither_table(bare_till: Till) -> None:
    for aside in (False, True):
        if aside:
            set_aside(bare_till)
        plan = sql(bare_till.db.path, "EXPLAIN QUERY PLAN " + feedapply._PROVISIONAL_CARDS)
        steps = " | ".join(row[-1] for row in plan)
        assert "ix_members_provisional" in steps and "ix_member_identities_member_id" in steps
        assert "SCAN member_identities" not in steps and "SCAN i " not in steps, steps


def test_a_merge_builds_the_index_first(bare_till: Till) -> None:
    kept, merged = member(1), member(2)
    set_aside(bare_till)
    put(bare_till, kept, merged)
    apply(bare_till, [_merge_naming(merged, kept["member_id"])])
    assert not deferred(bare_till)
    assert owner(bare_till, "card", merged["card_no"]) == kept["member_id"]
    assert sql(bare_till.db.path, "SELECT count(*) FROM members") == [(1,)]


def test_the_sync_engine_builds_the_index_in_steps_of_their_own(
    bare_till: Till, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sale waits for the write lock one step of the build at most: the unique index is tried
    in a transaction of its own, the entries held twice are found without the lock, and the
    older ones go in the last transaction, with the index."""
    from posclient.services.sync import SyncEngine

    set_aside(bare_till)
    put(bare_till, member(1, profile={"phone": "13912345678"}), member(2))
    put(bare_till, member(3, profile={"phone": "13912345678"}))  # the phone held twice
    committed: list[list[str]] = []
    commit = UnitOfWork.commit

    announced: list[bool] = []

    def counting(uow: UnitOfWork) -> None:
        commit(uow)
        committed.append(indexes(bare_till))
        announced.append(bare_till.db.long_write_in_progress)

    found = feedapply.held_twice_identities
    lock_free: list[bool] = []

    def finding(conn: Any) -> list[tuple[str, str, int]]:
        other = sqlite3.connect(bare_till.db.path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # a sale could take the write lock now
            other.execute("ROLLBACK")
            lock_free.append(True)
        finally:
            other.close()
        return found(conn)

    monkeypatch.setattr(UnitOfWork, "commit", counting)
    monkeypatch.setattr(feedapply, "held_twice_identities", finding)
    engine = SyncEngine(bare_till.db, cipher=bare_till.cipher, secrets=bare_till.secrets)
    told: list[bool] = []
    engine.on_indexing = told.append
    engine._build_identity_index()
    assert told == [True, False]  # the till's status bar shows the build meanwhile
    by_member = "ix_member_identities_member_id"
    assert committed == [
        [by_member],  # the unique index: refused, nothing changed
        [by_member, feedapply.IDENTITY_INDEX],  # the older entry dropped, the index built
    ]
    assert lock_free == [True]
    # Announced as a long write: a sale meanwhile waits for a step instead of failing busy.
    assert announced == [True, True] and not bare_till.db.long_write_in_progress
    index = phone_index(bare_till.cipher, "13912345678")
    assert owner(bare_till, "phone", index) == member(3)["member_id"]
    assert sql(
        bare_till.db.path, "SELECT count(*) FROM member_identities WHERE value = ?", index
    ) == [(1,)]
    committed.clear()
    engine._build_identity_index()
    assert committed == [] and told == [True, False]  # built: not even a write transaction


def indexes(till: Till) -> list[str]:
    rows = sql(
        till.db.path,
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'member_identities' "
        "ORDER BY name",
    )
    return [name for (name,) in rows]


def tallied_put(till: Till, tally: PhoneTally, *members: dict[str, Any]) -> None:
    """A page written as the sync engine writes it during a first load, its phones tallied."""
    changes = list(parse_pull(page_body(list(members))).changes)  # type: ignore[union-attr]
    with UnitOfWork(till.db) as uow:
        prepared = feedapply.prepare_changes(till.cipher, changes, NOW)
        feedapply.apply_prepared(uow.session, prepared)
        uow.commit()
    tally.add(prepared)


def engine_with(till: Till, tally: PhoneTally | None) -> Any:
    from posclient.services.sync import SyncEngine

    engine = SyncEngine(till.db, cipher=till.cipher, secrets=till.secrets)
    engine._phones = tally
    return engine


def counting_commits(till: Till, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The member_identities indexes after each commit."""
    committed: list[list[str]] = []
    commit = UnitOfWork.commit

    def counting(uow: UnitOfWork) -> None:
        commit(uow)
        committed.append(indexes(till))

    monkeypatch.setattr(UnitOfWork, "commit", counting)
    return committed


def test_phones_a_first_load_wrote_twice_go_before_the_index_is_built_once(
    bare_till: Till, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine tallied the load's phones: the one held twice is dropped and the index built
    in one transaction, without the failed build and the search over every entry."""
    set_aside(bare_till)
    tally = PhoneTally()
    tallied_put(bare_till, tally, member(1, profile={"phone": "13912345678"}), member(2))
    tallied_put(bare_till, tally, member(3, profile={"phone": "13912345678"}), member(4))
    tallied_put(bare_till, tally, member(5, profile={"phone": "13912345678"}))
    assert len(tally) == 5
    index = phone_index(bare_till.cipher, "13912345678")
    assert tally.repeated() == [index[:16]]

    def the_long_way(conn: Any) -> list[tuple[str, str, int]]:
        raise AssertionError("every entry searched")

    monkeypatch.setattr(feedapply, "held_twice_identities", the_long_way)
    committed = counting_commits(bare_till, monkeypatch)
    engine = engine_with(bare_till, tally)
    engine._build_identity_index()
    engine.close()
    assert committed == [["ix_member_identities_member_id", feedapply.IDENTITY_INDEX]]
    assert engine._phones is None  # used once
    assert owner(bare_till, "phone", index) == member(5)["member_id"]
    assert sql(
        bare_till.db.path, "SELECT count(*) FROM member_identities WHERE value = ?", index
    ) == [(1,)]
    for n in (1, 2, 3, 4, 5):
        assert owner(bare_till, "card", member(n)["card_no"]) == member(n)["member_id"]


def test_something_else_held_twice_still_takes_the_long_way(
    bare_till: Till, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A card held twice is not in the tally (nor a phone written by a sale at this till): the
    build fails, the entries held twice are searched, and it ends as the upserts would."""
    set_aside(bare_till)
    tally = PhoneTally()
    first = member(1, profile={"phone": "13912345678"})
    tallied_put(bare_till, tally, first, member(2))
    tallied_put(bare_till, tally, member(3, card_no=first["card_no"]))  # the card, again
    put(bare_till, member(4, profile={"phone": "13912345678"}))  # not tallied
    assert tally.repeated() == []
    committed = counting_commits(bare_till, monkeypatch)
    engine = engine_with(bare_till, tally)
    engine._build_identity_index()
    engine.close()
    by_member = "ix_member_identities_member_id"
    assert committed == [[by_member], [by_member, feedapply.IDENTITY_INDEX]]
    assert owner(bare_till, "card", first["card_no"]) == member(3)["member_id"]
    index = phone_index(bare_till.cipher, "13912345678")
    assert owner(bare_till, "phone", index) == member(4)["member_id"]


def test_a_tally_of_too_many_repeats_gives_up_and_chance_collisions_cost_nothing(
    bare_till: Till,
) -> None:
    from posclient.services import phonetally

    tally = PhoneTally()
    many = [f"{n:016x}" + "0" * 24 for n in range(phonetally.MAX_REPEATED + 1)]
    batch = feedapply.PreparedMembers(
        ids=[], versions=[], cards=[], phones=[*many, *many, None], rows=[], snapshot=True
    )
    tally.add([batch])
    assert tally.repeated() is None  # the long way finds them
    # Tallied twice but held once (a page read again after a failed commit): nothing to drop.
    set_aside(bare_till)
    put(bare_till, member(1), member(2))
    prefixes = [phone_index(bare_till.cipher, member(n)["profile"]["phone"])[:16] for n in (1, 2)]
    with bare_till.db.read() as session:
        assert phonetally.held_twice(fastpath.driver(session), prefixes) == []
        assert phonetally.held_twice(fastpath.driver(session), []) == []
