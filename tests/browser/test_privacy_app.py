"""PDPA in Thai, in Chromium: a resident signs up accepting the privacy notice, downloads their
data and deletes their account; a province admin publishes a new notice and the app asks the
resident to accept it on its next start."""

import json

from playwright.sync_api import expect

from ecolife.extensions import db
from ecolife.models import User
from ecolife.services import privacy
from ecolife.services.scope import PROVINCE_WIDE
from tests.browser.conftest import screenshot
from tests.browser.test_app_rough_edges import too_small
from tests.browser.test_console_flow import sign_in as console_sign_in
from tests.browser.test_resident_app import PHONE, app_sign_in, balance
from tests.factories import PASSWORD


def fill_sign_up(new_page, name: str, phone: str):
    """Open the app's sign-up form on a phone and fill it in; return the page."""
    page = new_page(viewport=PHONE)
    page.goto("/app/")
    page.click("[data-test=switch-auth]")
    page.fill("#f-display_name", name)
    page.fill("#f-login", phone)
    page.fill("#f-password", PASSWORD)
    return page


def test_a_resident_signs_up_with_the_notice_downloads_their_data_and_deletes_the_account(
    app, client, new_page, tmp_path
):
    page = fill_sign_up(new_page, "ป้าศรี ใจงาม", "089 555 0101")
    expect(page.locator("[data-test=signup-notice] summary")).to_have_text(
        "อ่านประกาศความเป็นส่วนตัว (ฉบับที่ 1)"
    )
    page.click("[data-test=auth-submit]")  # without accepting: refused beside the box
    expect(page.locator("#f-accept-notice-error")).to_have_text(
        "กรุณาอ่านและยอมรับประกาศความเป็นส่วนตัวก่อนสมัครสมาชิก"
    )
    page.click("[data-test=signup-notice] summary")
    expect(page.locator("[data-test=notice-text] h2").first).to_have_text(
        'ประกาศความเป็นส่วนตัว โครงการ "ลดรับ ลดให้ ลดใช้" (EcoLife)'
    )
    expect(page.locator("[data-test=privacy-page-link]")).to_have_attribute("href", "/privacy")
    page.check("[data-test=accept-notice]")
    screenshot(page, "app-sign-up-privacy-notice")
    page.click("[data-test=auth-submit]")
    assert balance(page) == "0"

    page.click("[data-test=my-data]")
    expect(page.locator("[data-test=accepted-version]")).to_have_text(
        "คุณยอมรับประกาศความเป็นส่วนตัวฉบับที่ 1 แล้ว"
    )
    with page.expect_download() as download:
        page.click("[data-test=export]")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("ecolife-my-data-") and saved.suffix == ".json"
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["profile"]["display_name"] == "ป้าศรี ใจงาม"
    assert data["profile"]["phone"] == "+66895550101"
    assert [c["privacy_notice_version"] for c in data["consents"]] == [1]
    expect(page.locator("[data-test=message]")).to_contain_text("ดาวน์โหลดแล้ว")
    expect(page.locator("[data-test=delete-warning]")).to_contain_text("ย้อนกลับไม่ได้")
    screenshot(page, "app-my-data")
    assert too_small(page, "main button, main input") == []

    page.fill("#f-delete_password", "not-the-password")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-test=delete-account]")
    expect(page.locator("#f-delete_password-error")).to_have_text("รหัสผ่านไม่ถูกต้อง")
    page.fill("#f-delete_password", PASSWORD)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-test=delete-account]")
    expect(page.locator("[data-test=account-deleted]")).to_contain_text("ลบบัญชีของคุณแล้ว")
    screenshot(page, "app-account-deleted")

    login = client.post("/api/v1/auth/login", json={"login": "0895550101", "password": PASSWORD})
    assert login.status_code == 401
    with app.app_context():
        erased = db.session.query(User).filter(User.erased_at.is_not(None)).one()
        assert erased.phone is None and erased.display_name.startswith("ผู้ใช้ที่ลบบัญชี")
    page.goto("/app/#/")  # signed out on this phone too
    expect(page.locator("[data-test=auth-submit]")).to_have_text("เข้าสู่ระบบ")
    # Only the wrong password's answer (422) is logged by the browser.
    assert [e for e in page.console_errors if "422" not in e] == []


