"""Triggered offers for the member on screen (no Qt): HQ's rules, the member's facts, evaluate.

Rules are the ``rule:offers`` row HQ's feed left in ``meta`` (sync/insights.py), or the defaults
when none arrived; everything comes from the till's own database, so offers work offline. The
birthday is decrypted here only to compare month and day: it is never shown nor logged.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from pydantic import ValidationError
from sqlalchemy.orm import Session

from posclient.domain.offers import MemberFacts, Offer, OfferRules, evaluate
from posclient.security.fieldcrypt import FieldCipher
from posclient.store.db import Database
from posclient.store.models import MemberRow
from posclient.sync.insights import OfferRulesData

from . import settings
from .members import MemberView, load_tiers

log = logging.getLogger("posclient.offers")


def load_rules(session: Session) -> OfferRules:
    text = settings.get(session, "rule:offers")
    if not text:
        return OfferRules()
    try:
        return OfferRulesData.model_validate_json(text).to_domain()
    except (ValidationError, ValueError):
        log.warning("offer rules unreadable: using the defaults")
        return OfferRules()


def _birthday(row: MemberRow, cipher: FieldCipher) -> date | None:
    if not row.birthday_enc:
        return None
    try:
        text = cipher.decrypt(
            row.birthday_enc, table="members", column="birthday", row_id=row.member_id
        )
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def facts_for(
    session: Session, cipher: FieldCipher, member: MemberView, *, now: datetime, today: date
) -> MemberFacts:
    row = session.get(MemberRow, member.member_id)
    return MemberFacts(
        now=now,
        today=today,
        tier=member.tier,
        spend_12m=member.spend_12m,
        purchase_count=member.purchase_count,
        enrolled_at=member.enrolled_at,
        last_purchase_at=member.last_purchase_at,
        birthday=_birthday(row, cipher) if row is not None else None,
        lots=member.account.lots,
        coupons=member.coupons,
        member_id=member.member_id,
        tiers=load_tiers(session),
    )


def offers_for(
    db: Database, cipher: FieldCipher, member: MemberView, *, now: datetime, today: date
) -> tuple[Offer, ...]:
    """The offers for ``member`` now; none for a provisional (not yet synced) member."""
    if member.provisional:
        return ()
    with db.read() as session:
        rules = load_rules(session)
        facts = facts_for(session, cipher, member, now=now, today=today)
    return evaluate(facts, rules)
