"""The migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from ecolife.extensions import db
from ecolife.models import Area


def test_models_and_migrations_match(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_the_lamphun_areas_are_installed(app):
    with app.app_context():
        areas = db.session.query(Area).all()
        names = {a.name_th for a in areas if a.level == "amphoe"}
        assert {a.level for a in areas if a.parent_code is None} == {"province"}
        assert sum(a.level == "tambon" for a in areas) == 51
    assert names == {"เมืองลำพูน", "แม่ทา", "บ้านโฮ่ง", "ลี้", "ทุ่งหัวช้าง", "ป่าซาง", "บ้านธิ", "เวียงหนองล่อง"}


def test_the_schema_holds_no_functions_but_triggers(app):
    """Rules live in Python: the database keeps only guards (the ledger's trigger)."""
    with app.app_context(), db.engine.connect() as conn:
        functions = conn.execute(
            text(
                "SELECT proname FROM pg_proc JOIN pg_namespace n ON n.oid = pronamespace "
                "WHERE nspname = 'public' AND prorettype <> 'trigger'::regtype"
            )
        ).scalars()
        assert list(functions) == []
