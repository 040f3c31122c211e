"""Areas (official codes), scoped admins, residents' homes, participation, grams sources

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29

The `districts` table (project slugs such as `li`) gives way to `areas`, the official
hierarchy (51 → 5104 → 510401). Lamphun's 60 areas are loaded from ecolife/data; existing
shops move to their district's official code, and get their sub-district where their free-text
`subdistrict` names one of that district's sub-districts.
"""
import csv
from datetime import date
from pathlib import Path

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

AREAS_CSV = Path(__file__).resolve().parents[2] / "ecolife" / "data" / "areas_lamphun.csv"
LEVELS = {2: "province", 4: "amphoe", 6: "tambon"}
SLUGS = {
    "mueang_lamphun": "5101", "mae_tha": "5102", "ban_hong": "5103", "li": "5104",
    "thung_hua_chang": "5105", "pa_sang": "5106", "ban_thi": "5107", "wiang_nong_long": "5108",
}

# Where the launch actions' grams per item (migration 0001) come from, for the public method
# section. None was weighed: each says so, with the published figures found for comparison.
LAUNCH_DAY = date(2026, 11, 29)
LAUNCH_GRAMS_SOURCES = {
    "bag": (5500, (
        "ค่าประมาณของ EcoLife เมื่อเริ่มโครงการ ยังไม่ได้ชั่งจริง (ถุงหูหิ้ว HDPE แบบบาง) / "
        "EcoLife's launch estimate for a thin HDPE carrier bag, not yet weighed. Published for "
        "comparison: a standard HDPE grocery bag weighs about 5-10 g "
        "(https://sizepedia.org/how-much-does-a-plastic-bag-weigh)."
    )),
    "straw": (500, (
        "ค่าประมาณของ EcoLife เมื่อเริ่มโครงการ ยังไม่ได้ชั่งจริง (หลอดพลาสติก) / "
        "EcoLife's launch estimate for a plastic straw, not yet weighed. Published for "
        "comparison: about 0.42 g per polypropylene straw "
        "(https://shunpoly.com/article/how-much-plastic-to-make-a-straw)."
    )),
    "foam_box": (10000, (
        "ค่าประมาณของ EcoLife เมื่อเริ่มโครงการ ยังไม่ได้ชั่งจริง (กล่องโฟมใส่อาหาร) / "
        "EcoLife's launch estimate for a foam (EPS) food box, not yet weighed; no published "
        "weight was found."
    )),
    "own_cup": (12000, (
        "ค่าประมาณของ EcoLife เมื่อเริ่มโครงการ ยังไม่ได้ชั่งจริง (แก้ว/ขวดพลาสติกที่ไม่ได้ใช้) / "
        "EcoLife's launch estimate for the plastic cup or bottle not used, not yet weighed; "
        "no published weight was found."
    )),
}


def _lamphun_areas() -> list[dict]:
    with AREAS_CSV.open(encoding="utf-8", newline="") as f:
        return [
            {
                "code": row["code"],
                "level": LEVELS[len(row["code"])],
                "parent_code": row["parent_code"] or None,
                "name_th": row["name_th"],
                "name_en": row["name_en"],
                "lat": float(row["lat"]) if row["lat"] else None,
                "lon": float(row["lon"]) if row["lon"] else None,
            }
            for row in csv.DictReader(f)
        ]


