"""Accounts: residents, shop staff and admins."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecolife.extensions import db
from ecolife.orm import utcnow


class Role(StrEnum):
    RESIDENT = "resident"
    SHOP_STAFF = "shop_staff"
    ADMIN = "admin"


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (
        # Residents may have no login: registered at a municipal office with a member card
        # only, or erased (kept under a pseudonym).
        CheckConstraint(
            "phone IS NOT NULL OR email IS NOT NULL OR role = 'resident'", name="has_login"
        ),
        CheckConstraint("role IN ('resident', 'shop_staff', 'admin')", name="role_known"),
        CheckConstraint("(role = 'shop_staff') = (shop_id IS NOT NULL)", name="staff_has_shop"),
        CheckConstraint("locale IN ('th', 'en')", name="locale_known"),
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        CheckConstraint("admin_area_code IS NULL OR role = 'admin'", name="only_admins_scoped"),
        CheckConstraint("home_village_no BETWEEN 1 AND 99", name="village_no_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(16), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    # None until an invited shop owner sets a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(16), default=Role.RESIDENT)
    locale: Mapped[str] = mapped_column(String(2), default="th")
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"), index=True)
    suspended_at: Mapped[datetime | None]
    suspended_reason: Mapped[str | None] = mapped_column(String(255))
    # Kept equal to the sum of the user's ledger entries, in the same transaction as each entry.
    balance: Mapped[int] = mapped_column(default=0, server_default="0")
    # Where a resident says they live (optional): for the programme's area figures.
    home_tambon_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), index=True)
    home_village_no: Mapped[int | None] = mapped_column(SmallInteger)
    # An admin scoped to one district or sub-district; None for a province-wide admin.
    admin_area_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"))
    # The member card: a random code (unambiguous alphabet, see security.random_code) shown as
    # a QR and typed at the counter; rotatable. Made at sign-up and at assisted registration.
    card_code: Mapped[str | None] = mapped_column(String(12), unique=True)
    # The 4-digit PIN a card holder confirms a counter redemption with (hashed), and the
    # wrong tries since the last right one.
    card_pin_hash: Mapped[str | None] = mapped_column(String(255))
    card_pin_failures: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # When the PIN locked after too many wrong tries: it is refused until a day later, or
    # until a new PIN is set.
    card_pin_locked_at: Mapped[datetime | None]
    # Set when the resident's personal data was erased (the row stays under a pseudonym).
    erased_at: Mapped[datetime | None]
    # A resident registered at a municipal office: the sub-district the admin chose (inside
    # their area), and the admin. A scoped admin sees the residents registered in their area
    # (a home the resident declared themselves gives no admin access).
    registered_area_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"))
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    shop = relationship("Shop", lazy="raise")

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None


class AccountEvent(db.Model):
    """An admin's suspension or reinstatement of an account, with the reason given, or an
    admin's new PIN or new member card for a card holder at the desk."""

    __tablename__ = "account_events"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('suspend', 'unsuspend', 'card_pin', 'card_rotate')", name="kind_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(255))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor = relationship(User, foreign_keys=[actor_id])
