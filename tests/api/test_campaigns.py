"""Campaigns through the API: admins create, list and end them; a credited scan gets the best
one's bonus as an entry of its own; residents see those near them."""

from datetime import UTC, datetime, timedelta

import pytest

from ecolife.extensions import db
from ecolife.models import LedgerEntry
from ecolife.services import demo
from tests.factories import bearer, scan

HOUR = timedelta(hours=1)


def window(start=-HOUR, end=timedelta(days=3)) -> dict:
    now = datetime.now(UTC)
    return {"starts_at": (now + start).isoformat(), "ends_at": (now + end).isoformat()}


@pytest.fixture
def admin(make_admin):
    return make_admin()


@pytest.fixture
def create(client, admin):
    """Return a callable creating a campaign as `by` (the province-wide admin by default)."""

    def make(by=None, **body):
        payload = {"name_th": "ลำพูนปลอดถุง", "name_en": "Bag-free Lamphun", **window(), **body}
        return client.post("/api/v1/admin/campaigns", json=payload, headers=bearer(by or admin))

    return make


def test_a_double_points_campaign_adds_a_bonus_entry_naming_it(
    app, client, create, make_resident, make_shop, shop_token
):
    shop_id, _ = make_shop()
    campaign = create(multiplier=2).get_json()
    resident = make_resident()
    body = scan(client, resident, shop_token(shop_id)).get_json()
    assert body["scan"]["points"] == 10
    assert body["balance"] == 10
    assert body["scan"]["campaign"] == {
        "id": campaign["id"],
        "name": "ลำพูนปลอดถุง",
        "bonus_points": 5,
    }
    with app.app_context():
        bonus = db.session.query(LedgerEntry).filter_by(kind="bonus").one()
        assert (bonus.delta, bonus.campaign_id, bonus.reason_code) == (
            5,
            campaign["id"],
            "campaign",
        )
        assert bonus.reason_params == {"scan_id": body["scan"]["id"]}
        assert bonus.shop_id == shop_id
        db.session.remove()


def test_a_scan_without_a_campaign_says_so(client, make_resident, make_shop, shop_token):
    shop_id, _ = make_shop()
    body = scan(client, make_resident(), shop_token(shop_id)).get_json()
    assert body["scan"]["campaign"] is None
    assert body["scan"]["points"] == 5


def test_a_retried_scan_answers_the_same_bonus(
    client, create, make_resident, make_shop, shop_token
):
    shop_id, _ = make_shop()
    create(bonus_points=3)
    resident = make_resident()
    first = scan(client, resident, shop_token(shop_id), key="campaign-retry")
    again = scan(client, resident, shop_token(shop_id), key="campaign-retry")
    assert again.get_json() == first.get_json()
    assert again.get_json()["scan"]["points"] == 8
    me = client.get("/api/v1/me", headers=bearer(resident)).get_json()
    assert me["balance"] == 8


def test_the_campaign_giving_most_wins(client, create, make_resident, make_shop, shop_token):
    shop_id, _ = make_shop()
    create(name_th="เล็ก", bonus_points=2)
    create(name_th="ใหญ่", multiplier=3)
    body = scan(client, make_resident(), shop_token(shop_id)).get_json()
    assert body["scan"]["campaign"]["name"] == "ใหญ่"
    assert body["scan"]["points"] == 15


def test_a_campaign_applies_only_to_its_actions_shops_and_areas(
    client, create, make_resident, make_shop, shop_token
):
    here, _ = make_shop(district="5101")
    elsewhere, _ = make_shop(district="5104")
    create(bonus_points=4, area_codes=["5101"], action_codes=["bag"])
    resident = make_resident()
    assert scan(client, resident, shop_token(elsewhere)).get_json()["scan"]["campaign"] is None
    straw = scan(client, resident, shop_token(here), action="straw").get_json()
    assert straw["scan"]["campaign"] is None
    bag = scan(client, make_resident(), shop_token(here)).get_json()
    assert bag["scan"]["campaign"]["bonus_points"] == 4


def test_the_scans_read_leaves_to_the_rule_which_running_campaign_applies(
    client, create, make_resident, make_shop, shop_token
):
    listed, _ = make_shop(district="5101", tambon="510101")
    next_door, _ = make_shop(district="5101", tambon="510102")
    create(name_th="ตำบลเดียว", bonus_points=3, area_codes=["510101"])
    create(name_th="ร้านเดียว", bonus_points=2, shop_ids=[next_door])
    at_listed = scan(client, make_resident(), shop_token(listed)).get_json()["scan"]
    at_next_door = scan(client, make_resident(), shop_token(next_door)).get_json()["scan"]
    assert at_listed["campaign"]["name"] == "ตำบลเดียว"
    assert at_next_door["campaign"]["name"] == "ร้านเดียว"


