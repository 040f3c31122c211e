"""One-time counter codes: POST /api/v1/shop/codes and scanning them."""

from datetime import UTC, datetime, timedelta

import pytest
import zxingcpp
from PIL import Image

from tests.factories import bearer, scan

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def issue(client, staff, **body):
    return client.post("/api/v1/shop/codes", json={"action": "bag", **body}, headers=bearer(staff))


def test_staff_issue_a_code_that_expires_in_ten_minutes(client, make_shop, set_now):
    _, staff = make_shop()
    set_now(T0)
    response = issue(client, staff, action="foam_box", quantity=2)
    assert response.status_code == 201
    body = response.get_json()
    assert body["url"] == f"http://ecolife.test/q/{body['token']}"
    assert body["action"] == "foam_box"
    assert body["quantity"] == 2
    assert body["status"] == "active"
    assert datetime.fromisoformat(body["expires_at"]) == T0 + timedelta(minutes=10)
    assert body["qr_png_url"] == f"/api/v1/shop/codes/{body['id']}/qr.png"


def test_the_first_resident_to_scan_a_code_is_credited_and_later_ones_get_code_used(
    client, make_shop, make_resident
):
    _, staff = make_shop()
    code = issue(client, staff, quantity=2).get_json()
    first, second = make_resident(), make_resident()
    credited = scan(client, first, code["url"], action="straw", quantity=5)
    assert credited.status_code == 201
    assert credited.get_json()["scan"]["action"] == "bag"  # the code decides, not the body
    assert credited.get_json()["scan"]["points"] == 10
    assert credited.get_json()["scan"]["one_time_code"] is True
    again = scan(client, first, code["token"])
    assert again.status_code == 409
    assert again.get_json()["code"] == "code_used"
    assert scan(client, second, code["token"]).get_json()["code"] == "code_used"
    status = client.get(f"/api/v1/shop/codes/{code['id']}", headers=bearer(staff)).get_json()
    assert status["status"] == "used"


def test_a_code_scanned_at_its_expiry_is_refused(client, make_shop, make_resident, set_now):
    _, staff = make_shop()
    resident = make_resident()  # signed in before the clock is moved
    set_now(T0)
    code = issue(client, staff).get_json()
    set_now(T0 + timedelta(minutes=10))
    response = scan(client, resident, code["token"])
    assert response.status_code == 410
    assert response.get_json()["code"] == "code_expired"
    set_now(T0 + timedelta(minutes=10, seconds=1))
    status = client.get(f"/api/v1/shop/codes/{code['id']}", headers=bearer(staff)).get_json()
    assert status["status"] == "expired"


def test_a_code_one_second_before_expiry_credits(client, make_shop, make_resident, set_now):
    _, staff = make_shop()
    resident = make_resident()
    set_now(T0)
    code = issue(client, staff).get_json()
    set_now(T0 + timedelta(minutes=10) - timedelta(seconds=1))
    assert scan(client, resident, code["token"]).status_code == 201


def test_a_code_skips_the_poster_cooldown(client, make_shop, make_resident, shop_token):
    shop_id, staff = make_shop()
    resident = make_resident()
    assert scan(client, resident, shop_token(shop_id)).status_code == 201
    code = issue(client, staff).get_json()
    assert scan(client, resident, code["token"]).status_code == 201


def test_a_refused_scan_does_not_use_up_the_code(client, app, make_shop, make_resident, shop_token):
    from ecolife.services import settings

    with app.app_context():
        settings.update_limits({"daily_scans": 1})
    _, staff = make_shop()
    capped, fresh = make_resident(), make_resident()
    scan(client, capped, shop_token(make_shop()[0]))
    code = issue(client, staff).get_json()
    assert scan(client, capped, code["token"]).get_json()["code"] == "daily_cap_reached"
    assert scan(client, fresh, code["token"]).status_code == 201


def test_the_code_qr_decodes_to_its_url(client, make_shop, tmp_path):
    _, staff = make_shop()
    code = issue(client, staff).get_json()
    response = client.get(code["qr_png_url"], headers=bearer(staff))
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "private, no-store"
    path = tmp_path / "code.png"
    path.write_bytes(response.data)
    decoded = zxingcpp.read_barcodes(Image.open(path))
    assert [d.text for d in decoded] == [code["url"]]


def test_another_shops_code_is_not_found(client, make_shop):
    _, staff = make_shop()
    _, other_staff = make_shop()
    code = issue(client, staff).get_json()
    assert (
        client.get(f"/api/v1/shop/codes/{code['id']}", headers=bearer(other_staff)).status_code
        == 404
    )
    assert client.get(code["qr_png_url"], headers=bearer(other_staff)).status_code == 404


@pytest.mark.parametrize(
    "body, field",
    [
        ({"action": "spoon"}, "action"),
        ({"action": "bag", "quantity": 0}, "quantity"),
        ({"action": "bag", "quantity": 6}, "quantity"),
        ({"quantity": 1}, "action"),
        ({"action": "bag", "shop_id": 3}, "shop_id"),
    ],
)
def test_bad_code_requests_are_validation_errors(client, make_shop, body, field):
    _, staff = make_shop()
    response = client.post("/api/v1/shop/codes", json=body, headers=bearer(staff))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_only_shop_staff_issue_codes(client, make_resident, make_admin):
    assert client.post("/api/v1/shop/codes", json={"action": "bag"}).status_code == 401
    for user in (make_resident(), make_admin()):
        response = client.post("/api/v1/shop/codes", json={"action": "bag"}, headers=bearer(user))
        assert response.status_code == 403


def test_a_suspended_shop_cannot_issue_codes(client, app, make_shop):
    from ecolife.services import shops

    shop_id, staff = make_shop()
    with app.app_context():
        shops.update_shop(shop_id, {"active": False})
    response = issue(client, staff)
    assert response.status_code == 409
    assert response.get_json()["code"] == "shop_inactive"
