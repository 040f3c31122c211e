"""The points ledger: append-only entries; a balance is the sum of its entries."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, event, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, relationship

from ecolife.extensions import db
from ecolife.orm import utcnow


class EntryKind(StrEnum):
    EARN = "earn"
    REDEEM = "redeem"
    REFUND = "refund"
    ADJUSTMENT = "adjustment"
    # Points past their date (services.expiry); a credit of a campaign on top of a scan.
    EXPIRE = "expire"
    BONUS = "bonus"


# Entries that are credits of their own ("lots"): they may carry an expiry date. A refund is
# not one: it undoes its redemption, so the points it gives back keep their first dates.
LOT_KINDS = (EntryKind.EARN, EntryKind.BONUS, EntryKind.ADJUSTMENT)


class ReasonCode(StrEnum):
    """Why an entry exists, rendered in the reader's language from its parameters."""

    SCAN = "scan"  # {"action": code, "quantity": n}
    CARD_SCAN = "card_scan"  # as SCAN: staff credited the resident's member card (the actor)
    REWARD = "reward"  # {"reward_id": id}
    REDEMPTION_CANCELLED = "redemption_cancelled"  # {"redemption_id": id}
    REDEMPTION_EXPIRED = "redemption_expired"  # {"redemption_id": id}
    ADJUSTMENT = "adjustment"  # {}: the admin's words are in `reason`
    NOTE = "note"  # {}: an old entry whose text is shown as written
    POINTS_EXPIRED = "points_expired"  # {"before": ISO date}: credits dated before it
    CAMPAIGN = "campaign"  # {"scan_id": id}: the campaign is the entry's campaign_id


class LedgerIsAppendOnly(RuntimeError):
    """Raised when code tries to change or remove a ledger entry."""


class LedgerEntry(db.Model):
    """One change of a resident's points, never edited: corrections are new entries."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("delta <> 0", name="delta_not_zero"),
        CheckConstraint("balance_after >= 0", name="balance_not_negative"),
        CheckConstraint(
            "kind IN ('earn', 'redeem', 'refund', 'adjustment', 'expire', 'bonus')",
            name="kind_known",
        ),
        CheckConstraint(
            "reason_code IN ('scan', 'card_scan', 'reward', 'redemption_cancelled',"
            " 'redemption_expired', 'adjustment', 'note', 'points_expired', 'campaign')",
            name="reason_code_known",
        ),
        # Only a credit of its own can expire (see LOT_KINDS).
        CheckConstraint(
            "expires_at IS NULL OR (delta > 0 AND kind IN ('earn', 'bonus', 'adjustment'))",
            name="expiry_on_lots",
        ),
        CheckConstraint(
            "(kind = 'bonus') = (campaign_id IS NOT NULL)", name="bonus_names_campaign"
        ),
        CheckConstraint("kind <> 'expire' OR delta < 0", name="expiry_takes"),
        Index("ix_ledger_entries_user_id_id", "user_id", "id"),
        # The expiry job's search for residents with points past their date.
        Index(
            "ix_ledger_entries_expires_at",
            "expires_at",
            postgresql_where=text("expires_at IS NOT NULL"),
        ),
        # A campaign's bonuses (its budget used); partial, so a scan's entry adds no key.
        Index(
            "ix_ledger_entries_campaign_id",
            "campaign_id",
            postgresql_where=text("campaign_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))
    delta: Mapped[int]
    balance_after: Mapped[int]
    # The admin's words for an adjustment (an old entry's text); empty for coded entries.
    reason: Mapped[str] = mapped_column(String(255))
    reason_code: Mapped[str] = mapped_column(String(32))
    reason_params: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"), index=True)
    scan_id: Mapped[int | None] = mapped_column(ForeignKey("scans.id"), unique=True)
    redemption_id: Mapped[int | None] = mapped_column(ForeignKey("redemptions.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When a credit's points expire if not spent before (rules.points_expiry); None: never.
    expires_at: Mapped[datetime | None]
    # The campaign a bonus entry comes from.
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))

    shop = relationship("Shop", lazy="joined")
    scan = relationship("Scan", lazy="select")
    redemption = relationship("Redemption", lazy="select")


@event.listens_for(Session, "before_flush")
def _refuse_changed_entries(session: Session, _context, _instances) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, LedgerEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise LedgerIsAppendOnly(f"ledger entry {obj.id} cannot be changed or deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and _targets_ledger(state):
        raise LedgerIsAppendOnly("ledger entries cannot be updated or deleted")


def _targets_ledger(state: ORMExecuteState) -> bool:
    table = getattr(state.statement, "table", None)
    return getattr(table, "name", None) == LedgerEntry.__tablename__
