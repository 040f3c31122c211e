"""Shops: optional opening hours, shown to residents on a shop's page

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('shops', sa.Column('opening_hours', sa.String(length=120), nullable=True))


def downgrade():
    op.drop_column('shops', 'opening_hours')
