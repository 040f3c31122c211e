"""Signing in to the consoles, CSRF, and who may open which console page."""

import pytest

from ecolife import clock
from ecolife.extensions import db
from ecolife.models import User
from ecolife.services import residents
from tests.factories import PASSWORD, redeem
from tests.web.console import csrf_token, post_form, sign_in, text


def test_the_login_page_is_thai_by_default(client):
    page = text(client.get("/login"))
    assert "เข้าสู่ระบบ" in page
    assert 'lang="th"' in page


def test_staff_sign_in_and_land_on_the_shop_console(client, make_shop):
    _shop_id, staff = make_shop()
    response = sign_in(client, staff.user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/shop/"
    assert client.get("/shop/").status_code == 200


def test_admins_land_on_the_impact_page(client, make_admin):
    admin = make_admin()
    assert sign_in(client, admin.user.email).headers["Location"] == "/admin/impact"


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("th", "เบอร์โทร อีเมล หรือรหัสผ่านไม่ถูกต้อง"),
        ("en", "Wrong phone number, email or password."),
    ],
)
def test_a_wrong_password_is_refused_in_the_readers_language(client, make_admin, lang, message):
    admin = make_admin()
    response = sign_in(client, admin.user.email, "not-the-password", lang=lang)
    assert response.status_code == 401
    assert message in text(response)


def test_residents_are_sent_to_the_app(client, make_resident):
    resident = make_resident()
    response = sign_in(client, resident.user.phone, lang="en")
    assert response.status_code == 401
    assert "Residents use the EcoLife app" in text(response)
    assert client.get("/shop/").status_code == 302


def test_empty_fields_are_marked_next_to_the_field(client):
    data = {"csrf_token": csrf_token(client), "login": "", "password": ""}
    client.set_cookie("lang", "en")
    page = text(client.post("/login", data=data))
    assert 'id="login-error"' in page and 'id="password-error"' in page
    assert "Please fill this in." in page


def test_visitors_are_sent_to_sign_in_and_come_back(client, make_admin):
    response = client.get("/admin/shops/?q=cafe")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/admin/shops/?q%3Dcafe"
    admin = make_admin()
    data = {"csrf_token": csrf_token(client), "login": admin.user.email, "password": PASSWORD}
    back = client.post("/login?next=/admin/shops/?q%3Dcafe", data=data)
    assert back.headers["Location"] == "/admin/shops/?q=cafe"


def test_next_cannot_point_to_another_site(client, make_admin):
    admin = make_admin()
    data = {"csrf_token": csrf_token(client), "login": admin.user.email, "password": PASSWORD}
    response = client.post("/login?next=//evil.example/", data=data)
    assert response.headers["Location"] == "/admin/impact"


def test_a_form_without_csrf_token_is_refused(client, make_admin):
    admin = make_admin()
    sign_in(client, admin.user.email, lang="en")
    response = client.post("/admin/rules/limits", data={"daily_scans": "99"})
    assert response.status_code == 400
    assert "This form has expired" in text(response)
    login = client.post("/login", data={"login": admin.user.email, "password": PASSWORD})
    assert login.status_code == 400


def test_signing_out_ends_the_session_for_a_copied_cookie(client, app, make_admin):
    admin = make_admin()
    sign_in(client, admin.user.email)
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/admin/shops/").status_code == 200
    post_form(client, "/logout", {}, page="/admin/shops/")
    assert copy.get("/admin/shops/").status_code == 302


def test_a_suspended_staff_member_is_signed_out(client, app, make_shop, make_admin):
    _shop_id, staff = make_shop()
    sign_in(client, staff.user.email)
    with app.app_context():
        db.session.get(User, staff.user.id).suspended_at = clock.now()
        db.session.commit()
    assert client.get("/shop/").status_code == 302


@pytest.mark.parametrize(
    "path",
    ["/admin/impact", "/admin/shops/", "/admin/residents/", "/admin/rules/", "/admin/statements"],
)
def test_staff_cannot_open_admin_pages(client, make_shop, path):
    _shop_id, staff = make_shop()
    sign_in(client, staff.user.email)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize(
    "path", ["/shop/", "/shop/counter", "/shop/redeem", "/shop/rewards/", "/shop/qr"]
)
def test_admins_cannot_open_shop_pages(client, make_admin, path):
    sign_in(client, make_admin().user.email)
    assert client.get(path).status_code == 403


def test_staff_cannot_open_another_shops_codes_rewards_or_redemptions(
    client, make_shop, make_code, make_reward, make_resident, give_points
):
    _mine, me = make_shop()
    theirs, them = make_shop()
    code_id, _token = make_code(them)
    reward_id = make_reward(theirs, points=5)
    resident = make_resident()
    give_points(resident.user.id, 5)
    redemption = redeem(client, resident, reward_id).get_json()["redemption"]
    sign_in(client, me.user.email, lang="en")
    for path in (
        f"/shop/codes/{code_id}",
        f"/shop/codes/{code_id}/status",
        f"/shop/codes/{code_id}/qr.png",
        f"/shop/rewards/{reward_id}",
        f"/shop/redemptions/{redemption['id']}",
    ):
        assert client.get(path).status_code == 404, path
    lookup = client.get(f"/shop/redeem?code={redemption['code']}")
    assert lookup.status_code == 404
    assert "another shop" in text(lookup)
    confirm = post_form(
        client, f"/shop/redemptions/{redemption['id']}/confirm", {}, page="/shop/redeem"
    )
    assert confirm.status_code == 404


def test_suspending_a_resident_needs_a_reason(client, app, make_admin, make_resident):
    resident = make_resident()
    sign_in(client, make_admin().user.email, lang="en")
    path = f"/admin/residents/{resident.user.id}"
    response = post_form(client, f"{path}/suspension", {"suspend": "1", "reason": " "}, page=path)
    assert response.status_code == 422
    assert "Please fill this in." in text(response)
    done = post_form(
        client,
        f"{path}/suspension",
        {"suspend": "1", "reason": "Scanned posters from photos"},
        page=path,
    )
    assert done.status_code == 302
    with app.app_context():
        assert residents.get_resident(resident.user.id).is_suspended
        assert [e.reason for e in residents.account_events(resident.user.id)] == [
            "Scanned posters from photos"
        ]


def test_repeated_wrong_passwords_are_slowed_down(client, make_admin):
    admin = make_admin()
    for _attempt in range(5):
        assert sign_in(client, admin.user.email, "wrong-password").status_code == 401
    response = sign_in(client, admin.user.email, "wrong-password", lang="en")
    assert response.status_code == 429
    assert "Too many attempts" in text(response)
