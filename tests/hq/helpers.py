"""A scripted till for HQ tests: builds hash-chained events and talks HTTP to the live HQ."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx

from posclient.domain.codes import make_card_no
from posclient.domain.events import chain_hash, payload_sha256
from posclient.domain.hlc import Hlc, tick

NOTICE_SHA = "ab" * 32


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class Till:
    def __init__(self, client: httpx.Client, pairing: dict[str, Any]) -> None:
        self.client = client
        self.pairing = pairing
        self.device_id: str = pairing["device_id"]
        self.store: str = pairing["store"]
        self.device_no: int = pairing["device_no"]
        self.headers = {"Authorization": f"Bearer {pairing['device_token']}"}
        self.seq = 0
        self.prev: str | None = None
        self.clock = Hlc(0)
        self.serial = 0

    # ------------------------------------------------------------ events

    def event(
        self, type_: str, payload: dict[str, Any], *, hlc: str | None = None
    ) -> dict[str, Any]:
        """The next event of this till's journal (hash-chained)."""
        self.seq += 1
        if hlc is None:
            self.clock = tick(self.clock, int(datetime.now(UTC).timestamp() * 1000))
            hlc = str(self.clock)
        event_id = str(uuid.uuid4())
        digest = payload_sha256(payload)
        event = {
            "event_id": event_id,
            "device_id": self.device_id,
            "seq": self.seq,
            "hlc": hlc,
            "occurred_at": now_iso(),
            "type": type_,
            "base": {},
            "payload": payload,
            "payload_sha256": digest,
            "prev_hash": self.prev,
        }
        self.prev = chain_hash(
            self.prev, event_id=event_id, seq=self.seq, type=type_, payload_hash=digest
        )
        return event

    def push_response(self, *events: dict[str, Any]) -> httpx.Response:
        return self.client.post(
            "/v1/sync/push",
            json={"device_id": self.device_id, "events": list(events)},
            headers=self.headers,
        )

    def push(self, *events: dict[str, Any]) -> dict[str, Any]:
        response = self.push_response(*events)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def push_one(self, event: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.push(event)["results"][0]
        return result

    def pull(self, cursor: str = "", limit: int = 1000) -> httpx.Response:
        return self.client.get(
            "/v1/sync/pull", params={"cursor": cursor, "limit": limit}, headers=self.headers
        )

    def pull_all(
        self, cursor: str = "", limit: int = 1000
    ) -> tuple[list[dict[str, Any]], str, int]:
        changes: list[dict[str, Any]] = []
        while True:
            response = self.pull(cursor, limit)
            assert response.status_code == 200, response.text
            page = response.json()
            changes.extend(page["changes"])
            cursor = page["next_cursor"]
            if not page["has_more"]:
                return changes, cursor, page["position"]

    # ------------------------------------------------------------ payloads

    def new_card(self) -> str:
        self.serial += 1
        return make_card_no(self.device_no * 10**6 + self.serial)

    def enrol(
        self,
        *,
        phone: str = "13912345678",
        name: str | None = "测试",
        purposes: tuple[str, ...] = ("membership",),
        birthday: str | None = None,
        gender: str | None = None,
        member_id: str | None = None,
        card_no: str | None = None,
    ) -> tuple[str, dict[str, Any]]:
        member_id = member_id or str(uuid.uuid4())
        profile: dict[str, Any] = {"phone": phone}
        if name:
            profile["name"] = name
        if birthday:
            profile["birthday"] = birthday
        if gender:
            profile["gender"] = gender
        payload = {
            "member_id": member_id,
            "card_no": card_no or self.new_card(),
            "store": self.store,
            "profile": profile,
            "consents": [self.consent_payload(member_id, p, "granted") for p in purposes],
            "occurred_at": now_iso(),
        }
        return member_id, self.event("member.enrolled", payload)

    def consent_payload(
        self, member_id: str, purpose: str, decision: str, seen: int = 0
    ) -> dict[str, Any]:
        return {
            "consent_id": str(uuid.uuid4()),
            "member_id": member_id,
            "purpose": purpose,
            "decision": decision,
            "notice_version": "v1",
            "notice_sha256": NOTICE_SHA,
            "language": "zh_CN",
            "channel": "customer_display",
            "store": self.store,
            "consent_version_seen": seen,
            "occurred_at": now_iso(),
        }

    def consent(self, member_id: str, purpose: str, decision: str, *, seen: int) -> dict[str, Any]:
        return self.event(
            "consent.recorded", self.consent_payload(member_id, purpose, decision, seen)
        )

    def sale(
        self,
        member_id: str | None,
        *,
        amount_fen: int,
        points_redeemed: int = 0,
        item_points: int = 0,
        points_earned: int | None = None,
        tier_code: str | None = None,
        coupon_code: str | None = None,
        coupon_discount_fen: int = 0,
        lot_id: str | None = None,
        expires_on: date | None = None,
        hlc: str | None = None,
        sku: str = "MILK-1L",
        sale_id: str | None = None,
        occurred_at: datetime | None = None,
        provisional_card_no: str | None = None,
    ) -> tuple[str, dict[str, Any]]:
        sale_id = sale_id or str(uuid.uuid4())
        counted = member_id or provisional_card_no
        earned = (amount_fen // 100 if counted else 0) if points_earned is None else points_earned
        gross = amount_fen + points_redeemed + coupon_discount_fen + item_points
        line = {
            "line_no": 1,
            "sku": sku,
            "qty": 1,
            "unit_price_fen": gross,
            "unit_paid_fen": gross - item_points,
            "gross_fen": gross,
            "coupon_discount_fen": coupon_discount_fen,
            "item_points": item_points,
            "points_redeemed": points_redeemed,
            "amount_due_fen": amount_fen,
            "points_earned": earned,
        }
        payload: dict[str, Any] = {
            "sale_id": sale_id,
            "receipt_no": f"R{self.seq + 1}",
            "store": self.store,
            "member_id": member_id,
            "tier_code": tier_code,
            "lines": [line],
            "subtotal_fen": gross,
            "amount_due_fen": amount_fen,
            "item_points": item_points,
            "points_redeemed": points_redeemed,
            "points_earned": earned,
            "coupon_code": coupon_code,
            "earn_lot_id": (lot_id or f"lot-{sale_id}") if earned else None,
            "earn_expires_on": expires_on.isoformat() if expires_on else None,
            "occurred_at": occurred_at.isoformat() if occurred_at else now_iso(),
        }
        if provisional_card_no is not None:
            payload["provisional_card_no"] = provisional_card_no
        return sale_id, self.event("sale.completed", payload, hlc=hlc)

    def refund(
        self,
        sale_id: str,
        *,
        amount_fen: int,
        member_id: str | None = None,
        points_restored: int = 0,
        points_reversed: int = 0,
    ) -> dict[str, Any]:
        payload = {
            "refund_id": str(uuid.uuid4()),
            "sale_id": sale_id,
            "receipt_no": "RF1",
            "store": self.store,
            "member_id": member_id,
            "lines": [
                {
                    "line_no": 1,
                    "qty": 1,
                    "amount_fen": amount_fen,
                    "points_restored": points_restored,
                    "points_reversed": points_reversed,
                }
            ],
            "amount_fen": amount_fen,
            "points_restored": points_restored,
            "points_reversed": points_reversed,
            "occurred_at": now_iso(),
        }
        return self.event("refund.completed", payload)

    def patch(self, member_id: str, fields: dict[str, tuple[Any, int]]) -> dict[str, Any]:
        payload = {
            "member_id": member_id,
            "store": self.store,
            "fields": {
                name: {"value": value, "base_version": base}
                for name, (value, base) in fields.items()
            },
            "occurred_at": now_iso(),
        }
        return self.event("member.patched", payload)

    def erase(self, member_id: str) -> dict[str, Any]:
        payload = {"member_id": member_id, "store": self.store, "occurred_at": now_iso()}
        return self.event("member.erasure_requested", payload)
