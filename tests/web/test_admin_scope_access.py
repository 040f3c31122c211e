"""Every admin console route, for a province-wide admin, an admin of the shop's district
(in-area) and an admin of another district (out-of-area): the expected status of each."""

import io
import re

import pytest

from ecolife.errors import PermissionDenied
from ecolife.extensions import db
from ecolife.services import cards, residents
from ecolife.services.scope import AdminScope
from tests.factories import add_campaign, add_declaration, scan
from tests.routes import routes_missing
from tests.web.console import csrf_token, sign_in

ADMINS = ("province", "in_area", "out_of_area")
ADMIN_AREAS = {"province": None, "in_area": "5101", "out_of_area": "5104"}
SHOP = (200, 200, 404)  # another area's shop (or its resident) answers 404
APP = (409, 409, 404)  # an app user's card: changed in the app, not at the desk
DONE = (302, 302, 404)  # a change that redirects when done
PROGRAMME = (200, 403, 403)  # programme-wide: province-wide admins only
NEW_SHOP = {
    "name": "ร้านใหม่",
    "district": "5101",
    "tambon_code": "510101",
    "owner.display_name": "เจ้าของ",
    "owner.email": "{who}@shop.test",
}
ACTION = {"name_th": "ก", "name_en": "A", "points": "1", "grams": "1"}
NEW_CARD_HOLDER = {
    "display_name": "ยาย {who}",
    "home_tambon_code": "510101",
    "pin": "2580",
    "pin_again": "2580",
}
LIMITS = {
    "scan_cooldown_seconds": "60",
    "daily_scans_per_shop": "5",
    "daily_scans": "20",
    "max_quantity": "5",
    "code_ttl_seconds": "300",
    "redemption_ttl_seconds": "900",
    "card_credits_per_shop_per_day": "30",
}
CAMPAIGN = {
    "name_th": "แคมเปญ {who}",
    "first_day": "2099-01-01",
    "last_day": "2099-01-31",
    "multiplier": "2",
    "area_codes": "510101",
}
TABLE = [
    ("get", "/admin/", None, (302, 302, 302)),
    ("get", "/admin/impact", None, (200, 200, 200)),
    ("get", "/admin/impact/days.csv", None, (200, 200, 200)),
    ("get", "/admin/impact/shops.csv", None, (200, 200, 200)),
    ("get", "/admin/impact/districts.csv", None, (200, 200, 200)),
    ("get", "/admin/statements", None, (200, 200, 200)),
    ("get", "/admin/statements.csv", None, (200, 200, 200)),
    # Every admin: a scoped one sees their area's shops, without the programme's totals.
    ("get", "/admin/liability", None, (200, 200, 200)),
    ("get", "/admin/liability.csv", None, (200, 200, 200)),
    ("get", "/admin/shops/", None, (200, 200, 200)),
    ("get", "/admin/shops/new", None, (200, 200, 200)),
    ("post", "/admin/shops/new", NEW_SHOP, (200, 200, 422)),
    ("get", "/admin/shops/template.csv", None, (200, 200, 200)),
    ("get", "/admin/shops/import", None, (200, 200, 200)),
    ("post", "/admin/shops/import", "csv", (302, 302, 302)),
    ("post", "/admin/shops/posters.zip", {}, (302, 302, 302)),
    ("get", "/admin/shops/{shop_x}", None, SHOP),
    ("post", "/admin/shops/{shop_x}", {"name": "ร้านแก้ไข", "district": "5101"}, DONE),
    ("get", "/admin/shops/{shop_x}/suspend", None, SHOP),
    ("post", "/admin/shops/{shop_x}/suspend", {}, DONE),
    ("post", "/admin/shops/{shop_x}/reinstate", {}, DONE),
    ("get", "/admin/shops/{shop_x}/rotate-qr", None, SHOP),
    ("post", "/admin/shops/{shop_x}/rotate-qr", {}, DONE),
    ("get", "/admin/shops/{shop_x}/qr.png", None, SHOP),
    ("get", "/admin/shops/{shop_x}/poster.png", None, SHOP),
    ("get", "/admin/shops/{shop_x}/poster.pdf", None, SHOP),
    # A new invite or a reset password for the shop's staff: the link is shown (200).
    ("get", "/admin/shops/{shop_x}/staff/{staff_x}/invite", None, SHOP),
    ("post", "/admin/shops/{shop_x}/staff/{staff_x}/invite", {}, SHOP),
    ("get", "/admin/shops/{shop_x}/staff/{staff_x}/reset-password", None, SHOP),
    ("post", "/admin/shops/{shop_x}/staff/{staff_x}/reset-password", {}, SHOP),
    # A job is its creator's only (here the province-wide admin's), whatever the area.
    ("get", "/admin/jobs/{job}", None, (200, 404, 404)),
    ("get", "/admin/jobs/{job}/status", None, (200, 404, 404)),
    ("get", "/admin/jobs/{job}/files/none.zip", None, (404, 404, 404)),
    ("get", "/admin/residents/", None, (200, 200, 200)),
    ("get", "/admin/residents/{resident}", None, SHOP),
    # Balances and suspensions hold across the programme: province-wide admins only.
    ("get", "/admin/residents/{resident}/suspension", None, PROGRAMME),
    (
        "post",
        "/admin/residents/{resident}/suspension",
        {"suspend": "1", "reason": "ทดสอบ"},
        (302, 403, 403),
    ),
    (
        "post",
        "/admin/residents/{resident}/adjustments",
        {"delta": "5", "reason": "ทดสอบ"},
        (302, 403, 403),
    ),
    # Member cards: register a resident (of one's own area), show, print and renew a card.
    ("get", "/admin/residents/new", None, (200, 200, 200)),
    ("post", "/admin/residents/new", NEW_CARD_HOLDER, (302, 302, 422)),
    ("get", "/admin/residents/{resident}/card", None, SHOP),
    ("get", "/admin/residents/{resident}/card.pdf", None, SHOP),
    ("get", "/admin/residents/{resident}/card/qr.png", None, SHOP),
    # A new PIN or card at the desk: refused for a resident who has the app (they change
    # their own there), done for a card holder without it (registered in 510101).
    ("post", "/admin/residents/{resident}/card/pin", {"pin": "2468", "pin_again": "2468"}, APP),
    ("get", "/admin/residents/{resident}/card/rotate", None, APP),
    ("post", "/admin/residents/{resident}/card/rotate", {}, APP),
    ("post", "/admin/residents/{card_holder}/card/pin", {"pin": "2468", "pin_again": "2468"}, DONE),
    ("get", "/admin/residents/{card_holder}/card/rotate", None, SHOP),
    ("post", "/admin/residents/{card_holder}/card/rotate", {}, DONE),
    ("get", "/admin/rules/", None, PROGRAMME),
    ("post", "/admin/rules/actions", {"code": "{who}", **ACTION}, (302, 403, 403)),
    ("post", "/admin/rules/actions/bag", {**ACTION, "active": "y"}, (302, 403, 403)),
    ("post", "/admin/rules/limits", LIMITS, (302, 403, 403)),
    ("get", "/admin/participation/", None, (200, 200, 200)),
    # Each admin gets a declaration of their own in 510101 (inside 5101), so a removal by one
    # leaves the next one something to remove.
    ("get", "/admin/participation/declarations/{declaration}/delete", None, SHOP),
    ("post", "/admin/participation/declarations/{declaration}/delete", {}, DONE),
    # Campaigns: the one here belongs to the in-area admin (5101); another area's is 404.
    ("get", "/admin/campaigns/", None, (200, 200, 200)),
    ("post", "/admin/campaigns/", CAMPAIGN, (302, 302, 422)),
    ("get", "/admin/campaigns/{campaign}/end", None, SHOP),
    ("post", "/admin/campaigns/{campaign}/end", {}, DONE),
    ("get", "/admin/admins/", None, PROGRAMME),
    ("post", "/admin/admins/", {"email": "{who}@admins.test", "display_name": "ผู้ดูแล"}, PROGRAMME),
    # PDPA: the privacy notice and the log of who opened personal data are programme-wide.
    ("get", "/admin/privacy/", None, PROGRAMME),
    ("post", "/admin/privacy/", {"text_th": "ประกาศ {who}", "text_en": "N {who}"}, (302, 403, 403)),
    ("get", "/admin/privacy/access-log", None, PROGRAMME),
]


