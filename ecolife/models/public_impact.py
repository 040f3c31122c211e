"""The published monthly figures: what /impact, its API and the open data show.

Worked out from the scans and redemptions by a periodic job (services.public_figures), with
the privacy rule already applied, so that a page view reads a few hundred small rows and
never sums a year of scans.
"""

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ecolife.extensions import db
from ecolife.orm import utcnow


class PublicImpactCell(db.Model):
    """One month of one shop, sub-district, district or province, as published.

    A figure is None when privacy withholds it; `withheld` says some part was left out.
    """

    __tablename__ = "public_impact_cells"
    __table_args__ = (
        CheckConstraint("level IN ('shop', 'tambon', 'amphoe', 'province')", name="level_known"),
        CheckConstraint(
            "(level = 'shop') = (shop_id IS NOT NULL) AND (level = 'shop') = (area_code IS NULL)",
            name="shop_or_area",
        ),
        CheckConstraint("extract(day FROM month) = 1", name="month_starts"),
        UniqueConstraint(
            "month",
            "level",
            "area_code",
            "shop_id",
            name="uq_public_impact_cells_place",
            postgresql_nulls_not_distinct=True,
        ),
        Index("ix_public_impact_cells_area_month", "area_code", "month"),
        Index("ix_public_impact_cells_shop_month", "shop_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The first day of the Bangkok calendar month.
    month: Mapped[date] = mapped_column(Date)
    level: Mapped[str] = mapped_column(String(8))
    area_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))
    scans: Mapped[int | None]
    # {action code: items refused}; an item's count is None when withheld.
    items: Mapped[dict] = mapped_column(JSONB)
    milligrams: Mapped[int | None] = mapped_column(BigInteger)
    points_issued: Mapped[int | None] = mapped_column(BigInteger)
    points_redeemed: Mapped[int | None] = mapped_column(BigInteger)
    active_residents: Mapped[int | None]
    withheld: Mapped[bool]
    refreshed_at: Mapped[datetime] = mapped_column(default=utcnow)
