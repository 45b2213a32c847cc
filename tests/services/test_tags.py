"""Member tags and segments in words (posclient/services/tags.py), both languages."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from posclient.domain.tiers import Tier
from posclient.resources import resource
from posclient.services import demo
from posclient.services.tags import (
    CATEGORIES,
    describe_tag,
    describe_tags,
    member_labels,
    segment_name,
)
from posclient.sync.protocol import SEGMENTS


@pytest.mark.parametrize(
    ("tag", "zh", "en"),
    [
        ("tier:gold", "金卡", "Gold"),
        ("tier:normal", "普通", "Normal"),
        ("store:S001", "门店 S001", "Store S001"),
        ("freq_30d:3", "近30天 3 次", "3 visits in 30 days"),
        ("freq_30d:1", "近30天 1 次", "1 visit in 30 days"),
        ("freq_30d:0", "近30天 0 次", "0 visits in 30 days"),
        ("avg_ticket_fen:15000", "客单价 ¥150.00", "Avg ticket ¥150.00"),
        ("avg_ticket_fen:1234567", "客单价 ¥12,345.67", "Avg ticket ¥12,345.67"),
        ("category:dairy", "常购：乳品", "Buys: dairy"),
        ("category:personal_care", "常购：个人护理", "Buys: personal care"),
        ("category:tools", "常购：tools", "Buys: tools"),  # a category this till has no name for
        ("rfm:high_value_loyal", "高价值忠诚客", "High-value loyal"),
        ("rfm:dormant", "沉睡用户", "Dormant"),
    ],
)
def test_known_tags_in_both_languages(tag, zh, en):
    assert describe_tag(tag, "zh_CN") == zh
    assert describe_tag(tag, "en") == en


@pytest.mark.parametrize(
    "tag",
    [
        "华东",  # free text from an older HQ
        "常购：饮料",  # full-width colon: free text too
        "vip",
        "tier:platinum",  # a tier this till does not know
        "rfm:whale",
        "freq_30d:many",
        "freq_30d:-1",
        "avg_ticket_fen:1.5",
        "avg_ticket_fen:",
        "store:",
        ":x",
        "",
    ],
)
def test_unknown_or_unreadable_tags_are_shown_as_they_came(tag):
    assert describe_tag(tag, "zh_CN") == tag
    assert describe_tag(tag, "en") == tag


def test_tier_names_come_from_the_tills_tiers():
    vip = Tier("gold", "黄金会员", "Gold member", 2, 0, 1, 1)  # type: ignore[arg-type]
    assert describe_tag("tier:gold", "zh_CN", (vip,)) == "黄金会员"
    assert describe_tag("tier:gold", "en", (vip,)) == "Gold member"


def test_segment_names():
    for code, (zh, en) in SEGMENTS.items():
        assert segment_name(code, "zh_CN") == zh
        assert segment_name(code, "en") == en
    assert segment_name("whale", "en") == "whale"


def test_describe_tags_keeps_order_and_drops_repeats():
    tags = ["store:S001", "category:dairy", "store:S001", "华东"]
    assert describe_tags(tags, "zh_CN") == ["门店 S001", "常购：乳品", "华东"]


def test_member_labels_hide_the_badge_tier_and_name_the_segment_once():
    tags = ["tier:gold", "store:S001", "freq_30d:1", "rfm:high_value_loyal"]
    assert member_labels(tags, "high_value_loyal", "zh_CN", shown_tier="gold") == [
        "门店 S001",
        "近30天 1 次",
        "高价值忠诚客",
    ]
    # No rfm: tag (an older HQ): the segment code is still named, at the end.
    assert member_labels(["store:S002"], "dormant", "en", shown_tier="normal") == [
        "Store S002",
        "Dormant",
    ]
    # A tier tag other than the badge's stays; no segment, nothing added.
    assert member_labels(["tier:silver"], None, "en", shown_tier="gold") == ["Silver"]
    assert member_labels([], None, "zh_CN") == []


def test_every_demo_category_has_a_name():
    products = json.loads(resource("demo", "products.json").read_text(encoding="utf-8"))
    assert {p["category"] for p in products} <= set(CATEGORIES)


def test_demo_members_have_no_raw_codes_on_screen():
    now = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
    items = json.loads(resource("demo", "members.json").read_text(encoding="utf-8"))
    for item in items:
        data = demo.member_data(item, now, now.date().isoformat())
        for lang in ("zh_CN", "en"):
            labels = member_labels(
                data["tags"], data["segment"], lang, shown_tier=data["tier_code"]
            )
            assert labels, item["member_id"]
            raw = set(data["tags"]) | {data["segment"]}
            assert not raw & set(labels), labels
