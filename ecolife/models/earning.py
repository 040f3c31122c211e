"""What residents refuse, the rules' settings, scans, one-time counter codes and impact."""

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecolife.extensions import db
from ecolife.orm import utcnow


class Action(db.Model):
    """Something a resident can refuse (a plastic bag, a straw …) and what it earns."""

    __tablename__ = "actions"
    __table_args__ = (
        CheckConstraint("points >= 1", name="points_positive"),
        CheckConstraint("milligrams >= 0", name="milligrams_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_th: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    points: Mapped[int]
    # Plastic avoided per item, in milligrams so that 5.5 g stays an exact integer.
    milligrams: Mapped[int]
    # Where the grams per item come from and when the figure was set: the public method page.
    milligrams_source: Mapped[str | None] = mapped_column(String(500))
    milligrams_set_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    position: Mapped[int] = mapped_column(default=0, server_default="0")

    @property
    def grams(self) -> float:
        return self.milligrams / 1000


class RuleSettings(db.Model):
    """The one row of anti-abuse limits that admins may tune.

    No defaults here: they live in `rules.Limits`, used while the row is missing and to
    create it on the first change.
    """

    __tablename__ = "rule_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("scan_cooldown_seconds >= 0", name="cooldown_not_negative"),
        CheckConstraint("daily_scans_per_shop >= 1", name="shop_cap_positive"),
        CheckConstraint("daily_scans >= 1", name="daily_cap_positive"),
        CheckConstraint("max_quantity >= 1", name="max_quantity_positive"),
        CheckConstraint("code_ttl_seconds >= 30", name="code_ttl_sane"),
        CheckConstraint("redemption_ttl_seconds >= 60", name="redemption_ttl_sane"),
        CheckConstraint("card_credits_per_shop_per_day >= 1", name="card_credits_positive"),
        CheckConstraint("points_expire_after_months BETWEEN 1 AND 120", name="expiry_months_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    scan_cooldown_seconds: Mapped[int]
    daily_scans_per_shop: Mapped[int]
    daily_scans: Mapped[int]
    max_quantity: Mapped[int]
    code_ttl_seconds: Mapped[int]
    redemption_ttl_seconds: Mapped[int]
    # Member-card credits one shop may give in a Bangkok day, all card holders together.
    card_credits_per_shop_per_day: Mapped[int]
    # Months after which a credit's points expire (rules.points_expiry); None: never.
    points_expire_after_months: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EarningCode(db.Model):
    """A single-use QR that staff show at the counter; it credits the first resident only."""

    __tablename__ = "earning_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    # What a resident can type instead of scanning (security.random_code(8)); never reused.
    # None for codes issued before short codes existed.
    short_code: Mapped[str | None] = mapped_column(String(8), unique=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"))
    quantity: Mapped[int]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None]
    # The latest scan of it that a rule refused (daily cap, cooldown …), for the counter screen.
    refused_at: Mapped[datetime | None]
    refused_code: Mapped[str | None] = mapped_column(String(40))

    action = relationship(Action, lazy="joined", innerjoin=True)

    def status(self, now: datetime) -> str:
        """Say whether the code is waiting, used, cancelled or expired."""
        if self.used_at is not None:
            return "used"
        if self.cancelled_at is not None:
            return "cancelled"
        return "expired" if now >= self.expires_at else "active"


class Scan(db.Model):
    """One credited refusal at a shop."""

    __tablename__ = "scans"
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        # The cooldown and cap look-ups: a resident's scans, at one shop or anywhere, by time.
        Index("ix_scans_user_shop_created", "user_id", "shop_id", "created_at"),
        Index("ix_scans_user_created", "user_id", "created_at"),
        # Impact reports sum scans by day across all shops.
        Index("ix_scans_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"))
    quantity: Mapped[int]
    points: Mapped[int]
    # Plastic avoided at the time of the scan, so later changes to an action's grams keep history.
    milligrams: Mapped[int] = mapped_column(default=0, server_default="0")
    # A one-time code can back one scan only: the database enforces it.
    code_id: Mapped[int | None] = mapped_column(ForeignKey("earning_codes.id"), unique=True)
    # The staff member who credited it at the counter with the resident's member card.
    card_staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    action = relationship(Action, lazy="joined", innerjoin=True)
    shop = relationship("Shop", lazy="joined", innerjoin=True)


class CardCreditDay(db.Model):
    """How many member-card credits a shop gave on a Bangkok day.

    The credit's write raises the count only while it is under the limit (a conditional
    upsert), so a shop cannot pass `card_credits_per_shop_per_day` however many counters
    credit at once.
    """

    __tablename__ = "card_credit_days"
    __table_args__ = (CheckConstraint("credits >= 1", name="credits_positive"),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    credits: Mapped[int]


class Impact(db.Model):
    """Running totals of what a resident has refused, so /me never sums the history."""

    __tablename__ = "impacts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"), primary_key=True)
    items: Mapped[int] = mapped_column(Integer, default=0)
    milligrams: Mapped[int] = mapped_column(Integer, default=0)

    action = relationship(Action, lazy="joined", innerjoin=True)
