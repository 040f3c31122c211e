"""PDPA: privacy notices, consents, the personal-data access log

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

A fresh installation starts with version 1 of the privacy notice; its Thai and English texts
live beside the migrations in privacy/ (read here, never edited once merged: a later change
is a new version, published from the admin console).
"""

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

NOTICES = Path(__file__).resolve().parent.parent / "privacy"


def upgrade():
    notices = op.create_table(
        "privacy_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text_th", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_privacy_notices_published_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_notices")),
        sa.UniqueConstraint("version", name=op.f("uq_privacy_notices_version")),
    )
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("notice_version", sa.Integer(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_version"],
            ["privacy_notices.version"],
            name=op.f("fk_consents_notice_version_privacy_notices"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_consents_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
        sa.UniqueConstraint("user_id", "notice_version", name=op.f("uq_consents_user_id")),
    )
    op.create_table(
        "personal_data_accesses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["admin_id"], ["users.id"], name=op.f("fk_personal_data_accesses_admin_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["users.id"], name=op.f("fk_personal_data_accesses_resident_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_accesses")),
    )
    op.create_index(
        "ix_personal_data_accesses_resident_id",
        "personal_data_accesses",
        ["resident_id", "id"],
        unique=False,
    )
    op.create_table(
        "account_activities",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_active_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_account_activities_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_account_activities")),
    )
    op.bulk_insert(
        notices,
        [
            {
                "version": 1,
                "text_th": (NOTICES / "notice_v1.th.txt").read_text(encoding="utf-8").strip(),
                "text_en": (NOTICES / "notice_v1.en.txt").read_text(encoding="utf-8").strip(),
                "published_at": datetime(2026, 11, 30, tzinfo=UTC),
            }
        ],
    )


def downgrade():
    op.drop_table("account_activities")
    op.drop_index("ix_personal_data_accesses_resident_id", table_name="personal_data_accesses")
    op.drop_table("personal_data_accesses")
    op.drop_table("consents")
    op.drop_table("privacy_notices")
