"""Hybrid logical clock: monotonic per device, past anything received, close to wall time."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posclient.domain.hlc import MAX_DRIFT_MS, Hlc, receive, tick

NOW = 1_718_000_000_000  # 2024-06-10, in ms

walls = st.integers(NOW - 10**7, NOW + 10**7)
counters = st.integers(0, 99_999)
stamps = st.builds(Hlc, walls, counters)
#: A clock that jumps back and forth, stalls, and sometimes stands still for a long time.
clock_readings = st.lists(st.one_of(walls, st.just(NOW)), min_size=1, max_size=60)


def test_tick_examples() -> None:
    assert tick(Hlc(NOW, 5), NOW + 1) == Hlc(NOW + 1, 0)
    assert tick(Hlc(NOW, 5), NOW) == Hlc(NOW, 6)
    assert tick(Hlc(NOW, 5), NOW - 60_000) == Hlc(NOW, 6)  # wall clock set back


@settings(deadline=None)
@given(start=stamps, readings=clock_readings)
def test_tick_is_strictly_monotonic_and_follows_the_wall_clock(
    start: Hlc, readings: list[int]
) -> None:
    last = start
    for now in readings:
        stamp = tick(last, now)
        assert stamp > last
        assert str(stamp) > str(last)  # text order is the same order
        assert Hlc.parse(str(stamp)) == stamp
        # Never behind the wall clock, and ahead of it only by what the device already saw.
        assert stamp.wall_ms >= now
        assert stamp.wall_ms <= max(now, last.wall_ms) + 1
        last = stamp


def test_the_counter_never_outgrows_its_five_digits() -> None:
    # A wall clock stuck (or set back) for 100,000 events must not produce a stamp that no longer
    # parses or sorts as text: the counter carries into the next millisecond.
    last = Hlc(NOW, 99_998)
    stamps = []
    for _ in range(3):
        last = tick(last, NOW - 1)
        stamps.append(last)
    assert stamps == sorted(stamps)
    assert [str(s) for s in stamps] == sorted(str(s) for s in stamps)
    for stamp in stamps:
        assert stamp.counter <= 99_999
        assert Hlc.parse(str(stamp)) == stamp
    overflow = receive(Hlc(NOW, 99_999), Hlc(NOW, 99_999), NOW)
    assert overflow > Hlc(NOW, 99_999)
    assert Hlc.parse(str(overflow)) == overflow


@settings(deadline=None)
@given(last=stamps, remote=stamps, now=walls)
def test_receive_moves_past_both_stamps(last: Hlc, remote: Hlc, now: int) -> None:
    merged = receive(last, remote, now)
    assert merged > last
    assert merged > remote
    assert merged.wall_ms >= now
    assert merged.wall_ms <= max(last.wall_ms, remote.wall_ms, now) + 1
    assert Hlc.parse(str(merged)) == merged
    # The next local event still comes after it.
    assert tick(merged, now) > merged


def test_receive_examples() -> None:
    assert receive(Hlc(NOW, 3), Hlc(NOW, 7), NOW) == Hlc(NOW, 8)
    assert receive(Hlc(NOW, 9), Hlc(NOW, 7), NOW) == Hlc(NOW, 10)
    assert receive(Hlc(NOW + 5, 2), Hlc(NOW, 7), NOW) == Hlc(NOW + 5, 3)
    assert receive(Hlc(NOW, 2), Hlc(NOW + 5, 7), NOW) == Hlc(NOW + 5, 8)
    assert receive(Hlc(NOW - 5, 2), Hlc(NOW - 9, 7), NOW) == Hlc(NOW, 0)


def test_receive_refuses_a_clock_far_ahead() -> None:
    assert receive(Hlc(NOW), Hlc(NOW + MAX_DRIFT_MS), NOW) == Hlc(NOW + MAX_DRIFT_MS, 1)
    with pytest.raises(ValueError, match="too far ahead"):
        receive(Hlc(NOW), Hlc(NOW + MAX_DRIFT_MS + 1), NOW)


@settings(deadline=None)
@given(a=stamps, b=stamps)
def test_text_order_is_stamp_order(a: Hlc, b: Hlc) -> None:
    assert (str(a) < str(b)) == (a < b)
    assert Hlc.parse(str(a)) == a


def test_text_form() -> None:
    assert str(Hlc(NOW, 7)) == "001718000000000-00007"
    assert Hlc.parse("001718000000000-00007") == Hlc(NOW, 7)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "001718000000000",
        "001718000000000-0007",
        "1718000000000-00007",
        "001718000000000-000007",
        "00171800000000x-00007",
        "001718000000000_00007",
        "-01718000000000-00007",
        "001718000000000-+0007",
    ],
)
def test_parse_refuses_what_is_not_a_stamp(text: str) -> None:
    with pytest.raises(ValueError, match="not an hlc stamp"):
        Hlc.parse(text)
