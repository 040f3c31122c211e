"""Public figures by Bangkok month and area, for /impact, its API and the open data.

They are read from public_impact_cells, which the worker rebuilds every night with the
privacy rule applied (see services.public_figures_refresh): reads never sum the scans and
never write. Read on the replica when there is one, as the admins' reports are.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import BigInteger, func, select, true

from ecolife import clock
from ecolife.database import replica_reads
from ecolife.errors import NotFound, ValidationFailed
from ecolife.models import Action, Area, AreaLevel, PublicImpactCell, Shop
from ecolife.services import participation
from ecolife.services.public_figures_refresh import (
    MIN_RESIDENTS,
    last_whole_month,
    next_month,
    published_residents,
)
from ecolife.services.scope import AdminScope

# The answer when the span asked for starts after the last month published.
AFTER_PUBLISHED = "Figures are published up to the last whole month: choose an earlier month."
FIGURES = ("scans", "milligrams", "points_issued", "points_redeemed", "active_residents")


@dataclass(frozen=True)
class Figures:
    """What was published for a place over a month or a span; None: withheld."""

    scans: int | None = 0
    items: dict = field(default_factory=dict)
    milligrams: int | None = 0
    points_issued: int | None = 0
    points_redeemed: int | None = 0
    active_residents: int | None = 0
    withheld: bool = False

    @property
    def grams(self) -> float | None:
        return None if self.milligrams is None else self.milligrams / 1000

    @property
    def items_total(self) -> int | None:
        counts = [n for n in self.items.values() if n is not None]
        return sum(counts) if counts or not self.items else None


@dataclass(frozen=True)
class MonthFigures:
    month: date
    figures: Figures


@dataclass(frozen=True)
class Place:
    """A sub-area (or a shop) with its totals over the span; `code` None: not yet placed."""

    code: str | None
    level: str
    name_th: str
    name_en: str
    lat: float | None
    lon: float | None
    figures: Figures


@dataclass(frozen=True)
class AreaFigures:
    """`last` is at most `published_to`, the last month published (None: nothing published
    yet, and then no months, places nor totals); `asked_last` is the month asked for."""

    area: Area
    first: date
    last: date
    months: list[MonthFigures]
    totals: Figures | None
    children: list[Place]
    shops: list[Place]
    refreshed_at: datetime | None
    published_to: date | None
    asked_last: date

    @property
    def cut_short(self) -> bool:
        """Months after the last one published were asked for, and left out."""
        return self.published_to is not None and self.asked_last > self.published_to


def default_span(now: datetime) -> tuple[date, date]:
    """The last twelve whole Bangkok months."""
    last = last_whole_month(now)
    return next_month(date(last.year - 1, last.month, 1)), last


def find_area(code: str | None) -> Area:
    """The area asked for, or the province (the top of the tree) when none is."""
    with replica_reads() as session:
        stmt = (
            select(Area).where(Area.code == code)
            if code
            else select(Area).where(Area.level == AreaLevel.PROVINCE).order_by(Area.code)
        )
        area = session.scalars(stmt.limit(1)).first()
    if area is None:
        raise NotFound()
    return area


def area_figures(
    code: str | None, first: date | None = None, last: date | None = None
) -> AreaFigures:
    """An area's months, its sub-areas ranked by plastic avoided, and its shops, up to the
    last month published (the last whole month when the nightly rebuild ran; by default the
    twelve months ending with it). ValidationFailed when `first` comes after it."""
    area = find_area(code)
    with replica_reads() as session:
        refreshed = session.scalar(select(func.max(PublicImpactCell.refreshed_at)))
        published_to = last_whole_month(refreshed) if refreshed else None
        if first is None or last is None:
            first, last = default_span(refreshed or clock.now())
        asked_last = last
        if published_to is None:
            return AreaFigures(area, first, last, [], None, [], [], None, None, asked_last)
        if first > published_to:
            raise ValidationFailed({"from": [AFTER_PUBLISHED]})
        last = min(last, published_to)
        own = _cells(session, first, last, PublicImpactCell.area_code == area.code)
        months = [MonthFigures(m, own.get(m, Figures())) for m in _months(first, last)]
        shops = _shop_places(session, area, first, last)
        children = (
            shops if area.level == AreaLevel.TAMBON else _area_places(session, area, first, last)
        )
        if area.level == AreaLevel.AMPHOE:
            children += _unplaced(shops)
    totals = add_up([m.figures for m in months])
    return AreaFigures(
        area,
        first,
        last,
        months,
        totals,
        ranked(children),
        shops,
        refreshed,
        published_to,
        asked_last,
    )


def ranked(places: list[Place]) -> list[Place]:
    """Most plastic avoided first; withheld figures last; then by code."""
    return sorted(
        places,
        key=lambda p: (p.figures.milligrams is None, -(p.figures.milligrams or 0), p.code or "~"),
    )


def add_up(parts: list[Figures]) -> Figures:
    """Sum figures over months or places; distinct residents don't add up, so they are None."""
    counts: dict[str, list] = {}
    for part in parts:
        for code, n in part.items.items():
            counts.setdefault(code, []).append(n)
    items = {code: _sum(values) for code, values in counts.items()}
    sums = {name: _sum([getattr(p, name) for p in parts]) for name in FIGURES}
    sums["active_residents"] = None
    return Figures(items=items, withheld=any(p.withheld for p in parts), **sums)


