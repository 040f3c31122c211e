"""Shared fixtures: one app per test worker on its own PostgreSQL database, cleaned per test."""

import os
import threading
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from config import TestConfig
from ecolife import clock, create_app, embedded_db
from ecolife.extensions import db, limiter
from ecolife.services.ledger import verify_ledger

KEEP_TABLES = {"alembic_version", "areas"}
# procrastinate's queue (its own schema): emptied with the rest, so no job outlives its test.
QUEUE_TABLES = tuple(
    f"procrastinate.procrastinate_{name}"
    for name in ("jobs", "periodic_defers", "events", "workers")
)
# Reference rows the migrations insert; restored after each test's TRUNCATE.
SEEDED_TABLES = ("actions", "privacy_notices")
# Kept (not truncated), but put back as migrated: tests that import areas add or rename some.
SEEDED_AREAS = "areas"


def server_url() -> str:
    """The PostgreSQL server of this run: TEST_DATABASE_URL's, or the embedded one."""
    return TestConfig.TEST_DATABASE_URL or embedded_db.server_url(Path(TestConfig.EMBEDDED_PGDATA))


def worker_database(prefix: str) -> str:
    """A database name of this test worker's own (pytest-xdist runs several at once).

    ECOLIFE_TEST_RUN names a run, so several runs can share one server (e.g. two checkouts).
    """
    run = os.environ.get("ECOLIFE_TEST_RUN")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"{prefix}_{run}_{worker}" if run else f"{prefix}_{worker}"


def fresh_database(name: str) -> str:
    """Create database `name` anew on this run's server and return its URL."""
    url = server_url()
    embedded_db.ensure_database(url, name, fresh=True)
    return embedded_db.with_database(url, name)


def pytest_report_header(config):
    target = TestConfig.TEST_DATABASE_URL or f"embedded PostgreSQL in {TestConfig.EMBEDDED_PGDATA}"
    return f"EcoLife test database server: {target}"


@pytest.fixture(scope="session")
def database_url() -> str:
    return fresh_database(worker_database("ecolife_test"))


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
    yield app
    with app.app_context():
        db.engine.dispose()


def _snapshot_seeds() -> dict[str, list[dict]]:
    with db.engine.connect() as conn:
        return {
            name: [dict(row._mapping) for row in conn.execute(db.metadata.tables[name].select())]
            for name in (*SEEDED_TABLES, SEEDED_AREAS)
        }


def _restore_seeds(conn, seeds: dict[str, list[dict]]) -> None:
    _restore_areas(conn, seeds[SEEDED_AREAS])
    for name in SEEDED_TABLES:
        rows = seeds[name]
        conn.execute(db.metadata.tables[name].insert(), rows)
        sequence = f"pg_get_serial_sequence('{name}', 'id')"
        conn.execute(text(f"SELECT setval({sequence}, (SELECT max(id) FROM {name}))"))


def _restore_areas(conn, rows: list[dict]) -> None:
    """Delete the areas a test added (children and parents in one statement) and restore the
    migrated ones' names and centres."""
    areas = db.metadata.tables[SEEDED_AREAS]
    conn.execute(areas.delete().where(areas.c.code.not_in([row["code"] for row in rows])))
    upsert = postgresql.insert(areas).values(rows)
    columns = ("name_th", "name_en", "lat", "lon")
    conn.execute(
        upsert.on_conflict_do_update(
            index_elements=[areas.c.code], set_={c: upsert.excluded[c] for c in columns}
        )
    )


@pytest.fixture(autouse=True)
def _clean_database(request, app):
    """Give every test the freshly migrated database, after proving its ledger adds up."""
    yield
    with app.app_context():
        db.session.remove()
        if "ledger_tampered" not in request.keywords:
            assert verify_ledger() == [], "ecolife verify-ledger would fail after this test"
            db.session.remove()
        tables = [t.name for t in db.metadata.sorted_tables if t.name not in KEEP_TABLES]
        tables += QUEUE_TABLES
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
def run_jobs(app):
    """Run the queued jobs for real, in this process: procrastinate's worker, until the
    queues are empty. In a thread of its own: the browser tests' Playwright keeps an event
    loop running in this one."""
    from ecolife.jobs import run_worker

    def run(queues=("jobs",)) -> None:
        failures = []

        def work() -> None:
            try:
                run_worker(
                    app, wait=False, concurrency=1, queues=list(queues), listen_notify=False,
                    install_signal_handlers=False,
                )
            except BaseException as exc:  # re-raised in the test's thread
                failures.append(exc)

        worker = threading.Thread(target=work)
        worker.start()
        worker.join(timeout=300)
        assert not worker.is_alive(), "the worker did not finish the queued jobs"
        if failures:
            raise failures[0]

    return run


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


from tests.factories import (  # noqa: E402,F401
    give_points,
    make_admin,
    make_card_holder,
    make_code,
    make_resident,
    make_reward,
    make_shop,
    shop_token,
)
from tests.public_data import loner, programme, publish, scan_at, unplace  # noqa: E402,F401