def upgrade():
    areas = op.create_table('areas',
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('parent_code', sa.String(length=6), nullable=True),
    sa.Column('name_th', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.CheckConstraint("level IN ('province', 'amphoe', 'tambon')", name=op.f('ck_areas_level_known')),
    sa.CheckConstraint("length(code) = CASE level WHEN 'province' THEN 2 WHEN 'amphoe' THEN 4 ELSE 6 END AND code ~ '^[0-9]+$'", name=op.f('ck_areas_code_fits_level')),
    sa.CheckConstraint("(level = 'province') = (parent_code IS NULL)", name=op.f('ck_areas_parent_unless_province')),
    sa.CheckConstraint('parent_code IS NULL OR (length(parent_code) = length(code) - 2 AND left(code, length(parent_code)) = parent_code)', name=op.f('ck_areas_code_extends_parent')),
    sa.ForeignKeyConstraint(['parent_code'], ['areas.code'], name=op.f('fk_areas_parent_code_areas')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_areas')),
    sa.UniqueConstraint('code', 'parent_code', name='uq_areas_code_parent')
    )
    op.create_index(op.f('ix_areas_parent_code'), 'areas', ['parent_code'], unique=False)
    op.bulk_insert(areas, _lamphun_areas())

    shops = sa.table(
        'shops', sa.column('district_code', sa.String), sa.column('subdistrict', sa.String),
        sa.column('tambon_code', sa.String),
    )
    op.drop_constraint('fk_shops_district_code_districts', 'shops', type_='foreignkey')
    for slug, code in SLUGS.items():
        op.execute(shops.update().where(shops.c.district_code == slug).values(district_code=code))
    op.alter_column('shops', 'district_code', type_=sa.String(length=6), existing_nullable=False)
    op.create_foreign_key(op.f('fk_shops_district_code_areas'), 'shops', 'areas', ['district_code'], ['code'])
    op.add_column('shops', sa.Column('tambon_code', sa.String(length=6), nullable=True))
    op.create_index(op.f('ix_shops_tambon_code'), 'shops', ['tambon_code'], unique=False)
    op.create_foreign_key(op.f('fk_shops_tambon_code_areas'), 'shops', 'areas', ['tambon_code'], ['code'])
    op.create_foreign_key('fk_shops_tambon_in_district', 'shops', 'areas', ['tambon_code', 'district_code'], ['code', 'parent_code'])
    tambon = (
        sa.select(areas.c.code)
        .where(
            areas.c.parent_code == shops.c.district_code,
            sa.or_(
                areas.c.name_th == sa.func.btrim(shops.c.subdistrict),
                sa.func.lower(areas.c.name_en) == sa.func.lower(sa.func.btrim(shops.c.subdistrict)),
            ),
        )
        .limit(1)
        .scalar_subquery()
    )
    op.execute(shops.update().where(shops.c.subdistrict.is_not(None)).values(tambon_code=tambon))
    op.drop_table('districts')

    op.add_column('users', sa.Column('home_tambon_code', sa.String(length=6), nullable=True))
    op.add_column('users', sa.Column('home_village_no', sa.SmallInteger(), nullable=True))
    op.add_column('users', sa.Column('admin_area_code', sa.String(length=6), nullable=True))
    op.create_foreign_key(op.f('fk_users_home_tambon_code_areas'), 'users', 'areas', ['home_tambon_code'], ['code'])
    op.create_index(op.f('ix_users_home_tambon_code'), 'users', ['home_tambon_code'], unique=False)
    op.create_foreign_key(op.f('fk_users_admin_area_code_areas'), 'users', 'areas', ['admin_area_code'], ['code'])
    op.create_check_constraint(op.f('ck_users_only_admins_scoped'), 'users', "admin_area_code IS NULL OR role = 'admin'")
    op.create_check_constraint(op.f('ck_users_village_no_range'), 'users', 'home_village_no BETWEEN 1 AND 99')

    op.create_table('participation_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tambon_code', sa.String(length=6), nullable=False),
    sa.Column('village_no', sa.SmallInteger(), nullable=True),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.Column('target_percent', sa.SmallInteger(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('households > 0', name=op.f('ck_participation_targets_households_positive')),
    sa.CheckConstraint('target_percent BETWEEN 1 AND 100', name=op.f('ck_participation_targets_target_is_percent')),
    sa.CheckConstraint('village_no BETWEEN 1 AND 99', name=op.f('ck_participation_targets_village_no_range')),
    sa.ForeignKeyConstraint(['tambon_code'], ['areas.code'], name=op.f('fk_participation_targets_tambon_code_areas')),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_participation_targets_updated_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participation_targets')),
    sa.UniqueConstraint('tambon_code', 'village_no', name='uq_participation_targets_place', postgresql_nulls_not_distinct=True)
    )
    op.create_index(op.f('ix_participation_targets_tambon_code'), 'participation_targets', ['tambon_code'], unique=False)
    op.create_table('area_declarations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_code', sa.String(length=6), nullable=False),
    sa.Column('village_no', sa.SmallInteger(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('declared_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('village_no BETWEEN 1 AND 99', name=op.f('ck_area_declarations_village_no_range')),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_area_declarations_area_code_areas')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_area_declarations_created_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_declarations'))
    )
    op.create_index(op.f('ix_area_declarations_area_code'), 'area_declarations', ['area_code'], unique=False)
    op.add_column('actions', sa.Column('milligrams_source', sa.String(length=500), nullable=True))
    op.add_column('actions', sa.Column('milligrams_set_on', sa.Date(), nullable=True))
    actions = sa.table(
        'actions', sa.column('code', sa.String), sa.column('milligrams', sa.Integer),
        sa.column('milligrams_source', sa.String), sa.column('milligrams_set_on', sa.Date),
    )
    for code, (milligrams, source) in LAUNCH_GRAMS_SOURCES.items():
        # Only a figure still at its launch value: a changed one is the operator's own.
        op.execute(
            actions.update()
            .where(actions.c.code == code, actions.c.milligrams == milligrams)
            .values(milligrams_source=source, milligrams_set_on=LAUNCH_DAY)
        )


def downgrade():
    op.drop_column('actions', 'milligrams_set_on')
    op.drop_column('actions', 'milligrams_source')
    op.drop_index(op.f('ix_area_declarations_area_code'), table_name='area_declarations')
    op.drop_table('area_declarations')
    op.drop_index(op.f('ix_participation_targets_tambon_code'), table_name='participation_targets')
    op.drop_table('participation_targets')
    op.drop_constraint(op.f('ck_users_village_no_range'), 'users', type_='check')
    op.drop_constraint(op.f('ck_users_only_admins_scoped'), 'users', type_='check')
    op.drop_constraint(op.f('fk_users_admin_area_code_areas'), 'users', type_='foreignkey')
    op.drop_index(op.f('ix_users_home_tambon_code'), table_name='users')
    op.drop_constraint(op.f('fk_users_home_tambon_code_areas'), 'users', type_='foreignkey')
    op.drop_column('users', 'admin_area_code')
    op.drop_column('users', 'home_village_no')
    op.drop_column('users', 'home_tambon_code')

    districts = op.create_table('districts',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_th', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_districts'))
    )
    by_code = {a["code"]: a for a in _lamphun_areas()}
    op.bulk_insert(districts, [
        {"code": slug, "name_th": by_code[code]["name_th"], "name_en": by_code[code]["name_en"]}
        for slug, code in SLUGS.items()
    ])
    shops = sa.table('shops', sa.column('district_code', sa.String))
    op.drop_constraint('fk_shops_tambon_in_district', 'shops', type_='foreignkey')
    op.drop_constraint(op.f('fk_shops_tambon_code_areas'), 'shops', type_='foreignkey')
    op.drop_index(op.f('ix_shops_tambon_code'), table_name='shops')
    op.drop_column('shops', 'tambon_code')
    op.drop_constraint(op.f('fk_shops_district_code_areas'), 'shops', type_='foreignkey')
    op.alter_column('shops', 'district_code', type_=sa.String(length=40), existing_nullable=False)
    for slug, code in SLUGS.items():
        op.execute(shops.update().where(shops.c.district_code == code).values(district_code=slug))
    op.create_foreign_key(op.f('fk_shops_district_code_districts'), 'shops', 'districts', ['district_code'], ['code'])
    op.drop_index(op.f('ix_areas_parent_code'), table_name='areas')
    op.drop_table('areas')
