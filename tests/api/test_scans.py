"""POST /api/v1/scans, /me and /me/ledger through the API."""

import pytest

from tests.factories import bearer, scan

BASE = "http://ecolife.test"


def test_scanning_a_poster_url_credits_the_bag_points(client, make_resident, make_shop, shop_token):
    resident = make_resident()
    shop_id, _ = make_shop()
    response = scan(client, resident, f"{BASE}/q/{shop_token(shop_id)}", action="bag")
    assert response.status_code == 201
    body = response.get_json()
    assert body["balance"] == 5
    assert body["scan"]["shop"]["id"] == shop_id
    assert body["scan"]["action"] == "bag"
    assert body["scan"]["quantity"] == 1
    assert body["scan"]["points"] == 5


def test_a_bare_token_works_like_the_url(client, make_resident, make_shop, shop_token):
    resident = make_resident()
    shop_id, _ = make_shop()
    response = scan(client, resident, shop_token(shop_id), action="straw", quantity=2)
    assert response.status_code == 201
    assert response.get_json()["scan"]["points"] == 4


def test_action_defaults_to_bag(client, make_resident, make_shop, shop_token):
    resident = make_resident()
    shop_id, _ = make_shop()
    response = scan(client, resident, shop_token(shop_id))
    assert response.get_json()["scan"]["action"] == "bag"


def test_a_retry_with_the_same_key_returns_the_first_response(
    client, make_resident, make_shop, shop_token
):
    resident = make_resident()
    shop_id, _ = make_shop()
    first = scan(client, resident, shop_token(shop_id), key="retry-1")
    again = scan(client, resident, shop_token(shop_id), key="retry-1")
    assert again.status_code == first.status_code == 201
    assert again.get_json() == first.get_json()
    assert _me(client, resident)["balance"] == 5


def test_a_refused_scan_is_replayed_as_the_same_refusal(
    client, make_resident, make_shop, shop_token
):
    resident = make_resident()
    shop_id, _ = make_shop()
    scan(client, resident, shop_token(shop_id))
    refused = scan(client, resident, shop_token(shop_id), key="cool-1")
    again = scan(client, resident, shop_token(shop_id), key="cool-1")
    assert refused.status_code == again.status_code == 429
    assert again.get_json()["retry_after"] == refused.get_json()["retry_after"]


def test_the_same_key_with_another_body_is_refused(client, make_resident, make_shop, shop_token):
    resident = make_resident()
    shop_id, _ = make_shop()
    scan(client, resident, shop_token(shop_id), key="k-1", action="bag")
    response = scan(client, resident, shop_token(shop_id), key="k-1", action="straw")
    assert response.status_code == 422
    assert response.get_json()["code"] == "idempotency_key_reused"
    assert _me(client, resident)["balance"] == 5


def test_keys_belong_to_one_resident(client, make_resident, make_shop, shop_token):
    first, second = make_resident(), make_resident()
    shop_id, _ = make_shop()
    assert scan(client, first, shop_token(shop_id), key="shared").status_code == 201
    assert scan(client, second, shop_token(shop_id), key="shared").status_code == 201


def test_a_scan_without_an_idempotency_key_is_refused(client, make_resident, make_shop, shop_token):
    resident = make_resident()
    shop_id, _ = make_shop()
    response = client.post(
        "/api/v1/scans", json={"code": shop_token(shop_id)}, headers=bearer(resident)
    )
    assert response.status_code == 400
    assert response.get_json()["code"] == "idempotency_key_required"
    assert _me(client, resident)["balance"] == 0


