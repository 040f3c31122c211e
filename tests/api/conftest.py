"""Fixtures of the API tests beyond the shared ones: an app with settings of its own."""

import pytest

from config import TestConfig
from ecolife import create_app
from ecolife.extensions import db, limiter


@pytest.fixture
def make_app(app, database_url):
    """Return a callable building an app with settings of its own on the test database.

    The extensions are shared objects: building an app binds the rate limiter to its storage.
    Afterwards the limiter is bound to the session's app again, with its memory storage.
    """
    built = []

    def make(**settings):
        config = type(
            "OwnConfig",
            (TestConfig,),
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "SECRET_KEY": app.config["SECRET_KEY"],
                **settings,
            },
        )
        built.append(create_app(config))
        return built[-1]

    yield make
    for other in built:
        with other.app_context():
            db.engine.dispose()
    limiter.init_app(app)
    # A storage that was unreachable leaves the limiter on its in-memory fallback.
    limiter._storage_dead = False
