"""Offers on a real demo till: every kind shows for some demo member, rules from HQ's feed row."""

from __future__ import annotations

from datetime import timedelta

from posclient.domain.offers import OfferKind, OfferRules
from posclient.services import offers as offers_service
from posclient.services import settings
from posclient.store.uow import UnitOfWork
from posclient.sync.insights import OfferRulesData
from tests.helpers import demo_members


def offers_of(till, name: str, rules_json: str | None = None):  # type: ignore[no-untyped-def]
    if rules_json is not None:
        with UnitOfWork(till.db) as uow:
            settings.put(uow.session, "rule:offers", rules_json)
            uow.commit()
    member = till.checkout.identify(demo_members()[name]["phone"])
    return offers_service.offers_for(
        till.db, till.cipher, member, now=till.clock.now(), today=till.clock.today()
    )


def test_each_offer_kind_shows_for_a_demo_member(till) -> None:  # type: ignore[no-untyped-def]
    sun = offers_of(till, "孙悦")
    assert [(o.kind, o.coupon_code) for o in sun] == [
        (OfferKind.BIRTHDAY, "BD-SUN"),
        (OfferKind.FIRST_PURCHASE, "FP-SUN"),
    ]
    assert sun[0].day == till.clock.today() + timedelta(days=2)
    assert [(o.kind, o.coupon_code) for o in offers_of(till, "赵磊")] == [
        (OfferKind.COMEBACK, "CB-ZHAO")
    ]
    (near,) = offers_of(till, "周婷")
    assert near.kind is OfferKind.NEAR_TIER and str(near.amount) == "230.00"
    assert near.tier is not None and near.tier.code == "gold"
    (soon,) = offers_of(till, "李强")
    assert soon.kind is OfferKind.POINTS_EXPIRING and soon.points == 12300
    assert offers_of(till, "王芳") == ()
    # 陈静 enrolled three days ago: past the 24-hour first-purchase window.
    assert offers_of(till, "陈静") == ()


def test_rules_pulled_from_hq_replace_the_defaults(till) -> None:  # type: ignore[no-untyped-def]
    wider = OfferRulesData.from_domain(OfferRules(first_purchase_hours=24 * 7))
    (offer,) = offers_of(till, "陈静", wider.model_dump_json())
    assert (offer.kind, offer.coupon_code) == (OfferKind.FIRST_PURCHASE, "FP-CHEN")
    # An unreadable row falls back to the defaults rather than failing the scan.
    assert offers_of(till, "陈静", '{"dormant_days": -4}') == ()
