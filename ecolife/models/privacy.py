"""PDPA: the versioned privacy notice, residents' consents, the personal-data access log."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecolife.extensions import db
from ecolife.orm import utcnow


class PrivacyNotice(db.Model):
    """One published version of the privacy notice; a new version is a new row, never an edit."""

    __tablename__ = "privacy_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    text_th: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None for the notice the installation starts with.
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    published_by = relationship("User", lazy="joined")


class Consent(db.Model):
    """A user's acceptance of one version of the notice, and when."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("user_id", "notice_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    notice_version: Mapped[int] = mapped_column(ForeignKey("privacy_notices.version"))
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)


class PersonalDataAccess(db.Model):
    """An admin opened a resident's personal data: who, whom, when, and where (`what`)."""

    __tablename__ = "personal_data_accesses"
    __table_args__ = (Index("ix_personal_data_accesses_resident_id", "resident_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    admin_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    what: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    admin = relationship("User", foreign_keys=[admin_id], lazy="joined")
    resident = relationship("User", foreign_keys=[resident_id], lazy="joined")


class AccountActivity(db.Model):
    """The day of a user's last sign-in or token refresh (scans and redemptions keep their
    own times): an account idle for ANONYMISE_INACTIVE_AFTER_YEARS is erased.

    Sessions are pruned once ended, so this row is the lasting trace of a sign-in. A table of
    its own, not a column of `users`: a sign-in holds the user's row FOR SHARE, and two
    sign-ins both updating it would deadlock.
    """

    __tablename__ = "account_activities"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    last_active_at: Mapped[datetime]
