"""Hybrid logical clock: orders events across tills whose wall clocks drift.

A stamp is (wall milliseconds, counter). It never goes backwards on one device, moves past any
stamp the device has received, and stays close to real time. Rendered as a fixed-width string so
stamps sort as text; the device id breaks ties between devices.
"""

from __future__ import annotations

from dataclasses import dataclass

#: A remote stamp further ahead than this is a broken clock, not causality: refuse it.
MAX_DRIFT_MS = 24 * 3600 * 1000
#: The text form has five counter digits; past this the counter carries into the next ms.
MAX_COUNTER = 99_999


@dataclass(frozen=True, order=True)
class Hlc:
    wall_ms: int
    counter: int = 0

    def __str__(self) -> str:
        return f"{self.wall_ms:015d}-{self.counter:05d}"

    @classmethod
    def parse(cls, text: str) -> Hlc:
        wall, sep, counter = text.partition("-")
        if not sep or len(wall) != 15 or len(counter) != 5:
            raise ValueError(f"not an hlc stamp: {text!r}")
        if not (wall.isdigit() and counter.isdigit()):
            raise ValueError(f"not an hlc stamp: {text!r}")
        return cls(int(wall), int(counter))


def _stamp(wall_ms: int, counter: int) -> Hlc:
    # A clock stuck or set back for 100,000 events would otherwise yield a 6-digit counter that
    # neither parses nor sorts as text; moving 1 ms ahead keeps the order and the format.
    if counter > MAX_COUNTER:
        return Hlc(wall_ms + 1, 0)
    return Hlc(wall_ms, counter)


def tick(last: Hlc, now_ms: int) -> Hlc:
    """The stamp for a new local event."""
    if now_ms > last.wall_ms:
        return Hlc(now_ms, 0)
    return _stamp(last.wall_ms, last.counter + 1)


def receive(last: Hlc, remote: Hlc, now_ms: int) -> Hlc:
    """Merge a stamp seen from elsewhere (HQ or another till's event)."""
    if remote.wall_ms - now_ms > MAX_DRIFT_MS:
        raise ValueError("remote clock too far ahead")
    wall = max(last.wall_ms, remote.wall_ms, now_ms)
    if wall == last.wall_ms == remote.wall_ms:
        counter = max(last.counter, remote.counter) + 1
    elif wall == last.wall_ms:
        counter = last.counter + 1
    elif wall == remote.wall_ms:
        counter = remote.counter + 1
    else:
        counter = 0
    return _stamp(wall, counter)
