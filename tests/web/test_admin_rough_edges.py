"""Admin console rough edges: confirmations before destructive changes, CSV import problems
by column, and invite links checked before their form."""

import pytest

from ecolife.extensions import db
from ecolife.models import Shop
from ecolife.services import residents, shops
from tests.factories import PASSWORD
from tests.web.console import csrf_token, import_csv, post_form, sign_in, text


def as_admin(client, make_admin, lang: str = "th"):
    """Sign the client in as a new admin, in the given language."""
    sign_in(client, make_admin().user.email, lang=lang)
    return client


def asks_first(client, page: str, action: str) -> str:
    """The page links to the confirmation, which opens (GET changes nothing); its text."""
    assert f'href="{action}"' in text(client.get(page))
    confirmation = client.get(action)
    assert confirmation.status_code == 200
    return text(confirmation)


@pytest.fixture
def new_invite(app):
    def made(email: str = "owner@example.com") -> str:
        with app.test_request_context():
            new_shop = shops.create_shop(
                {"name": "ร้านเชิญ", "tambon_code": "510401"},
                {"display_name": "เจ้าของ", "email": email},
            )
        return "/invite/" + new_shop.invite_url.rsplit("/", 1)[1]

    return made


# 11. Destructive changes ask first.


def test_replacing_a_shop_qr_asks_first_and_changes_nothing_until_confirmed(
    client, make_admin, make_shop, shop_token
):
    shop_id, _staff = make_shop("ร้านกาแฟดอย")
    old_token = shop_token(shop_id)
    client = as_admin(client, make_admin)
    page = asks_first(client, f"/admin/shops/{shop_id}", f"/admin/shops/{shop_id}/rotate-qr")
    assert "โปสเตอร์ทุกแผ่นที่พิมพ์ไว้จะใช้ไม่ได้" in page
    assert shop_token(shop_id) == old_token
    done = post_form(client, f"/admin/shops/{shop_id}/rotate-qr", {})
    assert done.status_code == 302
    assert shop_token(shop_id) != old_token


def test_suspending_a_shop_asks_first_and_says_what_stops(app, client, make_admin, make_shop):
    shop_id, _staff = make_shop("ร้านกาแฟดอย")
    client = as_admin(client, make_admin, "en")
    page = asks_first(client, f"/admin/shops/{shop_id}", f"/admin/shops/{shop_id}/suspend")
    assert "stop crediting points" in page
    with app.app_context():
        assert db.session.get(Shop, shop_id).active is True
    assert post_form(client, f"/admin/shops/{shop_id}/suspend", {}).status_code == 302
    with app.app_context():
        assert db.session.get(Shop, shop_id).active is False
    # Suspended: its page offers taking part again, and the confirmation page sends back.
    assert client.get(f"/admin/shops/{shop_id}/suspend").status_code == 302
    page = f"/admin/shops/{shop_id}"
    assert post_form(client, f"{page}/reinstate", {}, page=page).status_code == 302
    with app.app_context():
        assert db.session.get(Shop, shop_id).active is True


def test_suspending_a_resident_asks_first_with_the_reason_on_the_confirmation(
    app, client, make_admin, make_resident
):
    resident = make_resident()
    user_id = resident.user.id
    client = as_admin(client, make_admin)
    path = f"/admin/residents/{user_id}/suspension"
    page = asks_first(client, f"/admin/residents/{user_id}", path)
    assert "สะสมแต้มหรือแลกของรางวัลไม่ได้" in page
    assert "แต้ม 0 แต้มและประวัติทั้งหมดยังอยู่ครบ" in page
    refused = post_form(client, path, {"suspend": "1", "reason": ""})
    assert refused.status_code == 422
    assert "กรุณากรอกช่องนี้" in text(refused)
    with app.app_context():
        assert not residents.get_resident(user_id).is_suspended
    assert post_form(client, path, {"suspend": "1", "reason": "สแกนจากรูปถ่าย"}).status_code == 302
    with app.app_context():
        assert residents.get_resident(user_id).is_suspended


# 12. CSV import problems: every problem of every row at once, by the file's column names.


def test_an_import_reports_every_problem_of_every_row_by_column_in_thai(
    client, make_admin, app, run_jobs, make_shop
):
    _shop_id, staff = make_shop()
    client = as_admin(client, make_admin)
    csv_text = (
        "name,tambon_code,district,owner_name,owner_email,owner_phone\n"
        "ร้านดี,510401,li,ก,good@example.com,\n"
        ",510401,atlantis,,not-an-email,12345\n"
        f"ร้านซ้ำ,ลี้,li,ข,{staff.user.email},\n"
        "ร้านสอง,Li,,ค,good@example.com,\n"
    )
    page = text(import_csv(client, csv_text.encode(), run_jobs))
    assert "ยังไม่ได้นำเข้าข้อมูลใด" in page
    line_3 = page[page.index("บรรทัด 3") : page.index("บรรทัด 4")]
    for column, message in (
        ("name", "กรุณากรอกช่องนี้"),
        ("district", "ไม่พบอำเภอนี้ ให้ระบุรหัสอำเภอ"),
        ("owner_name", "กรุณากรอกช่องนี้"),
        ("owner_email", "กรอกอีเมล"),
        ("owner_phone", "กรอกเบอร์มือถือ"),
    ):
        assert f"<code>{column}</code>: {message}" in line_3, column
    assert "<code>owner_email</code>: มีบัญชีที่ใช้เบอร์โทรหรืออีเมลนี้อยู่แล้ว" in page
    assert "<code>owner_email</code>: ซ้ำกับบรรทัดที่ 2" in page
    assert "owner." not in page and "display_name" not in page
    assert "บรรทัด 2" not in page
    with app.app_context():
        assert db.session.query(Shop).count() == 1  # only make_shop's


# 15. Invite links are checked before the form, and the owner lands signed in.


def test_a_used_invite_answers_404_with_what_to_do(client, new_invite):
    path = new_invite()
    token = csrf_token(client, path)
    form = {"csrf_token": token, "password": PASSWORD, "password_again": PASSWORD}
    assert client.post(path, data=form).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/shop/")})
    again = client.get(path)
    assert again.status_code == 404
    page = text(again)
    assert "ลิงก์เชิญนี้ใช้ไม่ได้" in page and "ขอลิงก์เชิญใหม่" in page
    assert 'name="password"' not in page


def test_setting_the_password_signs_the_owner_in_to_the_shop_console(client, new_invite):
    path = new_invite()
    assert "ร้านเชิญ" in text(client.get(path))
    token = csrf_token(client, path)
    form = {"csrf_token": token, "password": PASSWORD, "password_again": PASSWORD}
    done = client.post(path, data=form)
    assert done.headers["Location"] == "/shop/"
    console = client.get("/shop/")
    assert console.status_code == 200
    assert "ร้านเชิญ" in text(console)


def test_a_shop_search_too_long_is_refused_with_a_clear_message(client, make_admin, make_shop):
    make_shop("ร้านปั้มน้ำมัน")
    as_admin(client, make_admin)
    refused = client.get("/admin/shops/?q=" + "ก" * 101)
    assert refused.status_code == 422
    assert "ค้นหาได้ไม่เกิน 100 ตัวอักษร" in text(refused)
    assert "ร้านปั้มน้ำมัน" not in text(refused)
    found = client.get("/admin/shops/?q=ปั้ม")
    assert found.status_code == 200 and "ร้านปั้มน้ำมัน" in text(found)
