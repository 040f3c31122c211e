"""The counter: card credits per shop and day, short counter codes, PIN redemptions

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30

Counter codes get a short form a resident can type; a scan may be a member-card credit by a
staff member (a reason code of its own in the ledger); each shop's card credits are counted
per Bangkok day against a new limit. A card's PIN locked by wrong tries remembers when, so
the lock can expire.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

REASONS = (
    "'scan', 'reward', 'redemption_cancelled', 'redemption_expired', 'adjustment', 'note'"
)
REASONS_WITH_CARD = (
    "'scan', 'card_scan', 'reward', 'redemption_cancelled', 'redemption_expired',"
    " 'adjustment', 'note'"
)


def upgrade():
    op.add_column("earning_codes", sa.Column("short_code", sa.String(length=8), nullable=True))
    op.create_unique_constraint(
        op.f("uq_earning_codes_short_code"), "earning_codes", ["short_code"]
    )
    # The existing row (if any) gets the default of rules.Limits; the model has none.
    op.add_column(
        "rule_settings",
        sa.Column(
            "card_credits_per_shop_per_day", sa.Integer(), server_default="30", nullable=False
        ),
    )
    op.alter_column("rule_settings", "card_credits_per_shop_per_day", server_default=None)
    op.create_check_constraint(
        op.f("ck_rule_settings_card_credits_positive"),
        "rule_settings",
        "card_credits_per_shop_per_day >= 1",
    )
    op.add_column("scans", sa.Column("card_staff_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_scans_card_staff_id_users"), "scans", "users", ["card_staff_id"], ["id"]
    )
    op.create_table(
        "card_credit_days",
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.CheckConstraint("credits >= 1", name=op.f("ck_card_credit_days_credits_positive")),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_card_credit_days_shop_id_shops")
        ),
        sa.PrimaryKeyConstraint("shop_id", "day", name=op.f("pk_card_credit_days")),
    )
    _reason_codes(REASONS_WITH_CARD)
    op.add_column(
        "users", sa.Column("card_pin_locked_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade():
    op.drop_column("users", "card_pin_locked_at")
    _reason_codes(REASONS)
    op.drop_table("card_credit_days")
    op.drop_constraint(op.f("fk_scans_card_staff_id_users"), "scans", type_="foreignkey")
    op.drop_column("scans", "card_staff_id")
    op.drop_constraint(
        op.f("ck_rule_settings_card_credits_positive"), "rule_settings", type_="check"
    )
    op.drop_column("rule_settings", "card_credits_per_shop_per_day")
    op.drop_constraint(op.f("uq_earning_codes_short_code"), "earning_codes", type_="unique")
    op.drop_column("earning_codes", "short_code")


def _reason_codes(allowed: str) -> None:
    op.drop_constraint(
        op.f("ck_ledger_entries_reason_code_known"), "ledger_entries", type_="check"
    )
    op.create_check_constraint(
        op.f("ck_ledger_entries_reason_code_known"),
        "ledger_entries",
        f"reason_code IN ({allowed})",
    )