def test_a_campaign_not_started_or_ended_gives_nothing(
    client, create, make_resident, make_shop, shop_token, admin
):
    shop_id, _ = make_shop()
    create(bonus_points=4, **window(start=HOUR, end=2 * HOUR))
    running = create(bonus_points=9).get_json()
    ended = client.post(f"/api/v1/admin/campaigns/{running['id']}/end", headers=bearer(admin))
    assert ended.status_code == 200
    assert ended.get_json()["status"] == "ended"
    assert scan(client, make_resident(), shop_token(shop_id)).get_json()["scan"]["campaign"] is None


def test_the_scan_near_the_end_of_the_budget_gets_the_part_left(
    app, client, create, make_resident, make_shop, shop_token, admin
):
    shop_id, _ = make_shop()
    campaign = create(multiplier=2, budget_points=7).get_json()
    first = scan(client, make_resident(), shop_token(shop_id)).get_json()
    second = scan(client, make_resident(), shop_token(shop_id)).get_json()
    third = scan(client, make_resident(), shop_token(shop_id)).get_json()
    assert [first["scan"]["points"], second["scan"]["points"]] == [10, 7]
    assert second["scan"]["campaign"]["bonus_points"] == 2
    assert third["scan"]["points"] == 5 and third["scan"]["campaign"] is None
    listed = client.get(f"/api/v1/admin/campaigns/{campaign['id']}", headers=bearer(admin))
    assert listed.get_json()["bonus_granted"] == 7


def test_a_one_time_code_and_a_member_card_get_the_bonus_too(
    client, create, make_resident, make_shop, make_code, make_card_holder
):
    shop_id, staff = make_shop()
    create(bonus_points=3)
    _, token = make_code(staff)
    coded = scan(client, make_resident(), token).get_json()
    assert coded["scan"]["points"] == 8 and coded["scan"]["campaign"]["bonus_points"] == 3
    _, card = make_card_holder()
    headers = {**bearer(staff), "Idempotency-Key": "card-campaign"}
    carded = client.post("/api/v1/shop/card-scans", json={"card": card}, headers=headers)
    assert carded.status_code == 201, carded.get_json()
    assert carded.get_json()["scan"]["points"] == 8


