"""Shops sit in a sub-district (ตำบล): required for new shops, settable for old ones."""

import pytest
from sqlalchemy import func, select, update

from ecolife.extensions import db
from ecolife.models import Shop
from tests.factories import bearer

ADMIN_SHOPS = "/api/v1/admin/shops"
NEW_SHOP = {
    "name": "ร้านตำบลแม่ตืน",
    "tambon_code": "510402",
    "owner": {"display_name": "คุณเขียว", "email": "khiao@example.com"},
}


def shop_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Shop))


def test_the_district_follows_from_the_sub_district(client, make_admin):
    response = client.post(ADMIN_SHOPS, json=NEW_SHOP, headers=bearer(make_admin()))
    assert response.status_code == 201, response.get_json()
    shop = response.get_json()["shop"]
    assert (shop["district"], shop["tambon_code"]) == ("5104", "510402")
    assert (shop["district_name"], shop["tambon_name"], shop["tambon_name_en"]) == (
        "ลี้",
        "แม่ตืน",
        "Mae Tuen",
    )
    public = client.get(f"/api/v1/shops/{shop['id']}", headers={"Accept-Language": "en"})
    assert (public.get_json()["tambon_name"], public.get_json()["district_name"]) == (
        "Mae Tuen",
        "Li",
    )


@pytest.mark.parametrize("district", ["5104", "li", "ลี้", "Li"])
def test_a_district_that_agrees_is_accepted(client, make_admin, district):
    payload = {**NEW_SHOP, "district": district}
    response = client.post(ADMIN_SHOPS, json=payload, headers=bearer(make_admin()))
    assert response.status_code == 201
    assert response.get_json()["shop"]["tambon_code"] == "510402"


@pytest.mark.parametrize("tambon", ["แม่ตืน", "mae tuen", "Mae Tuen"])
def test_a_sub_district_may_be_named_in_thai_or_english(client, make_admin, tambon):
    payload = {**NEW_SHOP, "tambon_code": tambon}
    response = client.post(ADMIN_SHOPS, json=payload, headers=bearer(make_admin()))
    assert response.status_code == 201
    assert response.get_json()["shop"]["tambon_code"] == "510402"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"tambon_code": None}, "tambon_code", None),
        ({"tambon_code": ""}, "tambon_code", None),
        ({"tambon_code": "519999"}, "tambon_code", "Unknown sub-district"),
        ({"tambon_code": "5104"}, "tambon_code", "Unknown sub-district"),  # a district
        ({"district": "5101"}, "tambon_code", "not in the district given"),
        ({"district": "atlantis"}, "district", None),
    ],
)
def test_a_missing_unknown_or_disagreeing_sub_district_is_refused(
    app, client, make_admin, change, field, message
):
    response = client.post(ADMIN_SHOPS, json={**NEW_SHOP, **change}, headers=bearer(make_admin()))
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert field in errors
    assert message is None or message in " ".join(errors[field])
    assert shop_count(app) == 0


def test_a_new_shop_without_a_sub_district_is_refused(app, client, make_admin):
    payload = {k: v for k, v in NEW_SHOP.items() if k != "tambon_code"} | {"district": "5104"}
    response = client.post(ADMIN_SHOPS, json=payload, headers=bearer(make_admin()))
    assert response.status_code == 422
    assert "tambon_code" in response.get_json()["errors"]
    assert shop_count(app) == 0


def _make_old_shop(app, make_shop) -> int:
    """A shop from before areas: a district and no sub-district."""
    shop_id, _staff = make_shop(district="5106")
    with app.app_context():
        db.session.execute(update(Shop).where(Shop.id == shop_id).values(tambon_code=None))
        db.session.commit()
    return shop_id


def test_an_old_shop_gets_a_sub_district_and_so_maybe_a_new_district(
    app, client, make_admin, make_shop
):
    shop_id = _make_old_shop(app, make_shop)
    admin = make_admin()
    before = client.get(f"{ADMIN_SHOPS}/{shop_id}", headers=bearer(admin)).get_json()
    assert (before["tambon_code"], before["tambon_name"]) == (None, None)
    response = client.patch(
        f"{ADMIN_SHOPS}/{shop_id}", json={"tambon_code": "510801"}, headers=bearer(admin)
    )
    assert response.status_code == 200
    shop = response.get_json()
    assert (shop["district"], shop["tambon_code"], shop["district_name"]) == (
        "5108",
        "510801",
        "เวียงหนองล่อง",
    )


def test_an_old_shop_may_still_change_only_its_other_fields(app, client, make_admin, make_shop):
    shop_id = _make_old_shop(app, make_shop)
    response = client.patch(
        f"{ADMIN_SHOPS}/{shop_id}", json={"name_en": "Still old"}, headers=bearer(make_admin())
    )
    assert response.status_code == 200
    assert response.get_json()["tambon_code"] is None


def test_a_district_alone_cannot_move_a_shop_away_from_its_sub_district(
    client, make_admin, make_shop
):
    shop_id, _staff = make_shop(district="5104", tambon="510402")
    admin = make_admin()
    response = client.patch(
        f"{ADMIN_SHOPS}/{shop_id}", json={"district": "5101"}, headers=bearer(admin)
    )
    assert response.status_code == 422
    assert "district" in response.get_json()["errors"]
    same = client.patch(f"{ADMIN_SHOPS}/{shop_id}", json={"district": "li"}, headers=bearer(admin))
    assert same.status_code == 200
    assert same.get_json()["tambon_code"] == "510402"


def test_a_sub_district_cannot_be_cleared(client, make_admin, make_shop):
    shop_id, _staff = make_shop()
    response = client.patch(
        f"{ADMIN_SHOPS}/{shop_id}", json={"tambon_code": None}, headers=bearer(make_admin())
    )
    assert response.status_code == 422
    assert "tambon_code" in response.get_json()["errors"]
