"""Shared fixtures: one app per test worker on its own PostgreSQL database, cleaned per test."""

import os
import threading
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask_migrate import upgrade
from sqlalchemy import or_, text
from sqlalchemy.dialects import postgresql

from config import TestConfig
from ecolife import clock, create_app, embedded_db, security
from ecolife.extensions import db, limiter
from ecolife.services.ledger import verify_ledger

KEEP_TABLES = {"alembic_version", "areas"}
# procrastinate's queue (its own schema): emptied with the rest, so no job outlives its test.
# Children first: events and periodic defers name a job, a job names its worker.
QUEUE_TABLES = tuple(
    f"procrastinate.procrastinate_{name}"
    for name in ("events", "periodic_defers", "jobs", "workers")
)
# Reference rows the migrations insert; restored after each test's cleanup.
SEEDED_TABLES = ("actions", "privacy_notices")
# Kept (not emptied), but put back as migrated: tests that import areas add or rename some.
SEEDED_AREAS = "areas"
# Its trigger refuses every DELETE; the cleanup turns it off inside its own transaction only.
APPEND_ONLY = "ledger_entries"


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


# Production hashes passwords with argon2's default (RFC 9106) cost, a tenth of a second or
# more each, on purpose; the suite makes thousands of accounts and signs in thousands of
# times, so its processes hash with the cheapest parameters. Servers the tests start in
# processes of their own hash as production does; tests/unit/test_password_hashing.py proves
# production's parameters.
TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def pytest_configure(config):
    security._hasher = TEST_HASHER
    security._DUMMY_HASH = TEST_HASHER.hash("not-a-real-password")


# The longest tests (minutes each: whole clusters, servers, hundreds of generated examples)
# run first. pytest-xdist hands out the rest as workers free up, so none of them ends the run
# on one worker while the other idles.
SLOW_FIRST = (
    "tests/model/",
    "tests/scaling/test_pgbouncer_replica.py",
    "tests/bench/",
    "tests/contract/",
    "tests/observability/test_gunicorn.py",
    "tests/operations/",
    "tests/test_migration",
    "tests/deploy/",
    "tests/concurrency/",
    "tests/browser/",
)


def pytest_collection_modifyitems(config, items):
    def rank(item) -> int:
        path = item.nodeid
        return next((i for i, slow in enumerate(SLOW_FIRST) if path.startswith(slow)), 99)

    items.sort(key=rank)  # stable: each file keeps its order


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
        _assert_cleanup_covers_every_table()
        with db.engine.connect() as conn:
            app.config["CLEAN_STATE"] = _database_state(conn)
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


@pytest.fixture(autouse=True)
def _clean_database(request, app):
    """Give every test the freshly migrated database, after proving its ledger adds up."""
    yield
    with app.app_context():
        db.session.remove()
        with db.engine.connect() as conn:
            # Both ways: what the test added, and what it took away (a row or a sequence).
            changed = _database_state(conn) ^ app.config["CLEAN_STATE"]
        if "ledger_tampered" not in request.keywords and "rows:users" in changed:
            assert verify_ledger() == [], "ecolife verify-ledger would fail after this test"
            db.session.remove()
        if changed:
            with db.engine.begin() as conn:
                _put_back(conn, changed, app.config["SEEDED_ROWS"], app.config["CLEAN_STATE"])
                left = _database_state(conn) ^ app.config["CLEAN_STATE"]
            assert not left, f"the cleanup left {sorted(left)} for the next test"
        limiter.reset()


