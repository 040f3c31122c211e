"""PATCH /api/v1/me: where a resident lives (sub-district, village number), for area figures."""

import pytest

from ecolife.services import residents
from tests.factories import bearer, scan

ME = "/api/v1/me"


def test_a_resident_without_a_home_reads_nulls(client, make_resident):
    me = client.get(ME, headers=bearer(make_resident())).get_json()
    assert (me["home_tambon_code"], me["home_village_no"]) == (None, None)


def test_a_resident_sets_a_home_and_reads_it_back(client, make_resident):
    resident = make_resident()
    response = client.patch(
        ME, json={"home_tambon_code": "510401", "home_village_no": 7}, headers=bearer(resident)
    )
    assert response.status_code == 200
    assert (response.get_json()["home_tambon_code"], response.get_json()["home_village_no"]) == (
        "510401",
        7,
    )
    me = client.get(ME, headers=bearer(resident)).get_json()
    assert (me["home_tambon_code"], me["home_village_no"]) == ("510401", 7)
    assert "balance" in me and "impact" in me


@pytest.mark.parametrize("suspended", [False, True])
def test_the_patch_answers_exactly_what_get_me_shows(
    client, app, make_resident, make_admin, make_shop, shop_token, suspended
):
    resident = make_resident()
    shop_id, _ = make_shop()
    assert scan(client, resident, shop_token(shop_id), action="bag").status_code == 201
    if suspended:
        with app.app_context():
            residents.suspend_resident(
                resident.user.id, reason="ตรวจสอบ", actor_id=make_admin().user.id
            )
    patched = client.patch(
        ME, json={"home_tambon_code": "510401", "home_village_no": 2}, headers=bearer(resident)
    )
    assert patched.status_code == 200
    shown = client.get(ME, headers=bearer(resident)).get_json()
    assert patched.get_json() == shown
    assert shown["suspended"] is suspended and shown["impact"]["items"] == {"bag": 1}


def test_both_can_be_cleared_with_null(client, make_resident):
    resident = make_resident()
    client.patch(
        ME, json={"home_tambon_code": "510101", "home_village_no": 3}, headers=bearer(resident)
    )
    client.patch(ME, json={"home_village_no": None}, headers=bearer(resident))
    assert client.get(ME, headers=bearer(resident)).get_json()["home_village_no"] is None
    client.patch(ME, json={"home_village_no": 4}, headers=bearer(resident))
    response = client.patch(ME, json={"home_tambon_code": None}, headers=bearer(resident))
    assert response.status_code == 200
    assert (response.get_json()["home_tambon_code"], response.get_json()["home_village_no"]) == (
        None,
        None,
    )


def test_moving_to_another_sub_district_forgets_the_village_number(client, make_resident):
    resident = make_resident()
    client.patch(
        ME, json={"home_tambon_code": "510101", "home_village_no": 3}, headers=bearer(resident)
    )
    moved = client.patch(ME, json={"home_tambon_code": "510102"}, headers=bearer(resident))
    assert (moved.get_json()["home_tambon_code"], moved.get_json()["home_village_no"]) == (
        "510102",
        None,
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"home_tambon_code": "5101"}, "home_tambon_code"),  # a district
        ({"home_tambon_code": "519999"}, "home_tambon_code"),  # no such sub-district
        ({"home_tambon_code": 510101}, "home_tambon_code"),
        ({"home_village_no": 0}, "home_village_no"),
        ({"home_village_no": 100}, "home_village_no"),
        ({"home_village_no": "3"}, "home_village_no"),
        ({"home_village_no": 3}, "home_village_no"),  # no sub-district to be in
        ({"display_name": "x"}, "display_name"),
        ({}, "_schema"),
    ],
)
def test_bad_homes_are_refused_and_change_nothing(client, make_resident, payload, field):
    resident = make_resident()
    response = client.patch(ME, json=payload, headers=bearer(resident))
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert field in response.get_json()["errors"]
    me = client.get(ME, headers=bearer(resident)).get_json()
    assert (me["home_tambon_code"], me["home_village_no"]) == (None, None)


def test_a_province_is_not_a_home_either(client, make_resident):
    response = client.patch(ME, json={"home_tambon_code": "51"}, headers=bearer(make_resident()))
    assert response.status_code == 422


def test_signing_in_is_required(client):
    response = client.patch(ME, json={"home_village_no": 3})
    assert response.status_code == 401


def test_a_signed_out_session_cannot_change_the_home(client, make_resident):
    resident = make_resident()
    assert client.post("/api/v1/auth/logout", headers=bearer(resident)).status_code == 204
    response = client.patch(ME, json={"home_tambon_code": "510101"}, headers=bearer(resident))
    assert response.status_code == 401
