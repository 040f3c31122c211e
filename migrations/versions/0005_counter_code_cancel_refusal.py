"""One-time codes: staff can cancel one, and the counter screen hears why a scan was refused

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('earning_codes', sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('earning_codes', sa.Column('refused_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('earning_codes', sa.Column('refused_code', sa.String(length=40), nullable=True))


def downgrade():
    op.drop_column('earning_codes', 'refused_code')
    op.drop_column('earning_codes', 'refused_at')
    op.drop_column('earning_codes', 'cancelled_at')
