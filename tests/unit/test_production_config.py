"""Production refuses to start without Redis (sign-in limits would be counted per worker), on
the embedded database, or with a public address that residents' phones cannot open."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from config import ProductionConfig, public_base_url_problem
from ecolife import create_app

# Servers nobody listens on: creating the app connects to neither.
NOWHERE = "postgresql+psycopg://nobody@127.0.0.1:1/none"
REDIS = "redis://127.0.0.1:1/0"
PUBLIC = "https://ecolife.example.go.th"
ROOT = Path(__file__).resolve().parents[2]
# The mail server and the SMS gateway (never reached: nothing is sent here).
SENDERS = {"SMTP_HOST": "smtp.example.go.th", "SMS_GATEWAY_URL": "https://sms.example.co.th/send"}


def production(**settings) -> type[ProductionConfig]:
    return type(
        "Prod",
        (ProductionConfig,),
        {
            "SECRET_KEY": "x" * 48,
            "SQLALCHEMY_DATABASE_URI": NOWHERE,
            "REDIS_URL": REDIS,
            "PUBLIC_BASE_URL": PUBLIC,
            **SENDERS,
            **settings,
        },
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
        "PUBLIC_BASE_URL": PUBLIC,
        **SENDERS,
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


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://ecolife.example.go.th", "must start with https://"),
        ("ecolife.example.go.th", "must start with https://"),
        ("https://", "must name the server's host"),
        ("https://localhost", "this machine (localhost)"),
        ("https://LOCALHOST.:8443", "this machine (localhost)"),
        ("https://app.localhost", "this machine (app.localhost)"),
        ("https://127.0.0.1:5000", "this machine (127.0.0.1)"),
        ("https://127.8.9.10", "this machine (127.8.9.10)"),
        ("https://[::1]:8443", "this machine (::1)"),
        ("https://[::ffff:127.0.0.1]", "this machine (::ffff:127.0.0.1)"),
        ("https://0.0.0.0", "this machine (0.0.0.0)"),
    ],
)
def test_production_refuses_a_public_base_url_phones_cannot_open(url, reason):
    assert reason in public_base_url_problem(url)
    with pytest.raises(
        RuntimeError, match=re.escape(f"PUBLIC_BASE_URL {public_base_url_problem(url)}")
    ):
        production(PUBLIC_BASE_URL=url).validate()


@pytest.mark.parametrize(
    "url",
    [PUBLIC, "https://ecolife.example.go.th:8443", "https://203.0.113.7", "https://[2001:db8::7]"],
)
def test_production_accepts_an_https_address_on_the_network(url):
    assert public_base_url_problem(url) is None
    production(PUBLIC_BASE_URL=url).validate()


def test_a_production_server_left_on_the_default_public_address_does_not_start():
    started = start_wsgi(REDIS_URL=REDIS, PUBLIC_BASE_URL="")
    assert started.returncode != 0
    assert "PUBLIC_BASE_URL must start with https://" in started.stderr
    assert "'http://127.0.0.1:5000'" in started.stderr


def test_a_production_server_without_database_url_refuses_the_embedded_database():
    started = start_wsgi(REDIS_URL=REDIS, DATABASE_URL="")
    assert started.returncode != 0
    assert "DATABASE_URL must name the PostgreSQL server in production" in started.stderr
    assert "embedded database" in started.stderr


@pytest.mark.parametrize("missing", ["SMTP_HOST", "SMS_GATEWAY_URL"])
def test_production_refuses_to_start_without_a_mail_server_or_an_sms_gateway(missing):
    with pytest.raises(RuntimeError, match="SMTP_HOST and SMS_GATEWAY_URL must be set"):
        production(**{missing: None}).validate()


def test_production_writes_messages_to_the_folder_only_when_told_to():
    production(SMTP_HOST=None, SMS_GATEWAY_URL=None, OUTBOX_DIR_IN_PRODUCTION=True).validate()


@pytest.mark.parametrize("url", ["http://sms.example.co.th/send", "sms.example.co.th"])
def test_production_refuses_an_sms_gateway_without_https(url):
    with pytest.raises(RuntimeError, match="SMS_GATEWAY_URL must be an https:// address"):
        production(SMS_GATEWAY_URL=url).validate()
    with pytest.raises(RuntimeError, match="SMS_GATEWAY_URL must be an https:// address"):
        production(SMS_GATEWAY_URL=url, OUTBOX_DIR_IN_PRODUCTION=True).validate()


def test_a_production_server_without_a_mail_server_does_not_start_and_says_why():
    started = start_wsgi(REDIS_URL=REDIS, SMTP_HOST="")
    assert started.returncode != 0
    assert "SMTP_HOST and SMS_GATEWAY_URL must be set in production" in started.stderr
    assert start_wsgi(REDIS_URL=REDIS, SMTP_HOST="", OUTBOX_DIR_IN_PRODUCTION="on").returncode == 0


def _vapid_pair() -> tuple[str, str]:
    """A VAPID private key as `vapid --gen` gives it (raw, base64url) and its public key."""
    import base64

    from cryptography.hazmat.primitives import serialization
    from py_vapid import Vapid, b64urlencode

    key = Vapid()
    key.generate_keys()
    raw = key.private_key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode(), b64urlencode(public)


def test_production_refuses_a_vapid_public_key_that_is_not_the_private_keys():
    private, _ = _vapid_pair()
    _, other_public = _vapid_pair()
    with pytest.raises(RuntimeError, match="VAPID_PUBLIC_KEY is not the public key"):
        create_app(production(VAPID_PRIVATE_KEY=private, VAPID_PUBLIC_KEY=other_public))


def test_production_refuses_a_vapid_private_key_that_is_not_a_key():
    with pytest.raises(RuntimeError, match="VAPID_PRIVATE_KEY is not a VAPID private key"):
        create_app(production(VAPID_PRIVATE_KEY="not-a-key"))


def test_production_accepts_a_matching_vapid_pair():
    private, public = _vapid_pair()
    app = create_app(
        production(
            VAPID_PRIVATE_KEY=private,
            VAPID_PUBLIC_KEY=public,
            RATELIMIT_STORAGE_URI="memory://",
        )
    )
    assert app.config["VAPID_PUBLIC_KEY"] == public
