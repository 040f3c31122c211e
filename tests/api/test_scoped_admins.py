"""Scoped admins: an admin of one district or sub-district manages that area's shops, rewards,
residents and reports only; another area's answer 404. Province-wide admins add admins."""

import csv
import io
import zipfile
from datetime import date

import pytest

from ecolife.services import impact, reports
from ecolife.services.scope import AdminScope
from tests.factories import PASSWORD, bearer, redeem, scan
from tests.web.console import csrf_token, post_form, sign_in, text

LI, MUEANG = "5104", "5101"
TODAY = (date(2020, 1, 1), date(2030, 12, 31))


@pytest.fixture
def two_districts(make_shop, make_admin):
    """A shop in ลี้ (5104) and one in เมืองลำพูน (5101), and an admin of ลี้."""
    li_shop, li_staff = make_shop("ร้านลี้", district=LI)
    mueang_shop, _ = make_shop("ร้านเมือง", district=MUEANG)
    return li_shop, mueang_shop, make_admin(area=LI), li_staff


def ids_of(response) -> set[int]:
    return {shop["id"] for shop in response.get_json()["items"]}


def test_a_district_admin_lists_and_opens_only_their_districts_shops(client, two_districts):
    li_shop, mueang_shop, li_admin, _ = two_districts
    headers = bearer(li_admin)
    assert ids_of(client.get("/api/v1/admin/shops", headers=headers)) == {li_shop}
    assert client.get(f"/api/v1/admin/shops/{li_shop}", headers=headers).status_code == 200
    other = client.get(f"/api/v1/admin/shops/{mueang_shop}", headers=headers)
    missing = client.get("/api/v1/admin/shops/999999", headers=headers)
    # Another area's shop answers exactly as a shop that does not exist.
    assert other.status_code == missing.status_code == 404
    assert other.get_json() == missing.get_json()


def test_a_province_wide_admin_sees_every_shop(client, two_districts, make_admin):
    li_shop, mueang_shop, _, _ = two_districts
    listed = client.get("/api/v1/admin/shops", headers=bearer(make_admin()))
    assert ids_of(listed) == {li_shop, mueang_shop}


def test_a_sub_district_admin_sees_that_sub_district_only(client, make_shop, make_admin):
    in_tambon, _ = make_shop(district=LI, tambon="510401")
    next_tambon, _ = make_shop(district=LI, tambon="510402")
    tambon_admin = bearer(make_admin(area="510401"))
    assert ids_of(client.get("/api/v1/admin/shops", headers=tambon_admin)) == {in_tambon}
    assert client.get(f"/api/v1/admin/shops/{next_tambon}", headers=tambon_admin).status_code == 404


def test_a_scoped_admin_cannot_add_or_move_a_shop_outside_their_area(client, two_districts):
    li_shop, _, li_admin, _ = two_districts
    headers = bearer(li_admin)
    outside = {
        "name": "ร้านนอกเขต",
        "tambon_code": "510101",
        "owner": {"display_name": "เจ้าของ", "email": "out@shop.test"},
    }
    refused = client.post("/api/v1/admin/shops", json=outside, headers=headers)
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"district": ["Outside the area you manage."]}
    inside = client.post(
        "/api/v1/admin/shops", json={**outside, "tambon_code": "510402"}, headers=headers
    )
    assert inside.status_code == 201 and inside.get_json()["invite_url"]
    moved = client.patch(
        f"/api/v1/admin/shops/{li_shop}", json={"tambon_code": "510101"}, headers=headers
    )
    assert moved.status_code == 422
    shop = client.get(f"/api/v1/admin/shops/{li_shop}", headers=headers).get_json()
    assert (shop["district"], shop["tambon_code"]) == (LI, "510401")  # unchanged


def test_a_scoped_admin_manages_only_their_areas_rewards(client, two_districts, make_reward):
    li_shop, mueang_shop, li_admin, _ = two_districts
    li_reward, mueang_reward = make_reward(li_shop), make_reward(mueang_shop)
    headers = bearer(li_admin)
    assert (
        client.patch(
            f"/api/v1/admin/rewards/{li_reward}", json={"points": 7}, headers=headers
        ).status_code
        == 200
    )
    assert (
        client.patch(
            f"/api/v1/admin/rewards/{mueang_reward}", json={"points": 7}, headers=headers
        ).status_code
        == 404
    )
    listed = client.get(f"/api/v1/admin/shops/{mueang_shop}/rewards", headers=headers)
    assert listed.status_code == 404


def test_rules_and_admins_are_for_province_wide_admins(client, two_districts):
    _, _, li_admin, _ = two_districts
    headers = bearer(li_admin)
    assert client.get("/api/v1/admin/limits", headers=headers).status_code == 403
    assert (
        client.patch("/api/v1/admin/actions/bag", json={"points": 9}, headers=headers).status_code
        == 403
    )
    new_admin = {"email": "x@admins.test", "display_name": "X", "area_code": LI}
    refused = client.post("/api/v1/admin/admins", json=new_admin, headers=headers)
    assert refused.status_code == 403 and refused.get_json()["code"] == "forbidden"


