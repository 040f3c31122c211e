"""Remembered answers to requests that carried an Idempotency-Key."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecolife.extensions import db
from ecolife.orm import utcnow


class IdempotencyKey(db.Model):
    """The first outcome of a keyed request: what it created, or the refusal it got."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(64))
    # sha256 of the operation and its parsed body: the same key with another body is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    scan_id: Mapped[int | None] = mapped_column(ForeignKey("scans.id"))
    redemption_id: Mapped[int | None] = mapped_column(ForeignKey("redemptions.id"))
    error_code: Mapped[str | None] = mapped_column(String(40))
    error_params: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
