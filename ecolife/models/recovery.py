"""The outbox of outgoing messages, and the codes that let people reset a forgotten password."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ecolife.extensions import db
from ecolife.orm import utcnow


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    WEB_PUSH = "web_push"
    LINE = "line"


class OutboxMessage(db.Model):
    """One message to send (an e-mail or an SMS), kept until it is delivered or given up on.

    Written in the transaction of the change that sends it, so a message goes out exactly when
    that change is committed; a job delivers it and records each try.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("channel IN ('email', 'sms', 'web_push', 'line')", name="channel_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Whom it is for, when it is for an account (None: an address only).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # The next try is due (a failed try's backoff), or, while a worker sends it, when that
    # worker's claim lapses; the outbox sweep re-queues a message overdue here.
    next_attempt_at: Mapped[datetime | None]
    # Not sent after this (a reset code's own expiry): a late code is no use to anyone.
    expires_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    # Set when the last allowed try failed: the message is not tried again.
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))


class PasswordResetCode(db.Model):
    """The one live password-reset code of an account (a new request replaces it), hashed."""

    __tablename__ = "password_reset_codes"
    __table_args__ = (CheckConstraint("failures >= 0", name="failures_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    # Wrong codes typed since it was sent; it ends at PasswordReset's MAX_TRIES.
    failures: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
