"""Where a user's notifications may go besides the inbox: their choices per channel, the
browsers they subscribed for Web Push, and the LINE account they linked."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ecolife.extensions import db
from ecolife.orm import utcnow


class DeliveryChannel(StrEnum):
    WEB_PUSH = "web_push"
    LINE = "line"
    EMAIL = "email"


class ChannelPreference(db.Model):
    """A user's choice for one channel. Opt-in: no row (or enabled false) sends nothing there."""

    __tablename__ = "channel_preferences"
    __table_args__ = (
        CheckConstraint("channel IN ('web_push', 'line', 'email')", name="channel_known"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(8), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PushSubscription(db.Model):
    """One browser's Web Push subscription (RFC 8030): where to POST and how to encrypt."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The push service's address for this browser: it names the browser, so one row each.
    endpoint: Mapped[str] = mapped_column(String(2000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(128))
    auth: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_success_at: Mapped[datetime | None]


class LineLink(db.Model):
    """A user's LINE account, linked by a code they sent to the programme's Official Account."""

    __tablename__ = "line_links"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    # LINE's userId for our channel ("U" and 32 hex digits); one EcoLife account each.
    line_user_id: Mapped[str] = mapped_column(String(64), unique=True)
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)


class LineLinkCode(db.Model):
    """The one live code of a user who is linking LINE (a new one replaces it), hashed."""

    __tablename__ = "line_link_codes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
