"""Security headers: the same everywhere, plus HSTS in production, and no forced redirects."""

import pytest

from config import ProductionConfig
from ecolife import create_app
from ecolife.extensions import limiter
from tests.web.console import sign_in

# Servers nobody listens on: creating the app connects to neither, /livez needs no database.
NOWHERE = "postgresql+psycopg://nobody@127.0.0.1:1/none"
NO_REDIS = "redis://127.0.0.1:1/0"
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
ONE_YEAR = 365 * 24 * 3600


@pytest.fixture
def production_app(app):
    """Return a callable building a production app; the shared limiter is given back after."""

    def make(**settings):
        config = type(
            "Prod",
            (ProductionConfig,),
            {
                "SECRET_KEY": "x" * 48,
                "SQLALCHEMY_DATABASE_URI": NOWHERE,
                "REDIS_URL": NO_REDIS,
                "PUBLIC_BASE_URL": "https://ecolife.example",
                "SMTP_HOST": "smtp.example.go.th",
                "SMS_GATEWAY_URL": "https://sms.example.co.th/send",
                **settings,
            },
        )
        return create_app(config)

    yield make
    limiter.init_app(app)


def hsts_max_age(value: str) -> int:
    directives = dict(part.strip().partition("=")[::2] for part in value.split(";"))
    assert "includeSubDomains" in directives, value
    return int(directives["max-age"])


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"base_url": "https://ecolife.example"},
        {"headers": {"X-Forwarded-Proto": "https"}},  # behind the TLS-terminating proxy
    ],
)
def test_production_answers_https_with_a_year_of_hsts(production_app, request_kwargs):
    response = production_app().test_client().get("/livez", **request_kwargs)
    assert response.status_code == 200
    assert hsts_max_age(response.headers["Strict-Transport-Security"]) >= ONE_YEAR


def test_production_does_not_redirect_to_https_unless_told_to(production_app):
    client = production_app().test_client()
    assert client.get("/livez").status_code == 200
    redirected = production_app(FORCE_HTTPS=True).test_client().get("/livez")
    assert redirected.status_code in (301, 302)
    assert redirected.headers["Location"].startswith("https://")


def test_tests_and_development_send_no_hsts_and_never_redirect(client):
    assert "Strict-Transport-Security" not in client.get("/livez").headers
    secure = client.get("/livez", base_url="https://ecolife.test")
    assert "Strict-Transport-Security" not in secure.headers
    assert client.get("/livez").status_code == 200


@pytest.mark.parametrize("url", ["/", "/livez", "/api/v1/shops", "/api/v1/nope", "/login"])
def test_every_response_carries_the_same_headers_as_before(client, url):
    headers = client.get(url).headers
    assert headers["Content-Security-Policy"] == CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["Permissions-Policy"] == "camera=(self), geolocation=(self)"


def test_the_api_docs_keep_their_own_style_policy(client):
    csp = client.get("/api/docs").headers["Content-Security-Policy"]
    assert csp == CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def test_the_console_login_still_works_over_http(client, app, make_admin):
    response = sign_in(client, make_admin().user.email, lang="en")
    assert response.status_code == 302
    assert "Secure" not in response.headers["Set-Cookie"]
    assert client.get("/admin/shops/").status_code == 200
    assert app.config["SESSION_COOKIE_SECURE"] is False
