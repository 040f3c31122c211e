"""The programme's liability (points residents hold) and each shop's monthly settlement.

- `outstanding_points`: the sum of every account's balance: points the programme owes.
- `expiring_next_30_days`: points that will be written off by the expiry rule within 30
  days (and points already past their date that the expiry job has not written off yet).
  It is THE EXPIRY RULE of services/expiry.py (expiry.due_at) summed over the residents
  with a lot dated by then, never below zero each.
- per shop and Bangkok month: `issued`, the points of scans and campaign bonuses credited
  at the shop (earn and bonus entries, by the entry's month), `bonus` the part of it from
  campaigns; `redeemed`, the points of
  the rewards the shop handed over (redemptions confirmed there, by the month of the
  confirmation). Neither figure of a closed month ever changes.

A scoped admin sees the shops of their area only; the programme's totals (outstanding and
expiring) are the whole programme's, so they are shown to province-wide admins only (None).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, literal, literal_column, or_, select

from ecolife import clock, rules
from ecolife.database import replica_reads
from ecolife.errors import ValidationFailed
from ecolife.models import (
    EntryKind,
    LedgerEntry,
    Redemption,
    RedemptionStatus,
    Shop,
    User,
)
from ecolife.services import expiry
from ecolife.services.scope import PROVINCE_WIDE, AdminScope

EXPIRING_WITHIN = timedelta(days=30)
MAX_MONTHS = 36
BANGKOK_NAME = "Asia/Bangkok"


@dataclass(frozen=True)
class ShopMonth:
    shop_id: int
    name: str
    name_en: str | None
    month: date
    issued: int
    redeemed: int
    # The part of `issued` that campaigns gave on top of scans.
    bonus: int = 0


@dataclass(frozen=True)
class Liability:
    from_: date
    to: date
    outstanding_points: int | None
    expiring_next_30_days: int | None
    by_shop: list[ShopMonth]

    @property
    def issued(self) -> int:
        return sum(row.issued for row in self.by_shop)

    @property
    def redeemed(self) -> int:
        return sum(row.redeemed for row in self.by_shop)

    @property
    def bonus(self) -> int:
        return sum(row.bonus for row in self.by_shop)


def liability(
    first: date | None = None, last: date | None = None, *, scope: AdminScope = PROVINCE_WIDE
) -> Liability:
    """Read the programme's liability and the shops' issued and redeemed points per month,
    for the Bangkok months `first` to `last` inclusive (the last 12 months by default)."""
    now = clock.now()
    first, last = month_range(first, last, now)
    start, end = month_start(first), month_start(_next_month(last))
    with replica_reads() as session:
        totals = (None, None)
        if scope.province_wide:
            totals = (
                session.scalar(select(func.coalesce(func.sum(User.balance), 0))),
                session.scalar(expiring_by(now + EXPIRING_WITHIN)),
            )
        rows = session.execute(_by_shop(start, end, scope)).all()
    by_shop = [ShopMonth(*row) for row in rows]
    return Liability(first, last, *totals, by_shop=by_shop)


def month_range(first: date | None, last: date | None, now: datetime) -> tuple[date, date]:
    """Check a range of months (first days), defaulting to the 12 months up to this one."""
    this_month = now.astimezone(rules.BANGKOK).date().replace(day=1)
    last = (last or this_month).replace(day=1)
    first = (first or _add_months(last, -11)).replace(day=1)
    if last < first:
        raise ValidationFailed({"to": ["Must not be before from."]})
    if _months_between(first, last) >= MAX_MONTHS:
        raise ValidationFailed({"to": [f"At most {MAX_MONTHS} months at a time."]})
    return first, last


def expiring_by(moment: datetime) -> Select:
    """The points of all residents that the expiry rule writes off by `moment`: per
    resident, expiry.due_at (their balance minus their lots not past it), at least zero."""
    # Only residents with a lot dated by then can have anything expire (a partial index).
    dated = select(LedgerEntry.user_id).where(LedgerEntry.expires_at <= moment)
    due = func.greatest(expiry.due_at(literal(moment, LedgerEntry.expires_at.type)), 0)
    return select(func.coalesce(func.sum(due), 0)).where(User.id.in_(dated))


def _by_shop(start: datetime, end: datetime, scope: AdminScope) -> Select:
    issued = (
        select(
            LedgerEntry.shop_id,
            _month(LedgerEntry.created_at).label("month"),
            func.sum(LedgerEntry.delta).label("issued"),
            literal_column("0").label("redeemed"),
            func.coalesce(
                func.sum(LedgerEntry.delta).filter(LedgerEntry.kind == EntryKind.BONUS.value), 0
            ).label("bonus"),
        )
        .where(
            LedgerEntry.kind.in_([EntryKind.EARN.value, EntryKind.BONUS.value]),
            LedgerEntry.shop_id.is_not(None),
            LedgerEntry.created_at >= start,
            LedgerEntry.created_at < end,
            scope.shop_id_clause(LedgerEntry.shop_id),
        )
        .group_by(LedgerEntry.shop_id, literal_column("month"))
    )
    # What the shop handed over: a confirmed redemption, in the month it was confirmed. A
    # hold still pending, cancelled or expired gave nothing, so it is not settled.
    redeemed = (
        select(
            Redemption.shop_id,
            _month(Redemption.resolved_at).label("month"),
            literal_column("0").label("issued"),
            func.sum(Redemption.points).label("redeemed"),
            literal_column("0").label("bonus"),
        )
        .where(
            Redemption.status == RedemptionStatus.CONFIRMED.value,
            Redemption.resolved_at >= start,
            Redemption.resolved_at < end,
            scope.shop_id_clause(Redemption.shop_id),
        )
        .group_by(Redemption.shop_id, literal_column("month"))
    )
    both = issued.union_all(redeemed).subquery()
    month = both.c.month
    return (
        select(
            Shop.id,
            Shop.name,
            Shop.name_en,
            func.date(month),
            func.sum(both.c.issued).cast(LedgerEntry.delta.type),
            func.sum(both.c.redeemed).cast(LedgerEntry.delta.type),
            func.sum(both.c.bonus).cast(LedgerEntry.delta.type),
        )
        .join(Shop, Shop.id == both.c.shop_id)
        .group_by(Shop.id, month)
        .having(
            or_(func.sum(both.c.issued) != 0, func.sum(both.c.redeemed) != 0),
        )
        .order_by(month, Shop.name, Shop.id)
    )


def _month(column):
    # The first day of the entry's Bangkok month (a timestamp without zone).
    return func.date_trunc("month", func.timezone(BANGKOK_NAME, column))


def month_start(month: date) -> datetime:
    """The first moment of a Bangkok month."""
    return rules.bangkok_midnight(month.replace(day=1))


def _next_month(month: date) -> date:
    return _add_months(month, 1)


def _add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _months_between(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month
