"""The store dashboard's figures (no Qt): SQL aggregates over this till's data, HQ's chain rows.

Every figure is computed from the till's own tables (sales, members, coupons) in a few grouped
queries over the indexed ``sales.created_at`` range, plus the chain-wide daily rows HQ's feed left
in ``meta`` (``stats:chain``, sync/insights.py). Days are the store's business days (the clock's
time zone; its offset now is used for the whole window — China has no daylight saving time).
Money is net of refunds: ``amount_due - refunded_amount``.

Figures:

- today: sales, amount, member amount and share;
- ``sales``: the last 30 days, total and member amount per day;
- ``new_members``: members of this store enrolled per day, and chain-wide from HQ;
- ``repeat``: of the members who bought here in the last 30 / 90 days, the share who bought
  at least twice;
- ``avg_ticket``: average net ticket per tier over 30 days (walk-ins as ``walk_in``);
- ``points``: points issued vs redeemed per day;
- ``coupons``: coupon redemptions over 30 days by coupon kind.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal

from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.orm import Session

from posclient.domain.coupons import CouponKind
from posclient.domain.money import ZERO, from_fen, round_fen
from posclient.domain.tiers import Tier
from posclient.store.db import Database
from posclient.sync.insights import ChainStatsData

from . import settings
from .members import load_tiers
from .status import TillStatus, snapshot

WINDOW_DAYS = 30
LONG_WINDOW_DAYS = 90

Value = Decimal | int | None


@dataclass(frozen=True)
class Series:
    key: str
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Chart:
    """One chart: categories along x (days as ``MM-DD``, tier codes, kinds) and its series."""

    key: str
    x: tuple[str, ...]
    series: tuple[Series, ...]
    #: "money" (yuan), "count", "percent" or "points": how values are read and formatted.
    unit: str = "count"
    #: For a chart over days: the date of each x (the labels are ``MM-DD``).
    days: tuple[date, ...] = ()

    def rows(self) -> list[list[str]]:
        """The chart as CSV rows: a header (``day`` or ``x``, then the series keys), then one
        row per category (days as ISO dates)."""
        out = [["day" if self.days else "x", *(s.key for s in self.series)]]
        labels = [day.isoformat() for day in self.days] if self.days else self.x
        for index, label in enumerate(labels):
            out.append(
                [label, *("" if (v := s.values[index]) is None else str(v) for s in self.series)]
            )
        return out


@dataclass(frozen=True)
class Today:
    sales: int
    amount: Decimal
    member_amount: Decimal

    @property
    def member_share(self) -> Decimal | None:
        """Percent of today's amount bought by members (None before the first sale)."""
        if not self.amount:
            return None
        return (self.member_amount * 100 / self.amount).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Dashboard:
    store: str
    today: Today
    sales_30d: Decimal
    member_share_30d: Decimal | None
    charts: tuple[Chart, ...]
    online: bool
    #: When HQ's chain figures were computed (None: none received yet).
    hq_as_of: datetime | None
    chain_member_share_30d: Decimal | None = None
    tiers: tuple[Tier, ...] = ()
    computed_in_ms: float = field(default=0.0, compare=False)

    def chart(self, key: str) -> Chart:
        return next(chart for chart in self.charts if chart.key == key)


