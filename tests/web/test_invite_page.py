"""The page where an invited shop owner sets a password."""

import re

import pytest

from ecolife.extensions import db
from ecolife.services import admins, shops
from tests.factories import PASSWORD


@pytest.fixture
def invite_path(app):
    with app.test_request_context():
        new_shop = shops.create_shop(
            {"name": "ร้านใหม่", "tambon_code": "510401"},
            {"display_name": "เจ้าของ", "email": "new@example.com"},
        )
    return "/invite/" + new_shop.invite_url.rsplit("/", 1)[1]


def csrf_token(client, path) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_owner_sets_a_password_and_can_log_in(client, invite_path):
    token = csrf_token(client, invite_path)
    response = client.post(
        invite_path, data={"csrf_token": token, "password": PASSWORD, "password_again": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/shop/"
    login = client.post(
        "/api/v1/auth/login", json={"login": "new@example.com", "password": PASSWORD}
    )
    assert login.status_code == 200


def test_the_form_without_a_csrf_token_is_refused(client, invite_path):
    response = client.post(invite_path, data={"password": PASSWORD, "password_again": PASSWORD})
    assert response.status_code == 400
    login = client.post(
        "/api/v1/auth/login", json={"login": "new@example.com", "password": PASSWORD}
    )
    assert login.status_code == 401


@pytest.mark.parametrize(
    ("password", "again", "message"),
    [
        ("short", "short", "ใช้ 8 ถึง 128 ตัวอักษร"),
        (PASSWORD, PASSWORD + "x", "รหัสผ่านทั้งสองช่องไม่ตรงกัน"),
    ],
)
def test_bad_passwords_are_explained_next_to_the_field(
    client, invite_path, password, again, message
):
    token = csrf_token(client, invite_path)
    response = client.post(
        invite_path, data={"csrf_token": token, "password": password, "password_again": again}
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_the_page_speaks_english_when_asked(client, invite_path):
    client.get("/lang/en")
    html = client.get(invite_path).get_data(as_text=True)
    assert "Choose a password for your shop account." in html


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_made_up_invite_is_refused_before_any_form(client, method):
    form = {"csrf_token": csrf_token(client, "/login"), "password": PASSWORD}
    response = getattr(client, method)("/invite/made-up", data={**form, "password_again": PASSWORD})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "ลิงก์เชิญนี้ใช้ไม่ได้" in page
    assert 'name="password"' not in page


def admin_invite_path(app, area_code: str | None) -> str:
    with app.test_request_context():
        new_admin = admins.invite_admin(
            email=f"admin-{area_code}@example.com", display_name="ผู้ดูแล", area_code=area_code
        )
        db.session.remove()
    return "/invite/" + new_admin.invite_url.rsplit("/", 1)[1]


@pytest.mark.parametrize(
    ("area_code", "thai", "english"),
    [
        ("5104", "ผู้ดูแล: อำเภอลี้", "You will manage: District Li"),
        ("510401", "ผู้ดูแล: ตำบลลี้", "You will manage: Sub-district Li"),
        (None, "ผู้ดูแล: ทั้งจังหวัด", "You will manage: the whole province"),
    ],
)
def test_an_invited_admin_is_told_which_area_they_will_manage(
    app, client, area_code, thai, english
):
    path = admin_invite_path(app, area_code)
    html = client.get(path).get_data(as_text=True)
    area = re.search(r'data-test="invite-area">([^<]*)<', html).group(1)
    assert area == thai
    client.get("/lang/en")
    html = client.get(path).get_data(as_text=True)
    assert re.search(r'data-test="invite-area">([^<]*)<', html).group(1) == english


def test_a_shop_owner_is_not_told_of_an_area(client, invite_path):
    assert 'data-test="invite-area"' not in client.get(invite_path).get_data(as_text=True)
