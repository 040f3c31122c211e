"""Delivery channels: Web Push subscriptions, LINE links and codes, channel preferences

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30

Notifications reach people's devices through the outbox: Web Push to the browsers they
subscribed, LINE to the account they linked with a one-time code, e-mail for staff and
admins. Each channel is opt-in per user (channel_preferences). The outbox learns the two new
channels. notifications.fanned_out_at records that a notification's messages were written, so
a fan-out job run twice writes them once and one lost is found again.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

CHANNELS = "'email', 'sms'"
CHANNELS_NOW = "'email', 'sms', 'web_push', 'line'"


def upgrade():
    op.create_table(
        "channel_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "channel IN ('web_push', 'line', 'email')",
            name=op.f("ck_channel_preferences_channel_known"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_channel_preferences_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "channel", name=op.f("pk_channel_preferences")),
    )
    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("endpoint", sa.String(length=2000), nullable=False),
        sa.Column("p256dh", sa.String(length=128), nullable=False),
        sa.Column("auth", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_push_subscriptions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_subscriptions")),
        sa.UniqueConstraint("endpoint", name=op.f("uq_push_subscriptions_endpoint")),
    )
    op.create_index(
        op.f("ix_push_subscriptions_user_id"), "push_subscriptions", ["user_id"], unique=False
    )
    op.create_table(
        "line_links",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("line_user_id", sa.String(length=64), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_line_links_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_line_links")),
        sa.UniqueConstraint("line_user_id", name=op.f("uq_line_links_line_user_id")),
    )
    op.create_table(
        "line_link_codes",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_line_link_codes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_line_link_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_line_link_codes_code_hash")),
    )
    op.create_index(
        op.f("ix_line_link_codes_expires_at"), "line_link_codes", ["expires_at"], unique=False
    )
    _outbox_channels(CHANNELS_NOW)
    op.add_column(
        "notifications", sa.Column("fanned_out_at", sa.DateTime(timezone=True), nullable=True)
    )
    # Notifications made before there were channels have nothing left to fan out.
    op.execute("UPDATE notifications SET fanned_out_at = created_at")
    op.create_index(
        "ix_notifications_not_fanned_out",
        "notifications",
        ["created_at"],
        postgresql_where=sa.text("fanned_out_at IS NULL"),
    )


def downgrade():
    op.drop_index("ix_notifications_not_fanned_out", table_name="notifications")
    op.drop_column("notifications", "fanned_out_at")
    op.execute("DELETE FROM outbox_messages WHERE channel IN ('web_push', 'line')")
    _outbox_channels(CHANNELS)
    op.drop_index(op.f("ix_line_link_codes_expires_at"), table_name="line_link_codes")
    op.drop_table("line_link_codes")
    op.drop_table("line_links")
    op.drop_index(op.f("ix_push_subscriptions_user_id"), table_name="push_subscriptions")
    op.drop_table("push_subscriptions")
    op.drop_table("channel_preferences")


def _outbox_channels(channels: str) -> None:
    name = op.f("ck_outbox_messages_channel_known")
    op.drop_constraint(name, "outbox_messages", type_="check")
    op.create_check_constraint(name, "outbox_messages", f"channel IN ({channels})")
