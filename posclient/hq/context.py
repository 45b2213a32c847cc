"""The running HQ: database, clock, chain settings, signing key, tiers and rules."""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from posclient.domain.points import DEFAULT_VALIDITY
from posclient.domain.tiers import DEFAULT_TIERS, Tier
from posclient.security.codesign import b64url, generate_keypair, public_key_of
from posclient.sync.protocol import Entity, KeyData, PointsRules, TierData

from . import models as m
from .db import Database
from .feed import Feed, publish
from .lotcache import LotCache

log = logging.getLogger("posclient.hq")

#: The chain's business day (China Standard Time, no DST): points expire at its midnight.
CHAIN_TZ = timezone(timedelta(hours=8))
DEFAULT_CHAIN = "DEMO"  # the same chain a standalone demo till uses
DEFAULT_RETENTION = timedelta(days=90)
#: How long a sale made for a member HQ has not heard of waits for that member's enrolment
#: (``held_sales``, released by ``maintenance.release_held``): as long as the points it earned
#: would stay valid. Booked later, they would arrive lapsed, while its redeemed points would
#: still be taken.
DEFAULT_HOLD = DEFAULT_VALIDITY
#: A chain code as pairing answers (``PairResponse.chain``) and member codes (``PCM1:<chain>:``)
#: carry it. It is stored for good when a database is created: any other would make every
#: pairing fail.
CHAIN_RE = re.compile(r"[A-Z0-9]{2,16}")


def check_chain(chain: str) -> str:
    """``chain`` if it is a valid chain code; else ValueError with a one-line reason."""
    if not CHAIN_RE.fullmatch(chain):
        raise ValueError(f"{chain[:40]!r} is not a chain code (2-16 capital letters or digits)")
    return chain


def utcnow() -> datetime:
    return datetime.now(UTC)


class Hq:
    """Everything a request handler needs. Created once per process by ``create_app``."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], datetime] = utcnow,
        retention: timedelta = DEFAULT_RETENTION,
        chain: str = DEFAULT_CHAIN,
    ) -> None:
        check_chain(chain)  # before anything is stored
        self.db = db
        self.clock = clock
        self.retention = retention
        #: sku → category, refreshed by segments.product_categories.
        self.categories: dict[str, str] = {}
        #: Members' lots as this process committed them (sale runs read them from here).
        self.lot_cache = LotCache()
        self.categories_at = 0.0
        with db.write() as conn:
            _ensure_setup(conn, chain=chain, now=clock())
        with db.read() as conn:
            values = dict(conn.execute(select(m.meta.c.key, m.meta.c.value)).all())
            tier_rows = conn.execute(
                select(m.entities.c.data).where(m.entities.c.entity == Entity.TIER.value)
            ).scalars()
            self.tiers: tuple[Tier, ...] = tuple(
                sorted(
                    (TierData.model_validate_json(text).to_domain() for text in tier_rows),
                    key=lambda tier: tier.rank,
                )
            )
            rules_text = conn.execute(
                select(m.entities.c.data).where(
                    m.entities.c.entity == Entity.RULE.value, m.entities.c.entity_id == "points"
                )
            ).scalar_one()
        self.rules = PointsRules.model_validate_json(rules_text)
        try:
            self.chain: str = check_chain(values["chain"])
        except ValueError as exc:  # stored before chain codes were checked: pairing would fail
            raise ValueError(
                f"the database's chain code is not valid: {exc}; fix the 'chain' row of its "
                "hq_meta table before serving"
            ) from exc
        self.key_id: str = values["code_key_id"]
        self.private_key = base64.b64decode(values["code_private_key"])
        self.public_key = public_key_of(self.private_key)
        self.phone_secret = base64.b64decode(values["phone_index_secret"])

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.now().astimezone(CHAIN_TZ).date()

    @property
    def validity(self) -> timedelta:
        return timedelta(days=self.rules.validity_days)

    def tier(self, code: str) -> Tier:
        for tier in self.tiers:
            if tier.code == code:
                return tier
        return self.tiers[0]


def _ensure_setup(conn: Connection, *, chain: str, now: datetime) -> None:
    """Create the counter row, chain settings, signing key, default tiers and rules once."""
    have = dict(conn.execute(select(m.meta.c.key, m.meta.c.value)).all())
    if "chain" in have:
        return
    try:
        with conn.begin_nested():
            conn.execute(insert(m.feed_counter).values(id=1, n=0))
            private, public = generate_keypair()
            key_id = "k1-" + b64url(public)[:8]
            conn.execute(
                insert(m.meta),
                [
                    {"key": "schema_version", "value": m.SCHEMA_VERSION},
                    {"key": "chain", "value": chain},
                    {"key": "code_key_id", "value": key_id},
                    {"key": "code_private_key", "value": base64.b64encode(private).decode()},
                    {
                        "key": "phone_index_secret",
                        "value": base64.b64encode(secrets.token_bytes(32)).decode(),
                    },
                    {"key": "pruned_through", "value": "0"},
                    # Time-based refreshes (tier, segment) look at what aged since then.
                    {"key": "maintained_at", "value": now.isoformat()},
                ],
            )
            feed = Feed()
            for tier in DEFAULT_TIERS:
                data = TierData.from_domain(tier).model_dump(mode="json")
                put_entity(conn, feed, Entity.TIER, tier.code, data)
            put_entity(conn, feed, Entity.RULE, "points", PointsRules().model_dump(mode="json"))
            key = KeyData(key_id=key_id, chain=chain, public_key=b64url(public))
            put_entity(conn, feed, Entity.KEY, key_id, key.model_dump(mode="json"))
            publish(conn, feed, now)
        log.info("initialised HQ database for chain %s", chain)
    except IntegrityError:
        log.info("HQ database initialised concurrently")


def put_entity(
    conn: Connection, feed: Feed, entity: Entity, entity_id: str, data: dict[str, object]
) -> int:
    """Insert or update a catalogue-like entity and put it in the feed; returns its version."""
    current = conn.execute(
        select(m.entities.c.version).where(
            m.entities.c.entity == entity.value, m.entities.c.entity_id == entity_id
        )
    ).scalar_one_or_none()
    version = (current or 0) + 1
    data = {**data, "version": version}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if current is None:
        conn.execute(
            insert(m.entities).values(
                entity=entity.value, entity_id=entity_id, version=version, data=text
            )
        )
    else:
        conn.execute(
            update(m.entities)
            .where(m.entities.c.entity == entity.value, m.entities.c.entity_id == entity_id)
            .values(version=version, data=text)
        )
    feed.put(entity, entity_id, version, text)
    return version
