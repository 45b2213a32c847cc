"""The HQ HTTP API (FastAPI): pairing, push, pull, member look-up, dynamic codes."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from posclient import __version__
from posclient.sync.protocol import (
    DEFAULT_PULL_LIMIT,
    MAX_PULL_LIMIT,
    ChainPosition,
    DynamicCode,
    Health,
    MemberLookup,
    PairRequest,
    PairResponse,
    Problem,
    PullMembers,
    PullResponse,
    PushRequest,
    PushResponse,
)

from . import codes, pairing, pull, push
from .context import DEFAULT_RETENTION, Hq, utcnow
from .db import Database
from .feed import CursorError

log = logging.getLogger("posclient.hq")

#: Largest request body accepted (a full push batch of big sales fits easily).
MAX_BODY_BYTES = 16 * 1024 * 1024

_STATUS_ERRORS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    410: "cursor_expired",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
    503: "unavailable",
}


class ApiError(Exception):
    def __init__(
        self, status: int, error: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.error, self.detail, self.headers = status, error, detail, headers


def problem(
    status: int, error: str, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        Problem(error=error, detail=detail).model_dump(), status_code=status, headers=headers
    )


def _responses(*codes_: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": Problem, "description": _STATUS_ERRORS[code]} for code in codes_}


class BodyLimit:
    """ASGI middleware: the whole body is read here before the app sees it.

    413 for a body over MAX_BODY_BYTES, declared (Content-Length) or streamed (chunked); 408 when
    the body stops arriving for BODY_TIMEOUT_S (a truncated request must not hold a worker
    forever). The app then gets the body in one message.
    """

    def __init__(self, app: Callable[..., Awaitable[None]], limit: int = MAX_BODY_BYTES) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.limit:
                    await _discard_rest(receive)
                    await _send_problem(send, 413, "too_large", _TOO_LARGE)
                    return
        chunks: list[bytes] = []
        seen = 0
        while True:
            try:
                message = await asyncio.wait_for(receive(), BODY_TIMEOUT_S)
            except TimeoutError:
                await _send_problem(send, 408, "timeout", "the request body stopped arriving")
                return
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            more = message.get("more_body", False)
            if seen > self.limit:
                if more:
                    await _discard_rest(receive)
                await _send_problem(send, 413, "too_large", _TOO_LARGE)
                return
            chunks.append(chunk)
            if not more:
                break
        body = b"".join(chunks)
        if b"\\u0000" in body and _holds_nul(body):
            # PostgreSQL cannot store U+0000 in text: refused here, for every endpoint, rather
            # than failing deep in a transaction (a 500 that a till would retry forever).
            await _send_problem(send, 422, "invalid_request", _NUL, close=False)
            return
        delivered = False

        async def replay() -> Any:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: the disconnect, when it comes

        await self.app(scope, replay, send)


#: Seconds a request body may pause before the request is dropped with 408.
BODY_TIMEOUT_S = 30.0
_TOO_LARGE = f"request body over {MAX_BODY_BYTES} bytes"
_NUL = "text may not contain the NUL character (\\u0000)"


def _holds_nul(body: bytes) -> bool:
    """Whether the JSON ``body`` has a NUL in a string or key (a literal backslash followed
    by u0000 in the text does not count). Not JSON: False, the endpoint says what is wrong."""
    try:
        value = json.loads(body)
    except ValueError:
        return False
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


async def _discard_rest(receive: Any, most: int = 4 * MAX_BODY_BYTES) -> None:
    """Read and drop what the client still sends (up to ``most`` bytes) before answering: a
    client still writing when the connection closes sees a reset, not the 413."""
    dropped = 0
    while dropped < most:
        try:
            message = await asyncio.wait_for(receive(), BODY_TIMEOUT_S)
        except TimeoutError:
            return
        if message["type"] != "http.request":
            return
        dropped += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


async def _send_problem(
    send: Any, status: int, error: str, detail: str, *, close: bool = True
) -> None:
    body = Problem(error=error, detail=detail).model_dump_json()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if close:  # the rest of the request may still be coming: end the connection
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body.encode()})


_bearer = HTTPBearer(auto_error=False, description="The device token from POST /v1/pair")


def _device(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> pairing.Device:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(
            401, "unauthorized", "a device token is required", {"WWW-Authenticate": "Bearer"}
        )
    found = pairing.authenticate(request.app.state.hq, credentials.credentials)
    if found is None:
        raise ApiError(
            401, "unauthorized", "unknown or revoked device token", {"WWW-Authenticate": "Bearer"}
        )
    return found


Authed = Annotated[pairing.Device, Depends(_device)]


def _only_query(*names: str) -> Any:
    """A dependency refusing query parameters the endpoint does not define (422)."""
    allowed = set(names)

    def check(request: Request) -> None:
        unknown = sorted(set(request.query_params.keys()) - allowed)
        if unknown:
            raise ApiError(
                422, "invalid_request", f"unknown query parameter(s): {', '.join(unknown)[:200]}"
            )

    return Depends(check)


def create_app(
    db_url: str | None = None,
    *,
    hq: Hq | None = None,
    retention: timedelta = DEFAULT_RETENTION,
    clock: Callable[[], datetime] = utcnow,
) -> FastAPI:
    """The HQ application for ``db_url`` (or an existing ``hq``)."""
    if hq is None:
        if db_url is None:
            raise ValueError("create_app needs db_url or hq")
        hq = Hq(Database(db_url), retention=retention, clock=clock)
    app = FastAPI(
        title="posclient HQ",
        version=__version__,
        description="Reference central service: the contract a production HQ implements.",
    )
    app.state.hq = hq

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return problem(exc.status, exc.error, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        about_body = any(error.get("loc", ("",))[0] == "body" for error in exc.errors())
        if about_body and kind != "application/json":
            # FastAPI reads any other body as text and says "should be a valid dictionary".
            detail = f"the body must be JSON sent as Content-Type: application/json, not {kind!r}"
            return problem(422, "invalid_request", detail[:200])
        parts = []
        for error in exc.errors()[:5]:
            where = ".".join(str(part) for part in error.get("loc", ()))
            parts.append(f"{where}: {error.get('msg', 'invalid')}")
        return problem(422, "invalid_request", "; ".join(parts) or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # FastAPI's "error parsing the body" (e.g. not UTF-8): a malformed body, like any other.
            return problem(422, "invalid_request", str(exc.detail))
        error = _STATUS_ERRORS.get(exc.status_code, "error")
        return problem(exc.status_code, error, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _bug(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return problem(500, "internal_error", "HQ failed to handle the request; it was logged")

    @app.get(
        "/v1/health",
        response_model=Health,
        responses=_responses(422),
        tags=["meta"],
        dependencies=[_only_query()],
    )
    def health() -> Health:
        """Liveness and version; no token needed."""
        return Health(version=__version__, chain=hq.chain)

    @app.post(
        "/v1/pair",
        response_model=PairResponse,
        responses=_responses(403, 413, 422),
        tags=["pairing"],
        dependencies=[_only_query()],
    )
    def pair(body: PairRequest, request: Request) -> PairResponse:
        """Trade a one-time pairing code for a device token (shown once, stored hashed at HQ).

        A till paired before may send its current token (Authorization: Bearer): that device
        is revoked as the new one is made, so no discarded token keeps working. An unknown or
        revoked token is ignored; a till pairing for the first time sends none."""
        scheme, _, replaces = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            replaces = ""
        try:
            return pairing.pair(
                hq,
                body.pairing_code,
                body.device_name,
                continues_seq=body.continues_seq,
                continues_hash=body.continues_hash,
                replaces_token=replaces.strip() or None,
                known_key=body.known_key,
                acknowledged=body.acknowledged,
            )
        except pairing.PairingError as exc:
            raise ApiError(403, "pairing_refused", str(exc)) from exc

    @app.post(
        "/v1/sync/push",
        response_model=PushResponse,
        responses=_responses(401, 403, 413, 422),
        tags=["sync"],
        dependencies=[_only_query()],
    )
    def sync_push(body: PushRequest, dev: Authed) -> Response:
        """Apply up to 200 events, each once and atomically; answer per event."""
        if body.device_id != dev.device_id:
            raise ApiError(403, "device_mismatch", "events must come from the authenticated device")
        # Serialised here, not re-validated by FastAPI: the model was built by HQ itself.
        return Response(push.push_json(hq, body), media_type="application/json")

    @app.get(
        "/v1/sync/position",
        response_model=ChainPosition,
        responses=_responses(401),
        tags=["sync"],
        dependencies=[_only_query()],
    )
    def sync_position(dev: Authed) -> ChainPosition:
        """How far HQ holds this device's event chain (pull pages say it too): asked before
        a push, so events HQ lost (restored from a backup) go again ahead of newer ones."""
        return ChainPosition(device_seq=pull.device_seq(hq, dev.device_id) or 0)

    @app.get(
        "/v1/sync/pull",
        response_model=PullResponse,
        responses=_responses(401, 410, 422),
        tags=["sync"],
        dependencies=[_only_query("cursor", "limit", "members")],
    )
    def sync_pull(
        dev: Authed,
        cursor: Annotated[
            str,
            Query(
                max_length=2000,
                pattern=r"^[A-Za-z0-9_-]*$",
                description="next_cursor of the last page (opaque); empty starts a snapshot",
            ),
        ] = "",
        limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = DEFAULT_PULL_LIMIT,
        members: Annotated[
            PullMembers,
            Query(
                description="list: snapshot pages send their member puts as member documents "
                "in `members` (after `changes`) instead of one change each"
            ),
        ] = "changes",
    ) -> Response:
        """Changes after ``cursor`` in commit order; an empty cursor gets a paged snapshot."""
        try:
            body = pull.pull(
                hq,
                store=dev.store,
                cursor=cursor,
                limit=limit,
                members=members,
                device_id=dev.device_id,
            )
        except CursorError as exc:
            raise ApiError(422, "invalid_cursor", str(exc)) from exc
        except pull.CursorGone as exc:
            raise ApiError(
                410,
                "cursor_expired",
                "the cursor is older than the feed retention; pull a new snapshot",
            ) from exc
        return Response(content=body, media_type="application/json")

    @app.get(
        "/v1/members/lookup",
        response_model=MemberLookup,
        responses=_responses(401, 404, 422),
        tags=["members"],
        dependencies=[_only_query("phone")],
    )
    def lookup(
        _: Authed,
        phone: Annotated[
            str, Query(pattern=r"^1[3-9][0-9]{9}$", description="11-digit mobile number")
        ],
    ) -> MemberLookup:
        """Who already has this phone (masked): the duplicate check at enrolment."""
        found = codes.lookup_phone(hq, phone)
        if found is None:
            raise ApiError(404, "not_found", "no member has this phone number")
        return found

    @app.post(
        "/v1/members/{member_id}/dynamic-code",
        response_model=DynamicCode,
        responses=_responses(401, 404, 422),
        tags=["members"],
        dependencies=[_only_query()],
    )
    def member_code(_: Authed, member_id: Annotated[UUID, Path()]) -> DynamicCode:
        """A signed, short-lived member code (stand-in for the member app)."""
        found = codes.dynamic_code(hq, str(member_id))
        if found is None:
            raise ApiError(404, "not_found", "no such member")
        return found

    app.add_middleware(BodyLimit)
    return app