def test_the_ledger_says_which_campaign_gave_the_bonus(
    client, create, make_resident, make_shop, shop_token
):
    shop_id, _ = make_shop()
    create(bonus_points=3)
    resident = make_resident()
    scan(client, resident, shop_token(shop_id))
    entries = client.get("/api/v1/me/ledger", headers=bearer(resident)).get_json()["items"]
    assert entries[0]["reason"] == "โบนัสแคมเปญ ลำพูนปลอดถุง"
    english = {**bearer(resident), "Accept-Language": "en"}
    entries = client.get("/api/v1/me/ledger", headers=english).get_json()["items"]
    assert entries[0]["reason"] == "Campaign bonus: Bag-free Lamphun"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"multiplier": 2, **window(start=HOUR, end=-HOUR)}, "ends_at"),
        ({}, "multiplier"),
        ({"multiplier": 1}, "multiplier"),
        ({"multiplier": 11}, "multiplier"),
        ({"bonus_points": 2, "action_codes": ["no_such_action"]}, "action_codes"),
        ({"bonus_points": 2, "area_codes": ["9999"]}, "area_codes"),
        ({"bonus_points": 2, "shop_ids": [987654]}, "shop_ids"),
        ({"bonus_points": 2, **window(start=-2 * HOUR, end=-HOUR)}, "ends_at"),
    ],
)
def test_a_campaign_that_cannot_run_is_refused_with_the_field(create, body, field):
    response = create(**body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


def test_a_scoped_admin_targets_only_their_area(
    client, create, make_admin, make_shop, make_resident, shop_token
):
    lamphun = make_admin(area="5101")
    outside, _ = make_shop(district="5104")
    assert create(by=lamphun, bonus_points=2, area_codes=["5104"]).status_code == 422
    assert create(by=lamphun, bonus_points=2, shop_ids=[outside]).status_code == 422
    mine = create(by=lamphun, bonus_points=2).get_json()
    assert mine["area_codes"] == ["5101"] and mine["owner_area_code"] == "5101"
    assert scan(client, make_resident(), shop_token(outside)).get_json()["scan"]["campaign"] is None


def test_admins_see_and_end_only_their_areas_campaigns(client, create, make_admin, admin):
    lamphun, li = make_admin(area="5101"), make_admin(area="5104")
    theirs = create(by=lamphun, bonus_points=2).get_json()
    assert client.get("/api/v1/admin/campaigns", headers=bearer(li)).get_json() == []
    assert [c["id"] for c in client.get("/api/v1/admin/campaigns", headers=bearer(admin)).json] == [
        theirs["id"]
    ]
    end = client.post(f"/api/v1/admin/campaigns/{theirs['id']}/end", headers=bearer(li))
    assert end.status_code == 404


def test_residents_see_campaigns_of_the_province_their_home_and_their_shops(
    client, create, make_resident, make_shop, shop_token
):
    where_they_scan, _ = make_shop(district="5104")
    create(name_th="ทั้งจังหวัด", bonus_points=1)
    create(name_th="บ้านเรา", bonus_points=1, area_codes=["510101"])
    create(name_th="ร้านที่ไป", bonus_points=1, shop_ids=[where_they_scan])
    create(name_th="ที่อื่น", bonus_points=1, area_codes=["5105"])
    create(name_th="เร็ว ๆ นี้", bonus_points=1, **window(start=timedelta(days=2)))
    create(
        name_th="อีกนาน", bonus_points=1, **window(start=timedelta(days=20), end=timedelta(days=30))
    )
    resident = make_resident()
    client.patch("/api/v1/me", json={"home_tambon_code": "510101"}, headers=bearer(resident))
    scan(client, resident, shop_token(where_they_scan))
    url = "/api/v1/campaigns?include=upcoming"
    listed = client.get(url, headers=bearer(resident)).get_json()
    names = {c["name"]: c["status"] for c in listed}
    assert names == {
        "ทั้งจังหวัด": "active",
        "บ้านเรา": "active",
        "ร้านที่ไป": "active",
        "เร็ว ๆ นี้": "upcoming",
    }


def test_residents_see_only_the_running_campaigns_unless_they_ask_for_upcoming_ones(
    client, create, make_resident
):
    create(name_th="ตอนนี้", bonus_points=1)
    create(name_th="เร็ว ๆ นี้", bonus_points=1, **window(start=timedelta(days=2)))
    resident = make_resident()
    running = client.get("/api/v1/campaigns", headers=bearer(resident)).get_json()
    assert [c["name"] for c in running] == ["ตอนนี้"]
    wrong = client.get("/api/v1/campaigns?include=past", headers=bearer(resident))
    assert wrong.status_code == 422


def test_an_area_campaign_names_its_areas(client, create, make_resident):
    create(bonus_points=1, area_codes=["5101"])
    resident = make_resident()
    client.patch("/api/v1/me", json={"home_tambon_code": "510101"}, headers=bearer(resident))
    [listed] = client.get("/api/v1/campaigns", headers=bearer(resident)).get_json()
    assert listed["areas"][0]["code"] == "5101"
    assert "เมือง" in listed["areas"][0]["name"]


def test_the_demo_seed_runs_a_double_points_campaign_this_month(
    app, client, runner, make_resident, make_shop, shop_token
):
    # `seed-demo --history` (what `make run` runs) adds it after the history.
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        assert (demo.seed_demo_campaign(), demo.seed_demo_campaign()) == (True, False)
    shop_id, _ = make_shop()
    body = scan(client, make_resident(), shop_token(shop_id)).get_json()
    assert body["scan"]["points"] == 10
    assert body["scan"]["campaign"]["name"] == "ลำพูนปลอดถุง แต้ม x2 ทั้งเดือน"


def test_the_openapi_document_describes_campaigns_and_a_scans_campaign(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, method in (
        ("/api/v1/admin/campaigns", "post"),
        ("/api/v1/admin/campaigns", "get"),
        ("/api/v1/admin/campaigns/{campaign_id}", "get"),
        ("/api/v1/admin/campaigns/{campaign_id}/end", "post"),
        ("/api/v1/campaigns", "get"),
    ):
        assert spec["paths"][path][method]["security"] == [{"bearer": []}], path
    scan_schema = spec["components"]["schemas"]["Scan"]["properties"]["campaign"]
    assert "ScanCampaign" in str(scan_schema)
