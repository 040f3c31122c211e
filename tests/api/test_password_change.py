"""Changing a password ends every other session of the account at once."""

import pytest

from tests.factories import PASSWORD, bearer

CHANGE = "/api/v1/me/password"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
NEW_PASSWORD = "a-new-password-2"


def log_in(client, login: str, password: str = PASSWORD) -> dict:
    response = client.post(LOGIN, json={"login": login, "password": password})
    assert response.status_code == 200
    return response.get_json()


def token(signed_in: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {signed_in['access_token']}"}


def change(client, signed_in, current: str = PASSWORD, new: str = NEW_PASSWORD):
    body = {"current_password": current, "new_password": new}
    return client.post(CHANGE, json=body, headers=bearer(signed_in))


def test_changing_the_password_ends_every_other_session_and_refresh_token(client, make_resident):
    here = make_resident(phone="+66812345678")
    phone, tablet = log_in(client, "0812345678"), log_in(client, "0812345678")
    response = change(client, here)
    assert response.status_code == 204
    for other in (phone, tablet):
        assert client.get("/api/v1/me", headers=token(other)).status_code == 401
        assert client.get("/api/v1/me/ledger", headers=token(other)).status_code == 401
        refused = client.post(REFRESH, json={"refresh_token": other["refresh_token"]})
        assert refused.status_code == 401
        assert refused.get_json()["code"] == "invalid_token"
    # The session that changed the password goes on, refresh token included.
    assert client.get("/api/v1/me", headers=bearer(here)).status_code == 200
    assert client.post(REFRESH, json={"refresh_token": here.refresh_token}).status_code == 200
    old = client.post(LOGIN, json={"login": "0812345678", "password": PASSWORD})
    assert old.status_code == 401
    log_in(client, "0812345678", NEW_PASSWORD)


def test_shop_staff_and_admins_change_their_password_the_same_way(client, make_shop, make_admin):
    _shop_id, staff = make_shop()
    admin = make_admin()
    for signed_in in (staff, admin):
        other = log_in(client, signed_in.user.email)
        assert change(client, signed_in).status_code == 204
        assert (
            client.post(REFRESH, json={"refresh_token": other["refresh_token"]}).status_code == 401
        )
        log_in(client, signed_in.user.email, NEW_PASSWORD)


def test_a_wrong_current_password_is_a_validation_error_that_changes_nothing(client, make_resident):
    here = make_resident(phone="+66812345678")
    other = log_in(client, "0812345678")
    response = change(client, here, current="not-my-password")
    # Not 401: the app reads 401 as "signed out" and would send the person to sign in.
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "validation_error"
    assert list(body["errors"]) == ["current_password"]
    assert client.get("/api/v1/me", headers=token(other)).status_code == 200
    log_in(client, "0812345678", PASSWORD)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"current_password": PASSWORD, "new_password": "short"}, {"new_password"}),
        ({"current_password": PASSWORD, "new_password": "x" * 129}, {"new_password"}),
        ({"current_password": PASSWORD}, {"new_password"}),
        ({"new_password": NEW_PASSWORD}, {"current_password"}),
        ({"current_password": PASSWORD, "new_password": 12345678}, {"new_password"}),
        ({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "x": 1}, {"x"}),
    ],
)
def test_a_weak_or_missing_password_is_refused_like_at_registration(
    client, make_resident, body, fields
):
    here = make_resident(phone="+66812345678")
    response = client.post(CHANGE, json=body, headers=bearer(here))
    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_error"
    assert set(response.get_json()["errors"]) == fields
    log_in(client, "0812345678", PASSWORD)


@pytest.mark.parametrize("header", [None, "Bearer not.a.jwt"])
def test_changing_a_password_needs_a_signed_in_session(client, header):
    headers = {"Authorization": header} if header else {}
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert client.post(CHANGE, json=body, headers=headers).status_code == 401


def test_a_signed_out_session_cannot_change_the_password(client, make_resident):
    here = make_resident(phone="+66812345678")
    assert client.post("/api/v1/auth/logout", headers=bearer(here)).status_code == 204
    assert change(client, here).status_code == 401
    log_in(client, "0812345678", PASSWORD)


def test_wrong_current_passwords_are_limited_per_account(client, make_resident):
    # A stolen access token must not become a way to guess the password.
    here = make_resident(phone="+66812345678")
    for n in range(5):
        assert change(client, here, current=f"guess-{n}").status_code == 422
    refused = change(client, here)
    assert refused.status_code == 429
    assert refused.get_json()["code"] == "rate_limited"


def test_mistyped_new_passwords_do_not_count_as_guesses(client, make_resident):
    here = make_resident(phone="+66812345678")
    for _ in range(6):
        assert change(client, here, new="short").status_code == 422
    assert change(client, here).status_code == 204


def test_resetting_an_admins_password_from_the_command_line_ends_their_sessions(
    client, runner, make_admin
):
    admin = make_admin("boss@lamphun.go.th")
    other = log_in(client, "boss@lamphun.go.th")
    result = runner.invoke(
        args=["create-admin", "--email", "boss@lamphun.go.th", "--password", NEW_PASSWORD]
    )
    assert result.exit_code == 0, result.output
    for signed_in in (token(other), bearer(admin)):
        assert client.get("/api/v1/admin/shops", headers=signed_in).status_code == 401
    assert client.post(REFRESH, json={"refresh_token": other["refresh_token"]}).status_code == 401
    assert client.post(REFRESH, json={"refresh_token": admin.refresh_token}).status_code == 401
    log_in(client, "boss@lamphun.go.th", NEW_PASSWORD)


def test_a_sign_in_with_the_old_password_racing_a_change_gets_no_live_session(
    app, monkeypatch, make_resident
):
    """The sign-in checked the old password, then the change committed: no session survives."""
    import threading

    from ecolife.services import accounts

    owner = make_resident(phone="+66812345670")
    checked, changed = threading.Event(), threading.Event()
    verify = accounts.verify_password

    def verify_then_wait(password_hash, password):
        ok = verify(password_hash, password)
        if threading.current_thread().name == "attacker":
            checked.set()  # the old password passed; the change happens now
            assert changed.wait(30)
        return ok

    monkeypatch.setattr(accounts, "verify_password", verify_then_wait)
    answer: dict = {}

    def attacker() -> None:
        body = {"login": "0812345670", "password": PASSWORD}
        answer["response"] = app.test_client().post(LOGIN, json=body)

    thread = threading.Thread(target=attacker, name="attacker")
    thread.start()
    assert checked.wait(30)
    assert change(app.test_client(), owner).status_code == 204
    changed.set()
    thread.join(30)
    response = answer["response"]
    if response.status_code == 200:  # a session opened: it must already be revoked
        probe = app.test_client().get("/api/v1/me/ledger", headers=token(response.get_json()))
        assert probe.status_code == 401
    else:
        assert response.status_code == 401