def _utc_text(moment: datetime) -> str:
    """A moment as the sales table stores it (naive UTC ISO text, comparable as text)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _percent(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def compute(session: Session, *, now: datetime, tz: tzinfo, store: str | None = None) -> Dashboard:
    """Every figure of the dashboard as of ``now`` (aware)."""
    local_now = now.astimezone(tz)
    today = local_now.date()
    offset = local_now.utcoffset() or timedelta(0)
    shift = f"{int(offset.total_seconds() // 60):+d} minutes"
    first_day = today - timedelta(days=WINDOW_DAYS - 1)
    days = [first_day + timedelta(days=n) for n in range(WINDOW_DAYS)]
    labels = tuple(day.strftime("%m-%d") for day in days)

    def start_of(day: date) -> str:
        return _utc_text(datetime.combine(day, datetime.min.time(), tzinfo=tz))

    since = start_of(first_day)
    store = store if store is not None else (settings.get(session, "store") or "")

    # ---- sales per day: count, net amount, member amount, points issued / redeemed
    per_day = {
        row[0]: row[1:]
        for row in session.execute(
            text(
                "SELECT date(created_at, :shift) AS d, count(*),"
                " sum(amount_due - refunded_amount),"
                " sum(CASE WHEN member_id IS NOT NULL THEN amount_due - refunded_amount END),"
                " sum(points_earned), sum(points_redeemed)"
                " FROM sales WHERE created_at >= :since GROUP BY d"
            ),
            {"shift": shift, "since": since},
        )
    }

    def day_values(index: int, scale: bool) -> tuple[Value, ...]:
        out: list[Value] = []
        for day in days:
            row = per_day.get(day.isoformat())
            raw = int(row[index] or 0) if row else 0
            out.append(from_fen(raw) if scale else raw)
        return tuple(out)

    totals, members_amount = day_values(1, True), day_values(2, True)
    today_row = per_day.get(today.isoformat())
    today_figures = Today(
        sales=int(today_row[0]) if today_row else 0,
        amount=from_fen(int(today_row[1] or 0)) if today_row else ZERO,
        member_amount=from_fen(int(today_row[2] or 0)) if today_row else ZERO,
    )
    sales_30d = sum((v for v in totals if isinstance(v, Decimal)), ZERO)
    member_30d = sum((v for v in members_amount if isinstance(v, Decimal)), ZERO)
    sales_chart = Chart(
        "sales",
        labels,
        (Series("total", totals), Series("member", members_amount)),
        "money",
        tuple(days),
    )
    points_chart = Chart(
        "points",
        labels,
        (Series("issued", day_values(3, False)), Series("redeemed", day_values(4, False))),
        "points",
        tuple(days),
    )

    # ---- new members of this store per day (the till's cache), chain-wide from HQ
    enrolled: dict[str, int] = dict(
        session.execute(
            text(
                "SELECT date(enrolled_at, :shift) AS d, count(*) FROM members"
                " WHERE enrolled_at >= :since AND home_store = :store AND provisional = 0"
                " GROUP BY d"
            ),
            {"shift": shift, "since": since, "store": store},
        ).all()
    )
    chain = _chain_stats(session)
    chain_days = {row.day: row for row in chain.days} if chain else {}
    new_members = Chart(
        "new_members",
        labels,
        (
            Series("store", tuple(int(enrolled.get(day.isoformat(), 0)) for day in days)),
            Series(
                "chain",
                tuple(chain_days[day].new_members if day in chain_days else None for day in days),
            ),
        ),
        days=tuple(days),
    )
    chain_share = None
    if chain_days:
        in_window = [chain_days[day] for day in days if day in chain_days]
        chain_share = _percent(
            sum(r.member_sales_fen for r in in_window), sum(r.sales_fen for r in in_window)
        )

    # ---- repeat purchase rate over 30 and 90 days. INDEXED BY: for GROUP BY member_id SQLite
    # would walk the member_id index through every member sale ever made (10× slower).
    rates: list[Value] = []
    for window in (WINDOW_DAYS, LONG_WINDOW_DAYS):
        buyers, repeaters = session.execute(
            text(
                "SELECT count(*), coalesce(sum(n >= 2), 0) FROM (SELECT count(*) AS n FROM sales"
                " INDEXED BY ix_sales_created_at"
                " WHERE created_at >= :since AND member_id IS NOT NULL GROUP BY member_id)"
            ),
            {"since": start_of(today - timedelta(days=window - 1))},
        ).one()
        rates.append(_percent(int(repeaters), int(buyers)))
    repeat = Chart("repeat", ("30d", "90d"), (Series("rate", tuple(rates)),), "percent")

    # ---- average ticket by tier (30 days)
    tier_rows = load_tiers(session)
    tiers = [tier.code for tier in tier_rows]
    by_tier = {
        code or "walk_in": (int(n), int(total or 0))
        for code, n, total in session.execute(
            text(
                "SELECT CASE WHEN member_id IS NULL THEN NULL ELSE tier_code END AS t, count(*),"
                " sum(amount_due - refunded_amount) FROM sales WHERE created_at >= :since"
                " GROUP BY t"
            ),
            {"since": since},
        )
    }
    tier_x = ("walk_in", *tiers, *sorted(set(by_tier) - {"walk_in", *tiers}))
    averages: list[Value] = []
    for code in tier_x:
        n, total = by_tier.get(code, (0, 0))
        averages.append(round_fen(from_fen(total) / n) if n else None)
    avg_ticket = Chart("avg_ticket", tier_x, (Series("average", tuple(averages)),), "money")

    # ---- coupon redemptions by kind (30 days)
    uses: dict[str, int] = dict(
        session.execute(
            text(
                "SELECT coalesce(c.kind, 'general') AS k, count(*) FROM sales s"
                " LEFT JOIN coupons c ON c.code = s.coupon_code"
                " WHERE s.created_at >= :since AND s.coupon_code IS NOT NULL GROUP BY k"
            ),
            {"since": since},
        ).all()
    )
    kinds = tuple(kind.value for kind in CouponKind)
    coupons = Chart("coupons", kinds, (Series("uses", tuple(int(uses.get(k, 0)) for k in kinds)),))

    status: TillStatus = snapshot(session, now=now)
    return Dashboard(
        store=store,
        today=today_figures,
        sales_30d=sales_30d,
        member_share_30d=_percent(member_30d, sales_30d),
        charts=(sales_chart, new_members, repeat, avg_ticket, points_chart, coupons),
        online=status.online,
        hq_as_of=chain.as_of if chain else None,
        chain_member_share_30d=chain_share,
        tiers=tier_rows,
    )


def _chain_stats(session: Session) -> ChainStatsData | None:
    raw = settings.get(session, "stats:chain")
    if not raw:
        return None
    try:
        return ChainStatsData.model_validate_json(raw)
    except ValidationError:
        return None


def load(db: Database, *, now: datetime, tz: tzinfo) -> Dashboard:
    """Compute on a read transaction (call it on the database worker)."""
    started = time.perf_counter()
    with db.read() as session:
        board = compute(session, now=now, tz=tz)
    elapsed = (time.perf_counter() - started) * 1000
    return replace(board, computed_in_ms=elapsed)
