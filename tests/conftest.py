"""Shared fixtures: one app per run on SQLite or PostgreSQL, a clean database per test."""

import shutil
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from config import TestConfig
from ecolife import clock, create_app
from ecolife.extensions import db, limiter
from ecolife.services.ledger import verify_ledger

POSTGRES_URL = TestConfig.TEST_DATABASE_URL
KEEP_TABLES = {"alembic_version", "districts"}
# Reference rows the migrations insert; restored after each PostgreSQL test's TRUNCATE.
SEEDED_TABLES = ("actions", "rule_settings")


def pytest_report_header(config):
    target = POSTGRES_URL or "SQLite (set TEST_DATABASE_URL to also run the PostgreSQL-only tests)"
    return f"EcoLife test database: {target}"


def pytest_collection_modifyitems(config, items):
    if POSTGRES_URL:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL to run it")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if POSTGRES_URL:
        _reset_postgres(POSTGRES_URL)
        return POSTGRES_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'ecolife-test.db'}"


@pytest.fixture(scope="session")
def app(database_url):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        SECRET_KEY = "test-secret-key-that-is-long-enough-for-hs256"

    app = create_app(Config)
    with app.app_context():
        upgrade()
        app.config["SEEDED_ROWS"] = _snapshot_seeds()
        db.engine.dispose()
    app.config["DB_TEMPLATE"] = _sqlite_template(database_url)
    yield app
    with app.app_context():
        db.engine.dispose()


def _snapshot_seeds() -> dict[str, list[dict]]:
    with db.engine.connect() as conn:
        return {
            name: [dict(row._mapping) for row in conn.execute(db.metadata.tables[name].select())]
            for name in SEEDED_TABLES
        }


def _restore_seeds(conn, seeds: dict[str, list[dict]]) -> None:
    for name, rows in seeds.items():
        conn.execute(db.metadata.tables[name].insert(), rows)
        sequence = f"pg_get_serial_sequence('{name}', 'id')"
        conn.execute(text(f"SELECT setval({sequence}, (SELECT max(id) FROM {name}))"))


def _sqlite_template(url: str) -> Path | None:
    if not url.startswith("sqlite:///"):
        return None
    path = Path(url.removeprefix("sqlite:///"))
    template = path.with_suffix(".template")
    shutil.copyfile(path, template)
    return template


@pytest.fixture(autouse=True)
def _clean_database(request, app):
    """Give every test the freshly migrated database, after proving its ledger adds up."""
    yield
    with app.app_context():
        db.session.remove()
        if "ledger_tampered" not in request.keywords:
            assert verify_ledger() == [], "ecolife verify-ledger would fail after this test"
            db.session.remove()
        template = app.config["DB_TEMPLATE"]
        if template is not None:
            db.engine.dispose()
            path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
            for suffix in ("-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(template, path)
        else:
            tables = [t.name for t in db.metadata.sorted_tables if t.name not in KEEP_TABLES]
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
                _restore_seeds(conn, app.config["SEEDED_ROWS"])
        limiter.reset()


@pytest.fixture
def ctx(app):
    """Run the test inside an application context (for calling services directly)."""
    with app.test_request_context():
        yield
        db.session.remove()


@pytest.fixture
def set_now(monkeypatch):
    """Return a callable that freezes the services' clock at an aware datetime."""

    def freeze(moment):
        monkeypatch.setattr(clock, "now", lambda: moment)
        return moment

    return freeze


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


from tests.factories import (  # noqa: E402,F401
    give_points,
    make_admin,
    make_code,
    make_resident,
    make_reward,
    make_shop,
    shop_token,
)
