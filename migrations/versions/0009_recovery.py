"""Account recovery: password-reset codes and the outbox of outgoing messages

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("to", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "channel IN ('email', 'sms')", name=op.f("ck_outbox_messages_channel_known")
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_outbox_messages_attempts_not_negative")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_outbox_messages_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
    )
    op.create_index(
        op.f("ix_outbox_messages_user_id"), "outbox_messages", ["user_id"], unique=False
    )
    op.create_index(
        op.f("ix_outbox_messages_sent_at"), "outbox_messages", ["sent_at"], unique=False
    )
    op.create_table(
        "password_reset_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.SmallInteger(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "failures >= 0", name=op.f("ck_password_reset_codes_failures_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_password_reset_codes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_codes")),
        sa.UniqueConstraint("user_id", name=op.f("uq_password_reset_codes_user_id")),
    )
    op.create_index(
        op.f("ix_password_reset_codes_expires_at"),
        "password_reset_codes",
        ["expires_at"],
        unique=False,
    )


def downgrade():
    op.drop_index(op.f("ix_password_reset_codes_expires_at"), table_name="password_reset_codes")
    op.drop_table("password_reset_codes")
    op.drop_index(op.f("ix_outbox_messages_sent_at"), table_name="outbox_messages")
    op.drop_index(op.f("ix_outbox_messages_user_id"), table_name="outbox_messages")
    op.drop_table("outbox_messages")