def test_an_overlong_idempotency_key_is_invalid(client, make_resident, make_shop, shop_token):
    resident = make_resident()
    shop_id, _ = make_shop()
    response = scan(client, resident, shop_token(shop_id), key="k" * 65)
    assert response.status_code == 422
    assert "Idempotency-Key" in response.get_json()["errors"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "code"),
        ({"code": ""}, "code"),
        ({"code": 12}, "code"),
        ({"code": "x" * 501}, "code"),
        ({"code": "abc", "quantity": 0}, "quantity"),
        ({"code": "abc", "quantity": "2"}, "quantity"),
        ({"code": "abc", "quantity": 1.5}, "quantity"),
        ({"code": "abc", "extra": 1}, "extra"),
    ],
)
def test_malformed_scan_bodies_are_validation_errors(client, make_resident, body, field):
    resident = make_resident()
    headers = {**bearer(resident), "Idempotency-Key": "k"}
    response = client.post("/api/v1/scans", json=body, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_error"
    assert field in response.get_json()["errors"]


def test_an_unknown_action_is_a_validation_error(client, make_resident, make_shop, shop_token):
    resident = make_resident()
    shop_id, _ = make_shop()
    response = scan(client, resident, shop_token(shop_id), action="plastic_spoon")
    assert response.status_code == 422
    assert "action" in response.get_json()["errors"]


def test_a_quantity_over_the_limit_is_refused(client, make_resident, make_shop, shop_token):
    resident = make_resident()
    shop_id, _ = make_shop()
    response = scan(client, resident, shop_token(shop_id), quantity=6)
    assert response.status_code == 422
    assert "quantity" in response.get_json()["errors"]
    assert _me(client, resident)["balance"] == 0


@pytest.mark.parametrize(
    "code",
    [
        "not-a-token",
        "https://example.com/q/",
        "http://ecolife.test/shops/1",
        "x" * 40,
        "http://ecolife.test/q/" + "A" * 43,
    ],
)
def test_unknown_codes_are_refused(client, make_resident, code):
    response = scan(client, make_resident(), code)
    assert response.status_code == 404
    assert response.get_json()["code"] == "unknown_code"


def test_an_inactive_shop_credits_nothing(client, make_resident, make_shop, shop_token):
    resident = make_resident()
    shop_id, _ = make_shop(active=False)
    response = scan(client, resident, shop_token(shop_id))
    assert response.status_code == 409
    assert response.get_json()["code"] == "shop_inactive"


def test_staff_and_admins_do_not_earn(client, make_admin, make_shop, shop_token):
    shop_id, staff = make_shop()
    assert scan(client, staff, shop_token(shop_id)).status_code == 403
    assert scan(client, make_admin(), shop_token(shop_id)).status_code == 403


def test_anonymous_scans_need_sign_in(client):
    response = client.post("/api/v1/scans", json={"code": "x"}, headers={"Idempotency-Key": "k"})
    assert response.status_code == 401


def test_cooldown_refusal_says_when_to_come_back_in_thai(
    client, make_resident, make_shop, shop_token
):
    resident = make_resident()
    shop_id, _ = make_shop()
    scan(client, resident, shop_token(shop_id))
    response = client.post(
        "/api/v1/scans",
        json={"code": shop_token(shop_id)},
        headers={**bearer(resident), "Idempotency-Key": "k2", "Accept-Language": "th"},
    )
    body = response.get_json()
    assert response.status_code == 429
    assert body["code"] == "cooldown_active"
    assert body["retry_after"] == 1800
    assert response.headers["Retry-After"] == "1800"
    assert "30 นาที" in body["detail"]


def test_me_shows_balance_and_impact(client, make_resident, make_shop, shop_token):
    resident = make_resident()
    first, _ = make_shop()
    second, _ = make_shop()
    scan(client, resident, shop_token(first), action="bag", quantity=2)
    scan(client, resident, shop_token(second), action="straw")
    me = _me(client, resident)
    assert me["balance"] == 12
    assert me["impact"] == {"items": {"bag": 2, "straw": 1}, "grams_plastic": 11.5}
    assert me["role"] == "resident"


def test_ledger_lists_newest_first_with_running_balance(
    client, make_resident, make_shop, shop_token
):
    resident = make_resident()
    shops = [make_shop()[0] for _ in range(3)]
    for shop_id in shops:
        scan(client, resident, shop_token(shop_id))
    page = client.get("/api/v1/me/ledger?limit=2", headers=bearer(resident)).get_json()
    assert [e["balance_after"] for e in page["items"]] == [15, 10]
    assert page["items"][0]["shop"]["id"] == shops[2]
    assert page["items"][0]["kind"] == "earn"
    rest = client.get(
        f"/api/v1/me/ledger?limit=2&cursor={page['next_cursor']}", headers=bearer(resident)
    ).get_json()
    assert [e["balance_after"] for e in rest["items"]] == [5]
    assert rest["next_cursor"] is None


def test_me_needs_sign_in(client):
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me/ledger").status_code == 401


def test_actions_are_listed_with_points_and_grams(client):
    response = client.get("/api/v1/actions", headers={"Accept-Language": "en"})
    actions = {a["code"]: a for a in response.get_json()}
    assert {"bag", "straw", "foam_box", "own_cup"} <= set(actions)
    assert actions["bag"]["grams"] == 5.5
    assert actions["straw"]["grams"] == 0.5
    assert actions["bag"]["name"] == "No plastic bag"


def _me(client, resident):
    return client.get("/api/v1/me", headers=bearer(resident)).get_json()
