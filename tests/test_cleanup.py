"""The cleanup after each test (tests/conftest.py) leaves the freshly migrated database."""

from sqlalchemy import text

from ecolife.extensions import db
from tests.conftest import _database_state, _put_back


def test_the_cleanup_removes_what_a_test_added_and_restores_what_it_changed(
    app, make_resident, give_points
):
    resident = make_resident()
    give_points(resident.user.id, 30)
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("UPDATE areas SET name_en = 'Renamed' WHERE code = '5101'"))
        conn.execute(
            text(
                "INSERT INTO areas (code, level, parent_code, name_th, name_en)"
                " VALUES ('5199', 'amphoe', '51', 'ใหม่', 'New')"
            )
        )
        conn.execute(text("DELETE FROM actions WHERE id = (SELECT max(id) FROM actions)"))
        conn.execute(text("SELECT setval('privacy_notices_id_seq', 1, false)"))
        conn.execute(text("SELECT nextval('procrastinate.procrastinate_jobs_id_seq')"))
    clean = app.config["CLEAN_STATE"]
    with app.app_context():
        with db.engine.connect() as conn:
            changed = _database_state(conn) ^ clean
        assert {"rows:users", "rows:ledger_entries"} <= changed
        with db.engine.begin() as conn:
            _put_back(conn, changed, app.config["SEEDED_ROWS"], clean)
        with db.engine.connect() as conn:
            assert _database_state(conn) == clean
            assert conn.execute(text("SELECT count(*) FROM ledger_entries")).scalar() == 0
            name = conn.execute(text("SELECT name_en FROM areas WHERE code = '5101'")).scalar()
            assert name != "Renamed"
