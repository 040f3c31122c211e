"""Every earning and rewards endpoint, for every kind of caller: each allow and each deny;
every admin endpoint for a province-wide admin, an in-area and an out-of-area admin."""

import io

import pytest
from PIL import Image

from tests.factories import PASSWORD, add_campaign, add_declaration, bearer, redeem
from tests.routes import routes_missing

WHO = ("anonymous", "resident_a", "resident_b", "staff_x", "staff_y", "admin")
OK = {200, 201, 202, 204}
SIGNED_IN = ("resident_a", "resident_b", "staff_x", "staff_y", "admin")
# A browser's push subscription as PushSubscription.toJSON() gives it (delivery's routes).
PUSH_ENDPOINT = "https://fcm.googleapis.com/fcm/send/access-table"
PUSH_SUBSCRIPTION = {
    "endpoint": PUSH_ENDPOINT,
    "keys": {
        "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1Xbjh"
        "azAkj7I99e8QcYP7DkM",
        "auth": "tBHItJI5svbpez7KI4CCXg",
    },
}


@pytest.fixture
def world(
    client,
    make_resident,
    make_shop,
    make_admin,
    make_reward,
    give_points,
    make_code,
    make_card_holder,
):
    resident_a, resident_b = make_resident(), make_resident()
    _, card = make_card_holder(points=100)
    give_points(resident_a.user.id, 100)
    shop_x, staff_x = make_shop()
    shop_y, staff_y = make_shop()
    reward_x = make_reward(shop_x, points=10, stock=100)
    redemption = redeem(client, resident_a, reward_x).get_json()["redemption"]
    code_id, _ = make_code(staff_x)
    users = {
        "anonymous": None,
        "resident_a": resident_a,
        "resident_b": resident_b,
        "staff_x": staff_x,
        "staff_y": staff_y,
        "admin": make_admin(),
    }
    ids = {
        "shop_x": shop_x,
        "reward_x": reward_x,
        "redemption": redemption["id"],
        "code": redemption["code"],
        "code_id": code_id,
        "card": card,
    }
    return users, ids


def allow(*who):
    return {w: ("allow" if w in who else None) for w in WHO}