def test_scoped_reports_count_only_their_area(
    app, client, two_districts, make_resident, shop_token, make_reward, give_points
):
    li_shop, mueang_shop, _, li_staff = two_districts
    resident = make_resident()
    give_points(resident.user.id, 100)
    assert scan(client, resident, shop_token(li_shop), action="bag", quantity=2).status_code == 201
    assert (
        scan(client, resident, shop_token(mueang_shop), action="bag", quantity=3).status_code == 201
    )
    redeem(client, resident, make_reward(mueang_shop, points=10))
    li, everywhere = AdminScope(LI), AdminScope()
    with app.app_context():
        assert sum(d.totals.items for d in impact.daily_impact(*TODAY, scope=li)) == 2
        assert sum(d.totals.items for d in impact.daily_impact(*TODAY, scope=everywhere)) == 5
        assert [int(g.key) for g in impact.impact_by_shop(*TODAY, scope=li)] == [li_shop]
        assert [(g.key, g.totals.items) for g in impact.impact_by_district(*TODAY, scope=li)] == [
            (LI, 2)
        ]
        statements = impact.shop_statements(*TODAY, scope=li)
        assert [(s.shop_id, s.pending) for s in statements] == [(li_shop, 0)]
        assert len(impact.shop_statements(*TODAY, scope=everywhere)) == 2
        with pytest.raises(Exception) as refused:
            reports.shop_statement(mueang_shop, *TODAY, scope=li)
        assert refused.value.code == "not_found"
    # The console's pages and CSVs say the same.
    sign_in(client, two_districts[2].user.email)
    shops_csv = text(client.get("/admin/impact/shops.csv"))  # the last 30 days
    assert len(list(csv.reader(io.StringIO(shops_csv.lstrip("\ufeff"))))) == 2  # header + ลี้
    statements_page = text(client.get("/admin/statements"))
    assert "ร้านลี้" in statements_page and "ร้านเมือง" not in statements_page


def test_residents_are_visible_to_a_scoped_admin_only_if_they_took_part_in_the_area(
    client, two_districts, make_resident, shop_token, make_admin
):
    li_shop, mueang_shop, li_admin, _ = two_districts
    li_resident = make_resident(display_name="คนลี้")
    town_resident = make_resident(display_name="คนเมือง")
    assert scan(client, li_resident, shop_token(li_shop), action="bag").status_code == 201
    assert scan(client, town_resident, shop_token(mueang_shop), action="bag").status_code == 201
    sign_in(client, li_admin.user.email)
    listed = text(client.get("/admin/residents/"))
    assert "คนลี้" in listed and "คนเมือง" not in listed
    assert client.get(f"/admin/residents/{li_resident.user.id}").status_code == 200
    assert client.get(f"/admin/residents/{town_resident.user.id}").status_code == 404
    suspend = post_form(
        client,
        f"/admin/residents/{town_resident.user.id}/suspension",
        {"suspend": "1", "reason": "ทดสอบ"},
        page="/admin/residents/",
    )
    adjust = post_form(
        client,
        f"/admin/residents/{town_resident.user.id}/adjustments",
        {"delta": "5", "reason": "ทดสอบ"},
        page="/admin/residents/",
    )
    # Balances and suspensions hold across the programme: a scoped admin changes neither.
    assert suspend.status_code == adjust.status_code == 403
    # A province-wide admin sees both.
    other = client.application.test_client()
    sign_in(other, make_admin().user.email)
    assert "คนเมือง" in text(other.get("/admin/residents/"))


def test_a_scoped_admins_csv_import_refuses_lines_outside_the_area(
    client, app, two_districts, run_jobs
):
    _, _, li_admin, _ = two_districts
    data = (
        "name,tambon_code,owner_name,owner_email\n"
        "ร้านในลี้,510401,เจ้าของหนึ่ง,one@shop.test\n"
        "ร้านในเมือง,510101,เจ้าของสอง,two@shop.test\n"
    ).encode()
    queued = client.post(
        "/api/v1/admin/shops/import",
        data={"file": (io.BytesIO(data), "shops.csv")},
        content_type="multipart/form-data",
        headers=bearer(li_admin),
    )
    assert queued.status_code == 202
    run_jobs()
    job = client.get(queued.headers["Location"], headers=bearer(li_admin)).get_json()
    assert job["status"] == "failed"
    assert list(job["errors"]) == ["line 3"]
    assert "Outside the area you manage." in str(job["errors"]["line 3"])
    assert len(ids_of(client.get("/api/v1/admin/shops", headers=bearer(li_admin)))) == 1


def test_a_scoped_admins_posters_zip_holds_their_areas_posters(client, two_districts, run_jobs):
    li_shop, _, li_admin, _ = two_districts
    queued = client.post("/api/v1/admin/shops/posters", headers=bearer(li_admin))
    run_jobs()
    job = client.get(queued.headers["Location"], headers=bearer(li_admin)).get_json()
    assert job["result"] == {"posters": 1}
    archive = client.get(job["files"][0]["url"], headers=bearer(li_admin)).data
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        assert [name.split("-")[1] for name in zipped.namelist()] == [str(li_shop)]


