"""The till's HTTP client for HQ (httpx): timeouts on every operation and an overall limit on
every call (``deadline``), answers validated.

Every failure becomes a SyncError with a code the engine acts on (offline → retry later,
unauthorized → ask for re-pairing, cursor gone → re-snapshot, …). A body that does not match the
protocol is ``sync.bad_response``: nothing from it is applied.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from posclient import __version__
from posclient.domain.errors import PosError

from . import deadline
from .pages import parse_pull
from .protocol import (
    DEFAULT_PULL_LIMIT,
    ChainMark,
    ChainPosition,
    DynamicCode,
    Health,
    MemberLookup,
    PairRequest,
    PairResponse,
    PullResponse,
    PushResponse,
)
from .retry import retry_after_seconds

log = logging.getLogger("posclient.sync")

DEFAULT_TIMEOUT = httpx.Timeout(connect=3.0, read=15.0, write=15.0, pool=3.0)
M = TypeVar("M", bound=BaseModel)


class SyncError(PosError):
    """A sync call that failed; ``code`` says what to do about it."""

    @property
    def retry_after(self) -> float | None:
        value = self.params.get("retry_after")
        return float(value) if value is not None else None


class HqClient:
    """One till's connection to HQ, used by one sync engine: its pass, and while it pulls, its
    read-ahead threads (one request in flight at a time; parsing needs no connection)."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        verify: bool = True,
        call_deadline_s: float | None = deadline.CALL_DEADLINE_S,
    ):
        #: No call takes longer than this, however slowly HQ's bytes trickle in (None: no limit).
        self.call_deadline_s = call_deadline_s
        headers = {"User-Agent": f"posclient/{__version__}"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        #: Ask for snapshot members as a list (until an older HQ refuses the parameter).
        self._member_list = True
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=timeout,
            transport=transport or deadline.transport(verify=verify),
            verify=verify,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HqClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ calls

    def health(self) -> Health:
        return self._parse(self._request("GET", "/v1/health"), Health)

    def pair(
        self,
        pairing_code: str,
        device_name: str,
        *,
        continues_seq: int = 0,
        continues_hash: str | None = None,
        known_key: str | None = None,
        acknowledged: Sequence[ChainMark] = (),
    ) -> PairResponse:
        try:
            body = PairRequest(
                pairing_code=pairing_code,
                device_name=device_name,
                continues_seq=continues_seq,
                continues_hash=continues_hash,
                known_key=known_key,
                acknowledged=list(acknowledged),
            )
        except ValidationError as exc:  # too short or long to be a code: HQ need not be asked
            raise SyncError("sync.pairing_refused", status=0, error="invalid_code") from exc
        response = self._request("POST", "/v1/pair", content=body.model_dump_json())
        return self._parse(response, PairResponse)

    def push_raw(self, device_id: str, events: Sequence[str]) -> PushResponse:
        """Push events already serialised as JSON objects (the outbox keeps canonical text)."""
        content = '{"device_id":' + json.dumps(device_id) + ',"events":[' + ",".join(events) + "]}"
        return self._parse(self._request("POST", "/v1/sync/push", content=content), PushResponse)

    def pull(self, cursor: str, limit: int = DEFAULT_PULL_LIMIT) -> PullResponse:
        """A page of the feed, validated once: member puts come as ``pages.MemberPut``."""
        return self.read_pull(self.fetch_pull(cursor, limit))

    def fetch_pull(self, cursor: str, limit: int = DEFAULT_PULL_LIMIT) -> httpx.Response:
        """The HTTP part of ``pull`` (no parsing): what a read-ahead thread may do.

        Asks for snapshot member puts as a list (``members=list``: no change envelope to read
        per member). An HQ older than that parameter refuses it (422); then this client asks
        as before, from then on.
        """
        params: dict[str, str | int] = {"cursor": cursor, "limit": limit}
        if self._member_list:
            try:
                return self._request("GET", "/v1/sync/pull", params={**params, "members": "list"})
            except SyncError as exc:
                refused = exc.code == "sync.request_refused" and exc.params.get("status") == 422
                unknown = exc.params.get("error") == "invalid_request"
                if not (refused and unknown and "members" in str(exc.params.get("detail", ""))):
                    raise
                log.info("HQ does not list snapshot members: pulling changes only")
                self._member_list = False
        return self._request("GET", "/v1/sync/pull", params=params)

    def read_pull(self, response: httpx.Response) -> PullResponse:
        """The page in a response from ``fetch_pull`` (SyncError sync.bad_response if malformed)."""
        page = parse_pull(response.content)
        if page is not None:
            return page
        # Not a page with well-formed members: the plain reading says why (or skips them later).
        return self._parse(response, PullResponse)

    def position(self) -> int | None:
        """How far HQ holds this device's event chain; None from an HQ without the call."""
        try:
            response = self._request("GET", "/v1/sync/position")
        except SyncError as exc:
            if exc.code == "sync.request_refused" and exc.params.get("status") == 404:
                return None
            raise
        return self._parse(response, ChainPosition).device_seq

    def lookup_phone(self, phone: str) -> MemberLookup | None:
        try:
            response = self._request("GET", "/v1/members/lookup", params={"phone": phone})
        except SyncError as exc:
            if exc.params.get("status") == 404:
                return None
            raise
        return self._parse(response, MemberLookup)

    def dynamic_code(self, member_id: str) -> DynamicCode:
        response = self._request("POST", f"/v1/members/{member_id}/dynamic-code")
        return self._parse(response, DynamicCode)

    # ------------------------------------------------------------------ plumbing

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if "content" in kwargs:
            kwargs.setdefault("headers", {})["Content-Type"] = "application/json"
        try:
            with deadline.within(self.call_deadline_s):
                response = self._http.request(method, path, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            # No connection, so the request never reached HQ (``unsent``): pairing can say
            # the code is still unused.
            code = "sync.timeout" if isinstance(exc, httpx.ConnectTimeout) else "sync.offline"
            raise SyncError(code, call=path, unsent=True) from exc
        except httpx.TimeoutException as exc:
            raise SyncError("sync.timeout", call=path) from exc
        except (
            httpx.RemoteProtocolError,
            httpx.ReadError,
            httpx.WriteError,
        ) as exc:
            raise SyncError("sync.offline", call=path) from exc
        except httpx.HTTPError as exc:
            raise SyncError("sync.offline", call=path, error=type(exc).__name__) from exc
        if response.status_code < 400:
            return response
        status = response.status_code
        error, detail = _problem(response)
        if status == 401:
            raise SyncError("sync.unauthorized", status=status)
        if status in (429, 503):
            raise SyncError(
                "sync.retry_later",
                status=status,
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            )
        if status == 410:
            raise SyncError("sync.cursor_gone", status=status)
        if status >= 500:
            # A 500 may say when to come back too (RFC 9110 allows it on any answer): honoured.
            after = retry_after_seconds(response.headers.get("Retry-After"))
            if after is None:
                raise SyncError("sync.server_error", status=status)
            raise SyncError("sync.server_error", status=status, retry_after=after)
        if path == "/v1/pair":
            if error in ("pairing_refused", "invalid_request"):  # HQ looked at the code
                raise SyncError("sync.pairing_refused", status=status, error=error)
            # Anything else: a web server's 404, a proxy's page, HQ at a wrong path.
            raise SyncError("sync.not_hq", status=status)
        raise SyncError("sync.request_refused", status=status, error=error, detail=detail[:200])

    @staticmethod
    def _parse(response: httpx.Response, model: type[M]) -> M:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            log.warning(
                "malformed HQ response",
                extra={"path": response.request.url.path, "errors": exc.error_count()},
            )
            raise SyncError("sync.bad_response", call=response.request.url.path) from exc


def _problem(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return "unknown", ""
    if isinstance(body, dict):
        return str(body.get("error", "unknown"))[:64], str(body.get("detail", ""))
    return "unknown", ""