# (method, path, body, who is allowed); everyone else is denied with 401 (anonymous),
# 403 (wrong role) or 404 (right role, someone else's object).
TABLE = [
    ("get", "/api/v1/actions", None, WHO),
    ("get", "/api/v1/rewards", None, WHO),
    ("get", "/api/v1/rewards/{reward_x}", None, WHO),
    ("get", "/api/v1/shops/{shop_x}", None, WHO),
    ("get", "/api/v1/public/impact", None, WHO),
    ("post", "/api/v1/scans", {"code": "unknown-token-123456"}, ()),
    ("get", "/api/v1/me", None, ("resident_a", "resident_b", "staff_x", "staff_y", "admin")),
    (
        "patch",
        "/api/v1/me",
        {"home_tambon_code": "510101"},
        ("resident_a", "resident_b", "staff_x", "staff_y", "admin"),
    ),
    ("get", "/api/v1/areas?parent=51", None, WHO),
    # Campaigns near the resident: residents only.
    ("get", "/api/v1/campaigns", None, ("resident_a", "resident_b")),
    ("get", "/api/v1/me/ledger", None, ("resident_a", "resident_b", "staff_x", "staff_y", "admin")),
    ("get", "/api/v1/me/redemptions", None, ("resident_a", "resident_b")),
    (
        "post",
        "/api/v1/me/password",
        {"current_password": PASSWORD, "new_password": "another-password-9"},
        ("resident_a", "resident_b", "staff_x", "staff_y", "admin"),
    ),
    ("get", "/api/v1/privacy-notice", None, WHO),
    (
        "post",
        "/api/v1/me/consents",
        {"privacy_notice_version": 1},
        ("resident_a", "resident_b", "staff_x", "staff_y", "admin"),
    ),
    ("get", "/api/v1/me/export", None, ("resident_a", "resident_b", "staff_x", "staff_y", "admin")),
    # The inbox: every signed-in user has their own (the routes take no id; foreign ids in
    # the body are ignored, tests/api/test_notifications.py).
    (
        "get",
        "/api/v1/me/notifications",
        None,
        ("resident_a", "resident_b", "staff_x", "staff_y", "admin"),
    ),
    (
        "post",
        "/api/v1/me/notifications/read",
        {"all": True},
        ("resident_a", "resident_b", "staff_x", "staff_y", "admin"),
    ),
    # Where notifications go (delivery): each signed-in user's own channels (no ids); the
    # VAPID public key is public. LINE's webhook is signed, not authorised: test_line_messaging.
    ("get", "/api/v1/push/vapid-public-key", None, WHO),
    ("get", "/api/v1/me/notification-settings", None, SIGNED_IN),
    ("patch", "/api/v1/me/notification-settings", {"web_push": False}, SIGNED_IN),
    ("post", "/api/v1/me/push-subscriptions", PUSH_SUBSCRIPTION, SIGNED_IN),
    ("delete", "/api/v1/me/push-subscriptions", {"endpoint": PUSH_ENDPOINT}, SIGNED_IN),
    ("post", "/api/v1/me/line-link", None, SIGNED_IN),
    ("delete", "/api/v1/me/line-link", None, SIGNED_IN),
    # Staff and admins are not erased this way (403); each resident erases only themselves.
    ("delete", "/api/v1/me", {"password": PASSWORD}, ("resident_a", "resident_b")),
    # The member card: each resident's own (the routes take no id); residents only.
    ("get", "/api/v1/me/card", None, ("resident_a", "resident_b")),
    ("get", "/api/v1/me/card/qr.png", None, ("resident_a", "resident_b")),
    ("get", "/api/v1/me/card.pdf", None, ("resident_a", "resident_b")),
    ("post", "/api/v1/me/card/rotate", None, ("resident_a", "resident_b")),
    (
        "post",
        "/api/v1/me/card/pin",
        {"pin": "2580", "password": PASSWORD},
        ("resident_a", "resident_b"),
    ),
    ("get", "/api/v1/redemptions/{redemption}", None, ("resident_a",)),
    ("get", "/api/v1/redemptions/{redemption}/qr.png", None, ("resident_a",)),
    ("post", "/api/v1/shop/codes", {"action": "bag"}, ("staff_x", "staff_y")),
    ("get", "/api/v1/shop/codes/{code_id}", None, ("staff_x",)),
    ("get", "/api/v1/shop/codes/{code_id}/qr.png", None, ("staff_x",)),
    ("get", "/api/v1/shop/qr.png", None, ("staff_x", "staff_y")),
    ("get", "/api/v1/shop/summary", None, ("staff_x", "staff_y")),
    ("get", "/api/v1/shop/rewards", None, ("staff_x", "staff_y")),
    ("post", "/api/v1/shop/rewards", {"name_th": "ของรางวัล", "points": 5}, ("staff_x", "staff_y")),
    ("patch", "/api/v1/shop/rewards/{reward_x}", {"points": 11}, ("staff_x",)),
    ("post", "/api/v1/shop/redemptions/lookup", {"code": "{code}"}, ("staff_x",)),
    # Member cards at the counter: any shop's staff, each at their own shop (the
    # card-redemptions route is in test_card_redemption_access: its body takes an id).
    ("post", "/api/v1/shop/card-scans", {"card": "{card}"}, ("staff_x", "staff_y")),
    ("get", "/api/v1/shop/cards/{card}", None, ("staff_x", "staff_y")),
    ("get", "/api/v1/admin/actions", None, ("admin",)),
    ("get", "/api/v1/admin/limits", None, ("admin",)),
    ("get", "/api/v1/admin/shops/{shop_x}/rewards", None, ("admin",)),
    ("post", "/api/v1/admin/shops/{shop_x}/rewards", {"name_th": "ก", "points": 5}, ("admin",)),
    ("patch", "/api/v1/admin/rewards/{reward_x}", {"points": 12}, ("admin",)),
    (
        "get",
        "/api/v1/admin/shops/{shop_x}/statement?from=2026-01-01&to=2026-01-31",
        None,
        ("admin",),
    ),
    ("post", "/api/v1/admin/shops/{shop_x}/rotate-qr", None, ("admin",)),
    ("post", "/api/v1/admin/shops/posters", None, ("admin",)),
    ("get", "/api/v1/admin/shops/{shop_x}/poster.png", None, ("admin",)),
]
# Denials that are 404, not 403: the caller has the right role but the object is not theirs.
NOT_THEIRS = {
    ("/api/v1/redemptions/{redemption}", "resident_b"),
    ("/api/v1/redemptions/{redemption}/qr.png", "resident_b"),
    ("/api/v1/shop/codes/{code_id}", "staff_y"),
    ("/api/v1/shop/codes/{code_id}/qr.png", "staff_y"),
    ("/api/v1/shop/rewards/{reward_x}", "staff_y"),
    ("/api/v1/shop/redemptions/lookup", "staff_y"),
}


