"""Console forms: field errors in Thai and English, and what a good submission changes."""

import io
import re
import zipfile

import pytest
from PIL import Image

from ecolife.extensions import db
from ecolife.models import LedgerEntry, Reward, Shop
from ecolife.services import settings
from tests.factories import scan
from tests.web.console import import_csv, post_form, sign_in, text


def field_error(page: str, field: str) -> str:
    match = re.search(rf'id="{field}-error" role="alert">([^<]+)<', page)
    return match.group(1) if match else ""


@pytest.fixture
def admin_client(client, make_admin):
    def signed_in(lang: str = "th"):
        sign_in(client, make_admin().user.email, lang=lang)
        return client

    return signed_in


@pytest.mark.parametrize(
    ("lang", "name_error", "phone_error"),
    [
        ("th", "กรุณากรอกช่องนี้", "กรอกเบอร์มือถือ เช่น 081 234 5678"),
        ("en", "Please fill this in.", "Enter a Thai mobile number such as 081 234 5678."),
    ],
)
def test_a_new_shop_with_bad_fields_is_refused_beside_each_field(
    admin_client, lang, name_error, phone_error
):
    client = admin_client(lang)
    form = {
        "name": "",
        "tambon_code": "510101",
        "owner.display_name": "สมชาย",
        "owner.phone": "12345",
    }
    response = post_form(client, "/admin/shops/new", form)
    assert response.status_code == 422
    page = text(response)
    assert field_error(page, "name") == name_error
    assert field_error(page, "owner-phone") == phone_error
    assert 'value="สมชาย"' in page  # what was typed stays


def test_adding_a_shop_shows_the_owner_invite_once(admin_client, app):
    client = admin_client("en")
    form = {
        "name": "ร้านใหม่",
        "name_en": "New shop",
        "tambon_code": "510402",
        "owner.display_name": "Owner",
        "owner.email": "owner-new@example.com",
    }
    response = post_form(client, "/admin/shops/new", form)
    assert response.status_code == 200
    assert re.search(r'value="http://ecolife.test/invite/[\w-]+"', text(response))
    with app.app_context():
        assert db.session.query(Shop).filter_by(name_en="New shop").one().district_code == "5104"


def test_an_owner_email_in_use_is_reported_on_the_email_field(admin_client, make_shop):
    _shop_id, staff = make_shop()
    client = admin_client("en")
    form = {
        "name": "ร้าน",
        "tambon_code": "510401",
        "owner.display_name": "O",
        "owner.email": staff.user.email,
    }
    page = text(post_form(client, "/admin/shops/new", form))
    assert "already exists" in field_error(page, "owner-email")


def test_editing_a_shop_cannot_empty_its_name(admin_client, make_shop):
    shop_id, _staff = make_shop()
    client = admin_client("en")
    response = post_form(client, f"/admin/shops/{shop_id}", {"name": " ", "tambon_code": "510101"})
    assert response.status_code == 422
    assert field_error(text(response), "name") == "Please fill this in."


def test_suspending_and_rotating_a_shop(admin_client, app, make_shop, shop_token):
    shop_id, _staff = make_shop()
    old_token = shop_token(shop_id)
    client = admin_client()
    page = f"/admin/shops/{shop_id}"
    assert post_form(client, f"{page}/suspend", {}).status_code == 302
    assert post_form(client, f"{page}/rotate-qr", {}).status_code == 302
    assert shop_token(shop_id) != old_token
    with app.app_context():
        assert db.session.get(Shop, shop_id).active is False


def test_the_shop_list_searches_names_and_districts(admin_client, make_shop):
    make_shop("ร้านกาแฟดอย", district="li")
    make_shop("ร้านข้าวซอย", district="pa_sang")
    client = admin_client("en")
    page = text(client.get("/admin/shops/?q=กาแฟ"))
    assert "ร้านกาแฟดอย" in page and "ร้านข้าวซอย" not in page
    page = text(client.get("/admin/shops/?q=pa+sang"))
    assert "ร้านข้าวซอย" in page and "ร้านกาแฟดอย" not in page


def test_a_csv_import_lists_every_bad_row_and_imports_nothing(admin_client, app, run_jobs):
    client = admin_client("en")
    csv_text = (
        "name,tambon_code,owner_name,owner_email\n"
        "ร้านดี,li,A,a@example.com\n"
        ",li,B,b@example.com\n"
        "ร้านสาม,nowhere,C,not-an-email\n"
    )
    page = text(import_csv(client, csv_text.encode(), run_jobs))
    assert "Nothing was imported" in page
    assert "Line 3" in page and "<code>name</code>: Please fill this in." in page
    # Line 4's problems all at once: the schema's (email) and the database's (sub-district).
    assert "<code>tambon_code</code>: No such sub-district. Give the sub-district" in page
    assert "<code>owner_email</code>: Enter an email address" in page
    with app.app_context():
        assert db.session.query(Shop).count() == 0