def _cleaned_tables() -> list[str]:
    """Every table the cleanup empties, children before the tables they name."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables) if t.name not in KEEP_TABLES]
    return [*QUEUE_TABLES, *tables]


def _assert_cleanup_covers_every_table() -> None:
    """Fail the run when a migration adds a table the cleanup does not know (it would keep
    one test's rows for the next)."""
    with db.engine.connect() as conn:
        found = set(
            conn.execute(
                text(
                    "SELECT CASE WHEN schemaname = 'public' THEN tablename"
                    " ELSE schemaname || '.' || tablename END FROM pg_tables"
                    " WHERE schemaname IN ('public', 'procrastinate')"
                )
            ).scalars()
        )
    unknown = found - set(_cleaned_tables()) - KEEP_TABLES
    assert not unknown, f"tests/conftest.py does not empty {sorted(unknown)} after each test"


def _database_state(conn) -> set[str]:
    """Describe what a test can leave behind, in one query: the tables holding rows, the
    seeded tables' contents (digests) and the sequences' positions.

    The cleanup puts back only what differs from the migrated database's state: most tests
    write to a few tables, many to none.
    """
    probes = [
        f"SELECT 'rows:{name}' WHERE EXISTS (SELECT FROM {name})" for name in _cleaned_tables()
    ]
    probes += [
        f"SELECT 'digest:{name}:' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
        f" FROM {name} AS t"
        for name in (*SEEDED_TABLES, SEEDED_AREAS)
    ]
    probes.append(
        "SELECT 'sequence:' || format('%I.%I', schemaname, sequencename) || ':' || last_value"
        " FROM pg_sequences WHERE last_value IS NOT NULL"
        " AND schemaname IN ('public', 'procrastinate')"
    )
    return set(conn.execute(text(" UNION ALL ".join(probes))).scalars())


def _put_back(conn, changed: set[str], seeds: dict[str, list[dict]], clean: set[str]) -> None:
    """DELETE what the test wrote and restore what it changed: on tables of a few rows much
    cheaper than TRUNCATE, which makes new files for every table it names."""
    reseed = {name for name in (*SEEDED_TABLES, SEEDED_AREAS) if _digest_changed(changed, name)}
    written = {entry.split(":")[1] for entry in changed if entry.startswith("rows:")} | reseed
    if APPEND_ONLY in written:
        # Its trigger refuses every DELETE: off inside this transaction only, unseen by others.
        conn.execute(text(f"ALTER TABLE {APPEND_ONLY} DISABLE TRIGGER {APPEND_ONLY}_append_only"))
        conn.execute(text(f"DELETE FROM {APPEND_ONLY}"))
        conn.execute(text(f"ALTER TABLE {APPEND_ONLY} ENABLE TRIGGER {APPEND_ONLY}_append_only"))
    # procrastinate's triggers name its tables without their schema.
    conn.execute(text("SET LOCAL search_path = public, procrastinate"))
    for name in _cleaned_tables():
        if name in written and name != APPEND_ONLY:
            conn.execute(text(f"DELETE FROM {name}"))
    if SEEDED_AREAS in reseed:
        _restore_areas(conn, seeds[SEEDED_AREAS])
    for name in SEEDED_TABLES:
        if name in reseed:
            conn.execute(db.metadata.tables[name].insert(), seeds[name])
    _restart_sequences(conn, changed, clean)


def _digest_changed(changed: set[str], name: str) -> bool:
    return any(entry.startswith(f"digest:{name}:") for entry in changed)


def _restart_sequences(conn, changed: set[str], clean: set[str]) -> None:
    """Put the sequences the test moved back where the migrations left them, as TRUNCATE ...
    RESTART IDENTITY did (the seeded tables' continue after their rows)."""
    positions = dict(entry.split(":")[1:] for entry in clean if entry.startswith("sequence:"))
    for entry in changed:
        if not entry.startswith("sequence:"):
            continue
        name = entry.split(":")[1]
        if name in positions:
            at = {"name": name, "at": int(positions[name])}
            conn.execute(text("SELECT setval(CAST(:name AS regclass), :at)"), at)
        else:
            conn.execute(
                text(
                    "SELECT setval(CAST(:name AS regclass), seqstart, false) FROM pg_sequence"
                    " WHERE seqrelid = CAST(:name AS regclass)"
                ),
                {"name": name},
            )


def _restore_areas(conn, rows: list[dict]) -> None:
    """Delete the areas a test added (children and parents in one statement) and put back
    the migrated ones as they were."""
    areas = db.metadata.tables[SEEDED_AREAS]
    conn.execute(areas.delete().where(areas.c.code.not_in([row["code"] for row in rows])))
    upsert = postgresql.insert(areas).values(rows)
    columns = [c.name for c in areas.columns if c.name != "code"]
    conn.execute(
        upsert.on_conflict_do_update(
            index_elements=[areas.c.code],
            set_={c: upsert.excluded[c] for c in columns},
            where=or_(*(areas.c[c].is_distinct_from(upsert.excluded[c]) for c in columns)),
        )
    )


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
