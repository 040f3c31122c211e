"""Requesting, confirming, cancelling and expiring redemptions through the API."""

import io
import re
from datetime import datetime, timedelta

import pytest
import zxingcpp
from PIL import Image

from ecolife import clock
from ecolife.errors import InsufficientPoints
from ecolife.extensions import db
from ecolife.models import Redemption
from ecolife.services import ledger, residents
from ecolife.services import redemptions as redemptions_service
from tests.factories import bearer, redeem
from tests.web.console import post_form, sign_in

CODE = re.compile(r"^[346789ABCDEFGHJKMNPQRTUVWXY]{6}$")


@pytest.fixture
def setup(make_resident, make_shop, make_reward, give_points):
    """A resident with 50 points and a 20-point reward (stock 2) at a shop."""
    resident = make_resident()
    give_points(resident.user.id, 50)
    shop_id, staff = make_shop()
    reward_id = make_reward(shop_id, points=20, stock=2)
    return resident, staff, shop_id, reward_id


def me(client, user):
    return client.get("/api/v1/me", headers=bearer(user)).get_json()


def stock(client, reward_id):
    return client.get(f"/api/v1/rewards/{reward_id}").get_json()["stock_left"]


def test_requesting_holds_the_points_and_one_item(client, setup):
    resident, _, shop_id, reward_id = setup
    response = redeem(client, resident, reward_id)
    assert response.status_code == 201
    body = response.get_json()
    assert body["balance"] == 30
    assert body["redemption"]["status"] == "pending"
    assert CODE.match(body["redemption"]["code"])
    assert body["redemption"]["reward"]["shop"]["id"] == shop_id
    assert stock(client, reward_id) == 1
    ledger = client.get("/api/v1/me/ledger", headers=bearer(resident)).get_json()["items"]
    assert (ledger[0]["kind"], ledger[0]["delta"], ledger[0]["balance_after"]) == (
        "redeem",
        -20,
        30,
    )


def test_the_redemption_expires_after_fifteen_minutes(client, setup):
    resident, *_, reward_id = setup
    body = redeem(client, resident, reward_id).get_json()["redemption"]
    created = clock.now()
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(minutes=14) < expires - created <= timedelta(minutes=15)


def test_a_retry_with_the_same_key_returns_the_first_redemption(client, setup):
    resident, *_, reward_id = setup
    first = redeem(client, resident, reward_id, key="r-1")
    again = redeem(client, resident, reward_id, key="r-1")
    assert again.status_code == 201
    assert again.get_json()["redemption"]["id"] == first.get_json()["redemption"]["id"]
    assert me(client, resident)["balance"] == 30


def test_not_enough_points_changes_nothing(client, setup, make_reward):
    resident, _, shop_id, _ = setup
    dear = make_reward(shop_id, points=60, stock=5)
    response = redeem(client, resident, dear)
    assert response.status_code == 409
    assert response.get_json()["code"] == "insufficient_points"
    assert me(client, resident)["balance"] == 50
    assert stock(client, dear) == 5


def test_out_of_stock_changes_nothing(client, setup, give_points):
    resident, _, _, reward_id = setup
    give_points(resident.user.id, 50)
    redeem(client, resident, reward_id)
    redeem(client, resident, reward_id)
    response = redeem(client, resident, reward_id)
    assert response.status_code == 409
    assert response.get_json()["code"] == "out_of_stock"
    assert me(client, resident)["balance"] == 60


@pytest.mark.parametrize(
    "fields",
    [
        {"active": False},
        {"active_from": datetime.fromisoformat("2099-01-01T00:00:00+07:00")},
        {"active_to": datetime.fromisoformat("2020-01-01T00:00:00+07:00")},
    ],
)
def test_an_unavailable_reward_is_refused(client, setup, make_reward, fields):
    resident, _, shop_id, _ = setup
    reward_id = make_reward(shop_id, **fields) if "active" not in fields else make_reward(shop_id)
    if "active" in fields:
        from ecolife.services import rewards

        with client.application.app_context():
            rewards.update_reward(reward_id, fields)
    response = redeem(client, resident, reward_id)
    assert response.status_code == 409
    assert response.get_json()["code"] == "reward_unavailable"
    assert me(client, resident)["balance"] == 50


