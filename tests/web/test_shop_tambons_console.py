"""The console's shop form and CSV import place shops in a sub-district (ตำบล)."""

import re

from sqlalchemy import update

from ecolife.extensions import db
from ecolife.models import Shop
from tests.web.console import import_csv, post_form, sign_in, text
from tests.web.test_console_forms import field_error

NEW_SHOP = {
    "name": "ร้านแม่ตืน",
    "name_en": "Mae Tuen Shop",
    "tambon_code": "510402",
    "owner.display_name": "เจ้าของ",
    "owner.email": "mae-tuen@example.com",
}


def test_the_form_offers_the_sub_districts_grouped_by_district_thai_first(client, make_admin):
    sign_in(client, make_admin().user.email)
    page = text(client.get("/admin/shops/new"))
    select = page[page.index('<select id="tambon_code"') : page.index("</select>")]
    assert select.count("<optgroup") == 8
    assert '<optgroup label="อำเภอ ลี้ · Li">' in select
    assert re.search(r'<option value="510402"\s*>แม่ตืน · Mae Tuen</option>', select)
    assert "required" in select[: select.index(">")]


def test_a_new_shop_is_placed_in_its_sub_district_and_so_its_district(client, app, make_admin):
    sign_in(client, make_admin().user.email, lang="en")
    response = post_form(client, "/admin/shops/new", NEW_SHOP)
    assert response.status_code == 200
    with app.app_context():
        shop = db.session.query(Shop).filter_by(name_en="Mae Tuen Shop").one()
        assert (shop.district_code, shop.tambon_code) == ("5104", "510402")


def test_a_new_shop_without_a_sub_district_is_refused_beside_the_field(client, app, make_admin):
    sign_in(client, make_admin().user.email)
    response = post_form(client, "/admin/shops/new", {**NEW_SHOP, "tambon_code": ""})
    assert response.status_code == 422
    assert field_error(text(response), "tambon_code") == "กรุณากรอกช่องนี้"
    with app.app_context():
        assert db.session.query(Shop).count() == 0


def test_an_unknown_sub_district_is_refused_in_thai(client, app, make_admin):
    sign_in(client, make_admin().user.email)
    response = post_form(client, "/admin/shops/new", {**NEW_SHOP, "tambon_code": "519999"})
    assert response.status_code == 422
    assert field_error(text(response), "tambon_code").startswith("ไม่พบตำบลนี้")


def test_an_old_shop_shows_no_sub_district_yet_and_can_be_given_one(
    client, app, make_admin, make_shop
):
    shop_id, _staff = make_shop(district="5106")
    with app.app_context():
        db.session.execute(update(Shop).where(Shop.id == shop_id).values(tambon_code=None))
        db.session.commit()
    sign_in(client, make_admin().user.email)
    page = text(client.get(f"/admin/shops/{shop_id}"))
    assert '<option value="">ยังไม่ได้ระบุ (อำเภอป่าซาง)</option>' in page
    # Saving other fields leaves the shop without a sub-district: it is not forced on it.
    assert (
        post_form(
            client, f"/admin/shops/{shop_id}", {"name": "ร้านเดิม", "tambon_code": ""}
        ).status_code
        == 302
    )
    form = {"name": "ร้านเดิม", "tambon_code": "510602"}
    assert post_form(client, f"/admin/shops/{shop_id}", form).status_code == 302
    with app.app_context():
        shop = db.session.get(Shop, shop_id)
        assert (shop.name, shop.district_code, shop.tambon_code) == ("ร้านเดิม", "5106", "510602")
    page = text(client.get(f"/admin/shops/{shop_id}"))
    assert re.search(r'<option value="510602"\s*selected>ป่าซาง · Pa Sang</option>', page)
    assert "ยังไม่ได้ระบุ" not in page


def test_the_csv_template_and_the_import_page_name_the_sub_district_column(client, make_admin):
    sign_in(client, make_admin().user.email, lang="en")
    template = client.get("/admin/shops/template.csv").get_data(as_text=True)
    assert template.splitlines()[0].split(",")[:3] == ["name", "name_en", "tambon_code"]
    page = text(client.get("/admin/shops/import"))
    assert "tambon_code is the sub-district" in page
    assert "<code>510402</code> แม่ตืน (Mae Tuen)" in page


def test_a_csv_import_takes_sub_districts_by_code_or_name_and_checks_the_district(
    client, app, make_admin, run_jobs
):
    sign_in(client, make_admin().user.email, lang="en")
    csv_text = (
        "name,tambon_code,district,owner_name,owner_phone\n"
        "ร้านหนึ่ง,510402,,A,0812345001\n"
        "ร้านสอง,แม่ตืน,ลี้,B,0812345002\n"
        "ร้านสาม,mae tuen,5101,C,0812345003\n"
        "ร้านสี่,,li,D,0812345004\n"
    )
    page = text(import_csv(client, csv_text.encode(), run_jobs))
    assert "Nothing was imported" in page
    line_4 = page[page.index("Line 4") : page.index("Line 5")]
    assert "<code>tambon_code</code>: This sub-district is not in the district given." in line_4
    assert "<code>tambon_code</code>: Please fill this in." in page[page.index("Line 5") :]
    assert "Line 2" not in page and "Line 3" not in page
    with app.app_context():
        assert db.session.query(Shop).count() == 0


def test_a_good_csv_import_places_every_shop(client, app, make_admin, run_jobs):
    sign_in(client, make_admin().user.email, lang="en")
    csv_text = (
        "name,tambon_code,owner_name,owner_phone\n"
        "ร้านหนึ่ง,510402,A,0812345001\n"
        "ร้านสอง,Nai Mueang,B,0812345002\n"
    )
    assert "2 shops added" in text(import_csv(client, csv_text.encode(), run_jobs))
    with app.app_context():
        placed = {s.name: (s.district_code, s.tambon_code) for s in db.session.query(Shop)}
    assert placed == {"ร้านหนึ่ง": ("5104", "510402"), "ร้านสอง": ("5101", "510101")}


def test_a_csv_without_the_sub_district_column_is_refused(client, make_admin, run_jobs):
    sign_in(client, make_admin().user.email, lang="en")
    page = text(import_csv(client, "name,district,owner_name\nร้าน,li,A\n".encode(), run_jobs))
    assert "Missing columns: tambon_code." in page
