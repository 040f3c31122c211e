"""Production refuses to start without Redis: sign-in limits would be counted per worker."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import ProductionConfig
from ecolife import create_app

# Servers nobody listens on: creating the app connects to neither.
NOWHERE = "postgresql+psycopg://nobody@127.0.0.1:1/none"
REDIS = "redis://127.0.0.1:1/0"
ROOT = Path(__file__).resolve().parents[2]


def production(**settings) -> type[ProductionConfig]:
    return type(
        "Prod",
        (ProductionConfig,),
        {"SECRET_KEY": "x" * 48, "SQLALCHEMY_DATABASE_URI": NOWHERE, **settings},
    )


@pytest.mark.parametrize("redis_url", [None, ""])
def test_production_refuses_to_start_without_redis(redis_url):
    with pytest.raises(RuntimeError, match="REDIS_URL must name the Redis server in production"):
        create_app(production(REDIS_URL=redis_url))


def test_production_starts_with_redis():
    # The limiter is shared by every app of the test run: keep it on memory storage here.
    app = create_app(production(REDIS_URL=REDIS, RATELIMIT_STORAGE_URI="memory://"))
    assert app.config["REDIS_URL"] == REDIS
    assert app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] is True


def start_wsgi(**env: str) -> subprocess.CompletedProcess:
    """Import wsgi.py as gunicorn would, in production, with this environment."""
    environment = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    environment |= {
        "ECOLIFE_ENV": "production",
        "DATABASE_URL": NOWHERE,
        "SECRET_KEY": "x" * 48,
        **env,
    }
    script = "import wsgi; print(wsgi.app.config['RATELIMIT_STORAGE_URI'])"
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_production_server_without_redis_url_does_not_start_and_says_why():
    started = start_wsgi()
    assert started.returncode != 0
    assert "REDIS_URL must name the Redis server in production" in started.stderr


def test_a_production_server_counts_limits_in_the_redis_it_is_given():
    started = start_wsgi(REDIS_URL=REDIS)
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == REDIS
