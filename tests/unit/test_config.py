"""Production refuses to start without a real secret key."""

import pytest

from config import DEFAULT_SECRET_KEY, ProductionConfig
from ecolife import create_app


@pytest.mark.parametrize("secret", [None, "", DEFAULT_SECRET_KEY, "short"])
def test_production_refuses_a_missing_or_default_secret_key(secret):
    config = type(
        "Prod", (ProductionConfig,), {"SECRET_KEY": secret, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)


def test_production_starts_with_a_real_secret_and_secure_cookies():
    config = type(
        "Prod",
        (ProductionConfig,),
        {"SECRET_KEY": "x" * 48, "SQLALCHEMY_DATABASE_URI": "sqlite://"},
    )
    app = create_app(config)
    assert app.config["SESSION_COOKIE_SECURE"] is True