@pytest.fixture
def world(app, client, make_shop, make_admin, make_resident, shop_token):
    shop_x, staff = make_shop(district="5101")
    resident = make_resident()
    assert scan(client, resident, shop_token(shop_x), action="bag").status_code == 201
    admins = {who: make_admin(area=ADMIN_AREAS[who]) for who in ADMINS}
    clients = {}
    for who in ADMINS:
        clients[who] = app.test_client()
        assert sign_in(clients[who], admins[who].user.email).status_code == 302
    queued = clients["province"].post(
        "/admin/shops/posters.zip", data={"csrf_token": csrf_token(clients["province"], PAGE)}
    )
    ids = {"shop_x": shop_x, "resident": resident.user.id, "job": _job_id(queued)}
    ids["staff_x"] = staff.user.id
    with app.test_request_context():
        ids["card_holder"] = cards.register_card_holder(
            display_name="ยายบัตร",
            home_tambon_code="510101",
            actor_id=admins["province"].user.id,
            seen_on="member_card",
        ).id
    ids["declarations"] = {who: add_declaration(app, "510101", title=who) for who in ADMINS}
    ids["campaign"] = add_campaign(app, admins["in_area"].user.id, area="5101")
    return clients, ids


PAGE = "/account/password"  # any page with a form gives the session's CSRF token


