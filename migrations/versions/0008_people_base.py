"""People: member card columns, erased accounts, residents without a login

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

A resident registered at a municipal office may have neither phone nor e-mail (they earn with
a member card), and an erased account keeps its row under a pseudonym with no login: only
staff and admins must have a login now.
"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("card_code", sa.String(length=12), nullable=True))
    op.add_column("users", sa.Column("card_pin_hash", sa.String(length=255), nullable=True))
    op.add_column(
        "users",
        sa.Column("card_pin_failures", sa.SmallInteger(), server_default="0", nullable=False),
    )
    op.add_column("users", sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    op.create_unique_constraint(op.f("uq_users_card_code"), "users", ["card_code"])
    op.drop_constraint(op.f("ck_users_has_login"), "users", type_="check")
    op.create_check_constraint(
        op.f("ck_users_has_login"),
        "users",
        "phone IS NOT NULL OR email IS NOT NULL OR role = 'resident'",
    )


def downgrade():
    op.drop_constraint(op.f("ck_users_has_login"), "users", type_="check")
    op.create_check_constraint(
        op.f("ck_users_has_login"), "users", "phone IS NOT NULL OR email IS NOT NULL"
    )
    op.drop_constraint(op.f("uq_users_card_code"), "users", type_="unique")
    op.drop_column("users", "erased_at")
    op.drop_column("users", "card_pin_failures")
    op.drop_column("users", "card_pin_hash")
    op.drop_column("users", "card_code")