def test_the_per_resident_limit_counts_held_redemptions(client, setup, make_reward):
    resident, _, shop_id, _ = setup
    reward_id = make_reward(shop_id, points=5, per_resident_limit=1)
    assert redeem(client, resident, reward_id).status_code == 201
    assert redeem(client, resident, reward_id).get_json()["code"] == "reward_unavailable"


def test_an_unknown_reward_is_unavailable(client, setup):
    resident, *_ = setup
    assert redeem(client, resident, 999).get_json()["code"] == "reward_unavailable"


@pytest.mark.parametrize("body", [{}, {"reward_id": "1"}, {"reward_id": 0}, {"x": 1}])
def test_bad_redemption_bodies_are_validation_errors(client, setup, body):
    resident, *_ = setup
    headers = {**bearer(resident), "Idempotency-Key": "k"}
    response = client.post("/api/v1/redemptions", json=body, headers=headers)
    assert response.status_code == 422


def test_a_redemption_needs_an_idempotency_key(client, setup):
    resident, *_, reward_id = setup
    response = client.post(
        "/api/v1/redemptions", json={"reward_id": reward_id}, headers=bearer(resident)
    )
    assert response.get_json()["code"] == "idempotency_key_required"


def test_the_qr_shows_the_code(client, setup):
    resident, *_, reward_id = setup
    redemption = redeem(client, resident, reward_id).get_json()["redemption"]
    png = client.get(redemption["qr_png_url"], headers=bearer(resident))
    assert png.mimetype == "image/png"
    codes = [b.text for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))]
    assert codes == [redemption["code"]]


def test_staff_look_up_and_confirm(client, setup):
    resident, staff, _, reward_id = setup
    redemption = redeem(client, resident, reward_id).get_json()["redemption"]
    typed = redemption["code"].lower()[:3] + "-" + redemption["code"].lower()[3:]
    found = client.post(
        "/api/v1/shop/redemptions/lookup", json={"code": typed}, headers=bearer(staff)
    )
    assert found.status_code == 200
    assert found.get_json()["resident"] == "ผู้อยู่อาศัย"
    confirmed = client.post(
        f"/api/v1/shop/redemptions/{redemption['id']}/confirm", headers=bearer(staff)
    )
    assert confirmed.status_code == 200
    assert confirmed.get_json()["redemption"]["status"] == "confirmed"
    again = client.post(
        f"/api/v1/shop/redemptions/{redemption['id']}/confirm", headers=bearer(staff)
    )
    assert again.status_code == 409
    assert again.get_json()["code"] == "not_pending"
    mine = client.get(f"/api/v1/redemptions/{redemption['id']}", headers=bearer(resident))
    assert mine.get_json()["status"] == "confirmed"
    assert mine.get_json()["confirmed_at"] is not None
    assert me(client, resident)["balance"] == 30


def test_another_shops_redemption_is_not_found(client, setup, make_shop):
    resident, _, _, reward_id = setup
    _, other_staff = make_shop()
    redemption = redeem(client, resident, reward_id).get_json()["redemption"]
    lookup = client.post(
        "/api/v1/shop/redemptions/lookup",
        json={"code": redemption["code"]},
        headers=bearer(other_staff),
    )
    assert lookup.status_code == 404
    confirm = client.post(
        f"/api/v1/shop/redemptions/{redemption['id']}/confirm", headers=bearer(other_staff)
    )
    assert confirm.status_code == 404


def test_cancelling_refunds_and_returns_the_stock(client, setup):
    resident, staff, _, reward_id = setup
    redemption = redeem(client, resident, reward_id).get_json()["redemption"]
    response = client.post(
        f"/api/v1/redemptions/{redemption['id']}/cancel", headers=bearer(resident)
    )
    assert response.status_code == 200
    assert response.get_json()["balance"] == 50
    assert response.get_json()["redemption"]["status"] == "cancelled"
    assert stock(client, reward_id) == 2
    again = client.post(f"/api/v1/redemptions/{redemption['id']}/cancel", headers=bearer(resident))
    assert again.get_json()["code"] == "not_pending"
    confirm = client.post(
        f"/api/v1/shop/redemptions/{redemption['id']}/confirm", headers=bearer(staff)
    )
    assert confirm.get_json()["code"] == "not_pending"


