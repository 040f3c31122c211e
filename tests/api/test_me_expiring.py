"""GET /api/v1/me lists the points that will expire; admins set the months in the limits."""

from datetime import UTC, datetime, timedelta

import pytest

from ecolife.rules import BANGKOK
from ecolife.services import expiry
from tests.factories import bearer, redeem, scan
from tests.web.console import post_form, sign_in, text

ME, LIMITS = "/api/v1/me", "/api/v1/admin/limits"
JAN = datetime(2027, 1, 10, 5, tzinfo=UTC)
MAR_1 = datetime(2027, 3, 1, tzinfo=BANGKOK)


@pytest.fixture
def expiring_after(client, make_admin):
    """Return a callable setting points_expire_after_months through the API."""
    admin = make_admin()

    def set_months(months):
        response = client.patch(
            LIMITS, json={"points_expire_after_months": months}, headers=bearer(admin)
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return set_months


def expiring(client, resident) -> list:
    return client.get(ME, headers=bearer(resident)).get_json()["expiring"]


def test_points_that_never_expire_list_nothing(client, make_resident, make_shop, shop_token):
    resident = make_resident()
    assert scan(client, resident, shop_token(make_shop()[0])).status_code == 201
    assert expiring(client, resident) == []


def test_me_lists_scanned_points_with_their_expiry(
    client, make_resident, make_shop, shop_token, expiring_after, set_now
):
    expiring_after(1)
    set_now(JAN)
    resident = make_resident()
    assert scan(client, resident, shop_token(make_shop()[0]), action="bag").status_code == 201
    (item,) = expiring(client, resident)
    assert item["points"] == 5
    assert datetime.fromisoformat(item["expires_at"]) == MAR_1


def test_a_cancelled_redemption_gives_the_points_back_with_their_first_date(
    client, make_resident, make_shop, shop_token, make_reward, expiring_after, set_now
):
    expiring_after(1)
    set_now(JAN)
    resident, (shop_id, _) = make_resident(), make_shop()
    assert scan(client, resident, shop_token(shop_id), action="bag").status_code == 201
    expiring_after(12)  # a later change must not move the date of points already credited
    held = redeem(client, resident, make_reward(shop_id, points=5)).get_json()["redemption"]
    assert expiring(client, resident) == []
    path = f"/api/v1/redemptions/{held['id']}/cancel"
    assert client.post(path, headers=bearer(resident)).status_code == 200
    (item,) = expiring(client, resident)
    assert (item["points"], datetime.fromisoformat(item["expires_at"])) == (5, MAR_1)


def test_points_refunded_after_their_date_expire_at_the_next_run(
    app, client, make_resident, make_shop, shop_token, make_reward, expiring_after, set_now
):
    expiring_after(1)
    set_now(JAN)
    resident, (shop_id, _) = make_resident(), make_shop()
    assert scan(client, resident, shop_token(shop_id), action="bag").status_code == 201
    set_now(MAR_1 - timedelta(minutes=5))  # held as the points' last day ends
    held = redeem(client, resident, make_reward(shop_id, points=5)).get_json()["redemption"]
    with app.app_context():
        assert expiry.expire_points(MAR_1) == 0  # all of them are held: nothing to expire
    set_now(MAR_1 + timedelta(minutes=1))  # cancelled while the hold still lives
    path = f"/api/v1/redemptions/{held['id']}/cancel"
    assert client.post(path, headers=bearer(resident)).status_code == 200
    me = client.get(ME, headers=bearer(resident)).get_json()
    assert me["balance"] == 5 and me["expiring"][0]["points"] == 5
    with app.app_context():
        assert expiry.expire_points(MAR_1 + timedelta(minutes=15)) == 1
    me = client.get(ME, headers=bearer(resident)).get_json()
    assert (me["balance"], me["expiring"]) == (0, [])
    history = client.get("/api/v1/me/ledger", headers=bearer(resident)).get_json()["items"]
    assert (history[0]["kind"], history[0]["delta"]) == ("expire", -5)


def test_the_limit_may_be_set_and_cleared(client, make_admin, expiring_after):
    assert expiring_after(12)["points_expire_after_months"] == 12
    assert expiring_after(None)["points_expire_after_months"] is None
    got = client.get(LIMITS, headers=bearer(make_admin())).get_json()
    assert got["points_expire_after_months"] is None


@pytest.mark.parametrize("months", [0, 121, -1, "6", 1.5])
def test_a_bad_number_of_months_is_refused_and_changes_nothing(
    client, make_admin, expiring_after, months
):
    expiring_after(6)
    admin = make_admin()
    response = client.patch(
        LIMITS, json={"points_expire_after_months": months}, headers=bearer(admin)
    )
    assert response.status_code == 422
    assert "points_expire_after_months" in response.get_json()["errors"]
    assert client.get(LIMITS, headers=bearer(admin)).get_json()["points_expire_after_months"] == 6


def test_the_openapi_document_names_the_new_fields(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert schemas["Me"]["properties"]["expiring"]["type"] == "array"
    assert "points_expire_after_months" in schemas["Limits"]["properties"]


def test_the_console_sets_and_clears_the_months_and_explains_them(client, make_admin):
    sign_in(client, make_admin().user.email, lang="th")
    page = text(client.get("/admin/rules/"))
    assert 'name="points_expire_after_months"' in page and "ไม่มีผลกับแต้ม" in page
    limits = {
        "scan_cooldown_seconds": "1800",
        "daily_scans_per_shop": "3",
        "daily_scans": "10",
        "max_quantity": "5",
        "code_ttl_seconds": "600",
        "redemption_ttl_seconds": "900",
        "card_credits_per_shop_per_day": "30",
    }
    rules = "/admin/rules/"
    form = limits | {"points_expire_after_months": "200"}
    bad = post_form(client, "/admin/rules/limits", form, page=rules)
    assert bad.status_code == 422 and "กรอกตัวเลขตั้งแต่ 1 ถึง 120" in text(bad)
    for months, shown in (("24", 'value="24"'), ("", 'value=""')):
        form = limits | {"points_expire_after_months": months}
        assert post_form(client, "/admin/rules/limits", form, page=rules).status_code == 302
        field = 'name="points_expire_after_months" type="number" ' + shown
        assert field in text(client.get(rules))
