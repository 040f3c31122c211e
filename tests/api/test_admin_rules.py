"""Admins manage the actions residents can refuse and the anti-abuse limits."""

import pytest

from tests.factories import bearer, scan


def test_admin_adds_an_action_that_residents_can_then_refuse(
    client, make_admin, make_resident, make_shop, shop_token
):
    admin = make_admin()
    body = {
        "code": "cutlery",
        "name_th": "ไม่รับช้อนส้อมพลาสติก",
        "name_en": "No plastic cutlery",
        "points": 3,
        "grams": 2.5,
    }
    response = client.post("/api/v1/admin/actions", json=body, headers=bearer(admin))
    assert response.status_code == 201
    assert response.get_json()["grams"] == 2.5
    assert "cutlery" in [a["code"] for a in client.get("/api/v1/actions").get_json()]
    credited = scan(client, make_resident(), shop_token(make_shop()[0]), action="cutlery")
    assert credited.get_json()["scan"]["points"] == 3


def test_a_retired_action_is_hidden_and_refused(
    client, make_admin, make_resident, make_shop, shop_token
):
    response = client.patch(
        "/api/v1/admin/actions/straw", json={"active": False}, headers=bearer(make_admin())
    )
    assert response.status_code == 200
    assert "straw" not in [a["code"] for a in client.get("/api/v1/actions").get_json()]
    refused = scan(client, make_resident(), shop_token(make_shop()[0]), action="straw")
    assert refused.status_code == 422


def test_changing_points_applies_to_the_next_scan(
    client, make_admin, make_resident, make_shop, shop_token
):
    client.patch("/api/v1/admin/actions/bag", json={"points": 7}, headers=bearer(make_admin()))
    credited = scan(client, make_resident(), shop_token(make_shop()[0]))
    assert credited.get_json()["scan"]["points"] == 7


@pytest.mark.parametrize(
    "body, field",
    [
        ({"code": "bag", "name_th": "ก", "name_en": "a", "points": 1, "grams": 1}, "code"),
        ({"code": "Bad Code", "name_th": "ก", "name_en": "a", "points": 1, "grams": 1}, "code"),
        ({"code": "spoon", "name_th": "ก", "name_en": "a", "points": 0, "grams": 1}, "points"),
        ({"code": "spoon", "name_th": "ก", "name_en": "a", "points": 1, "grams": -1}, "grams"),
        ({"code": "spoon", "name_en": "a", "points": 1, "grams": 1}, "name_th"),
    ],
)
def test_bad_actions_are_refused(client, make_admin, body, field):
    response = client.post("/api/v1/admin/actions", json=body, headers=bearer(make_admin()))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_editing_an_unknown_action_is_not_found(client, make_admin):
    response = client.patch(
        "/api/v1/admin/actions/nope", json={"points": 2}, headers=bearer(make_admin())
    )
    assert response.status_code == 404


def test_admin_reads_and_tunes_the_limits(client, make_admin):
    admin = make_admin()
    limits = client.get("/api/v1/admin/limits", headers=bearer(admin)).get_json()
    assert limits == {
        "scan_cooldown_seconds": 1800,
        "daily_scans_per_shop": 3,
        "daily_scans": 10,
        "max_quantity": 5,
        "code_ttl_seconds": 600,
        "redemption_ttl_seconds": 900,
        "card_credits_per_shop_per_day": 30,
        "points_expire_after_months": None,
    }
    response = client.patch(
        "/api/v1/admin/limits", json={"max_quantity": 10}, headers=bearer(admin)
    )
    assert response.get_json()["max_quantity"] == 10
    assert response.get_json()["daily_scans"] == 10


@pytest.mark.parametrize(
    "body",
    [{}, {"max_quantity": 0}, {"code_ttl_seconds": 5}, {"daily_scans": "5"}, {"unknown": 1}],
)
def test_bad_limits_are_refused_and_change_nothing(client, make_admin, body):
    admin = make_admin()
    response = client.patch("/api/v1/admin/limits", json=body, headers=bearer(admin))
    assert response.status_code == 422
    assert client.get("/api/v1/admin/limits", headers=bearer(admin)).get_json()["max_quantity"] == 5


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("get", "/api/v1/admin/actions", None),
        (
            "post",
            "/api/v1/admin/actions",
            {"code": "x1", "name_th": "ก", "name_en": "a", "points": 1, "grams": 1},
        ),
        ("patch", "/api/v1/admin/actions/bag", {"points": 9}),
        ("get", "/api/v1/admin/limits", None),
        ("patch", "/api/v1/admin/limits", {"max_quantity": 9}),
    ],
)
def test_only_admins_manage_rules(client, make_resident, make_shop, method, path, body):
    _, staff = make_shop()
    assert getattr(client, method)(path, json=body).status_code == 401
    for user in (make_resident(), staff):
        assert getattr(client, method)(path, json=body, headers=bearer(user)).status_code == 403
    bag = [a for a in client.get("/api/v1/actions").get_json() if a["code"] == "bag"][0]
    assert bag["points"] == 5
