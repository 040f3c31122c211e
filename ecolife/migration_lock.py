"""One migration run at a time: every host's `ecolife db upgrade` takes the same lock first."""

from sqlalchemy import Connection, text

# A fixed 64-bit key every EcoLife host agrees on: the bytes "EcoLifeM" read as an integer.
MIGRATION_LOCK_KEY = int.from_bytes(b"EcoLifeM", "big")


def take_migration_lock(connection: Connection) -> None:
    """Wait for the migration lock; it is released when the migrations' transaction ends.

    A transaction-level lock rather than a session lock: it cannot outlive a run that dies,
    and it holds through PgBouncer in transaction pooling mode, where a session lock would
    stay behind on whichever server connection took it. Alembic runs every pending migration
    in one transaction (transactional DDL), so the lock covers them all; a host that waited
    then reads the version its peer committed and finds nothing left to do.
    """
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
