"""The problem+json error format, security headers, health check and API docs."""

import re

import pytest
from flask import abort

from config import TestConfig
from ecolife import create_app
from ecolife.extensions import db


@pytest.mark.parametrize(
    ("method", "url", "status", "code"),
    [
        ("get", "/api/v1/no-such-thing", 404, "not_found"),
        ("get", "/api/nothing", 404, "not_found"),
        ("delete", "/api/v1/shops", 405, "method_not_allowed"),
        ("put", "/api/v1/auth/login", 405, "method_not_allowed"),
    ],
)
def test_unknown_api_routes_answer_problem_json(client, method, url, status, code):
    response = getattr(client, method)(url)
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["code"] == code and body["status"] == status
    assert set(body) >= {"type", "title", "status", "code", "detail", "errors"}


def test_a_too_large_body_is_refused(client):
    response = client.post(
        "/api/v1/auth/register", data="x" * (5 * 1024 * 1024), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.get_json()["code"] == "payload_too_large"


@pytest.fixture
def broken_app(app):
    broken = create_app(
        type("C", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    )

    @broken.get("/api/v1/boom")
    def boom():
        raise RuntimeError("secret database password is hunter2")

    @broken.get("/api/v1/teapot")
    def teapot():
        abort(418)

    yield broken
    with broken.app_context():
        db.engine.dispose()


def test_unexpected_errors_are_logged_but_never_shown(broken_app, caplog):
    client = broken_app.test_client()
    response = client.get("/api/v1/boom")
    assert response.status_code == 500
    body = response.get_json()
    assert body["code"] == "internal_error"
    assert "hunter2" not in response.get_data(as_text=True)
    assert "hunter2" in caplog.text


def test_an_unmapped_http_error_still_answers_problem_json(broken_app):
    response = broken_app.test_client().get("/api/v1/teapot")
    assert response.status_code == 500
    assert response.get_json()["code"] == "internal_error"


def test_pages_answer_html_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.content_type.startswith("text/html")
    assert "ไม่พบสิ่งที่ค้นหา" in response.get_data(as_text=True)


def test_every_response_carries_security_headers(client):
    for url in ("/", "/healthz", "/api/v1/shops", "/api/v1/nope"):
        headers = client.get(url).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"


def test_session_cookies_are_http_only_and_same_site(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_health_check_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_health_check_fails_when_the_database_does_not():
    class Unreachable(TestConfig):
        SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://nobody@127.0.0.1:1/none"
        SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"connect_timeout": 2}}

    response = create_app(Unreachable).test_client().get("/healthz")
    assert response.status_code == 503


def test_the_openapi_document_lists_the_contract(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["info"]["title"] == "EcoLife API"
    for path in (
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/shops",
        "/api/v1/shops/{shop_id}",
        "/api/v1/admin/shops",
        "/api/v1/admin/shops/{shop_id}",
    ):
        assert path in spec["paths"], path
    assert spec["paths"]["/api/v1/auth/logout"]["post"]["security"] == [{"bearer": []}]
    assert "bearer" in spec["components"]["securitySchemes"]


def test_the_docs_page_loads_only_local_assets(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(src.startswith("/") for src in sources), sources
    for src in sources:
        if src.startswith("/static/"):
            with client.get(src) as asset:
                assert asset.status_code == 200, src