def actions() -> list[Action]:
    """What residents refuse, with the grams per item, their sources and dates: the method."""
    with replica_reads() as session:
        return list(session.scalars(select(Action).order_by(Action.position, Action.id)))


def partner_shops(area: Area) -> int:
    """Active partner shops inside the area."""
    with replica_reads() as session:
        return session.scalar(
            select(func.count(Shop.id)).where(Shop.active, AdminScope(area.code).shop_clause())
        )


def _sum(values: list[int | None]) -> int | None:
    published = [v for v in values if v is not None]
    return sum(published) if published or not values else None


def _months(first: date, last: date) -> list[date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def _figures(cell: PublicImpactCell) -> Figures:
    return Figures(
        scans=cell.scans,
        items=dict(cell.items),
        milligrams=cell.milligrams,
        points_issued=cell.points_issued,
        points_redeemed=cell.points_redeemed,
        active_residents=cell.active_residents,
        withheld=cell.withheld,
    )


def _cells(session, first: date, last: date, *where) -> dict[date, Figures]:
    """One place's published cells in the span, by month."""
    stmt = select(PublicImpactCell).where(
        PublicImpactCell.month >= first, PublicImpactCell.month <= last, *where
    )
    return {cell.month: _figures(cell) for cell in session.scalars(stmt)}


def _span_totals(session, first: date, last: date, key, *where) -> dict:
    """Each place's figures added up over the span, in the database (SUM skips the withheld
    nulls, and is null when all are, as add_up does)."""
    cell = PublicImpactCell
    span = (cell.month >= first, cell.month <= last, *where)
    sums = (
        select(
            key,
            *(func.sum(getattr(cell, name)) for name in FIGURES[:-1]),
            func.bool_or(cell.withheld),
        )
        .where(*span)
        .group_by(key)
    )
    each = func.jsonb_each_text(cell.items).table_valued("key", "value")
    per_item = (
        select(key, each.c.key, func.sum(each.c.value.cast(BigInteger)))
        .select_from(cell)
        .join(each, true())
        .where(*span)
        .group_by(key, each.c.key)
    )
    items: dict = {}
    for place, code, n in session.execute(per_item):
        items.setdefault(place, {})[code] = n
    return {
        place: Figures(scans, items.get(place, {}), mg, issued, redeemed, None, withheld)
        for place, scans, mg, issued, redeemed, withheld in session.execute(sums)
    }


def _area_places(session, area: Area, first: date, last: date) -> list[Place]:
    children = session.scalars(select(Area).where(Area.parent_code == area.code)).all()
    totals = _span_totals(
        session,
        first,
        last,
        PublicImpactCell.area_code,
        PublicImpactCell.area_code.in_([c.code for c in children]),
    )
    return [
        Place(c.code, c.level, c.name_th, c.name_en, c.lat, c.lon, totals.get(c.code, Figures()))
        for c in children
    ]


def _shop_places(session, area: Area, first: date, last: date) -> list[Place]:
    """The area's active shops, and the inactive ones with figures in the span."""
    inside = AdminScope(area.code).shop_clause()
    shops = session.execute(
        select(Shop.id, Shop.name, Shop.name_en, Shop.lat, Shop.lon, Shop.tambon_code, Shop.active)
        .where(inside)
        .order_by(Shop.id)
    ).all()
    totals = _span_totals(
        session,
        first,
        last,
        PublicImpactCell.shop_id,
        PublicImpactCell.shop_id.in_(select(Shop.id).where(inside)),
    )
    return [
        Place(
            str(s.id),
            "shop" if s.tambon_code else "unplaced_shop",
            s.name,
            s.name_en or s.name,
            s.lat,
            s.lon,
            totals.get(s.id, Figures()),
        )
        for s in shops
        if s.active or s.id in totals
    ]


def _unplaced(shops: list[Place]) -> list[Place]:
    """Shops of a district not yet placed in a sub-district, as one line of its table."""
    loose = [s.figures for s in shops if s.level == "unplaced_shop"]
    if not loose:
        return []
    return [Place(None, "unplaced", "", "", None, None, add_up(loose))]


@dataclass(frozen=True)
class PublicReport:
    """Everything /impact and its API show about one area."""

    figures: AreaFigures
    partner_shops: int
    participation: list
    declarations: list
    method: dict

    @property
    def months(self) -> list[MonthFigures]:
        return self.figures.months


def public_report(code: str | None, first: date | None, last: date | None) -> PublicReport:
    """The figures of an area with its participation, declarations and the method."""
    figures = area_figures(code, first, last)
    area_code = figures.area.code
    return PublicReport(
        figures=figures,
        partner_shops=partner_shops(figures.area),
        participation=[_private(row) for row in participation.participation(area_code)],
        declarations=participation.declarations(area_code),
        method={"min_residents": MIN_RESIDENTS, "actions": actions()},
    )


def _private(row: participation.ParticipationRow) -> participation.ParticipationRow:
    """A participation row as published: active residents rounded down to a multiple of 5
    (0 to 4: None, "fewer than 5"), the share worked out from that rounded count, and
    `reached` True only when the rounded count reaches the target (else None: not shown).
    So no exact count can be worked out from the households, the target and `reached`, nor
    from a sub-district's row and its villages' rows."""
    shown = published_residents(row.active_residents) or None
    if shown is None:
        return replace(row, active_residents=None, percent=None, reached=None)
    reached = participation.target_reached(shown, row.households, row.target_percent)
    return replace(
        row,
        active_residents=shown,
        percent=round(shown * 100 / row.households, 1),
        reached=True if reached else None,
    )
