"""Plastic avoided and points moved, by Bangkok day, shop and district, for the consoles.

Read on the replica when there is one (database.replica_reads): figures may trail a moment.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import String, and_, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ecolife import rules
from ecolife.database import replica_reads
from ecolife.models import Area, AreaLevel, Redemption, RedemptionStatus, Scan, Shop
from ecolife.services.scope import PROVINCE_WIDE, AdminScope


class bangkok_date(FunctionElement):  # noqa: N801 - reads like the SQL function it renders
    """The Bangkok calendar day of a UTC timestamp, as 'YYYY-MM-DD'."""

    type = String()
    inherit_cache = True


@compiles(bangkok_date)
def _bangkok_date(element, compiler, **kw):
    column = compiler.process(element.clauses, **kw)
    return f"to_char({column} AT TIME ZONE 'Asia/Bangkok', 'YYYY-MM-DD')"


@dataclass(frozen=True)
class Totals:
    scans: int = 0
    items: int = 0
    milligrams: int = 0
    points: int = 0

    @property
    def grams(self) -> float:
        return self.milligrams / 1000


@dataclass(frozen=True)
class DayImpact:
    day: date
    totals: Totals


@dataclass(frozen=True)
class GroupImpact:
    key: str
    name_th: str
    name_en: str | None
    totals: Totals


@dataclass(frozen=True)
class ShopStatement:
    shop_id: int
    name_th: str
    name_en: str | None
    points_issued: int
    points_redeemed: int
    confirmed: int
    pending: int
    cancelled: int
    expired: int


def _scan_sums():
    return (
        func.count(Scan.id),
        func.coalesce(func.sum(Scan.quantity), 0),
        func.coalesce(func.sum(Scan.milligrams), 0),
        func.coalesce(func.sum(Scan.points), 0),
    )


def _rows(stmt) -> list:
    with replica_reads() as session:
        return session.execute(stmt).all()


def _in_range(first_day: date, last_day: date):
    start, end = rules.bangkok_days(first_day, last_day)
    return Scan.created_at >= start, Scan.created_at < end


def daily_impact(
    first_day: date,
    last_day: date,
    *,
    shop_id: int | None = None,
    scope: AdminScope = PROVINCE_WIDE,
) -> list[DayImpact]:
    """Scans, items, grams and points per Bangkok day, with empty days as zeros."""
    day = bangkok_date(Scan.created_at)
    stmt = (
        select(day, *_scan_sums())
        .where(*_in_range(first_day, last_day), scope.shop_id_clause(Scan.shop_id))
        .group_by(day)
    )
    if shop_id is not None:
        stmt = stmt.where(Scan.shop_id == shop_id)
    found = {row[0]: Totals(*row[1:]) for row in _rows(stmt)}
    days = (first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1))
    return [DayImpact(d, found.get(d.isoformat(), Totals())) for d in days]


def impact_by_shop(
    first_day: date, last_day: date, *, scope: AdminScope = PROVINCE_WIDE
) -> list[GroupImpact]:
    """Every shop's totals over the days, busiest first (shops without scans included)."""
    sums = (
        select(
            Scan.shop_id.label("shop_id"), *(s.label(f"s{i}") for i, s in enumerate(_scan_sums()))
        )
        .where(*_in_range(first_day, last_day))
        .group_by(Scan.shop_id)
        .subquery()
    )
    columns = [func.coalesce(sums.c[f"s{i}"], 0) for i in range(4)]
    stmt = (
        select(Shop.id, Shop.name, Shop.name_en, *columns)
        .outerjoin(sums, sums.c.shop_id == Shop.id)
        .where(scope.shop_clause())
        .order_by(columns[1].desc(), Shop.id)
    )
    return [GroupImpact(str(r[0]), r[1], r[2], Totals(*r[3:])) for r in _rows(stmt)]


def impact_by_district(
    first_day: date, last_day: date, *, scope: AdminScope = PROVINCE_WIDE
) -> list[GroupImpact]:
    """Every district's totals over the days (a scoped admin's: their area's), busiest first."""
    stmt = (
        select(Area.code, Area.name_th, Area.name_en, *_scan_sums())
        .select_from(Area)
        .outerjoin(Shop, and_(Shop.district_code == Area.code, scope.shop_clause()))
        .outerjoin(Scan, and_(Scan.shop_id == Shop.id, *_in_range(first_day, last_day)))
        .where(Area.level == AreaLevel.AMPHOE, scope.area_clause(Area.code))
        .group_by(Area.code, Area.name_th, Area.name_en)
        .order_by(func.coalesce(func.sum(Scan.quantity), 0).desc(), Area.code)
    )
    return [GroupImpact(r[0], r[1], r[2], Totals(*r[3:])) for r in _rows(stmt)]


def shop_statements(
    first_day: date, last_day: date, *, scope: AdminScope = PROVINCE_WIDE
) -> list[ShopStatement]:
    """Points each shop issued and redeemed over the days, and its redemptions by outcome."""
    start, end = rules.bangkok_days(first_day, last_day)
    issued = (
        select(Scan.shop_id, func.sum(Scan.points).label("points"))
        .where(Scan.created_at >= start, Scan.created_at < end)
        .group_by(Scan.shop_id)
        .subquery()
    )

    created_in_range = (Redemption.created_at >= start) & (Redemption.created_at < end)
    resolved_in_range = (Redemption.resolved_at >= start) & (Redemption.resolved_at < end)

    def count(status: str):
        requested = created_in_range & (Redemption.status == status)
        return func.coalesce(func.sum(case((requested, 1), else_=0)), 0)

    confirmed_points = case(
        (
            (Redemption.status == RedemptionStatus.CONFIRMED) & resolved_in_range,
            Redemption.points,
        ),
        else_=0,
    )
    redeemed = (
        select(
            Redemption.shop_id,
            func.coalesce(func.sum(confirmed_points), 0).label("points"),
            *(count(s).label(s) for s in ("confirmed", "pending", "cancelled", "expired")),
        )
        .where(created_in_range | resolved_in_range)
        .group_by(Redemption.shop_id)
        .subquery()
    )
    stmt = (
        select(
            Shop.id,
            Shop.name,
            Shop.name_en,
            func.coalesce(issued.c.points, 0),
            func.coalesce(redeemed.c.points, 0),
            *(
                func.coalesce(redeemed.c[s], 0)
                for s in ("confirmed", "pending", "cancelled", "expired")
            ),
        )
        .outerjoin(issued, issued.c.shop_id == Shop.id)
        .outerjoin(redeemed, redeemed.c.shop_id == Shop.id)
        .where(scope.shop_clause())
        .order_by(Shop.id)
    )
    return [ShopStatement(*row) for row in _rows(stmt)]
