"""/api/v1/admin/participation and /declarations: targets, declarations, scoped admins."""

from datetime import UTC, datetime

import pytest

from tests.factories import add_declaration, bearer, scan

LI_TAMBON, PA_SANG_TAMBON = "510401", "510602"
NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


@pytest.fixture
def admin(make_admin):
    return bearer(make_admin())


@pytest.fixture
def li_admin(make_admin):
    """An admin scoped to the district of Li (5104)."""
    return bearer(make_admin(area="5104"))


def put_target(client, headers, tambon=LI_TAMBON, households=10, percent=50, **more):
    body = {"tambon_code": tambon, "households": households, "target_percent": percent, **more}
    return client.put("/api/v1/admin/participation", json=body, headers=headers)


def test_setting_listing_and_deleting_targets(client, admin):
    created = put_target(client, admin, households=250, percent=80, village_no=4)
    assert created.status_code == 200, created.get_json()
    row = created.get_json()
    assert row["tambon_name"] == "ลี้" and row["district_code"] == "5104"
    assert (row["households"], row["target_percent"], row["village_no"]) == (250, 80, 4)
    assert (row["active_residents"], row["percent"], row["reached"]) == (0, 0.0, False)
    assert put_target(client, admin, households=300, percent=80, village_no=4).status_code == 200
    listed = client.get("/api/v1/admin/participation?area=5104", headers=admin).get_json()
    assert [(r["id"], r["households"]) for r in listed] == [(row["id"], 300)]
    assert client.get("/api/v1/admin/participation?area=5106", headers=admin).get_json() == []
    deleted = client.delete(f"/api/v1/admin/participation/{row['id']}", headers=admin)
    assert deleted.status_code == 204
    assert client.get("/api/v1/admin/participation", headers=admin).get_json() == []
    again = client.delete(f"/api/v1/admin/participation/{row['id']}", headers=admin)
    assert again.status_code == 404


@pytest.mark.parametrize(
    "body, field",
    [
        ({"households": 0}, "households"),
        ({"target_percent": 101}, "target_percent"),
        ({"village_no": 100}, "village_no"),
        ({"tambon_code": "5104"}, "tambon_code"),
        ({"tambon_code": "abc"}, "tambon_code"),
        ({"households": "12"}, "households"),
    ],
)
def test_bad_targets_get_field_errors(client, admin, body, field):
    response = put_target(client, admin, **body)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == "validation_error" and field in problem["errors"]


def test_declaration_is_a_conflict_until_the_target_is_reached(
    client, admin, make_resident, make_shop, shop_token, set_now
):
    resident = make_resident()
    home = client.patch(
        "/api/v1/me", json={"home_tambon_code": LI_TAMBON}, headers=bearer(resident)
    )
    assert home.status_code == 200
    set_now(NOW)
    assert put_target(client, admin, households=2, percent=50).status_code == 200
    body = {"area_code": LI_TAMBON, "title": "ตำบลลดพลาสติก", "note": "ครบเป้า"}
    refused = client.post("/api/v1/admin/declarations", json=body, headers=admin)
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "target_not_reached"
    assert "target" in refused.get_json()["detail"] or "เป้า" in refused.get_json()["detail"]

    shop_id, _ = make_shop()
    assert scan(client, resident, shop_token(shop_id), action="bag").status_code == 201
    made = client.post("/api/v1/admin/declarations", json=body, headers=admin)
    assert made.status_code == 201, made.get_json()
    declaration = made.get_json()
    assert (declaration["area_name"], declaration["declared_on"]) == ("ลี้", "2026-11-30")
    page = client.get("/api/v1/admin/declarations?area=5104", headers=admin).get_json()
    assert [d["id"] for d in page["items"]] == [declaration["id"]]
    assert page["next_cursor"] is None