@pytest.mark.parametrize(
    "method, path, body, allowed", TABLE, ids=[f"{m} {p}" for m, p, *_ in TABLE]
)
def test_access(client, world, method, path, body, allowed):
    users, ids = world
    url = path.format(**ids)
    payload = {k: v.format(**ids) if isinstance(v, str) else v for k, v in (body or {}).items()}
    for who in WHO:
        headers = {"Idempotency-Key": f"access-{who}"}
        if users[who] is not None:
            headers.update(bearer(users[who]))
        response = getattr(client, method)(url, json=payload if body else None, headers=headers)
        assert response.status_code in expected(path, allowed, who), (
            who,
            url,
            response.get_json(silent=True),
        )


def expected(path: str, allowed, who: str) -> set[int]:
    if who in allowed:
        return OK
    if who == "anonymous":
        return {401}
    if path == "/api/v1/scans":  # residents may scan; this token is simply unknown
        return {404} if who.startswith("resident") else {403}
    return {404} if (path, who) in NOT_THEIRS else {403}


@pytest.mark.parametrize("who", WHO)
def test_confirm_and_cancel_access(client, world, who):
    users, ids = world
    headers = bearer(users[who]) if users[who] else {}
    confirm = client.post(f"/api/v1/shop/redemptions/{ids['redemption']}/confirm", headers=headers)
    cancel = client.post(f"/api/v1/redemptions/{ids['redemption']}/cancel", headers=headers)
    expected_confirm = {"anonymous": 401, "staff_x": 200, "staff_y": 404}.get(who, 403)
    expected_cancel = {"anonymous": 401, "resident_a": None, "resident_b": 404}.get(who, 403)
    assert confirm.status_code == expected_confirm
    if expected_cancel is None:  # confirmed by staff_x in another run; here still pending
        assert cancel.status_code == 200
    else:
        assert cancel.status_code == expected_cancel


@pytest.mark.parametrize("who", WHO)
def test_card_redemption_access(client, world, who):
    """Only staff hand over rewards at the counter, and only their own shop's (another
    shop's reward is not found)."""
    users, ids = world
    headers = {"Idempotency-Key": f"card-{who}", **(bearer(users[who]) if users[who] else {})}
    body = {"card": ids["card"], "reward_id": ids["reward_x"], "pin": "2580"}
    response = client.post("/api/v1/shop/card-redemptions", json=body, headers=headers)
    expected = {"anonymous": 401, "staff_x": 201, "staff_y": 404}.get(who, 403)
    assert response.status_code == expected, response.get_json()