def test_an_overdue_redemption_expires_on_read_and_cannot_be_confirmed(client, setup, monkeypatch):
    resident, staff, _, reward_id = setup
    redemption = redeem(client, resident, reward_id).get_json()["redemption"]
    later = clock.now() + timedelta(minutes=15, seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    confirm = client.post(
        f"/api/v1/shop/redemptions/{redemption['id']}/confirm", headers=bearer(staff)
    )
    assert confirm.get_json()["code"] == "not_pending"
    # The refused confirm itself expired it: points and stock are back before anyone reads it.
    assert me(client, resident)["balance"] == 50
    assert stock(client, reward_id) == 2
    mine = client.get(f"/api/v1/redemptions/{redemption['id']}", headers=bearer(resident))
    assert mine.get_json()["status"] == "expired"
    entries = client.get("/api/v1/me/ledger", headers=bearer(resident)).get_json()["items"]
    assert [e["kind"] for e in entries].count("refund") == 1


def test_expire_redemptions_command_refunds_overdue_ones(client, runner, setup, monkeypatch):
    resident, _, _, reward_id = setup
    redeem(client, resident, reward_id)
    redeem(client, resident, reward_id)
    assert runner.invoke(args=["expire-redemptions"]).output.startswith("Expired 0")
    later = clock.now() + timedelta(minutes=16)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert runner.invoke(args=["expire-redemptions"]).output.startswith("Expired 2")
    assert me(client, resident)["balance"] == 50


def test_residents_see_only_their_own_redemptions(client, setup, make_resident):
    resident, *_, reward_id = setup
    redemption = redeem(client, resident, reward_id).get_json()["redemption"]
    other = make_resident()
    for path in ("", "/qr.png"):
        url = f"/api/v1/redemptions/{redemption['id']}{path}"
        assert client.get(url, headers=bearer(other)).status_code == 404
    cancel = client.post(f"/api/v1/redemptions/{redemption['id']}/cancel", headers=bearer(other))
    assert cancel.status_code == 404
    listed = client.get("/api/v1/me/redemptions", headers=bearer(resident)).get_json()
    assert [r["id"] for r in listed["items"]] == [redemption["id"]]
    assert client.get("/api/v1/me/redemptions", headers=bearer(other)).get_json()["items"] == []


def test_shop_summary_and_admin_statement_add_up(client, setup, make_admin, shop_token):
    from tests.factories import scan

    resident, staff, shop_id, reward_id = setup
    scan(client, resident, shop_token(shop_id), quantity=2)
    first = redeem(client, resident, reward_id).get_json()["redemption"]
    redeem(client, resident, reward_id)
    client.post(f"/api/v1/shop/redemptions/{first['id']}/confirm", headers=bearer(staff))
    summary = client.get("/api/v1/shop/summary", headers=bearer(staff)).get_json()
    expected = {
        "scans": 1,
        "items": 2,
        "points_issued": 10,
        "points_redeemed": 20,
        "redemptions": {"pending": 1, "confirmed": 1, "cancelled": 0, "expired": 0},
    }
    assert summary["today"] == summary["month"] == summary["all_time"] == expected
    today = clock.now().astimezone(__import__("ecolife.rules").rules.BANGKOK).date()
    statement = client.get(
        f"/api/v1/admin/shops/{shop_id}/statement?from={today}&to={today}",
        headers=bearer(make_admin()),
    ).get_json()
    assert {k: statement[k] for k in expected} == expected
    empty = client.get(
        f"/api/v1/admin/shops/{shop_id}/statement?from=2020-01-01&to=2020-01-31",
        headers=bearer(make_admin()),
    ).get_json()
    assert empty["scans"] == empty["points_redeemed"] == 0


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?from=2026-01-02&to=2026-01-01",
        "?from=x&to=2026-01-01",
        "?from=2020-01-01&to=2026-01-01",
    ],
)
def test_bad_statement_ranges_are_refused(client, setup, make_admin, query):
    _, _, shop_id, _ = setup
    response = client.get(
        f"/api/v1/admin/shops/{shop_id}/statement{query}", headers=bearer(make_admin())
    )
    assert response.status_code == 422


