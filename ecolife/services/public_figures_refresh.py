"""Work out the published monthly figures (public_impact_cells) from scans and redemptions.

The privacy rule, applied here once for /impact, its API and the open data:
- The smallest unit counted is a *base cell*: one shop, one Bangkok month, one item (bag,
  straw …) for scans, and one shop and month for confirmed redemptions. A base cell made by
  fewer than MIN_RESIDENTS distinct residents is withheld.
- Every published figure (scans, items, grams, points issued and redeemed, active residents)
  is computed from the published base cells only, at every level (shop, sub-district,
  district, province) and for every month. So the difference of any two published figures
  (a district minus its sub-districts, a province minus its districts, one month against
  another) is itself a sum of published base cells: a withheld cell never enters a figure,
  so no subtraction can bring it back. A figure made of withheld cells only is null, and a
  row with any withheld part is flagged `withheld`.
- Every published count of distinct residents (active residents at every level, and the
  participation of a sub-district or village) is rounded down to a multiple of
  RESIDENTS_ROUNDED_TO (published_residents): distinct residents do not add up, so exact
  counts could be combined (shop A 5, shop B 5, their sub-district 9: one resident scanned at
  both) or subtracted (a sub-district minus its villages). A participation count below 5
  (0 to 4) is not published at all, and its share and "reached" follow the rounded count.
- Only whole months are published (up to the end of last month): a month still running
  would change under the eyes of someone polling it, and the difference between two polls
  could be one resident's scans.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Date, and_, delete, distinct, func, insert, not_, select, tuple_

from ecolife import clock, rules
from ecolife.extensions import db
from ecolife.models import (
    Action,
    Area,
    AreaLevel,
    PublicImpactCell,
    Redemption,
    RedemptionStatus,
    Scan,
    Shop,
)

MIN_RESIDENTS = 5
RESIDENTS_ROUNDED_TO = 5
# The place columns of a scan, finest first, and the level each one names.
LEVELS = ("shop", "tambon", "amphoe", "province")


def bangkok_month(column):
    """The first day of the Bangkok calendar month of a UTC timestamp column."""
    return func.date_trunc("month", func.timezone("Asia/Bangkok", column)).cast(Date)


def month_start(month: date) -> datetime:
    """The moment a Bangkok month begins."""
    return rules.bangkok_midnight(month.replace(day=1))


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def last_whole_month(now: datetime) -> date:
    """The last Bangkok month that has ended by `now`."""
    this_month = now.astimezone(rules.BANGKOK).date().replace(day=1)
    return date(this_month.year - (this_month.month == 1), (this_month.month - 2) % 12 + 1, 1)


def published_residents(count: int) -> int:
    """A count of distinct residents as published: rounded down to a multiple of 5."""
    return count - count % RESIDENTS_ROUNDED_TO


@dataclass
class _Cell:
    scans: int = 0
    items: dict = field(default_factory=dict)
    milligrams: int = 0
    points_issued: int = 0
    points_redeemed: int = 0
    active_residents: int = 0
    # Which figures hold something published, and whether anything was left out.
    scans_published: bool = False
    redeemed_published: bool = False
    scans_withheld: bool = False
    redeemed_withheld: bool = False

    def row(self) -> dict:
        scans_hidden = self.scans_withheld and not self.scans_published
        redeemed_hidden = self.redeemed_withheld and not self.redeemed_published
        return {
            "scans": None if scans_hidden else self.scans,
            "items": self.items,
            "milligrams": None if scans_hidden else self.milligrams,
            "points_issued": None if scans_hidden else self.points_issued,
            "active_residents": None
            if scans_hidden
            else published_residents(self.active_residents),
            "points_redeemed": None if redeemed_hidden else self.points_redeemed,
            "withheld": self.scans_withheld or self.redeemed_withheld,
        }


def refresh_public_figures() -> int:
    """Rebuild the published figures of every whole month; return the cells written."""
    last = last_whole_month(clock.now())
    end = month_start(next_month(last))
    # One rebuild at a time: a second one waits, then writes over the first.
    db.session.execute(select(func.pg_advisory_xact_lock(func.hashtext("public_figures"))))
    cells: dict[tuple, _Cell] = defaultdict(_Cell)
    _add_scans(cells, end)
    _add_redemptions(cells, end)
    # Each province's last month is written even without any scan, so that a publication
    # always leaves a row (its refreshed_at says figures are published, zeros included).
    provinces = db.session.scalars(select(Area.code).where(Area.level == AreaLevel.PROVINCE))
    for code in provinces:
        cells.setdefault((last, "province", code), _Cell())
    now = clock.now()
    db.session.execute(delete(PublicImpactCell))
    rows = [_cell_row(key, cell, now) for key, cell in cells.items()]
    if rows:
        db.session.execute(insert(PublicImpactCell), rows)
    db.session.commit()
    return len(rows)


def _cell_row(key: tuple, cell: _Cell, now: datetime) -> dict:
    month, level, place = key
    where = (
        {"shop_id": place, "area_code": None}
        if level == "shop"
        else {
            "shop_id": None,
            "area_code": place,
        }
    )
    return {"month": month, "level": level, **where, **cell.row(), "refreshed_at": now}


def _places():
    return (
        Shop.id.label("shop"),
        Shop.tambon_code.label("tambon"),
        Shop.district_code.label("amphoe"),
        func.left(Shop.district_code, 2).label("province"),
    )


def _add_scans(cells: dict, end: datetime) -> None:
    base = (
        select(
            bangkok_month(Scan.created_at).label("month"),
            Scan.action_id,
            Scan.user_id,
            Scan.quantity,
            Scan.milligrams,
            Scan.points,
            *_places(),
        )
        .join(Shop, Shop.id == Scan.shop_id)
        .where(Scan.created_at < end)
        .cte("base")
    )
    unit = (base.c.month, base.c.shop, base.c.action_id)
    sizes = (
        select(*unit, func.count(distinct(base.c.user_id)).label("residents"))
        .group_by(*unit)
        .cte("sizes")
    )
    marked = (
        select(base, (sizes.c.residents >= MIN_RESIDENTS).label("published"))
        .join(sizes, and_(*(a == b for a, b in zip(unit, sizes.c, strict=False))))
        .cte("marked")
    )
    places = [marked.c[level] for level in LEVELS]
    ok = marked.c.published
    stmt = select(
        marked.c.month,
        func.grouping(*places, marked.c.action_id),
        *places,
        marked.c.action_id,
        func.count().filter(ok),
        func.coalesce(func.sum(marked.c.quantity).filter(ok), 0),
        func.coalesce(func.sum(marked.c.milligrams).filter(ok), 0),
        func.coalesce(func.sum(marked.c.points).filter(ok), 0),
        func.count(distinct(marked.c.user_id)).filter(ok),
        func.bool_or(not_(ok)),
    ).group_by(
        marked.c.month,
        func.grouping_sets(
            *(tuple_(p, marked.c.action_id) for p in places), *(tuple_(p) for p in places)
        ),
    )
    codes = dict(db.session.execute(select(Action.id, Action.code)).all())
    for month, grouped, *rest in db.session.execute(stmt):
        keys, (action_id, scans, items, mg, points, residents, withheld) = rest[:4], rest[4:]
        level = next(i for i in range(4) if not grouped & (16 >> i))
        if keys[level] is None:  # the sub-district of shops not placed in one
            continue
        cell = cells[(month, LEVELS[level], keys[level])]
        if grouped & 1:  # all items together
            cell.scans, cell.milligrams, cell.points_issued = scans, mg, points
            cell.active_residents = residents
            cell.scans_published, cell.scans_withheld = scans > 0, withheld
        else:
            cell.items[codes[action_id]] = None if withheld and scans == 0 else items


def _add_redemptions(cells: dict, end: datetime) -> None:
    month = bangkok_month(Redemption.resolved_at)
    places = _places()
    stmt = (
        select(
            month, *places, func.count(distinct(Redemption.user_id)), func.sum(Redemption.points)
        )
        .join(Shop, Shop.id == Redemption.shop_id)
        .where(Redemption.status == RedemptionStatus.CONFIRMED, Redemption.resolved_at < end)
        .group_by(month, *places)
    )
    for month_, *keys, redeemers, points in db.session.execute(stmt):
        published = redeemers >= MIN_RESIDENTS
        for level, key in zip(LEVELS, keys, strict=True):
            if key is None:
                continue
            cell = cells[(month_, level, key)]
            if published:
                cell.points_redeemed += points
                cell.redeemed_published = True
            else:
                cell.redeemed_withheld = True
