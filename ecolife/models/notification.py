"""Each user's inbox of notifications; delivery to their devices goes through the outbox."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ecolife.extensions import db
from ecolife.orm import utcnow


class NotificationKind(StrEnum):
    REDEMPTION_CONFIRMED = "redemption_confirmed"  # {"redemption_id", "reward", "points"}
    POINTS_EXPIRING = "points_expiring"  # {"points", "expires_at"}
    CAMPAIGN_STARTED = "campaign_started"  # {"campaign_id"}
    ACCOUNT_SUSPENDED = "account_suspended"  # {"reason"}


class Notification(db.Model):
    """One message in a user's inbox. Its title and body are rendered in the reader's language
    from `kind` and `params` when read, like the ledger's reasons."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('redemption_confirmed', 'points_expiring', 'campaign_started',"
            " 'account_suspended')",
            name="kind_known",
        ),
        # The same event is told once: e.g. one "points expiring" per expiry date.
        UniqueConstraint("user_id", "kind", "dedupe_key", name="uq_notifications_once"),
        Index("ix_notifications_user_id_id", "user_id", "id"),
        Index(
            "ix_notifications_unread",
            "user_id",
            postgresql_where=text("read_at IS NULL"),
        ),
        Index(
            "ix_notifications_not_fanned_out",
            "created_at",
            postgresql_where=text("fanned_out_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    # What makes it the same event again (None: every one is new; NULLs never collide).
    dedupe_key: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # When its outbox messages were written (None: the fan-out is still to do).
    fanned_out_at: Mapped[datetime | None]
