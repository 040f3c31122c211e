"""Engine set-up: SQLite in WAL mode with write-safe transactions, or PostgreSQL."""

import sqlite3
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

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
