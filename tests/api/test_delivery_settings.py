"""Each user's notification channels: all off until they turn one on; e-mail only for staff and
admins with an address; the answer says what this server offers."""

import hashlib

from sqlalchemy import func, select

from ecolife.extensions import db
from ecolife.models import ChannelPreference, LineLink, PushSubscription
from ecolife.services import line_messaging, web_push
from tests.factories import PASSWORD, bearer

URL = "/api/v1/me/notification-settings"
ENDPOINT = "https://fcm.googleapis.com/fcm/send/export-test"
P256DH = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
AUTH = "tBHItJI5svbpez7KI4CCXg"
LINE_USER = "U" + "7" * 32


def test_a_new_resident_has_every_channel_off(client, make_resident):
    resident = make_resident()
    response = client.get(URL, headers=bearer(resident))
    assert response.status_code == 200
    assert response.get_json() == {
        "web_push": False,
        "web_push_available": True,
        "web_push_subscribed": False,
        "web_push_browsers": [],
        "line": {
            "enabled": False,
            "linked": False,
            "available": True,
            "add_friend_url": "https://lin.ee/ecolife-test",
        },
        "email": {"enabled": False, "available": False},
    }


def test_a_resident_turns_phone_notifications_and_line_on_and_off(client, make_resident):
    resident = make_resident()
    on = client.patch(
        URL, json={"web_push": True, "line": {"enabled": True}}, headers=bearer(resident)
    )
    assert on.status_code == 200
    assert on.get_json()["web_push"] is True and on.get_json()["line"]["enabled"] is True
    off = client.patch(URL, json={"line": {"enabled": False}}, headers=bearer(resident))
    # What the request leaves out stays as it was.
    assert off.get_json()["web_push"] is True and off.get_json()["line"]["enabled"] is False
    assert client.get(URL, headers=bearer(resident)).get_json() == off.get_json()


def test_an_admin_with_an_email_address_may_turn_email_on(client, make_admin):
    admin = make_admin()
    before = client.get(URL, headers=bearer(admin)).get_json()
    assert before["email"] == {"enabled": False, "available": True}
    response = client.patch(URL, json={"email": {"enabled": True}}, headers=bearer(admin))
    assert response.get_json()["email"] == {"enabled": True, "available": True}


def test_what_a_server_decides_cannot_be_patched(client, make_resident):
    resident = make_resident()
    for body in ({}, {"line": {"linked": True}}, {"email": {"available": True}}, {"sms": True}):
        response = client.patch(URL, json=body, headers=bearer(resident))
        assert response.status_code == 422, body


def _subscribe_and_link(app, resident) -> None:
    with app.test_request_context():
        web_push.subscribe(resident.user.id, ENDPOINT, P256DH, AUTH)
        code = line_messaging.start_link(resident.user.id).code
        line_messaging.link_by_code(code, LINE_USER)


def test_a_residents_data_export_tells_where_their_notifications_go(app, client, make_resident):
    resident = make_resident()
    _subscribe_and_link(app, resident)
    exported = client.get("/api/v1/me/export", headers=bearer(resident)).get_json()
    assert [s["endpoint"] for s in exported["push_subscriptions"]] == [ENDPOINT]
    assert [a["line_user_id"] for a in exported["line_account"]] == [LINE_USER]
    assert {(c["channel"], c["enabled"]) for c in exported["notification_channels"]} == {
        ("web_push", True),
        ("line", True),
    }


def test_erasing_an_account_forgets_its_browsers_and_line_account(app, client, make_resident):
    resident = make_resident()
    _subscribe_and_link(app, resident)
    response = client.delete("/api/v1/me", json={"password": PASSWORD}, headers=bearer(resident))
    assert response.status_code == 204
    with app.app_context():
        for model in (PushSubscription, LineLink, ChannelPreference):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
        db.session.remove()


def test_the_settings_name_each_browser_by_its_endpoints_digest(app, client, make_resident):
    resident = make_resident()
    with app.test_request_context():
        web_push.subscribe(resident.user.id, ENDPOINT, P256DH, AUTH)
    answer = client.get(URL, headers=bearer(resident)).get_json()
    assert answer["web_push_browsers"] == [hashlib.sha256(ENDPOINT.encode()).hexdigest()]


def test_turning_one_browser_off_keeps_phone_notifications_on_until_the_last(
    app, client, make_resident
):
    resident = make_resident()
    phone, tablet = ENDPOINT + "-phone", ENDPOINT + "-tablet"
    with app.test_request_context():
        web_push.subscribe(resident.user.id, phone, P256DH, AUTH)
        web_push.subscribe(resident.user.id, tablet, P256DH, AUTH)
    forget = "/api/v1/me/push-subscriptions"
    client.delete(forget, json={"endpoint": phone}, headers=bearer(resident))
    left = client.get(URL, headers=bearer(resident)).get_json()
    assert left["web_push"] is True
    assert left["web_push_browsers"] == [hashlib.sha256(tablet.encode()).hexdigest()]
    client.delete(forget, json={"endpoint": tablet}, headers=bearer(resident))
    none = client.get(URL, headers=bearer(resident)).get_json()
    assert none["web_push"] is False and none["web_push_subscribed"] is False


def test_changing_the_password_unsubscribes_every_browser(app, client, make_resident):
    resident = make_resident()
    with app.test_request_context():
        web_push.subscribe(resident.user.id, ENDPOINT, P256DH, AUTH)
    response = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "a-new-Password-2027"},
        headers=bearer(resident),
    )
    assert response.status_code == 204
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 0
        db.session.remove()
