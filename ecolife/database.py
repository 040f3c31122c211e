"""Engine set-up: PostgreSQL (the embedded server when no DATABASE_URL is given), the
pooler's driver options, the report replica, and the hot paths' statement runners."""

import time
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import psycopg
from flask import Flask
from psycopg.pq import ExecStatus
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from ecolife import embedded_db
from ecolife.extensions import db, migrate

T = TypeVar("T")
REPLICA = "replica"  # the bind key of the engine on DATABASE_REPLICA_URL
POOLERS = ("none", "pgbouncer")


def init_database(app: Flask) -> None:
    """Bind SQLAlchemy and Alembic to the app, starting the embedded server if none is named."""
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = embedded_db.database_url(
            Path(app.config["EMBEDDED_PGDATA"]), app.config["EMBEDDED_DATABASE"]
        )
    _configure_engines(app)
    db.init_app(app)
    migrate.init_app(
        app, db, render_as_batch=False, compare_type=True, directory=str(_migrations_dir())
    )
    if app.config.get("DATABASE_PRE_PING", "idle") == "idle":
        with app.app_context():
            for engine in db.engines.values():
                ping_when_idle(engine, app.config.get("DATABASE_PING_IDLE_SECONDS", 10.0))


def driver_options(config: Mapping) -> dict:
    """psycopg.connect() keywords every connection of the app needs (none by default).

    Behind PgBouncer in transaction mode (DATABASE_POOLER=pgbouncer) each transaction may run
    on another server connection, so a statement psycopg prepared on one (it does after
    `prepare_threshold` = 5 runs) would be missing, or taken, on the next: psycopg must
    never prepare. Without a pooler it keeps its default, which the hot paths rely on.
    """
    pooler = config.get("DATABASE_POOLER") or "none"
    if pooler not in POOLERS:
        raise RuntimeError(f"DATABASE_POOLER must be one of {', '.join(POOLERS)}, not {pooler!r}")
    return {"prepare_threshold": None} if pooler == "pgbouncer" else {}


def _configure_engines(app: Flask) -> None:
    # The primary's options (the pooler's driver keywords), and the replica's engine as a
    # bind with the same options: no model is bound to it, only replica_reads() uses it.
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    driver = driver_options(app.config)
    if driver:
        options["connect_args"] = {**options.get("connect_args", {}), **driver}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if app.config.get("DATABASE_REPLICA_URL"):
        binds = dict(app.config.get("SQLALCHEMY_BINDS") or {})
        binds[REPLICA] = {**options, "url": app.config["DATABASE_REPLICA_URL"]}
        app.config["SQLALCHEMY_BINDS"] = binds


@contextmanager
def replica_reads() -> Iterator[Session]:
    """Give a session for reports: on the streaming replica if DATABASE_REPLICA_URL names
    one, else the request's own session on the primary.

    Only for figures that may trail the primary by a moment (impact, shop statements); never
    for a read a write decides on. Nothing is committed through it: the replica refuses writes.
    """
    engine = db.engines.get(REPLICA)
    if engine is None:
        yield db.session
        return
    with Session(engine) as session:
        yield session


def read_alone(statement: Executable, params: dict) -> list:
    """Run one read-only statement on an autocommit connection and return its rows.

    One round trip: no BEGIN and no ROLLBACK around it (for hot reads such as /me).
    """
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return conn.execute(statement, params).all()


def prebuilt(*statements: tuple[Executable, dict], conn: psycopg.Connection | None = None):
    """Run prebuilt statements in order on `conn` (default: the session's transaction); return
    their rows.

    Rows are named tuples of the driver's values (no SQLAlchemy result processing), and each
    statement's compiled form is kept, so a hot use case pays neither compiling nor result
    processing. One round trip a statement: psycopg's pipeline mode, which would send them
    at once, cost more CPU than the round trips it saved (bench/README.md, issue 12).
    """
    driver = conn or db.session.connection().connection.driver_connection
    results = []
    for statement, params in statements:
        prepared = _prepared(statement)
        cursor = driver.cursor()
        cursor.execute(prepared.sql, prepared.bind(params))
        results.append(prepared.rows(cursor))
    return results


class StaleRead(Exception):
    """A guarded write found the row changed since the use case read it: nothing was
    written, and the use case runs again on a fresh read."""


def retry_conflicts(
    attempt: Callable[[psycopg.Connection], T], *, key_constraint: str, tries: int = 50
) -> T:
    """Run an optimistic use case, again whenever a concurrent one wins.

    The use case gets a pooled connection of its own in autocommit mode, outside the ORM
    session (whose bookkeeping cost a scan a fifth of its time). It reads in one statement
    (one snapshot, no lock, no BEGIN), decides, and writes in one statement guarded by the
    version of the row it read (ledger.account_change): if another transaction changed that
    row since, the write changes nothing and the use case raises StaleRead. Where it must
    write more than one statement it opens a transaction (`conn.transaction()`). A twin
    request's key (the unique `key_constraint`) is a conflict too: the next try replays it.

    Each loss means another transaction committed, so the tries end; `tries` only bounds a
    pathological pile-up. Compared with a locking transaction this saves the BEGIN and the
    COMMIT round trips of every scan (bench/README.md, issue 12).
    """
    pooled = db.engine.raw_connection()
    conn = pooled.driver_connection
    try:
        conn.autocommit = True
        for left in range(tries - 1, -1, -1):
            try:
                return attempt(conn)
            except StaleRead:
                if not left:
                    raise
            except psycopg.Error as error:
                if conn.broken or not left or not _is_conflict(error, key_constraint):
                    raise
    finally:
        if conn.broken:
            pooled.invalidate()  # the database went away: the pool opens a new connection
        else:
            conn.autocommit = False  # as the pool's other users expect it
        pooled.close()
    raise AssertionError("unreachable")


def _is_conflict(error: BaseException, key_constraint: str) -> bool:
    if isinstance(error, psycopg.errors.SerializationFailure):
        return True
    return (
        isinstance(error, psycopg.errors.UniqueViolation)
        and error.diag.constraint_name == key_constraint
    )


class _Prepared:
    """A prebuilt statement compiled once, with the named tuple type of its rows."""

    def __init__(self, statement: Executable):
        self.statement = statement  # held, so its id() is not reused while cached
        # (No IN lists in these statements: they would need their values at execution.)
        self.compiled = statement.compile(dialect=db.engine.dialect)
        self.sql = self.compiled.string
        self.row_type = None

    def bind(self, params: dict) -> dict:
        bound = self.compiled.construct_params(params)
        for name, process in self.compiled._bind_processors.items():
            if bound.get(name) is not None:
                bound[name] = process(bound[name])
        return bound

    def rows(self, cursor) -> list:
        if cursor.pgresult.status != ExecStatus.TUPLES_OK:
            return []
        if self.row_type is None:  # psycopg's Column objects are costly to build every time
            self.row_type = namedtuple("Row", [column.name for column in cursor.description])
        return [self.row_type._make(row) for row in cursor.fetchall()]


_PREPARED: dict[int, _Prepared] = {}


def _prepared(statement: Executable) -> _Prepared:
    prepared = _PREPARED.get(id(statement))
    if prepared is None:
        prepared = _PREPARED[id(statement)] = _Prepared(statement)
    return prepared


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
