"""Campaigns: bonus points for a while, for some actions, areas or shops, within a budget."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from ecolife.extensions import db
from ecolife.orm import utcnow


class Campaign(db.Model):
    """A time-bound bonus on credited scans (rules.campaign_bonus says how much).

    `multiplier` scales a scan's points (2 = double: the bonus is the points once more) and
    `bonus_points` adds a fixed number; either or both. Empty lists (None) mean any action,
    area or shop. `bonus_granted` counts the bonus points given, in the same statement as
    each bonus entry, and never passes `budget_points` (None: no budget).
    """

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            "multiplier IS NULL OR (multiplier > 1 AND multiplier <= 10)", name="multiplier_range"
        ),
        CheckConstraint("bonus_points IS NULL OR bonus_points >= 1", name="bonus_positive"),
        CheckConstraint(
            "multiplier IS NOT NULL OR bonus_points IS NOT NULL", name="gives_something"
        ),
        CheckConstraint("budget_points IS NULL OR budget_points >= 1", name="budget_positive"),
        CheckConstraint("bonus_granted >= 0", name="granted_not_negative"),
        CheckConstraint(
            "budget_points IS NULL OR bonus_granted <= budget_points", name="within_budget"
        ),
        Index("ix_campaigns_ends_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_th: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    multiplier: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    bonus_points: Mapped[int | None]
    action_codes: Mapped[list[str] | None] = mapped_column(ARRAY(String(32)))
    # Official area codes (district or sub-district); a shop is in if its tambon starts so.
    area_codes: Mapped[list[str] | None] = mapped_column(ARRAY(String(6)))
    shop_ids: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))
    budget_points: Mapped[int | None]
    bonus_granted: Mapped[int] = mapped_column(default=0, server_default="0")
    # The area of the admin who made it (None: province-wide); scoped admins manage only
    # campaigns of their area.
    owner_area_code: Mapped[str | None] = mapped_column(String(6))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the residents it concerns were told it started (the notification job), if yet.
    announced_at: Mapped[datetime | None]
