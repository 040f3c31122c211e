"""What a shop issued and redeemed, for its staff and for admins.

The figures are read on the replica when there is one (database.replica_reads): they may
trail the primary by a moment. The shop itself is looked up on the primary.
"""

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ecolife import clock, rules
from ecolife.database import replica_reads
from ecolife.models import Redemption, RedemptionStatus, Scan
from ecolife.pagination import Page, paginate
from ecolife.services.scope import PROVINCE_WIDE, AdminScope
from ecolife.services.shops import get_shop


def shop_period(
    session: Session, shop_id: int, start: datetime | None, end: datetime | None
) -> dict:
    """Sum a shop's scans, points issued, points redeemed and redemptions in [start, end)."""
    scans = _scan_totals(session, shop_id, start, end)
    by_status = dict.fromkeys(RedemptionStatus, 0)
    created = _between(Redemption.created_at, start, end)
    for status, count in session.execute(
        select(Redemption.status, func.count(Redemption.id))
        .where(Redemption.shop_id == shop_id, *created)
        .group_by(Redemption.status)
    ):
        by_status[status] = count
    redeemed = session.scalar(
        select(func.coalesce(func.sum(Redemption.points), 0)).where(
            Redemption.shop_id == shop_id,
            Redemption.status == RedemptionStatus.CONFIRMED,
            *_between(Redemption.resolved_at, start, end),
        )
    )
    return {**scans, "points_redeemed": redeemed, "redemptions": by_status}


def shop_summary(shop_id: int) -> dict:
    """Today's, this month's and all-time figures of a shop (Bangkok calendar)."""
    get_shop(shop_id, include_inactive=True)
    now = clock.now()
    today = rules.bangkok_day_start(now)
    month = today.replace(day=1)
    with replica_reads() as session:
        return {
            "today": shop_period(session, shop_id, today, None),
            "month": shop_period(session, shop_id, month, None),
            "all_time": shop_period(session, shop_id, None, None),
        }


def shop_statement(
    shop_id: int, first_day: date, last_day: date, *, scope: AdminScope = PROVINCE_WIDE
) -> dict:
    """A shop's figures for whole Bangkok days, first to last inclusive."""
    get_shop(shop_id, include_inactive=True, scope=scope)
    start, end = rules.bangkok_days(first_day, last_day)
    with replica_reads() as session:
        figures = shop_period(session, shop_id, start, end)
    return {"shop_id": shop_id, "from": first_day, "to": last_day, **figures}


def list_shop_scans(shop_id: int, *, limit: int, cursor: str | None) -> Page:
    """List the scans credited at a shop, newest first."""
    stmt = select(Scan).where(Scan.shop_id == shop_id)
    return paginate(stmt, Scan.id, limit=limit, cursor=cursor, newest_first=True)


def _scan_totals(
    session: Session, shop_id: int, start: datetime | None, end: datetime | None
) -> dict:
    row = session.execute(
        select(
            func.count(Scan.id),
            func.coalesce(func.sum(Scan.quantity), 0),
            func.coalesce(func.sum(Scan.points), 0),
        ).where(Scan.shop_id == shop_id, *_between(Scan.created_at, start, end))
    ).one()
    return {"scans": row[0], "items": row[1], "points_issued": row[2]}


def _between(column, start: datetime | None, end: datetime | None) -> list:
    conditions = []
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column < end)
    return conditions
