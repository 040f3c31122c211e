"""Production refuses to start without a real secret key."""

import pytest

from config import DEFAULT_SECRET_KEY, ProductionConfig, pre_ping_mode
from ecolife import create_app

# A server nobody listens on: creating the app does not connect.
NOWHERE = "postgresql+psycopg://nobody@127.0.0.1:1/none"


@pytest.mark.parametrize("secret", [None, "", DEFAULT_SECRET_KEY, "short"])
def test_production_refuses_a_missing_or_default_secret_key(secret):
    config = type(
        "Prod", (ProductionConfig,), {"SECRET_KEY": secret, "SQLALCHEMY_DATABASE_URI": NOWHERE}
    )
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)


def test_production_refuses_to_start_without_a_database_url():
    config = type(
        "Prod", (ProductionConfig,), {"SECRET_KEY": "x" * 48, "SQLALCHEMY_DATABASE_URI": None}
    )
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app(config)


def test_production_starts_with_a_real_secret_and_secure_cookies():
    config = type(
        "Prod",
        (ProductionConfig,),
        {
            "SECRET_KEY": "x" * 48,
            "SQLALCHEMY_DATABASE_URI": NOWHERE,
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "PUBLIC_BASE_URL": "https://ecolife.example",
            "SMTP_HOST": "smtp.example.go.th",
            "SMS_GATEWAY_URL": "https://sms.example.co.th/send",
            # The limiter is one object for every app of the process: keep it off Redis.
            "RATELIMIT_STORAGE_URI": "memory://",
        },
    )
    app = create_app(config)
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    ("value", "mode"),
    [(None, "idle"), ("idle", "idle"), ("off", "off"), ("False", "off"), ("0", "off")]
    + [("on", "on"), ("true", "on"), ("1", "on"), ("yes", "on")],
)
def test_database_pre_ping_reads_idle_off_or_on(value, mode):
    assert pre_ping_mode(value) == mode