def _job_id(response) -> int:
    return int(re.search(r"/admin/jobs/(\d+)", response.headers["Location"]).group(1))


def _request(client, method, url, body, who):
    if body is None:
        return getattr(client, method)(url)
    token = csrf_token(client, PAGE)
    if body == "csv":
        upload = {"file": (io.BytesIO(b"name,district,owner_name\n"), "shops.csv")}
        return client.post(
            url, data={"csrf_token": token, **upload}, content_type="multipart/form-data"
        )
    form = {k: v.format(who=who) for k, v in body.items()}
    return client.post(url, data={"csrf_token": token, **form})


@pytest.mark.parametrize(
    "method, path, body, statuses", TABLE, ids=[f"{m} {p}" for m, p, *_ in TABLE]
)
def test_console_access_by_area(world, method, path, body, statuses):
    clients, ids = world
    for who, status in zip(ADMINS, statuses, strict=True):
        url = path.format(**ids, declaration=ids["declarations"][who])
        response = _request(clients[who], method, url, body, who)
        assert response.status_code == status, (who, url, response.get_data(as_text=True)[:500])


# Forms whose area rules are tested beside them (participation targets, declarations).
THEIR_OWN = (
    "admin_participation.set_target",
    "admin_participation.delete_target",
    "admin_participation.record_declaration",
)


def test_the_table_has_every_admin_console_route(app):
    """A new admin page must be added to TABLE with its three expected statuses."""
    names = {
        "shop_id": "{shop_x}",
        "staff_id": "{staff_x}",
        "user_id": "{resident}",
        "job_id": "{job}",
        "name": "none.zip",
        "code": "bag",
        "fmt": "png",
        "table": "days",
        "declaration_id": "{declaration}",
        "campaign_id": "{campaign}",
    }
    assert routes_missing(app, TABLE, "/admin", names, skip=THEIR_OWN) == []


def _balance(html: str) -> int:
    return int(re.search(r'data-test="balance">(-?\d+)<', html).group(1))


def test_a_scoped_admin_sees_a_resident_but_cannot_change_points_or_suspend(app, world):
    clients, ids = world
    url = f"/admin/residents/{ids['resident']}"
    before = clients["province"].get(url).get_data(as_text=True)
    assert "/adjustments" in before and "/suspension" in before
    assert 'data-test="scoped-view"' not in before
    scoped = clients["in_area"].get(url)
    assert scoped.status_code == 200
    html = scoped.get_data(as_text=True)
    assert 'data-test="scoped-view"' in html and _balance(html) == _balance(before)
    assert "/adjustments" not in html and "/suspension" not in html
    form = {"delta": "500", "reason": "ทดสอบ"}
    assert (
        _request(clients["in_area"], "post", url + "/adjustments", form, "in_area").status_code
        == 403
    )
    form = {"suspend": "1", "reason": "ทดสอบ"}
    assert (
        _request(clients["in_area"], "post", url + "/suspension", form, "in_area").status_code
        == 403
    )
    after = clients["province"].get(url).get_data(as_text=True)
    assert _balance(after) == _balance(before) and 'data-test="suspended"' not in after
    with app.app_context():  # the service refuses a scoped admin too
        with pytest.raises(PermissionDenied):
            residents.suspend_resident(
                ids["resident"], reason="ทดสอบ", actor_id=None, scope=AdminScope("5101")
            )
        db.session.remove()
