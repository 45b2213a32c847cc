"""Member tags and segments in words, for the cashier (no Qt).

HQ sends tags as codes (``tier:gold``, ``store:S001``, ``freq_30d:3``, ``avg_ticket_fen:15000``,
``category:dairy``, ``rfm:high_value_loyal``, see posclient/domain/segments.py) and the segment
as a code (``posclient.sync.protocol.SEGMENTS``). The till shows them in the cashier's language;
a tag it does not know (or cannot read) is shown as it came.
"""

from __future__ import annotations

from collections.abc import Iterable

from posclient.domain.money import format_yuan, from_fen
from posclient.domain.tiers import DEFAULT_TIERS, Tier
from posclient.sync.protocol import SEGMENTS

#: Product categories of the catalogue: code → (Chinese, English), for "category:<code>".
CATEGORIES: dict[str, tuple[str, str]] = {
    "dairy": ("乳品", "dairy"),
    "bakery": ("烘焙", "bakery"),
    "grocery": ("粮油调味", "groceries"),
    "fresh": ("生鲜", "fresh food"),
    "drinks": ("酒水饮料", "drinks"),
    "household": ("日用百货", "household"),
    "personal_care": ("个人护理", "personal care"),
    "baby": ("母婴", "baby"),
    "snacks": ("休闲零食", "snacks"),
    "gifts": ("礼品", "gifts"),
}


def _zh(lang: str) -> bool:
    return lang.startswith("zh")


def segment_name(code: str, lang: str) -> str:
    """The segment's name (高价值忠诚客 / High-value loyal); an unknown code as it is."""
    names = SEGMENTS.get(code)
    if names is None:
        return code
    return names[0] if _zh(lang) else names[1]


def category_name(code: str, lang: str) -> str:
    names = CATEGORIES.get(code)
    if names is None:
        return code
    return names[0] if _zh(lang) else names[1]


def _count(value: str) -> int | None:
    """A non-negative whole number written plainly, else None."""
    return int(value) if value.isascii() and value.isdigit() else None


def describe_tag(tag: str, lang: str, tiers: Iterable[Tier] = DEFAULT_TIERS) -> str:
    """One tag in words: ``freq_30d:3`` → 近30天 3 次 / 3 visits in 30 days."""
    kind, sep, value = tag.partition(":")
    if not sep or not value:
        return tag
    zh = _zh(lang)
    if kind == "tier":
        tier = next((t for t in tiers if t.code == value), None)
        return tag if tier is None else tier.name(lang)
    if kind == "store":
        return f"门店 {value}" if zh else f"Store {value}"
    if kind == "freq_30d":
        visits = _count(value)
        if visits is None:
            return tag
        if zh:
            return f"近30天 {visits} 次"
        return f"{visits} visit{'' if visits == 1 else 's'} in 30 days"
    if kind == "avg_ticket_fen":
        fen = _count(value)
        if fen is None:
            return tag
        amount = format_yuan(from_fen(fen))
        return f"客单价 {amount}" if zh else f"Avg ticket {amount}"
    if kind == "category":
        name = category_name(value, lang)
        return f"常购：{name}" if zh else f"Buys: {name}"
    if kind == "rfm":
        return segment_name(value, lang) if value in SEGMENTS else tag
    return tag


def describe_tags(
    tags: Iterable[str], lang: str, tiers: Iterable[Tier] = DEFAULT_TIERS
) -> list[str]:
    """Every tag in words, in order, without repeats."""
    tiers = tuple(tiers)
    out: list[str] = []
    for tag in tags:
        text = describe_tag(tag, lang, tiers)
        if text not in out:
            out.append(text)
    return out


def member_labels(
    tags: Iterable[str],
    segment: str | None,
    lang: str,
    *,
    shown_tier: str | None = None,
    tiers: Iterable[Tier] = DEFAULT_TIERS,
) -> list[str]:
    """What the member panel lists: the tags in words, then the segment unless a ``rfm:`` tag
    already names it. ``shown_tier`` (the tier on the badge) is left out of the list."""
    codes = [tag for tag in tags if shown_tier is None or tag != f"tier:{shown_tier}"]
    if segment and f"rfm:{segment}" not in codes:
        codes.append(f"rfm:{segment}" if segment in SEGMENTS else segment)
    return describe_tags(codes, lang, tiers)
