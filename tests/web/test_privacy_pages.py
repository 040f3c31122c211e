"""PDPA in the consoles: the public /privacy page, publishing a new notice, and the log of
admins opening residents' personal data (also through the admin API)."""

from sqlalchemy import select

from ecolife.extensions import db
from ecolife.models import PersonalDataAccess, PrivacyNotice
from tests.factories import bearer
from tests.web.console import post_form, sign_in, text


def test_the_privacy_page_is_public_thai_first_and_english_with_the_switch(client):
    page = client.get("/privacy")
    assert page.status_code == 200
    html = text(page)
    assert "<h2>ผู้ควบคุมข้อมูลส่วนบุคคล</h2>" in html
    assert "<li>ชื่อที่ท่านให้ไว้</li>" in html
    assert "ฉบับที่ 1" in html or "Version 1" in html
    client.set_cookie("lang", "en")
    english = text(client.get("/privacy"))
    assert "<h2>Data controller</h2>" in english and "Personal Data Protection Act" in english


def test_every_page_links_to_the_notice(client):
    assert 'href="/privacy"' in text(client.get("/"))
    assert 'href="/privacy"' in text(client.get("/impact"))


def test_a_province_admin_publishes_a_new_version_and_the_old_ones_stay(app, client, make_admin):
    admin = make_admin()
    sign_in(client, admin.user.email)
    page = text(client.get("/admin/privacy/"))
    assert "พระราชบัญญัติคุ้มครองข้อมูลส่วนบุคคล" in page  # the form starts from the text in force
    empty = post_form(client, "/admin/privacy/", {"text_th": " ", "text_en": "x"})
    assert empty.status_code == 422 and 'aria-invalid="true"' in text(empty)
    done = post_form(
        client, "/admin/privacy/", {"text_th": "## ประกาศใหม่\nข้อความ", "text_en": "## New\nText"}
    )
    assert done.status_code == 302
    after = text(client.get("/admin/privacy/"))
    assert "ฉบับที่ 2" in after or "Version 2" in after
    with app.app_context():
        versions = db.session.execute(
            select(PrivacyNotice.version, PrivacyNotice.published_by_id).order_by(
                PrivacyNotice.version
            )
        ).all()
        assert versions == [(1, None), (2, admin.user.id)]
    assert "<h2>ประกาศใหม่</h2>" in text(client.get("/privacy"))
    assert client.get("/api/v1/privacy-notice").get_json()["text_en"] == "## New\nText"


def test_a_scoped_admin_can_neither_edit_the_notice_nor_read_the_log(client, make_admin):
    scoped = make_admin(area="5101")
    sign_in(client, scoped.user.email)
    assert client.get("/admin/privacy/").status_code == 403
    assert client.get("/admin/privacy/access-log").status_code == 403
    assert "/admin/privacy/" not in text(client.get("/admin/impact"))  # not in the menu
    api = client.get("/api/v1/admin/personal-data-access", headers=bearer(scoped))
    assert api.status_code == 403


def test_opening_a_residents_data_is_logged_and_province_admins_read_the_log(
    app, client, make_admin, make_resident
):
    admin = make_admin()
    resident = make_resident(display_name="สมปอง ทดสอบ")
    other = make_resident()
    sign_in(client, admin.user.email)
    assert client.get(f"/admin/residents/{resident.user.id}").status_code == 200
    assert client.get("/admin/residents/?q=สมปอง").status_code == 200
    with app.app_context():
        rows = db.session.execute(
            select(
                PersonalDataAccess.admin_id,
                PersonalDataAccess.resident_id,
                PersonalDataAccess.what,
            ).order_by(PersonalDataAccess.id)
        ).all()
    assert rows == [
        (admin.user.id, resident.user.id, "resident_page"),
        (admin.user.id, resident.user.id, "resident_search"),
    ]

    log = text(client.get("/admin/privacy/access-log"))
    assert "สมปอง ทดสอบ" in log and log.count('data-test="access-row"') == 2
    only = text(client.get(f"/admin/privacy/access-log?resident={other.user.id}"))
    assert 'data-test="access-row"' not in only

    page = client.get("/api/v1/admin/personal-data-access?limit=1", headers=bearer(admin))
    assert page.status_code == 200
    body = page.get_json()
    assert body["items"][0]["what"] == "resident_search"
    assert body["items"][0]["admin"]["id"] == admin.user.id
    assert body["items"][0]["resident"] == {"id": resident.user.id, "display_name": "สมปอง ทดสอบ"}
    second = client.get(
        f"/api/v1/admin/personal-data-access?limit=1&cursor={body['next_cursor']}",
        headers=bearer(admin),
    ).get_json()
    assert second["items"][0]["what"] == "resident_page" and second["next_cursor"] is None
    mine = client.get(
        f"/api/v1/admin/personal-data-access?resident_id={other.user.id}", headers=bearer(admin)
    )
    assert mine.get_json()["items"] == []
    missing = client.get(
        "/api/v1/admin/personal-data-access?resident_id=999999", headers=bearer(admin)
    )
    assert missing.status_code == 404


def test_a_search_too_long_is_refused_with_a_clear_message_and_logs_no_one(
    app, client, make_admin, make_resident
):
    make_resident(display_name="สมปอง ทดสอบ")
    sign_in(client, make_admin().user.email)
    refused = client.get("/admin/residents/?q=" + "ก" * 101)
    assert refused.status_code == 422
    assert "ค้นหาได้ไม่เกิน 100 ตัวอักษร" in text(refused) or "at most 100" in text(refused)
    assert "สมปอง ทดสอบ" not in text(refused)
    assert client.get("/admin/residents/?q=" + "ก" * 100).status_code == 200
    with app.app_context():
        assert db.session.scalars(select(PersonalDataAccess)).all() == []
