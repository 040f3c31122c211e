"""GET /api/v1/codes/{code}: what a scanned code is, before the resident says what they refused."""

from datetime import timedelta

from ecolife import clock
from tests.factories import bearer, scan


def test_a_poster_names_its_shop(client, make_shop, make_resident, shop_token):
    shop_id, _staff = make_shop()
    resident = make_resident()
    body = client.get(f"/api/v1/codes/{shop_token(shop_id)}", headers=bearer(resident)).get_json()
    assert body["kind"] == "shop"
    assert body["shop"]["id"] == shop_id
    assert "action" not in body


def test_a_counter_code_says_what_it_credits(client, make_shop, make_code, make_resident):
    _shop_id, staff = make_shop()
    _code_id, token = make_code(staff, "straw", 3)
    resident = make_resident()
    response = client.get(f"/api/v1/codes/{token}", headers=bearer(resident))
    body = response.get_json()
    assert (body["kind"], body["quantity"], body["action"]["code"]) == ("one_time", 3, "straw")
    assert body["action"]["points"] == 2


def test_a_used_code_is_refused_before_the_resident_chooses(
    client, make_shop, make_code, make_resident
):
    _shop_id, staff = make_shop()
    _code_id, token = make_code(staff)
    first, second = make_resident(), make_resident()
    assert scan(client, first, token).status_code == 201
    response = client.get(f"/api/v1/codes/{token}", headers=bearer(second))
    assert (response.status_code, response.get_json()["code"]) == (409, "code_used")


def test_an_expired_code_and_an_unknown_one(client, make_shop, make_code, make_resident, set_now):
    _shop_id, staff = make_shop()
    _code_id, token = make_code(staff)
    resident = make_resident()
    set_now(clock.now() + timedelta(hours=1))
    expired = client.get(f"/api/v1/codes/{token}", headers=bearer(resident))
    assert (expired.status_code, expired.get_json()["code"]) == (410, "code_expired")
    unknown = client.get("/api/v1/codes/not-one-of-our-tokens", headers=bearer(resident))
    assert (unknown.status_code, unknown.get_json()["code"]) == (404, "unknown_code")


def test_a_suspended_shop_is_refused(client, make_shop, make_resident, shop_token):
    shop_id, _staff = make_shop(active=False)
    response = client.get(f"/api/v1/codes/{shop_token(shop_id)}", headers=bearer(make_resident()))
    assert response.get_json()["code"] == "shop_inactive"


def test_only_residents_may_ask(client, make_shop, shop_token):
    shop_id, staff = make_shop()
    assert client.get(f"/api/v1/codes/{shop_token(shop_id)}").status_code == 401
    denied = client.get(f"/api/v1/codes/{shop_token(shop_id)}", headers=bearer(staff))
    assert denied.status_code == 403