def test_a_suspended_resident_cannot_redeem(client, app, setup, make_admin):
    resident, _staff, _shop_id, reward_id = setup
    with app.app_context():
        residents.suspend_resident(resident.user.id, reason="abuse", actor_id=make_admin().user.id)
    response = redeem(client, resident, reward_id)
    assert (response.status_code, response.get_json()["code"]) == (403, "account_suspended")
    assert me(client, resident)["balance"] == 50
    assert stock(client, reward_id) == 2


def test_reading_an_overdue_redemption_writes_nothing(client, app, setup, monkeypatch):
    resident, staff, _, reward_id = setup
    redemption = redeem(client, resident, reward_id).get_json()["redemption"]
    later = clock.now() + timedelta(minutes=16)
    monkeypatch.setattr(clock, "now", lambda: later)
    mine = client.get(f"/api/v1/redemptions/{redemption['id']}", headers=bearer(resident))
    assert mine.get_json()["status"] == "expired"
    looked_up = client.post(
        "/api/v1/shop/redemptions/lookup", json={"code": redemption["code"]}, headers=bearer(staff)
    )
    assert looked_up.get_json()["status"] == "expired"
    # Reads never write: the hold is still stored as pending, the points still held.
    with app.app_context():
        stored = db.session.get(Redemption, redemption["id"])
        assert stored.status == "pending"
        db.session.remove()
    assert me(client, resident)["balance"] == 30


def test_the_residents_next_request_settles_their_overdue_holds_first(client, setup, monkeypatch):
    resident, _, _, reward_id = setup
    redeem(client, resident, reward_id)
    redeem(client, resident, reward_id)
    later = clock.now() + timedelta(minutes=16)
    monkeypatch.setattr(clock, "now", lambda: later)
    # 10 points left until the two overdue holds come back: the request settles them first.
    response = redeem(client, resident, reward_id)
    assert response.status_code == 201
    assert response.get_json()["balance"] == 30
    assert stock(client, reward_id) == 1


def test_a_debit_below_zero_is_insufficient_points_not_an_error(client, setup, app):
    resident, *_ = setup
    with app.app_context(), pytest.raises(InsufficientPoints):
        ledger.adjust_balance(resident.user.id, -51, reason="too much", actor_id=None)
    assert me(client, resident)["balance"] == 50


def test_the_api_and_the_console_confirm_through_one_service(client, setup, monkeypatch):
    calls = []
    real = redemptions_service.confirm_redemption

    def spy(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(redemptions_service, "confirm_redemption", spy)
    resident, staff, shop_id, reward_id = setup
    first = redeem(client, resident, reward_id).get_json()["redemption"]
    second = redeem(client, resident, reward_id).get_json()["redemption"]
    api = client.post(f"/api/v1/shop/redemptions/{first['id']}/confirm", headers=bearer(staff))
    assert api.status_code == 200
    console_client = client.application.test_client()
    sign_in(console_client, staff.user.email)
    post_form(
        console_client,
        f"/shop/redemptions/{second['id']}/confirm",
        {},
        page=f"/shop/redemptions/{second['id']}",
    )
    assert calls == [(shop_id, staff.user.id, first["id"]), (shop_id, staff.user.id, second["id"])]


def test_a_replayed_request_answers_the_balance_of_its_first_answer(
    client, setup, make_reward, give_points
):
    resident, _, shop_id, reward_id = setup
    first = redeem(client, resident, reward_id, key="same").get_json()
    assert first["balance"] == 30
    give_points(resident.user.id, 7)
    redeem(client, resident, make_reward(shop_id, points=10), key="other")
    replayed = redeem(client, resident, reward_id, key="same")
    assert replayed.status_code == 201
    assert replayed.get_json()["balance"] == 30
    assert replayed.get_json()["redemption"] == first["redemption"]