def test_a_good_csv_imports_all_rows_and_hands_over_the_invite_links(admin_client, app, run_jobs):
    client = admin_client("en")
    csv_text = (
        "name,tambon_code,owner_name,owner_phone\n"
        "ร้านหนึ่ง,li,A,0812345001\nร้านสอง,Ban Thi,B,0812345002\n"
    )
    page = text(import_csv(client, csv_text.encode("utf-8-sig"), run_jobs))
    assert "2 shops added" in page
    link = re.search(r'href="([^"]+owner-invites.csv)"', page).group(1)
    invites = client.get(link)
    assert invites.headers["Content-Disposition"].startswith("attachment")
    rows = invites.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert rows[0].startswith("line,shop_id,shop_name,owner_name")
    assert [row.split(",")[2] for row in rows[1:]] == ["ร้านหนึ่ง", "ร้านสอง"]
    assert all("/invite/" in row for row in rows[1:])


def test_an_empty_file_is_refused_at_once(admin_client):
    client = admin_client("en")
    data = {"file": (io.BytesIO(b"  \n"), "shops.csv")}
    response = post_form(client, "/admin/shops/import", data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "The file is empty." in text(response)


def test_a_file_that_is_not_utf8_is_refused_plainly(admin_client, run_jobs):
    client = admin_client("en")
    thai_legacy = "name,tambon_code,owner_name\nร้านทอง,li,สมชาย\n".encode("tis-620")
    page = text(import_csv(client, thai_legacy, run_jobs))
    assert "Line 2" in page and "Contains bytes that are not UTF-8 text" in page


def test_rules_forms_check_numbers_and_save(admin_client, app):
    client = admin_client("th")
    limits = {
        "scan_cooldown_seconds": "abc",
        "daily_scans_per_shop": "0",
        "daily_scans": "10",
        "max_quantity": "5",
        "code_ttl_seconds": "600",
        "redemption_ttl_seconds": "900",
        "card_credits_per_shop_per_day": "30",
    }
    response = post_form(client, "/admin/rules/limits", limits, page="/admin/rules/")
    assert response.status_code == 422
    page = text(response)
    assert field_error(page, "scan_cooldown_seconds") == "กรอกเป็นจำนวนเต็ม"
    assert field_error(page, "daily_scans_per_shop") == "กรอกตัวเลขตั้งแต่ 1 ถึง 1000"
    limits.update(scan_cooldown_seconds="900", daily_scans_per_shop="2")
    assert post_form(client, "/admin/rules/limits", limits, page="/admin/rules/").status_code == 302
    action = {
        "name_th": "ไม่รับถุง",
        "name_en": "No bag",
        "points": "7",
        "grams": "6.5",
        "active": "on",
    }
    assert (
        post_form(client, "/admin/rules/actions/bag", action, page="/admin/rules/").status_code
        == 302
    )
    with app.app_context():
        assert settings.current_limits().scan_cooldown_seconds == 900
        from ecolife.services import actions

        bag = actions.find_action("bag")
        assert (bag.points, bag.milligrams) == (7, 6500)


def test_an_adjustment_needs_a_reason_and_a_nonzero_number(admin_client, app, make_resident):
    resident = make_resident()
    client = admin_client("en")
    page = f"/admin/residents/{resident.user.id}"
    bad = post_form(client, f"{page}/adjustments", {"delta": "0", "reason": ""}, page=page)
    assert bad.status_code == 422
    assert field_error(text(bad), "delta") == "Enter a number other than 0."
    assert field_error(text(bad), "reason") == "Please fill this in."
    below = post_form(client, f"{page}/adjustments", {"delta": "-5", "reason": "typo"}, page=page)
    assert field_error(text(below), "delta") == "The balance cannot go below 0."
    good = post_form(
        client, f"{page}/adjustments", {"delta": "12", "reason": "Lost scan"}, page=page
    )
    assert good.status_code == 302
    with app.app_context():
        entry = db.session.query(LedgerEntry).filter_by(user_id=resident.user.id).one()
        assert (entry.kind, entry.delta, entry.reason) == ("adjustment", 12, "Lost scan")
    assert 'data-test="balance">12<' in text(client.get(page))


def test_residents_are_found_by_phone_or_name(admin_client, make_resident):
    make_resident(phone="+66891112222", display_name="นางสาวใจดี")
    make_resident(display_name="Somchai")
    client = admin_client()
    page = text(client.get("/admin/residents/?q=089-111-2222"))
    assert "นางสาวใจดี" in page and "Somchai" not in page
    page = text(client.get("/admin/residents/?q=somch"))
    assert "Somchai" in page and "นางสาวใจดี" not in page


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 128, 0)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("lang", "message"), [("th", "กรอกเป็นจำนวนเต็ม"), ("en", "Enter a whole number.")]
)
def test_a_reward_with_bad_points_is_refused(client, make_shop, lang, message):
    _shop_id, staff = make_shop()
    sign_in(client, staff.user.email, lang=lang)
    response = post_form(client, "/shop/rewards/new", {"name_th": "ถุงผ้า", "points": "ten"})
    assert response.status_code == 422
    assert field_error(text(response), "points") == message