# Every admin route of the API, for a province-wide admin, an admin of the district the shop
# is in (5101), and an admin of another district (5104): the expected status of each.
ADMINS = ("province", "in_area", "out_of_area")
ADMIN_AREAS = {"province": None, "in_area": "5101", "out_of_area": "5104"}
SHOP = (200, 200, 404)  # another area's shop answers 404: it is not even said to exist
PROGRAMME = (200, 403, 403)  # programme-wide: province-wide admins only
CREATED = (201, 201, 404)
NEW_SHOP = {
    "name": "ร้านใหม่",
    "district": "5101",
    "tambon_code": "510101",
    "owner": {"display_name": "เจ้าของ", "email": "{who}@shop.test"},
}
CAMPAIGN = {
    "name_th": "แคมเปญ {who}",
    "starts_at": "2099-01-01T00:00:00+07:00",
    "ends_at": "2099-02-01T00:00:00+07:00",
    "multiplier": 2,
}
ADMIN_TABLE = [
    ("get", "/api/v1/admin/shops", None, (200, 200, 200)),
    ("post", "/api/v1/admin/shops", NEW_SHOP, (201, 201, 422)),
    ("get", "/api/v1/admin/shops/{shop_x}", None, SHOP),
    ("patch", "/api/v1/admin/shops/{shop_x}", {"phone": "053511111"}, SHOP),
    ("post", "/api/v1/admin/shops/{shop_x}/rotate-qr", None, SHOP),
    ("get", "/api/v1/admin/shops/{shop_x}/qr.png", None, SHOP),
    ("get", "/api/v1/admin/shops/{shop_x}/poster.png", None, SHOP),
    ("get", "/api/v1/admin/shops/{shop_x}/poster.pdf", None, SHOP),
    ("get", "/api/v1/admin/shops/{shop_x}/rewards", None, SHOP),
    ("post", "/api/v1/admin/shops/{shop_x}/rewards", {"name_th": "ก", "points": 5}, CREATED),
    ("patch", "/api/v1/admin/rewards/{reward_x}", {"points": 12}, SHOP),
    ("put", "/api/v1/admin/rewards/{reward_x}/image", "image", SHOP),
    ("get", "/api/v1/admin/shops/{shop_x}/statement?from=2026-01-01&to=2026-01-31", None, SHOP),
    ("post", "/api/v1/admin/shops/posters", None, (202, 202, 202)),
    ("post", "/api/v1/admin/shops/import", "csv", (202, 202, 202)),
    # A job is its creator's only (here the province-wide admin's), whatever the area.
    ("get", "/api/v1/admin/jobs/{job}", None, (200, 404, 404)),
    ("get", "/api/v1/admin/jobs/{job}/files/none.csv", None, (404, 404, 404)),
    ("get", "/api/v1/admin/actions", None, PROGRAMME),
    (
        "post",
        "/api/v1/admin/actions",
        {"code": "{who}", "name_th": "ก", "name_en": "A", "points": 1, "grams": 1},
        (201, 403, 403),
    ),
    ("patch", "/api/v1/admin/actions/bag", {"points": 2}, PROGRAMME),
    ("get", "/api/v1/admin/limits", None, PROGRAMME),
    ("patch", "/api/v1/admin/limits", {"daily_scans": 20}, PROGRAMME),
    ("get", "/api/v1/admin/admins", None, PROGRAMME),
    ("get", "/api/v1/admin/personal-data-access", None, PROGRAMME),
    # Every admin reads it: a scoped one gets their area's shops without programme totals.
    ("get", "/api/v1/admin/reports/liability", None, (200, 200, 200)),
    (
        "post",
        "/api/v1/admin/admins",
        {"email": "{who}@admins.test", "display_name": "ผู้ดูแล", "area_code": "5102"},
        (201, 403, 403),
    ),
    # Assisted registration: a scoped admin registers residents of their own area only.
    (
        "post",
        "/api/v1/admin/residents",
        {"display_name": "ยาย {who}", "home_tambon_code": "510101", "pin": "2580"},
        (201, 201, 422),
    ),
    # Each admin lists their own area's targets and declarations; 510101 lies in 5101.
    ("get", "/api/v1/admin/participation", None, (200, 200, 200)),
    (
        "put",
        "/api/v1/admin/participation",
        {"tambon_code": "510101", "households": 10, "target_percent": 50},
        (200, 200, 404),
    ),
    ("get", "/api/v1/admin/declarations", None, (200, 200, 200)),
    # Inside the area the declaration is only refused for the target (409), outside it is 404.
    (
        "post",
        "/api/v1/admin/declarations",
        {"area_code": "510101", "title": "ตำบลลดพลาสติก"},
        (409, 409, 404),
    ),
    # Campaigns: the one here belongs to the in-area admin (5101); another area's is 404.
    ("get", "/api/v1/admin/campaigns", None, (200, 200, 200)),
    (
        "post",
        "/api/v1/admin/campaigns",
        {**CAMPAIGN, "area_codes": ["510101"]},
        (201, 201, 422),
    ),
    ("get", "/api/v1/admin/campaigns/{campaign}", None, (200, 200, 404)),
    ("post", "/api/v1/admin/campaigns/{campaign}/end", None, (200, 200, 404)),
    # Each admin removes a declaration of their own in 510101, so one's removal leaves the next
    # one something to remove.
    ("delete", "/api/v1/admin/declarations/{declaration}", None, (204, 204, 404)),
]


