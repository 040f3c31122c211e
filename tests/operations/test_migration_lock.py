"""Two hosts running `ecolife db upgrade` at once take turns under the advisory lock."""

import subprocess
import time

import psycopg
from alembic.script import ScriptDirectory

from ecolife import embedded_db
from ecolife.migration_lock import MIGRATION_LOCK_KEY
from tests.operations.support import (
    ECOLIFE,
    app_on,
    operator_environment,
    query,
    schema_differences,
    scratch_database,
)

# A bigint advisory key shows in pg_locks as its high and low halves, objsubid 1.
WAITERS = """
    SELECT count(*) FROM pg_locks
    WHERE locktype = 'advisory' AND NOT granted AND objsubid = 1
      AND classid::bigint = %(high)s AND objid::bigint = %(low)s
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""
HALVES = {"high": MIGRATION_LOCK_KEY >> 32, "low": MIGRATION_LOCK_KEY & 0xFFFFFFFF}


def wait_for_waiters(conn: psycopg.Connection, count: int, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while conn.execute(WAITERS, HALVES).fetchone()[0] < count:
        assert time.monotonic() < deadline, f"{count} upgrades never waited for the lock"
        time.sleep(0.1)


def test_two_hosts_upgrading_a_fresh_database_at_once_take_turns():
    with scratch_database("bak_upgrade") as url:
        with psycopg.connect(embedded_db.libpq_url(url), autocommit=True) as holder:
            # Hold the lock, so both upgrades are surely under way and waiting at once.
            holder.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
            hosts = [
                subprocess.Popen(
                    [ECOLIFE, "db", "upgrade"],
                    env=operator_environment(url),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for _ in range(2)
            ]
            wait_for_waiters(holder, 2)
            holder.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
        logs = [host.communicate(timeout=180)[1] for host in hosts]
        assert [host.returncode for host in hosts] == [0, 0], logs
        # The first migrated; the second then found the schema at head and ran nothing.
        assert sorted("Running upgrade" in log for log in logs) == [False, True], logs
        with app_on(url) as app:
            heads = ScriptDirectory(app.extensions["migrate"].directory).get_heads()
            assert query(url, "SELECT version_num FROM alembic_version") == [(heads[0],)]
            assert schema_differences(app) == []
