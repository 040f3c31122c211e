"""Scratch databases, apps on them, and the real `ecolife` command, for the operations tests."""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from config import TestConfig
from ecolife import create_app, embedded_db
from ecolife.extensions import db
from tests.conftest import server_url, worker_database

ECOLIFE = Path(sys.executable).with_name("ecolife")


@contextmanager
def scratch_database(prefix: str, server: str | None = None) -> Iterator[str]:
    """A new empty database of this test worker on `server` (default: the run's), dropped after.

    Its name is `ecolife_<prefix>` and the run's and worker's names (parallel runs share servers).
    """
    server = server or server_url()
    name = worker_database(f"ecolife_{prefix}")
    embedded_db.ensure_database(server, name, fresh=True)
    url = embedded_db.with_database(server, name)
    try:
        yield url
    finally:
        embedded_db.drop_database(url)


@contextmanager
def app_on(url: str | None, **settings) -> Iterator[Flask]:
    """An app on database `url` (None: on the embedded server the settings name)."""

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        SECRET_KEY = "test-secret-key-that-is-long-enough-for-hs256"
        PG_DUMP = PG_RESTORE = None  # the programs the code finds itself

    for key, value in settings.items():
        setattr(Config, key, value)
    app = create_app(Config)
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


def operator_environment(database_url: str) -> dict[str, str]:
    """An operator's shell for the `ecolife` command: DATABASE_URL set, defaults otherwise."""
    env = {k: v for k, v in os.environ.items() if k not in ("PG_DUMP", "PG_RESTORE", "ECOLIFE_ENV")}
    env["DATABASE_URL"] = embedded_db.libpq_url(database_url)
    return env


def ecolife(*args: str, database_url: str) -> subprocess.CompletedProcess:
    """Run the installed `ecolife` command as an operator would, on DATABASE_URL."""
    return subprocess.run(
        [ECOLIFE, *args],
        env=operator_environment(database_url),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def query(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    """Run one statement on database `url` and commit; return its rows (if it has any)."""
    with psycopg.connect(embedded_db.libpq_url(url)) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def schema_differences(app: Flask) -> list:
    """What the app's database lacks or has beyond its models (empty: they match)."""
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)
