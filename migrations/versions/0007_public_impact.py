"""Published monthly figures per shop, sub-district, district and province

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29

Filled by the worker's periodic task `ecolife.refresh_public_figures` (and `ecolife
refresh-public-figures`), read by /impact, /api/v1/public/impact and /open-data/.
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "public_impact_cells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("area_code", sa.String(length=6), nullable=True),
        sa.Column("shop_id", sa.Integer(), nullable=True),
        sa.Column("scans", sa.Integer(), nullable=True),
        sa.Column("items", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("milligrams", sa.BigInteger(), nullable=True),
        sa.Column("points_issued", sa.BigInteger(), nullable=True),
        sa.Column("points_redeemed", sa.BigInteger(), nullable=True),
        sa.Column("active_residents", sa.Integer(), nullable=True),
        sa.Column("withheld", sa.Boolean(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "level IN ('shop', 'tambon', 'amphoe', 'province')",
            name=op.f("ck_public_impact_cells_level_known"),
        ),
        sa.CheckConstraint(
            "(level = 'shop') = (shop_id IS NOT NULL) AND (level = 'shop') = (area_code IS NULL)",
            name=op.f("ck_public_impact_cells_shop_or_area"),
        ),
        sa.CheckConstraint(
            "extract(day FROM month) = 1", name=op.f("ck_public_impact_cells_month_starts")
        ),
        sa.ForeignKeyConstraint(
            ["area_code"], ["areas.code"], name=op.f("fk_public_impact_cells_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_public_impact_cells_shop_id_shops")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_impact_cells")),
        sa.UniqueConstraint(
            "month",
            "level",
            "area_code",
            "shop_id",
            name="uq_public_impact_cells_place",
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_index(
        "ix_public_impact_cells_area_month",
        "public_impact_cells",
        ["area_code", "month"],
        unique=False,
    )
    op.create_index(
        "ix_public_impact_cells_shop_month",
        "public_impact_cells",
        ["shop_id", "month"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_public_impact_cells_shop_month", table_name="public_impact_cells")
    op.drop_index("ix_public_impact_cells_area_month", table_name="public_impact_cells")
    op.drop_table("public_impact_cells")
