"""The public list of partner shops, and admins adding and editing shops."""

import pytest
from sqlalchemy import func, select

from ecolife.extensions import db
from ecolife.models import Shop, User
from tests.factories import PASSWORD, bearer

SHOPS = "/api/v1/shops"
ADMIN_SHOPS = "/api/v1/admin/shops"
NEW_SHOP = {
    "name": "ร้านปั้มน้ำดื่มที่ลำพูน",
    "name_en": "Lamphun Drinking Water",
    "district": "li",
    "tambon_code": "510401",
    "subdistrict": "ลี้",
    "address": "12 ถนนลี้-ท่าสองยาง",
    "lat": 17.8,
    "lon": 98.95,
    "phone": "053-979-000",
    "owner": {"display_name": "คุณแดง", "email": "Daeng@Example.com"},
}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def all_shops(client) -> list[dict]:
    items, cursor = [], None
    while True:
        url = f"{SHOPS}?limit=5" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url).get_json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_demo_seed_lists_thirteen_lamphun_shops(runner, client):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    shops = all_shops(client)
    assert len(shops) == 13
    assert len({shop["id"] for shop in shops}) == 13
    assert {shop["district"] for shop in shops} >= {"5101", "5104", "5106"}
    assert all(shop["name"] and shop["name_en"] for shop in shops)


def test_admin_adds_a_fourteenth_shop_that_the_public_then_sees(runner, client, make_admin):
    runner.invoke(args=["seed-demo"])
    admin = make_admin()
    response = client.post(ADMIN_SHOPS, json=NEW_SHOP, headers=bearer(admin))
    assert response.status_code == 201
    body = response.get_json()
    assert body["shop"]["name"] == NEW_SHOP["name"]
    assert body["shop"]["phone"] == "+6653979000"
    assert body["shop"]["qr_url"].startswith("http://ecolife.test/q/")
    assert body["owner"]["role"] == "shop_staff"
    assert body["owner"]["email"] == "daeng@example.com"
    assert body["owner"]["shop_id"] == body["shop"]["id"]
    assert body["invite_url"].startswith("http://ecolife.test/invite/")
    assert len(all_shops(client)) == 14
    public = client.get(f"{SHOPS}/{body['shop']['id']}").get_json()
    assert public["district_name"] == "ลี้"
    assert "qr_url" not in public and "qr_token" not in public


def test_the_invited_owner_sets_a_password_once_and_logs_in(client, make_admin):
    body = client.post(ADMIN_SHOPS, json=NEW_SHOP, headers=bearer(make_admin())).get_json()
    token = body["invite_url"].rsplit("/", 1)[1]
    # Before accepting, the owner has no password that could work.
    assert (
        client.post(
            "/api/v1/auth/login", json={"login": "daeng@example.com", "password": PASSWORD}
        ).status_code
        == 401
    )
    accepted = client.post(
        "/api/v1/auth/accept-invite", json={"token": token, "password": PASSWORD}
    )
    assert accepted.status_code == 200
    assert accepted.get_json()["user"]["shop_id"] == body["shop"]["id"]
    again = client.post(
        "/api/v1/auth/accept-invite", json={"token": token, "password": "other-pass-1"}
    )
    assert again.status_code == 410
    assert again.get_json()["code"] == "invite_invalid"
    login = client.post(
        "/api/v1/auth/login", json={"login": "daeng@example.com", "password": PASSWORD}
    )
    assert login.status_code == 200


def test_the_qr_token_is_long_random_and_not_the_id(app, client, make_admin):
    admin = make_admin()
    urls = [
        client.post(
            ADMIN_SHOPS,
            json={**NEW_SHOP, "owner": {"display_name": "o", "phone": f"08100000{n:02d}"}},
            headers=bearer(admin),
        ).get_json()["shop"]["qr_url"]
        for n in range(3)
    ]
    tokens = [url.rsplit("/", 1)[1] for url in urls]
    assert len(set(tokens)) == 3
    assert all(len(token) >= 40 and not token.isdigit() for token in tokens)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"district": "atlantis"}, "district"),
        ({"lat": 91}, "lat"),
        ({"lon": "east"}, "lon"),
        ({"phone": "12"}, "phone"),
        ({"owner": {"display_name": "x"}}, "owner"),
        ({"owner": {"display_name": "x", "email": "bad"}}, "owner"),
        ({"owner": None}, "owner"),
        ({"qr_token": "mine"}, "qr_token"),
        ({"active": "maybe"}, "active"),
    ],
)
def test_a_bad_new_shop_is_refused_and_nothing_is_created(app, client, make_admin, change, field):
    admin = make_admin()
    response = client.post(ADMIN_SHOPS, json={**NEW_SHOP, **change}, headers=bearer(admin))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert count(app, Shop) == 0


def test_a_new_shop_whose_owner_already_has_an_account_creates_nothing(
    app, client, make_admin, make_resident
):
    make_resident(email="daeng@example.com")
    admin = make_admin()
    users_before = count(app, User)
    response = client.post(ADMIN_SHOPS, json=NEW_SHOP, headers=bearer(admin))
    assert response.status_code == 409
    assert response.get_json()["code"] == "account_exists"
    assert count(app, Shop) == 0
    assert count(app, User) == users_before


def test_districts_can_be_named_in_thai_or_english(client, make_admin):
    admin = make_admin()
    for n, district in enumerate(["ป่าซาง", "pa sang", "Pa Sang"]):
        payload = {
            **NEW_SHOP,
            "district": district,
            "tambon_code": "510602",
            "owner": {"display_name": "o", "phone": f"08200000{n:02d}"},
        }
        response = client.post(ADMIN_SHOPS, json=payload, headers=bearer(admin))
        if district == "pa sang":
            assert response.status_code == 201  # case-insensitive English
        assert response.get_json()["shop"]["district"] == "5106"


