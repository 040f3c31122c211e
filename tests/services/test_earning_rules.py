"""The earning rules end to end against the database, with the clock moved by hand."""

from datetime import UTC, datetime, timedelta

from ecolife.extensions import db
from ecolife.models import User
from ecolife.services import settings
from tests.factories import bearer, scan

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok


def balance(client, resident):
    return client.get("/api/v1/me", headers=bearer(resident)).get_json()["balance"]


def test_one_second_before_the_cooldown_ends_is_refused_and_at_the_end_accepted(
    client, make_resident, make_shop, shop_token, set_now
):
    resident = make_resident()
    shop_id, _ = make_shop()
    token = shop_token(shop_id)
    set_now(T0)
    assert scan(client, resident, token).status_code == 201
    set_now(T0 + timedelta(seconds=1799))
    refused = scan(client, resident, token)
    assert refused.status_code == 429
    assert refused.get_json()["retry_after"] == 1
    set_now(T0 + timedelta(seconds=1800))
    assert scan(client, resident, token).status_code == 201
    assert balance(client, resident) == 10


def test_the_cooldown_is_per_shop(client, make_resident, make_shop, shop_token, set_now):
    resident = make_resident()
    first, second = make_shop()[0], make_shop()[0]
    set_now(T0)
    assert scan(client, resident, shop_token(first)).status_code == 201
    assert scan(client, resident, shop_token(second)).status_code == 201


def test_the_cooldown_spans_bangkok_midnight(client, make_resident, make_shop, shop_token, set_now):
    resident = make_resident()
    shop_id, _ = make_shop()
    midnight = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    set_now(midnight - timedelta(minutes=10))
    assert scan(client, resident, shop_token(shop_id)).status_code == 201
    set_now(midnight + timedelta(minutes=10))
    assert scan(client, resident, shop_token(shop_id)).get_json()["code"] == "cooldown_active"


def test_the_cap_th_scan_at_a_shop_is_accepted_and_the_next_refused(
    client, make_resident, make_shop, shop_token, set_now
):
    resident = make_resident()
    shop_id, _ = make_shop()
    token = shop_token(shop_id)
    for n in range(3):  # the default cap per shop per day
        set_now(T0 + timedelta(hours=n))
        assert scan(client, resident, token).status_code == 201
    set_now(T0 + timedelta(hours=3))
    refused = scan(client, resident, token)
    assert refused.status_code == 429
    assert refused.get_json()["code"] == "daily_cap_reached"
    # 13:00 in Bangkok: eleven hours until the next day.
    assert refused.get_json()["retry_after"] == 11 * 3600
    assert balance(client, resident) == 15


def test_a_scan_just_after_bangkok_midnight_counts_for_the_new_day(
    client, make_resident, make_shop, shop_token, set_now
):
    resident = make_resident()
    shop_id, _ = make_shop()
    token = shop_token(shop_id)
    midnight = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # 00:00 on the 24th in Bangkok
    for n in range(3):
        set_now(midnight - timedelta(hours=3 - n))
        assert scan(client, resident, token).status_code == 201
    set_now(midnight - timedelta(seconds=1))
    assert scan(client, resident, token).get_json()["code"] == "daily_cap_reached"
    set_now(midnight)
    assert scan(client, resident, token).status_code == 201


def test_the_overall_daily_cap_counts_all_shops(
    client, app, make_resident, make_shop, shop_token, set_now
):
    with app.app_context():
        settings.update_limits({"daily_scans": 2})
    resident = make_resident()
    tokens = [shop_token(make_shop()[0]) for _ in range(3)]
    set_now(T0)
    assert scan(client, resident, tokens[0]).status_code == 201
    assert scan(client, resident, tokens[1]).status_code == 201
    assert scan(client, resident, tokens[2]).get_json()["code"] == "daily_cap_reached"


def test_admin_tuned_cooldown_applies_at_once(
    client, app, make_resident, make_shop, shop_token, set_now
):
    with app.app_context():
        settings.update_limits({"scan_cooldown_seconds": 60})
    resident = make_resident()
    token = shop_token(make_shop()[0])
    set_now(T0)
    scan(client, resident, token)
    set_now(T0 + timedelta(seconds=59))
    assert scan(client, resident, token).get_json()["retry_after"] == 1
    set_now(T0 + timedelta(seconds=60))
    assert scan(client, resident, token).status_code == 201


def test_a_suspended_resident_earns_nothing(client, app, make_resident, make_shop, shop_token):
    resident = make_resident()
    with app.app_context():
        db.session.get(User, resident.user.id).suspended_at = T0
        db.session.commit()
    response = scan(client, resident, shop_token(make_shop()[0]))
    assert response.status_code == 403
    assert response.get_json()["code"] == "account_suspended"
