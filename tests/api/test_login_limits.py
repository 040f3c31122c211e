"""Failed sign-ins are limited per account and address, so an attacker cannot lock owners out.

Behind a reverse proxy the address is the client's, as far as TRUSTED_PROXIES proxies vouch.
"""

from flask import request

from tests.factories import PASSWORD
from tests.web.console import TOKEN

LOGIN = "/api/v1/auth/login"
ATTACKER = {"REMOTE_ADDR": "198.51.100.66"}
OWNER = {"REMOTE_ADDR": "203.0.113.10"}


def log_in(client, login: str, password: str, address: dict, **kwargs):
    body = {"login": login, "password": password}
    return client.post(LOGIN, json=body, environ_base=address, **kwargs)


def console_log_in(client, login: str, password: str, address: dict):
    page = client.get("/login", environ_base=address).get_data(as_text=True)
    data = {"csrf_token": TOKEN.search(page).group(1), "login": login, "password": password}
    return client.post("/login", data=data, environ_base=address)


def test_an_attacker_guessing_from_one_address_does_not_lock_the_owner_out(client, make_resident):
    make_resident(phone="+66812345678")
    statuses = [log_in(client, "0812345678", f"guess-{n}", ATTACKER).status_code for n in range(20)]
    assert statuses == [401] * 5 + [429] * 15
    # Even the right password waits at the attacker's address…
    assert log_in(client, "0812345678", PASSWORD, ATTACKER).status_code == 429
    # …while the owner, elsewhere, signs in at once.
    assert log_in(client, "+66 81 234 5678", PASSWORD, OWNER).status_code == 200


def test_the_console_owner_is_not_locked_out_either(client, make_admin):
    admin = make_admin()
    for n in range(20):
        console_log_in(client, admin.user.email, f"guess-{n}", ATTACKER)
    assert console_log_in(client, admin.user.email, PASSWORD, ATTACKER).status_code == 429
    signed_in = console_log_in(client, admin.user.email.upper(), PASSWORD, OWNER)
    assert signed_in.status_code == 302


def test_guesses_from_many_addresses_stop_at_the_per_account_ceiling(
    app, client, make_resident, monkeypatch
):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "12 per 15 minutes")
    make_resident(phone="+66812345678")
    for n in range(12):
        address = {"REMOTE_ADDR": f"198.51.100.{n}"}
        assert log_in(client, "0812345678", "guess", address).status_code == 401
    refused = log_in(client, "0812345678", PASSWORD, {"REMOTE_ADDR": "198.51.100.200"})
    assert refused.status_code == 429
    assert 0 < refused.get_json()["retry_after"] <= 15 * 60


def test_the_api_and_the_console_share_the_count(client, make_admin):
    admin = make_admin()
    for n in range(3):
        assert log_in(client, admin.user.email, f"guess-{n}", ATTACKER).status_code == 401
    for n in range(2):
        assert console_log_in(client, admin.user.email, f"try-{n}", ATTACKER).status_code == 401
    assert log_in(client, admin.user.email, "guess", ATTACKER).status_code == 429
    assert console_log_in(client, admin.user.email, "try", ATTACKER).status_code == 429


def thirty_failures_through_one_proxy(client) -> None:
    for n in range(30):
        forwarded = {"X-Forwarded-For": f"198.51.100.{n}"}
        response = log_in(
            client, f"08{n:08d}", "guess", {"REMOTE_ADDR": "127.0.0.1"}, headers=forwarded
        )
        assert response.status_code == 401


def a_31st_client_through_the_proxy(client):
    """Thirty failures from thirty forwarded addresses, then a 31st address's one try."""
    thirty_failures_through_one_proxy(client)
    return log_in(
        client,
        "0811111111",
        "typo",
        {"REMOTE_ADDR": "127.0.0.1"},
        headers={"X-Forwarded-For": "203.0.113.31"},
    )


def test_behind_a_trusted_proxy_each_client_has_its_own_address(make_app):
    client = make_app(TRUSTED_PROXIES=1).test_client()
    assert a_31st_client_through_the_proxy(client).status_code == 401


def test_without_trusted_proxies_x_forwarded_for_cannot_be_forged(client):
    assert a_31st_client_through_the_proxy(client).status_code == 429


def test_a_trusted_proxy_passes_on_the_scheme(make_app):
    app = make_app(TRUSTED_PROXIES=1)
    seen = {}

    @app.get("/scheme-probe")
    def probe():
        seen["scheme"], seen["address"] = request.scheme, request.remote_addr
        return ""

    app.test_client().get(
        "/scheme-probe",
        headers={"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert seen == {"scheme": "https", "address": "203.0.113.5"}
