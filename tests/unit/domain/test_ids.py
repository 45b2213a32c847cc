"""Time-ordered ids: valid RFC 9562 version-7 UUIDs that sort by creation time."""

from __future__ import annotations

import uuid

from posclient.domain.ids import uuid7


def test_uuid7_is_a_version_7_rfc_uuid_carrying_its_millisecond():
    text = uuid7(now_ms=1_795_449_869_456)
    parsed = uuid.UUID(text)
    assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
    assert parsed.int >> 80 == 1_795_449_869_456
    assert str(parsed) == text


def test_uuid7_sorts_by_time_and_differs_within_a_millisecond():
    ids = [uuid7(now_ms=ms) for ms in (1_000, 1_000, 1_001, 2_000_000_000_000)]
    assert ids[0] != ids[1]
    assert max(ids[:2]) < ids[2] < ids[3]
    assert len({uuid7() for _ in range(1000)}) == 1000
