"""Schemathesis against the OpenAPI document: every operation, generated inputs, all default
checks (no server error, status codes, content types, headers and bodies as documented),
signed in as the operation's kind of user."""

import os
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from config import TestConfig
from ecolife import create_app
from tests.factories import bearer

EXAMPLES = int(os.environ.get("ECOLIFE_SCHEMATHESIS_EXAMPLES", "50"))


class SpecOnly(TestConfig):
    """An app to read the OpenAPI document from at collection (it never connects)."""

    SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    SECRET_KEY = "collection-only-secret-key-that-is-long-enough"


schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    create_app(SpecOnly),
    config=schemathesis.Config.from_path(Path(__file__).with_name("schemathesis.toml")),
)


@pytest.fixture
def signed_in(make_resident, make_shop, make_admin):
    """A resident, a shop's staff member and an admin, signed in."""
    _, staff = make_shop()
    return {"resident": make_resident(), "staff": staff, "admin": make_admin()}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)
def test_the_api_keeps_its_contract(case, app, signed_in):
    if case.path.startswith("/api/v1/admin"):
        user = signed_in["admin"]
    elif case.path.startswith("/api/v1/shop/"):
        user = signed_in["staff"]
    else:
        user = signed_in["resident"]
    case.call_and_validate(headers=bearer(user), app=app)