# Adding admins.


def test_a_province_wide_admin_adds_a_district_admin_who_sets_a_password(client, make_admin):
    boss = bearer(make_admin())
    body = {"email": "Li.Admin@Lamphun.go.th", "display_name": "ผู้ดูแลลี้", "area_code": LI}
    created = client.post("/api/v1/admin/admins", json=body, headers=boss)
    assert created.status_code == 201, created.get_json()
    answer = created.get_json()
    assert answer["user"]["email"] == "li.admin@lamphun.go.th"
    assert answer["user"]["role"] == "admin"
    assert answer["user"]["area"]["code"] == LI and answer["user"]["area"]["level"] == "amphoe"
    listed = client.get("/api/v1/admin/admins", headers=boss).get_json()
    assert [(a["email"], a["area"] and a["area"]["code"]) for a in listed][-1] == (
        "li.admin@lamphun.go.th",
        LI,
    )
    invite = "/invite/" + answer["invite_url"].rsplit("/", 1)[1]
    page = client.get(invite)
    assert page.status_code == 200 and "ผู้ดูแล" in text(page)
    done = client.post(
        invite,
        data={
            "csrf_token": csrf_token(client, invite),
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/impact")
    assert "อำเภอลี้" in text(client.get("/admin/impact"))  # the header says what they manage


@pytest.mark.parametrize(
    "area_code, status",
    [("5199", 422), ("999999", 422), ("li", 422), ("", 422), ("51", 201), (None, 201)],
)
def test_the_area_must_be_a_district_or_sub_district(client, make_admin, area_code, status):
    body = {"email": "new@admins.test", "display_name": "ใหม่", "area_code": area_code}
    answer = client.post("/api/v1/admin/admins", json=body, headers=bearer(make_admin()))
    assert answer.status_code == status, answer.get_json()
    if status == 422:
        assert "area_code" in answer.get_json()["errors"]
    else:  # none, or the province's code: a province-wide admin
        assert answer.get_json()["user"]["area"] is None


def test_an_email_in_use_is_a_conflict(client, make_admin, make_resident):
    make_resident(email="taken@example.com")
    body = {"email": "taken@example.com", "display_name": "ซ้ำ", "area_code": LI}
    answer = client.post("/api/v1/admin/admins", json=body, headers=bearer(make_admin()))
    assert answer.status_code == 409 and answer.get_json()["code"] == "account_exists"


def test_the_console_adds_a_sub_district_admin(client, make_admin):
    sign_in(client, make_admin().user.email)
    page = text(client.get("/admin/admins/"))
    assert 'value="510401"' in page and "ทั้งจังหวัด" in page
    added = post_form(
        client,
        "/admin/admins/",
        {"email": "tambon@admins.test", "display_name": "ผู้ดูแลตำบล", "area_code": "510401"},
    )
    assert added.status_code == 200
    assert "/invite/" in text(added) and "ตำบลลี้" in text(added)
    twice = post_form(
        client,
        "/admin/admins/",
        {"email": "tambon@admins.test", "display_name": "อีกครั้ง", "area_code": "510401"},
    )
    assert twice.status_code == 422


def test_a_scoped_admin_sees_their_area_and_no_programme_pages_in_the_console(
    client, two_districts
):
    sign_in(client, two_districts[2].user.email)
    page = text(client.get("/admin/shops/"))
    assert "ดูแล: อำเภอลี้" in page
    assert "/admin/rules/" not in page and "/admin/admins/" not in page
    assert client.get("/admin/rules/").status_code == 403


# The command line and the demo.


def test_create_admin_with_an_area_makes_a_scoped_admin(runner, client):
    made = runner.invoke(
        args=[
            "create-admin",
            "--email",
            "li@lamphun.go.th",
            "--password",
            "very-secret-1",
            "--area",
            LI,
        ]
    )
    assert made.exit_code == 0, made.output
    assert "manages 5104" in made.output
    sign_in(client, "li@lamphun.go.th", "very-secret-1")
    assert client.get("/admin/rules/").status_code == 403
    wrong = runner.invoke(
        args=[
            "create-admin",
            "--email",
            "x@lamphun.go.th",
            "--password",
            "very-secret-1",
            "--area",
            "5199",
        ]
    )
    assert wrong.exit_code != 0 and "--area" in wrong.output
    widened = runner.invoke(
        args=[
            "create-admin",
            "--email",
            "li@lamphun.go.th",
            "--password",
            "very-secret-2",
            "--area",
            "51",
        ]
    )
    assert "manages the whole province" in widened.output


def test_the_demo_district_admin_sees_the_li_shop_only(runner, client):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    sign_in(client, "admin-li@ecolife.local", "ecolife-admin-demo")
    page = text(client.get("/admin/shops/"))
    assert "ร้านอาหารตามสั่งลี้" in page and "ร้านกาแฟริมกวง" not in page
