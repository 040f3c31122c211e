"""The pool pings a connection before use only after it sat idle (PostgreSQL)."""

import time

import pytest
from sqlalchemy import create_engine, text

from ecolife.database import ping_when_idle


@pytest.fixture
def engine(database_url):
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    pings = []
    real_ping = engine.dialect.do_ping
    engine.dialect.do_ping = lambda conn: pings.append(1) or real_ping(conn)
    engine.pings = pings
    ping_when_idle(engine, 0.3)
    yield engine
    engine.dispose()


def backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_busy_connection_is_not_pinged(engine):
    first = backend_pid(engine)
    for _ in range(5):
        assert backend_pid(engine) == first
    assert engine.pings == []


def test_an_idle_connection_that_died_is_replaced_before_use(engine, database_url):
    dead = backend_pid(engine)
    other = create_engine(database_url)
    with other.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dead}).scalar()
    other.dispose()
    time.sleep(0.4)
    # The request after the pause gets a working connection, not an error.
    fresh = backend_pid(engine)
    assert fresh != dead
    assert engine.pings  # it was the ping that found the dead one
