"""People: member card columns, erased accounts, residents without a login

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

A resident registered at a municipal office may have neither phone nor e-mail (they earn with
a member card), and an erased account keeps its row under a pseudonym with no login: only
staff and admins must have a login now. Every existing resident gets a member card code
(drawn here in Python), so that reading a card never has to write. A resident registered at
an office keeps the sub-district and the admin who registered them (a scoped admin's access);
an admin's new PIN or new card at the desk is an account event.
"""

import sqlalchemy as sa
from alembic import op

from ecolife.security import random_code

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
    op.add_column("users", sa.Column("registered_area_code", sa.String(length=6), nullable=True))
    op.add_column("users", sa.Column("registered_by_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_users_registered_area_code_areas"),
        "users",
        "areas",
        ["registered_area_code"],
        ["code"],
    )
    op.create_foreign_key(
        op.f("fk_users_registered_by_id_users"), "users", "users", ["registered_by_id"], ["id"]
    )
    op.drop_constraint(op.f("ck_account_events_kind_known"), "account_events", type_="check")
    op.create_check_constraint(
        op.f("ck_account_events_kind_known"),
        "account_events",
        "kind IN ('suspend', 'unsuspend', 'card_pin', 'card_rotate')",
    )
    _give_residents_cards()
    op.drop_constraint(op.f("ck_users_has_login"), "users", type_="check")
    op.create_check_constraint(
        op.f("ck_users_has_login"),
        "users",
        "phone IS NOT NULL OR email IS NOT NULL OR role = 'resident'",
    )


def _give_residents_cards():
    users = sa.table(
        "users", sa.column("id", sa.Integer), sa.column("role"), sa.column("card_code")
    )
    bind = op.get_bind()
    ids = bind.scalars(sa.select(users.c.id).where(users.c.role == "resident")).all()
    codes: set[str] = set()
    while len(codes) < len(ids):  # distinct codes (the column is empty so far)
        codes.add(random_code(12))
    for user_id, code in zip(ids, codes, strict=True):
        bind.execute(sa.update(users).where(users.c.id == user_id).values(card_code=code))


def downgrade():
    events = sa.table("account_events", sa.column("kind"))
    op.execute(sa.delete(events).where(events.c.kind.in_(["card_pin", "card_rotate"])))
    op.drop_constraint(op.f("ck_account_events_kind_known"), "account_events", type_="check")
    op.create_check_constraint(
        op.f("ck_account_events_kind_known"),
        "account_events",
        "kind IN ('suspend', 'unsuspend')",
    )
    op.drop_constraint(op.f("fk_users_registered_by_id_users"), "users", type_="foreignkey")
    op.drop_constraint(op.f("fk_users_registered_area_code_areas"), "users", type_="foreignkey")
    op.drop_column("users", "registered_by_id")
    op.drop_column("users", "registered_area_code")
    op.drop_constraint(op.f("ck_users_has_login"), "users", type_="check")
    op.create_check_constraint(
        op.f("ck_users_has_login"), "users", "phone IS NOT NULL OR email IS NOT NULL"
    )
    op.drop_constraint(op.f("uq_users_card_code"), "users", type_="unique")
    op.drop_column("users", "erased_at")
    op.drop_column("users", "card_pin_failures")
    op.drop_column("users", "card_pin_hash")
    op.drop_column("users", "card_code")