@pytest.fixture
def admin_world(app, client, make_shop, make_admin, make_reward):
    shop_x, _staff = make_shop(district="5101")
    users = {who: make_admin(area=ADMIN_AREAS[who]) for who in ADMINS}
    queued = client.post("/api/v1/admin/shops/posters", headers=bearer(users["province"]))
    ids = {"shop_x": shop_x, "reward_x": make_reward(shop_x), "job": queued.get_json()["job"]["id"]}
    ids["declarations"] = {who: add_declaration(app, "510101", title=who) for who in ADMINS}
    ids["campaign"] = add_campaign(app, users["in_area"].user.id, area="5101")
    return users, ids


def _admin_request(client, method, url, body, who, headers):
    if body == "image":
        return client.put(url, data=_png(), content_type="image/png", headers=headers)
    if body == "csv":
        upload = {"file": (io.BytesIO(b"name,district,owner_name\n"), "shops.csv")}
        return client.post(url, data=upload, content_type="multipart/form-data", headers=headers)
    payload = _fill(body, who) if body else None
    return getattr(client, method)(url, json=payload, headers=headers)


@pytest.mark.parametrize(
    "method, path, body, statuses", ADMIN_TABLE, ids=[f"{m} {p}" for m, p, *_ in ADMIN_TABLE]
)
def test_admin_access_by_area(client, admin_world, method, path, body, statuses):
    users, ids = admin_world
    for who, status in zip(ADMINS, statuses, strict=True):
        url = path.format(**ids, declaration=ids["declarations"][who])
        response = _admin_request(client, method, url, body, who, bearer(users[who]))
        assert response.status_code == status, (who, url, response.get_json(silent=True))
        if status == 404:  # nothing about the shop leaks in the answer
            assert response.get_json()["code"] == "not_found"


def test_the_admin_table_has_every_admin_route(app):
    """A new admin route must be added to ADMIN_TABLE with its three expected statuses."""
    names = {
        "shop_id": "{shop_x}",
        "reward_id": "{reward_x}",
        "job_id": "{job}",
        "name": "none.csv",
        "code": "bag",
        "fmt": "png",
        "declaration_id": "{declaration}",
        "campaign_id": "{campaign}",
    }  # fmt: any(png, pdf)
    assert routes_missing(app, ADMIN_TABLE, "/api/v1/admin/", names, skip=THEIR_OWN) == []


# Routes whose area rules are tested beside them: removing a target (a first DELETE would
# leave nothing for the next admin to remove; tests/api/test_admin_areas.py has each case).
THEIR_OWN = ("admin_areas.delete_target",)


def _fill(body, who: str):
    if isinstance(body, dict):
        return {k: _fill(v, who) for k, v in body.items()}
    return body.format(who=who) if isinstance(body, str) else body


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "green").save(out, format="PNG")
    return out.getvalue()