def test_staff_add_and_edit_a_reward_with_a_picture(client, app, make_shop):
    shop_id, staff = make_shop()
    sign_in(client, staff.user.email, lang="en")
    form = {
        "name_th": "ถุงผ้า",
        "points": "30",
        "stock": "",
        "active": "on",
        "active_from": "2026-12-01",
        "active_to": "2026-12-31",
        "image": (io.BytesIO(png_bytes()), "bag.png"),
    }
    response = post_form(client, "/shop/rewards/new", form, content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        reward = db.session.query(Reward).filter_by(shop_id=shop_id).one()
        assert (reward.points, reward.stock, reward.image_version) == (30, None, 1)
        assert reward.active_to.isoformat() == "2026-12-31T17:00:00+00:00"  # end of 31 Dec, Bangkok
        reward_id = reward.id
    edit = f"/shop/rewards/{reward_id}"
    page = text(client.get(edit))
    assert 'value="2026-12-31"' in page  # shown as the last day again
    changed = {"name_th": "ถุงผ้า", "points": "25", "stock": "3"}  # "active" unticked
    assert post_form(client, edit, changed).status_code == 302
    with app.app_context():
        reward = db.session.get(Reward, reward_id)
        assert (reward.points, reward.stock, reward.active) == (25, 3, False)


def test_a_bad_picture_is_refused_and_nothing_is_saved(client, app, make_shop):
    shop_id, staff = make_shop()
    sign_in(client, staff.user.email, lang="en")
    form = {"name_th": "ถุงผ้า", "points": "30", "image": (io.BytesIO(b"not an image"), "x.png")}
    response = post_form(client, "/shop/rewards/new", form, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "JPEG, PNG or WebP" in field_error(text(response), "image")
    with app.app_context():
        assert db.session.query(Reward).filter_by(shop_id=shop_id).count() == 0


def test_counter_codes_refuse_a_quantity_over_the_limit(client, make_shop):
    _shop_id, staff = make_shop()
    sign_in(client, staff.user.email, lang="en")
    response = post_form(client, "/shop/counter", {"action": "bag", "quantity": "50"})
    assert response.status_code == 422
    assert field_error(text(response), "quantity")


def test_a_counter_code_page_follows_the_code_until_it_is_scanned(
    client, app, make_shop, make_resident
):
    _shop_id, staff = make_shop()
    sign_in(client, staff.user.email, lang="en")
    response = post_form(client, "/shop/counter", {"action": "straw", "quantity": "2"})
    assert response.status_code == 302
    code_page = response.headers["Location"]
    assert client.get(code_page + "/status").get_json()["status"] == "active"
    png = client.get(code_page + "/qr.png")
    assert png.mimetype == "image/png"
    import zxingcpp

    url = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))[0].text
    resident = make_resident()
    assert scan(app.test_client(), resident, url).status_code == 201
    assert client.get(code_page + "/status").get_json()["status"] == "used"


def test_all_posters_come_as_one_zip_of_pdfs(admin_client, make_shop, run_jobs):
    make_shop()
    make_shop(active=False)
    make_shop()
    client = admin_client("en")
    queued = post_form(client, "/admin/shops/posters.zip", {}, page="/admin/shops/")
    assert queued.status_code == 302
    run_jobs()
    page = text(client.get(queued.headers["Location"]))
    assert "2 posters are ready" in page
    response = client.get(re.search(r'href="([^"]+ecolife-posters.zip)"', page).group(1))
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = archive.namelist()
        assert len(names) == 2  # the suspended shop's poster is left out
        assert all(archive.read(n).startswith(b"%PDF") for n in names)