def test_a_scoped_admin_gets_404_outside_their_district(client, admin, li_admin):
    pa_sang = put_target(client, admin, tambon=PA_SANG_TAMBON).get_json()
    assert put_target(client, li_admin).status_code == 200
    assert put_target(client, li_admin, tambon=PA_SANG_TAMBON).status_code == 404
    url = f"/api/v1/admin/participation/{pa_sang['id']}"
    assert client.delete(url, headers=li_admin).status_code == 404
    other = client.get("/api/v1/admin/participation?area=5106", headers=li_admin)
    assert other.status_code == 404
    province = client.get("/api/v1/admin/participation?area=51", headers=li_admin)
    assert province.status_code == 404
    own = client.get("/api/v1/admin/participation", headers=li_admin).get_json()
    assert [r["tambon_code"] for r in own] == [LI_TAMBON]
    removed = client.delete(f"/api/v1/admin/participation/{own[0]['id']}", headers=li_admin)
    assert removed.status_code == 204
    body = {"area_code": PA_SANG_TAMBON, "title": "ตำบลลดพลาสติก"}
    declared = client.post("/api/v1/admin/declarations", json=body, headers=li_admin)
    assert declared.status_code == 404
    listed = client.get("/api/v1/admin/declarations?area=5106", headers=li_admin)
    assert listed.status_code == 404


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/admin/participation"),
        ("put", "/api/v1/admin/participation"),
        ("delete", "/api/v1/admin/participation/1"),
        ("get", "/api/v1/admin/declarations"),
        ("post", "/api/v1/admin/declarations"),
        ("delete", "/api/v1/admin/declarations/1"),
    ],
)
def test_only_admins_may_use_these_routes(client, make_resident, method, path):
    assert getattr(client, method)(path, json={}).status_code == 401
    resident = bearer(make_resident())
    assert getattr(client, method)(path, json={}, headers=resident).status_code == 403


def reached_target(client, admin, make_resident, make_shop, shop_token):
    """ตำบลลี้ at its target: one household, and its one resident scanned today."""
    resident = make_resident()
    home = {"home_tambon_code": LI_TAMBON}
    assert client.patch("/api/v1/me", json=home, headers=bearer(resident)).status_code == 200
    assert put_target(client, admin, households=1, percent=100).status_code == 200
    shop_id, _ = make_shop()
    assert scan(client, resident, shop_token(shop_id), action="bag").status_code == 201


def test_the_same_declaration_twice_is_refused(client, admin, make_resident, make_shop, shop_token):
    reached_target(client, admin, make_resident, make_shop, shop_token)
    body = {"area_code": LI_TAMBON, "title": "ตำบลลดพลาสติก", "declared_on": "2026-11-01"}
    first = client.post("/api/v1/admin/declarations", json=body, headers=admin)
    assert first.status_code == 201, first.get_json()
    padded = {**body, "title": "  ตำบลลดพลาสติก ", "note": "another note"}
    again = client.post("/api/v1/admin/declarations", json=padded, headers=admin)
    assert again.status_code == 409
    assert again.content_type == "application/problem+json"
    problem = again.get_json()
    assert problem["code"] == "declaration_exists"
    assert str(first.get_json()["id"]) in problem["detail"]
    # Another date, title or village is another declaration.
    for other in ({"declared_on": "2026-11-02"}, {"title": "ตำบลปลอดถุง"}):
        made = client.post("/api/v1/admin/declarations", json={**body, **other}, headers=admin)
        assert made.status_code == 201, (other, made.get_json())
    listed = client.get("/api/v1/admin/declarations", headers=admin).get_json()["items"]
    assert len(listed) == 3


def test_removing_a_declaration(client, app, admin, li_admin):
    li = add_declaration(app, LI_TAMBON)
    pa_sang = add_declaration(app, PA_SANG_TAMBON)
    assert (
        client.delete(f"/api/v1/admin/declarations/{pa_sang}", headers=li_admin).status_code == 404
    )
    removed = client.delete(f"/api/v1/admin/declarations/{li}", headers=li_admin)
    assert removed.status_code == 204 and removed.get_data() == b""
    assert client.delete(f"/api/v1/admin/declarations/{li}", headers=admin).status_code == 404
    listed = client.get("/api/v1/admin/declarations", headers=admin).get_json()["items"]
    assert [d["id"] for d in listed] == [pa_sang]
    public = client.get("/api/v1/public/impact?area=5104")
    assert public.status_code == 200 and public.get_json()["declarations"] == []
