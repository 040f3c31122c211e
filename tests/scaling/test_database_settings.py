"""DATABASE_POOLER and DATABASE_REPLICA_URL in one process (no PgBouncer or standby needed)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from config import TestConfig
from ecolife import create_app
from ecolife.database import REPLICA, driver_options, replica_reads
from ecolife.extensions import db
from ecolife.models import Shop
from ecolife.services import impact, reports


@pytest.fixture
def make_app(database_url):
    """Return a callable that builds an app on the test database with extra settings."""
    made = []

    def make(**settings):
        settings = {"SQLALCHEMY_DATABASE_URI": database_url, **settings}
        made.append(create_app(type("Config", (TestConfig,), settings)))
        return made[-1]

    yield make
    for app in made:
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()


def prepare_threshold(engine) -> int | None:
    pooled = engine.raw_connection()
    try:
        return pooled.driver_connection.prepare_threshold
    finally:
        pooled.close()


def test_behind_pgbouncer_psycopg_never_prepares(make_app):
    with make_app(DATABASE_POOLER="pgbouncer").app_context():
        assert prepare_threshold(db.engine) is None


def test_without_a_pooler_psycopg_keeps_its_default(make_app):
    with make_app().app_context():
        assert prepare_threshold(db.engine) == 5


def test_an_unknown_pooler_is_refused():
    with pytest.raises(RuntimeError, match="DATABASE_POOLER"):
        driver_options({"DATABASE_POOLER": "pgcat"})


def test_without_a_replica_reports_read_the_request_session(ctx):
    with replica_reads() as session:
        assert session is db.session
    assert REPLICA not in db.engines


def test_with_a_replica_reports_read_through_its_engine(make_app, database_url, make_shop):
    # The test database stands in for the replica: what matters is which engine is asked.
    app = make_app(DATABASE_REPLICA_URL=database_url, DATABASE_POOLER="pgbouncer")
    shop_id, _ = make_shop()
    week = (date.today() - timedelta(days=6), date.today())
    with app.test_request_context():
        replica = db.engines[REPLICA]
        assert replica is not db.engine
        assert prepare_threshold(replica) is None  # the pooler's setting reaches it too
        with replica_reads() as session:
            assert session is not db.session
            assert session.get_bind() is replica
            assert session.scalar(select(Shop.id).where(Shop.id == shop_id)) == shop_id
        checkouts = []
        event.listen(replica, "checkout", lambda *_: checkouts.append(1))
        assert reports.shop_summary(shop_id)["all_time"]["scans"] == 0
        assert [group.key for group in impact.impact_by_shop(*week)] == [str(shop_id)]
        assert len(checkouts) == 2  # one connection of the replica's for each use case
        db.session.remove()
