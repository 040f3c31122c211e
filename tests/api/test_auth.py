"""Registration, login, token rotation and logout through the API."""

from datetime import timedelta

import jwt
import pytest
from sqlalchemy import func, select

from ecolife import clock
from ecolife.extensions import db
from ecolife.models import User
from ecolife.orm import utcnow
from tests.factories import PASSWORD, bearer, scan

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"


def count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def test_registering_by_thai_mobile_normalises_it_to_plus_66(client):
    response = client.post(
        REGISTER, json={"phone": "081-234-5678", "password": PASSWORD, "display_name": "  นก  "}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["user"]["phone"] == "+66812345678"
    assert body["user"]["display_name"] == "นก"
    assert body["user"]["role"] == "resident"
    assert body["access_token"] and body["refresh_token"] and body["expires_in"] == 900


def test_registering_by_email_lowercases_it(client):
    response = client.post(
        REGISTER,
        json={
            "email": " Nok@Example.COM ",
            "password": PASSWORD,
            "display_name": "Nok",
            "locale": "en",
        },
    )
    assert response.status_code == 201
    assert response.get_json()["user"]["email"] == "nok@example.com"
    assert response.get_json()["user"]["locale"] == "en"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"password": PASSWORD, "display_name": "x"}, "phone"),
        ({"phone": "12345", "password": PASSWORD, "display_name": "x"}, "phone"),
        ({"phone": "0212345678", "password": PASSWORD, "display_name": "x"}, "phone"),
        ({"email": "not-an-email", "password": PASSWORD, "display_name": "x"}, "email"),
        ({"phone": "0812345678", "password": "short", "display_name": "x"}, "password"),
        ({"phone": "0812345678", "password": "x" * 129, "display_name": "x"}, "password"),
        ({"phone": "0812345678", "password": PASSWORD}, "display_name"),
        ({"phone": "0812345678", "password": PASSWORD, "display_name": "   "}, "display_name"),
        ({"phone": "0812345678", "password": PASSWORD, "display_name": "x" * 81}, "display_name"),
        (
            {"phone": "0812345678", "password": PASSWORD, "display_name": "x", "locale": "fr"},
            "locale",
        ),
        (
            {"phone": "0812345678", "password": PASSWORD, "display_name": "x", "role": "admin"},
            "role",
        ),
        ({"phone": 812345678, "password": PASSWORD, "display_name": "x"}, "phone"),
    ],
)
def test_bad_registration_is_refused_with_the_field_named(app, client, payload, field):
    response = client.post(REGISTER, json=payload)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["code"] == "validation_error"
    assert field in body["errors"]
    assert count_users(app) == 0


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"text"'])
def test_a_body_that_is_not_a_json_object_is_refused(app, client, raw):
    response = client.post(REGISTER, data=raw, content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.get_json()["code"] in ("invalid_json", "validation_error")
    assert count_users(app) == 0


def test_registering_the_same_phone_twice_is_a_conflict(app, client):
    first = {"phone": "0812345678", "password": PASSWORD, "display_name": "a"}
    assert client.post(REGISTER, json=first).status_code == 201
    again = {"phone": "+66 81 234 5678", "password": PASSWORD, "display_name": "b"}
    response = client.post(REGISTER, json=again)
    assert response.status_code == 409
    assert response.get_json()["code"] == "account_exists"
    assert count_users(app) == 1


@pytest.mark.parametrize("login", ["0812345678", "+66812345678", "081 234 5678", "66812345678"])
def test_logging_in_accepts_any_way_of_writing_the_number(client, make_resident, login):
    make_resident(phone="+66812345678")
    response = client.post(LOGIN, json={"login": login, "password": PASSWORD})
    assert response.status_code == 200
    assert response.get_json()["user"]["phone"] == "+66812345678"


def test_logging_in_by_email_ignores_case(client, make_resident):
    make_resident(email="somchai@example.com")
    response = client.post(LOGIN, json={"login": "SomChai@Example.com", "password": PASSWORD})
    assert response.status_code == 200


@pytest.mark.parametrize("login", ["0812345678", "0899999999", "nobody@example.com", "garbage"])
def test_a_wrong_password_or_unknown_login_is_the_same_401(client, make_resident, login):
    make_resident(phone="+66812345678")
    response = client.post(LOGIN, json={"login": login, "password": "wrong-password"})
    assert response.status_code == 401
    assert response.get_json()["code"] == "invalid_credentials"


def test_login_without_fields_is_a_validation_error(client):
    response = client.post(LOGIN, json={})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"login", "password"}


def test_failed_logins_are_limited_per_account(client, make_resident):
    make_resident(phone="+66812345678")
    for _ in range(5):
        assert (
            client.post(LOGIN, json={"login": "0812345678", "password": "nope-nope"}).status_code
            == 401
        )
    # Now even the right password waits, whichever way the number is written.
    response = client.post(LOGIN, json={"login": "+66 81 234 5678", "password": PASSWORD})
    assert response.status_code == 429
    body = response.get_json()
    assert body["code"] == "rate_limited"
    assert 0 < body["retry_after"] <= 15 * 60
    assert response.headers["Retry-After"] == str(body["retry_after"])
    # Another account from the same address is not affected.
    assert client.post(LOGIN, json={"login": "0899999999", "password": "x"}).status_code == 401


def test_failed_logins_are_limited_per_ip_address(client):
    address = {"REMOTE_ADDR": "203.0.113.7"}
    for n in range(30):
        response = client.post(
            LOGIN, json={"login": f"08{n:08d}", "password": "nope"}, environ_base=address
        )
        assert response.status_code == 401
    response = client.post(
        LOGIN, json={"login": "0811111111", "password": "nope"}, environ_base=address
    )
    assert response.status_code == 429
    other = client.post(
        LOGIN,
        json={"login": "0811111111", "password": "nope"},
        environ_base={"REMOTE_ADDR": "203.0.113.8"},
    )
    assert other.status_code == 401