def test_a_new_notice_published_in_the_console_is_asked_for_on_the_apps_next_start(
    app, client, new_page, make_admin, make_resident
):
    admin = make_admin()
    resident = make_resident()
    phone = new_page(viewport=PHONE)
    phone.goto("/app/")
    app_sign_in(phone, resident.user.phone)
    assert balance(phone) == "0"  # version 1 accepted at sign-up: nothing to ask

    console = new_page()
    console_sign_in(console, admin.user.email)
    console.goto("/admin/privacy/")
    expect(console.locator("[data-test=current-version]")).to_contain_text("1")
    text_th = console.input_value("#text_th")
    console.fill("#text_th", text_th + "\n\n## การใช้กล้องถ่ายภาพ\nแอปใช้กล้องเพื่ออ่าน QR เท่านั้น")
    console.fill("#text_en", console.input_value("#text_en") + "\n\n## Camera\nQR codes only.")
    screenshot(console, "admin-privacy-notice")
    console.click("[data-test=publish-notice]")
    expect(console.locator("[data-test=current-version]")).to_contain_text("2")
    expect(console.locator("[data-test=notice-versions] tbody tr")).to_have_count(2)

    phone.reload()  # the app starts again
    expect(phone.locator("[data-test=notice-changed] h1")).to_have_text(
        "ประกาศความเป็นส่วนตัวเปลี่ยนแปลงแล้ว"
    )
    expect(phone.locator("[data-test=notice-text]")).to_contain_text("การใช้กล้องถ่ายภาพ")
    screenshot(phone, "app-notice-changed")
    phone.click("[data-test=accept-new-notice]")
    assert balance(phone) == "0"
    with app.app_context():
        me = client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {resident.access_token}"}
        ).get_json()
    assert me["privacy_notice"] == {"version": 2, "accepted_version": 2}

    public = new_page()
    public.goto("/privacy")
    expect(public.locator("[data-test=privacy-notice]")).to_contain_text("การใช้กล้องถ่ายภาพ")
    screenshot(public, "privacy-page")
    assert phone.console_errors == [] and console.console_errors == []


def test_a_notice_published_while_signing_up_is_shown_and_accepted_anew(
    app, client, new_page, make_admin
):
    page = fill_sign_up(new_page, "ลุงเพิ่ม ทันใจ", "089 555 0102")
    expect(page.locator("[data-test=signup-notice] summary")).to_contain_text("ฉบับที่ 1")
    page.check("[data-test=accept-notice]")
    with app.app_context():
        privacy.publish_notice(
            "## ฉบับใหม่\nเพิ่มเรื่องกล้อง",
            "## New\nCamera",
            admin_id=make_admin().user.id,
            scope=PROVINCE_WIDE,
        )
        db.session.remove()
    page.click("[data-test=auth-submit]")  # sends version 1: refused, version 2 shown
    expect(page.locator("#f-accept-notice-error")).to_have_text(
        "โปรดอ่านฉบับใหม่ (ฉบับที่ 2) แล้วกดยอมรับเพื่อใช้งานต่อ"
    )
    expect(page.locator("[data-test=signup-notice] summary")).to_contain_text("ฉบับที่ 2")
    expect(page.locator("[data-test=notice-text]")).to_contain_text("เพิ่มเรื่องกล้อง")
    expect(page.locator("[data-test=accept-notice]")).not_to_be_checked()
    screenshot(page, "app-sign-up-notice-changed")
    page.check("[data-test=accept-notice]")
    page.click("[data-test=auth-submit]")
    assert balance(page) == "0"
    with app.app_context():
        user = db.session.query(User).filter(User.phone == "+66895550102").one()
        assert [c.notice_version for c in privacy.consents_of(user.id)] == [2]
    assert [e for e in page.console_errors if "409" not in e] == []
