"""Programme rules: points expiry, campaigns with budgets, notifications

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30

A credit of its own (earned, a campaign's bonus, a positive adjustment) may carry the date its
points expire; expiry and bonuses are entry kinds of their own, with reason codes, and a bonus
names its campaign. The limits gain the months after which points expire (none by default).
Campaigns count the bonus points they gave against their budget. Each user gets an inbox.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

KINDS = "'earn', 'redeem', 'refund', 'adjustment'"
KINDS_NOW = "'earn', 'redeem', 'refund', 'adjustment', 'expire', 'bonus'"
REASONS = (
    "'scan', 'card_scan', 'reward', 'redemption_cancelled', 'redemption_expired',"
    " 'adjustment', 'note'"
)
REASONS_NOW = REASONS + ", 'points_expired', 'campaign'"


def upgrade():
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_th", sa.String(length=120), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("multiplier", sa.Numeric(precision=4, scale=2), nullable=True),
        sa.Column("bonus_points", sa.Integer(), nullable=True),
        sa.Column("action_codes", postgresql.ARRAY(sa.String(length=32)), nullable=True),
        sa.Column("area_codes", postgresql.ARRAY(sa.String(length=6)), nullable=True),
        sa.Column("shop_ids", postgresql.ARRAY(sa.Integer()), nullable=True),
        sa.Column("budget_points", sa.Integer(), nullable=True),
        sa.Column("bonus_granted", sa.Integer(), server_default="0", nullable=False),
        sa.Column("owner_area_code", sa.String(length=6), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_campaigns_ends_after_start")),
        sa.CheckConstraint(
            "multiplier IS NULL OR (multiplier > 1 AND multiplier <= 10)",
            name=op.f("ck_campaigns_multiplier_range"),
        ),
        sa.CheckConstraint(
            "bonus_points IS NULL OR bonus_points >= 1", name=op.f("ck_campaigns_bonus_positive")
        ),
        sa.CheckConstraint(
            "multiplier IS NOT NULL OR bonus_points IS NOT NULL",
            name=op.f("ck_campaigns_gives_something"),
        ),
        sa.CheckConstraint(
            "budget_points IS NULL OR budget_points >= 1",
            name=op.f("ck_campaigns_budget_positive"),
        ),
        sa.CheckConstraint("bonus_granted >= 0", name=op.f("ck_campaigns_granted_not_negative")),
        sa.CheckConstraint(
            "budget_points IS NULL OR bonus_granted <= budget_points",
            name=op.f("ck_campaigns_within_budget"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_campaigns_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_index("ix_campaigns_ends_at", "campaigns", ["ends_at"], unique=False)

    op.add_column(
        "ledger_entries", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("ledger_entries", sa.Column("campaign_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_ledger_entries_campaign_id_campaigns"),
        "ledger_entries",
        "campaigns",
        ["campaign_id"],
        ["id"],
    )
    _check("ledger_entries", "kind_known", f"kind IN ({KINDS_NOW})")
    _check("ledger_entries", "reason_code_known", f"reason_code IN ({REASONS_NOW})")
    op.create_check_constraint(
        op.f("ck_ledger_entries_expiry_on_lots"),
        "ledger_entries",
        "expires_at IS NULL OR (delta > 0 AND kind IN ('earn', 'bonus', 'adjustment'))",
    )
    op.create_check_constraint(
        op.f("ck_ledger_entries_bonus_names_campaign"),
        "ledger_entries",
        "(kind = 'bonus') = (campaign_id IS NOT NULL)",
    )
    op.create_check_constraint(
        op.f("ck_ledger_entries_expiry_takes"), "ledger_entries", "kind <> 'expire' OR delta < 0"
    )
    op.create_index(
        "ix_ledger_entries_expires_at",
        "ledger_entries",
        ["expires_at"],
        unique=False,
        postgresql_where=sa.text("expires_at IS NOT NULL"),
    )
    op.create_index(
        "ix_ledger_entries_campaign_id",
        "ledger_entries",
        ["campaign_id"],
        unique=False,
        postgresql_where=sa.text("campaign_id IS NOT NULL"),
    )

    op.add_column(
        "rule_settings", sa.Column("points_expire_after_months", sa.Integer(), nullable=True)
    )
    op.create_check_constraint(
        op.f("ck_rule_settings_expiry_months_range"),
        "rule_settings",
        "points_expire_after_months BETWEEN 1 AND 120",
    )

    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column(
            "params",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("dedupe_key", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('redemption_confirmed', 'points_expiring', 'campaign_started',"
            " 'account_suspended')",
            name=op.f("ck_notifications_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("user_id", "kind", "dedupe_key", name="uq_notifications_once"),
    )
    op.create_index("ix_notifications_user_id_id", "notifications", ["user_id", "id"], unique=False)
    op.create_index(
        "ix_notifications_unread",
        "notifications",
        ["user_id"],
        unique=False,
        postgresql_where=sa.text("read_at IS NULL"),
    )


def downgrade():
    op.drop_index("ix_notifications_unread", table_name="notifications")
    op.drop_index("ix_notifications_user_id_id", table_name="notifications")
    op.drop_table("notifications")
    op.drop_constraint(op.f("ck_rule_settings_expiry_months_range"), "rule_settings", type_="check")
    op.drop_column("rule_settings", "points_expire_after_months")
    op.drop_index("ix_ledger_entries_campaign_id", table_name="ledger_entries")
    op.drop_index("ix_ledger_entries_expires_at", table_name="ledger_entries")
    for name in ("expiry_takes", "bonus_names_campaign", "expiry_on_lots"):
        op.drop_constraint(op.f(f"ck_ledger_entries_{name}"), "ledger_entries", type_="check")
    _check("ledger_entries", "reason_code_known", f"reason_code IN ({REASONS})")
    _check("ledger_entries", "kind_known", f"kind IN ({KINDS})")
    op.drop_constraint(
        op.f("fk_ledger_entries_campaign_id_campaigns"), "ledger_entries", type_="foreignkey"
    )
    op.drop_column("ledger_entries", "campaign_id")
    op.drop_column("ledger_entries", "expires_at")
    op.drop_index("ix_campaigns_ends_at", table_name="campaigns")
    op.drop_table("campaigns")


def _check(table: str, name: str, condition: str) -> None:
    op.drop_constraint(op.f(f"ck_{table}_{name}"), table, type_="check")
    op.create_check_constraint(op.f(f"ck_{table}_{name}"), table, condition)