def test_suspending_a_shop_hides_it_from_the_public(client, make_admin, make_shop):
    shop_id, _staff = make_shop()
    admin = make_admin()
    response = client.patch(
        f"{ADMIN_SHOPS}/{shop_id}", json={"active": False}, headers=bearer(admin)
    )
    assert response.status_code == 200
    assert response.get_json()["active"] is False
    assert client.get(f"{SHOPS}/{shop_id}").status_code == 404
    assert all_shops(client) == []
    assert client.get(f"{ADMIN_SHOPS}/{shop_id}", headers=bearer(admin)).status_code == 200


def test_editing_a_shop_changes_only_the_given_fields(client, make_admin, make_shop):
    shop_id, _staff = make_shop()
    admin = make_admin()
    response = client.patch(
        f"{ADMIN_SHOPS}/{shop_id}", json={"name_en": "Renamed", "lat": 18.5}, headers=bearer(admin)
    )
    assert response.status_code == 200
    shop = response.get_json()
    assert (shop["name_en"], shop["lat"], shop["district"]) == ("Renamed", 18.5, "5101")


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({}, 422),
        ({"district": "nowhere"}, 422),
        ({"lat": -100}, 422),
        ({"id": 5}, 422),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(client, make_admin, make_shop, payload, status):
    shop_id, _staff = make_shop()
    admin = make_admin()
    before = client.get(f"{ADMIN_SHOPS}/{shop_id}", headers=bearer(admin)).get_json()
    response = client.patch(f"{ADMIN_SHOPS}/{shop_id}", json=payload, headers=bearer(admin))
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    assert client.get(f"{ADMIN_SHOPS}/{shop_id}", headers=bearer(admin)).get_json() == before


def test_editing_an_unknown_shop_is_not_found(client, make_admin):
    response = client.patch(f"{ADMIN_SHOPS}/999", json={"name": "x"}, headers=bearer(make_admin()))
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=101", "limit=abc", "cursor=%%%", "cursor=aWQ6"]
)
def test_bad_paging_is_a_validation_error(client, query):
    response = client.get(f"{SHOPS}?{query}")
    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_error"


def test_an_unknown_shop_is_not_found(client):
    response = client.get(f"{SHOPS}/424242")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


ADMIN_ROUTES = [
    ("get", ADMIN_SHOPS, None),
    ("post", ADMIN_SHOPS, NEW_SHOP),
    ("get", f"{ADMIN_SHOPS}/1", None),
    ("patch", f"{ADMIN_SHOPS}/1", {"name": "x"}),
]


@pytest.mark.parametrize(("method", "url", "payload"), ADMIN_ROUTES)
def test_admin_routes_refuse_anonymous_residents_and_shop_staff(
    app, client, make_resident, make_shop, method, url, payload
):
    _shop_id, staff = make_shop()
    resident = make_resident()
    anonymous = getattr(client, method)(url, json=payload)
    assert anonymous.status_code == 401
    for signed_in in (resident, staff):
        response = getattr(client, method)(url, json=payload, headers=bearer(signed_in))
        assert response.status_code == 403
        assert response.get_json()["code"] == "forbidden"
    assert count(app, Shop) == 1


def test_a_shop_shows_the_opening_hours_an_admin_gave_it(client, make_admin, make_shop):
    shop_id, _staff = make_shop()
    admin = make_admin()
    assert client.get(f"{SHOPS}/{shop_id}").get_json()["opening_hours"] is None
    response = client.patch(
        f"{ADMIN_SHOPS}/{shop_id}",
        json={"opening_hours": "  ทุกวัน 8:00–17:00  "},
        headers=bearer(admin),
    )
    assert response.status_code == 200
    assert client.get(f"{SHOPS}/{shop_id}").get_json()["opening_hours"] == "ทุกวัน 8:00–17:00"
    listed = client.get(SHOPS).get_json()["items"]
    assert [shop["opening_hours"] for shop in listed] == ["ทุกวัน 8:00–17:00"]


def test_opening_hours_longer_than_120_characters_are_refused(client, make_admin, make_shop):
    shop_id, _staff = make_shop()
    response = client.patch(
        f"{ADMIN_SHOPS}/{shop_id}", json={"opening_hours": "x" * 121}, headers=bearer(make_admin())
    )
    assert response.status_code == 422
    assert "opening_hours" in response.get_json()["errors"]


def test_the_public_list_finds_shops_by_name_or_district(client, make_shop):
    make_shop("ร้านกาแฟ")
    make_shop("ร้านข้าวซอย", district="li")
    coffee = client.get(SHOPS, query_string={"q": "กาแฟ"}).get_json()["items"]
    assert [shop["name"].split()[0] for shop in coffee] == ["ร้านกาแฟ"]
    in_li = client.get(SHOPS, query_string={"q": "ลี้"}).get_json()["items"]
    assert [shop["name"].split()[0] for shop in in_li] == ["ร้านข้าวซอย"]
    by_english = client.get(SHOPS, query_string={"q": "TEST SHOP"}).get_json()["items"]
    assert len(by_english) == 2
    assert client.get(SHOPS, query_string={"q": "ไม่มีร้านนี้"}).get_json()["items"] == []


def test_a_search_longer_than_80_characters_is_a_validation_error(client):
    response = client.get(SHOPS, query_string={"q": "x" * 81})
    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_error"
