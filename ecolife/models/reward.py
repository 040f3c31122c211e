"""Rewards a shop offers, and residents' redemptions of them."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    func,
    select,
    true,
)
from sqlalchemy.orm import Mapped, column_property, deferred, mapped_column, relationship

from ecolife import rules
from ecolife.extensions import db
from ecolife.models.shop import Shop
from ecolife.orm import utcnow


class Reward(db.Model):
    """Something a shop gives in exchange for points."""

    __tablename__ = "rewards"
    __table_args__ = (
        CheckConstraint("points >= 1", name="points_positive"),
        CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
        CheckConstraint(
            "per_resident_limit IS NULL OR per_resident_limit >= 1", name="limit_positive"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    name_th: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    description_th: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    points: Mapped[int]
    # None means unlimited; otherwise what is left, taken and returned by conditional UPDATEs.
    stock: Mapped[int | None]
    per_resident_limit: Mapped[int | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    active_from: Mapped[datetime | None]
    active_to: Mapped[datetime | None]
    image: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    image_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    shop = relationship(Shop, lazy="joined", innerjoin=True)

    def available_at(self, now: datetime) -> bool:
        """Say whether the reward can be requested now (stock aside)."""
        return rules.reward_available(
            now,
            active=self.active,
            shop_active=self.shop.active,
            active_from=self.active_from,
            active_to=self.active_to,
        )


class RedemptionStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Redemption(db.Model):
    """A resident's claim on a reward: points held until the shop confirms, or refunded."""

    __tablename__ = "redemptions"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'confirmed', 'cancelled', 'expired')", name="status_known"
        ),
        Index("ix_redemptions_user_id_id", "user_id", "id"),
        Index("ix_redemptions_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reward_id: Mapped[int] = mapped_column(ForeignKey("rewards.id"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    points: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), default=RedemptionStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    reward = relationship(Reward, lazy="joined", innerjoin=True)
    user = relationship("User", foreign_keys=[user_id], lazy="joined", innerjoin=True)

    def status_at(self, now: datetime) -> str:
        """The status as readers see it: a pending hold past its time reads as expired
        (reads never write; the expiry job or the resident's next request refunds it)."""
        if rules.overdue(self.status, self.expires_at, now):
            return RedemptionStatus.EXPIRED
        return self.status


# Shown in shop lists; loaded only where asked for (undefer) to keep other queries lean.
Shop.rewards_count = deferred(
    column_property(
        select(func.count(Reward.id))
        .where(Reward.shop_id == Shop.id, Reward.active.is_(True))
        .correlate_except(Reward)
        .scalar_subquery()
    )
)
