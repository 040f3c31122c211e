"""Engine set-up: SQLite in WAL mode with write-safe transactions, or PostgreSQL."""

import sqlite3
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import Executable

from ecolife.extensions import db, migrate


def init_database(app: Flask) -> None:
    """Bind SQLAlchemy and Alembic to the app, tuning SQLite for concurrent writers."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _prepare_sqlite(app)
    db.init_app(app)
    migrate.init_app(
        app, db, render_as_batch=True, compare_type=True, directory=str(_migrations_dir())
    )
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _install_sqlite_hooks(db.engine)
        elif app.config.get("DATABASE_PRE_PING", "idle") == "idle":
            ping_when_idle(db.engine, app.config.get("DATABASE_PING_IDLE_SECONDS", 10.0))


def on_postgresql() -> bool:
    """Tell whether the app runs on PostgreSQL (where the hot paths run as one call)."""
    return db.engine.dialect.name == "postgresql"


def call_alone(statement: Executable, params: dict):
    """Run one statement as a transaction of its own; return its single value.

    The connection is in autocommit mode, so on PostgreSQL the call is one round trip: no
    BEGIN, no COMMIT. Use it for a statement (or function) that does a whole job, and never
    while the request's own session holds a lock the statement needs: it is a second
    connection, so it would wait for the first one forever.
    """
    with _autocommit_connection() as conn:
        return conn.execute(statement, params).scalar_one()


def read_alone(statement: Executable, params: dict) -> list:
    """Run one read-only statement and return its rows.

    On PostgreSQL it runs on an autocommit connection (one round trip, no BEGIN/ROLLBACK);
    elsewhere in the request's session.
    """
    if not on_postgresql():
        return db.session.execute(statement, params).all()
    with _autocommit_connection() as conn:
        return conn.execute(statement, params).all()


def _autocommit_connection() -> Connection:
    return db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection before use only if it sat unused for `idle_seconds`.

    A connection that fails the ping is replaced (the pool retries with a fresh one). A busy
    connection skips the round trip; if the database restarts under load, the first
    statement on an old connection fails (that request answers 500), SQLAlchemy invalidates
    the whole pool, and the next requests get fresh connections. The app retries keyed
    writes (scans, redemptions) with the same Idempotency-Key, so points are never doubled.
    """

    @event.listens_for(engine, "checkin")
    def checked_in(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def checked_out(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # any failure means: do not hand this connection out
            raise exc.DisconnectionError() from error


def _prepare_sqlite(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    path = uri.removeprefix("sqlite:///")
    if uri.startswith("sqlite:///") and path and not path.startswith(":memory:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    # We issue BEGIN ourselves (below), so the driver must not.
    options.setdefault("connect_args", {})["isolation_level"] = None
    options["connect_args"].setdefault("timeout", 30)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: sqlite3.Connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:
        # Take the write lock up front: a deferred transaction that later writes can
        # fail at once with "database is locked" instead of waiting its turn.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _migrations_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "migrations"
