"""Engine set-up: PostgreSQL, the embedded server when no DATABASE_URL is given."""

import time
from pathlib import Path

from flask import Flask
from psycopg.rows import namedtuple_row
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.sql import Executable

from ecolife import embedded_db
from ecolife.extensions import db, migrate


def init_database(app: Flask) -> None:
    """Bind SQLAlchemy and Alembic to the app, starting the embedded server if none is named."""
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = embedded_db.database_url(
            Path(app.config["EMBEDDED_PGDATA"]), app.config["EMBEDDED_DATABASE"]
        )
    db.init_app(app)
    migrate.init_app(
        app, db, render_as_batch=False, compare_type=True, directory=str(_migrations_dir())
    )
    if app.config.get("DATABASE_PRE_PING", "idle") == "idle":
        with app.app_context():
            ping_when_idle(db.engine, app.config.get("DATABASE_PING_IDLE_SECONDS", 10.0))


def read_alone(statement: Executable, params: dict) -> list:
    """Run one read-only statement on an autocommit connection and return its rows.

    One round trip: no BEGIN and no ROLLBACK around it (for hot reads such as /me).
    """
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return conn.execute(statement, params).all()


def pipelined(*statements: tuple[Executable, dict], commit: bool = False) -> list[list]:
    """Run statements in the session's transaction in one round trip; return their rows.

    psycopg's pipeline mode sends them (with the BEGIN that opens the transaction, and the
    COMMIT if asked) at once; the server still runs them one after another, each with a
    snapshot of its own, so a read placed after a locking read sees what the lock waited
    for. Rows are named tuples of the driver's values (no SQLAlchemy result processing).
    Statements must be prebuilt constants: their compiled form is kept.
    """
    driver = db.session.connection().connection.driver_connection
    cursors = []
    with driver.pipeline():
        for statement, params in statements:
            sql, bound = _compiled(statement, params)
            cursor = driver.cursor(row_factory=namedtuple_row)
            cursor.execute(sql, bound)
            cursors.append(cursor)
        if commit:
            driver.commit()
    return [cursor.fetchall() if cursor.description else [] for cursor in cursors]


_COMPILED: dict[int, tuple[Executable, object]] = {}


def _compiled(statement: Executable, params: dict) -> tuple[str, dict]:
    # Keyed by identity, holding the statement so its id cannot be reused.
    kept = _COMPILED.get(id(statement))
    if kept is None:
        # (No IN lists in these statements: they would need their values at execution.)
        kept = _COMPILED[id(statement)] = (statement, statement.compile(dialect=db.engine.dialect))
    compiled = kept[1]
    bound = compiled.construct_params(params)
    for name, process in compiled._bind_processors.items():
        if name in bound and bound[name] is not None:
            bound[name] = process(bound[name])
    return compiled.string, bound


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


def _migrations_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "migrations"