def test_successful_logins_do_not_count_towards_the_limit(client, make_resident):
    make_resident(phone="+66812345678")
    for _ in range(8):
        assert (
            client.post(LOGIN, json={"login": "0812345678", "password": PASSWORD}).status_code
            == 200
        )


def test_refreshing_rotates_the_refresh_token(client, make_resident):
    signed_in = make_resident()
    response = client.post(REFRESH, json={"refresh_token": signed_in.refresh_token})
    assert response.status_code == 200
    new = response.get_json()
    assert new["refresh_token"] != signed_in.refresh_token
    assert (
        client.get(
            "/api/v1/admin/shops", headers={"Authorization": f"Bearer {new['access_token']}"}
        ).status_code
        == 403
    )  # valid, not admin


def test_a_reused_refresh_token_revokes_the_whole_session(client, make_resident):
    signed_in = make_resident()
    new = client.post(REFRESH, json={"refresh_token": signed_in.refresh_token}).get_json()
    stolen = client.post(REFRESH, json={"refresh_token": signed_in.refresh_token})
    assert stolen.status_code == 401
    assert stolen.get_json()["code"] == "invalid_token"
    assert client.post(REFRESH, json={"refresh_token": new["refresh_token"]}).status_code == 401
    assert (
        client.post(LOGOUT, headers={"Authorization": f"Bearer {new['access_token']}"}).status_code
        == 401
    )


def test_an_unknown_refresh_token_is_refused(client):
    response = client.post(REFRESH, json={"refresh_token": "made-up"})
    assert response.status_code == 401
    assert response.get_json()["code"] == "invalid_token"


def test_logout_revokes_access_and_refresh_tokens(client, make_resident):
    signed_in = make_resident()
    assert client.post(LOGOUT, headers=bearer(signed_in)).status_code == 204
    again = client.post(LOGOUT, headers=bearer(signed_in))
    assert again.status_code == 401
    assert again.get_json()["code"] == "invalid_token"
    refreshed = client.post(REFRESH, json={"refresh_token": signed_in.refresh_token})
    assert refreshed.status_code == 401


def test_a_signed_out_token_can_neither_scan_nor_read_me(
    client, make_resident, make_shop, shop_token
):
    # /me and /scans check the session inside their one statement, not in the decorator.
    signed_in = make_resident()
    shop_id, _ = make_shop()
    assert client.post(LOGOUT, headers=bearer(signed_in)).status_code == 204
    me = client.get("/api/v1/me", headers=bearer(signed_in))
    scanned = scan(client, signed_in, shop_token(shop_id))
    assert me.status_code == scanned.status_code == 401
    assert me.get_json()["code"] == scanned.get_json()["code"] == "invalid_token"
    other = make_resident()
    assert client.get("/api/v1/me", headers=bearer(other)).get_json()["balance"] == 0
    with client.application.app_context():
        assert db.session.get(User, signed_in.user.id).balance == 0


def test_a_token_naming_another_users_session_is_refused(client, app, make_resident):
    # A validly signed token whose session belongs to someone else (say, a leaked key used
    # carelessly) must not read or credit that account.
    first, second = make_resident(), make_resident()
    claims = jwt.decode(second.access_token, options={"verify_signature": False})
    claims["sid"] = first.session_id
    forged = jwt.encode(claims, app.config["SECRET_KEY"], algorithm="HS256")
    headers = {"Authorization": f"Bearer {forged}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    response = client.post(
        "/api/v1/scans", json={"code": "x" * 20}, headers={**headers, "Idempotency-Key": "k1"}
    )
    assert response.status_code == 401


def test_logout_ends_only_that_session(client, make_resident):
    signed_in = make_resident(phone="+66812345678")
    other = client.post(LOGIN, json={"login": "0812345678", "password": PASSWORD}).get_json()
    assert client.post(LOGOUT, headers=bearer(signed_in)).status_code == 204
    assert client.post(REFRESH, json={"refresh_token": other["refresh_token"]}).status_code == 200


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not.a.jwt", "Basic abc", "Bearer "])
def test_logout_needs_a_valid_bearer_token(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.post(LOGOUT, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["code"] in ("authentication_required", "invalid_token")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_an_access_token_signed_with_another_key_is_refused(app, client, make_resident):
    signed_in = make_resident()
    claims = jwt.decode(signed_in.access_token, options={"verify_signature": False})
    forged = jwt.encode(claims, "another-key-that-is-also-long-enough-1234", algorithm="HS256")
    response = client.post(LOGOUT, headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_an_expired_access_token_is_refused(client, make_resident, monkeypatch):
    make_resident(phone="+66812345678")
    monkeypatch.setattr(clock, "now", lambda: utcnow() - timedelta(minutes=16))
    old = client.post(LOGIN, json={"login": "0812345678", "password": PASSWORD}).get_json()
    monkeypatch.undo()
    response = client.post(LOGOUT, headers={"Authorization": f"Bearer {old['access_token']}"})
    assert response.status_code == 401
    assert response.get_json()["code"] == "invalid_token"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (None, "รหัสผ่าน"),
        ("th", "รหัสผ่าน"),
        ("en", "password"),
        ("en-US,en;q=0.9", "password"),
    ],
)
def test_error_details_follow_accept_language(client, language, expected):
    headers = {"Accept-Language": language} if language else {}
    response = client.post(LOGIN, json={"login": "0812345678", "password": "x"}, headers=headers)
    assert expected in response.get_json()["detail"]
