"""The typed reading of pull pages (sync/pages.py) agrees with the protocol models.

Member records are validated by a schema derived from MemberData's: they must accept exactly
what MemberData accepts, with the same values (as dicts), and refuse what it refuses. A page the
typed reading refuses falls back to the plain PullResponse reading in the client.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from posclient.sync.client import HqClient, SyncError
from posclient.sync.pages import MemberPut, member_record, member_records, parse_pull
from posclient.sync.protocol import Change, Entity, MemberData, PullResponse

from .test_feedapply import MEMBERS, member, page_body

INVALID = [
    {},
    member(1, member_id="not-a-uuid"),
    member(1, enrolled_at="2024-03-01T08:00:00"),  # naive: MemberData wants an aware time
    member(1, points_debt=-1),
    member(1, profile={"phone": "12345"}),
    member(1, profile={"gender": "robot"}),
    member(1, profile={"nickname": "x"}),  # ProfileFields forbids unknown fields
    member(1, lots=[{"lot_id": "a", "remaining": 1}]),
    member(1, lots=[{"lot_id": "a", "remaining": 1, "expires_on": "2027-01-01", "x": 1}]),
    member(1, consents={"telepathy": True}),
    member(1, version=None),
    member(1, profile={"categories": ["x"] * 21}),
    member(1, tags="tier:gold"),
]


@pytest.mark.parametrize("data", [*MEMBERS, member(5, unknown_field="ignored like MemberData")])
def test_records_hold_what_memberdata_holds(data: dict[str, Any]) -> None:
    assert member_record(data) == MemberData.model_validate(data).model_dump()
    assert member_record(json.loads(json.dumps(data))) == member_records([data])[0]


@pytest.mark.parametrize("data", INVALID)
def test_records_refuse_what_memberdata_refuses(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        MemberData.model_validate(data)
    with pytest.raises(ValidationError):
        member_record(data)
    assert parse_pull(page_body([MEMBERS[0], data])) is None


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**13), st.text(max_size=5), st.just("2027-01-01")
)


@settings(max_examples=300, deadline=None)
@given(
    base=st.sampled_from(MEMBERS),
    field=st.sampled_from(sorted(MemberData.model_fields)),
    value=st.one_of(
        scalars,
        st.lists(scalars, max_size=2),
        st.dictionaries(st.text(max_size=8), scalars, max_size=2),
    ),
)
def test_records_agree_with_memberdata_on_any_one_field(
    base: dict[str, Any], field: str, value: Any
) -> None:
    data = dict(base, **{field: value})
    try:
        expected: dict[str, Any] | None = MemberData.model_validate(data).model_dump()
    except ValidationError:
        expected = None
    try:
        got: dict[str, Any] | None = member_record(data)
    except ValidationError:
        got = None
    assert got == expected


def test_a_typed_page_keeps_other_changes_as_they_were() -> None:
    body = json.dumps(
        {
            "changes": [
                {"entity": "product", "op": "put", "id": "MILK", "version": 1, "data": {"a": 1}},
                {"entity": "member", "op": "put", "id": "m", "version": 3, "data": MEMBERS[0]},
                {"entity": "member", "op": "delete", "id": "gone", "version": 4},
                {"entity": "member", "op": "merge", "id": "a", "version": 5, "data": {"x": 1}},
            ],
            "next_cursor": "abc",
            "has_more": True,
            "position": 9,
            "snapshot": True,
            "snapshot_done": 1,
            "snapshot_total": 2,
        }
    ).encode()
    typed = parse_pull(body)
    plain = PullResponse.model_validate_json(body)
    assert typed is not None
    assert [type(c) is MemberPut for c in typed.changes] == [False, True, False, False]
    assert [c.model_dump() for c in typed.changes if not isinstance(c, MemberPut)] == [
        c.model_dump() for c in plain.changes if c.entity is not Entity.MEMBER or c.op != "put"
    ]
    assert typed.changes[1].data == member_record(MEMBERS[0])
    envelope = {"next_cursor", "has_more", "position", "snapshot", "snapshot_done"}
    assert typed.model_dump(include=envelope | {"snapshot_total"}) == plain.model_dump(
        include=envelope | {"snapshot_total"}
    )


@pytest.mark.parametrize(
    "body",
    [
        b"garbage",
        b'{"changes": [], "next_cursor": "c", "has_more": false}',  # no position
        b'{"changes": [{"entity": "widget", "op": "put", "id": "w", "version": 1}],'
        b' "next_cursor": "c", "has_more": false, "position": 1}',
    ],
)
def test_the_client_refuses_a_malformed_page_with_one_reason(body: bytes) -> None:
    client = HqClient(
        "http://hq.test", transport=httpx.MockTransport(lambda r: httpx.Response(200, content=body))
    )
    with pytest.raises(SyncError) as caught:
        client.pull("")
    assert caught.value.code == "sync.bad_response"


def test_the_client_reads_a_page_with_a_bad_member_plainly() -> None:
    body = page_body([MEMBERS[0], member(2, profile={"phone": "123"})])
    client = HqClient(
        "http://hq.test", transport=httpx.MockTransport(lambda r: httpx.Response(200, content=body))
    )
    page = client.pull("")
    assert [type(c) for c in page.changes] == [Change, Change]  # feedapply validates (and skips)


def test_the_client_asks_for_listed_members_and_falls_back_for_an_older_hq() -> None:
    asked: list[dict[str, str]] = []
    body = page_body([MEMBERS[0]])

    def older_hq(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        asked.append(params)
        if "members" in params:  # what an HQ without the parameter answers
            problem = {"error": "invalid_request", "detail": "unknown query parameter(s): members"}
            return httpx.Response(422, json=problem)
        return httpx.Response(200, content=body)

    client = HqClient("http://hq.test", transport=httpx.MockTransport(older_hq))
    assert client.pull("").changes[0].data == member_record(MEMBERS[0])
    client.pull("c")
    assert [a.get("members") for a in asked] == ["list", None, None]  # asked once only


def test_a_refusal_for_another_reason_is_not_taken_for_an_older_hq() -> None:
    asked: list[str | None] = []

    def refuses(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.params.get("members"))
        return httpx.Response(422, json={"error": "invalid_cursor", "detail": "members?"})

    client = HqClient("http://hq.test", transport=httpx.MockTransport(refuses))
    with pytest.raises(SyncError) as caught:
        client.pull("x")
    assert caught.value.params["error"] == "invalid_cursor"
    with pytest.raises(SyncError):
        client.pull("x")
    assert asked == ["list", "list"]
