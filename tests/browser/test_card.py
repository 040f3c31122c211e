"""The member card in Chromium, in Thai: a resident's card screen in the app (QR, typed code,
printing, PIN, a new card), and an admin registering a resident without a phone at the office
and printing their card on the spot."""

import io
import re

import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from ecolife.extensions import db
from ecolife.models import User
from ecolife.services import cards
from tests.browser.conftest import screenshot
from tests.browser.test_app_rough_edges import PHONE, too_small
from tests.browser.test_console_flow import sign_in
from tests.factories import PASSWORD
from tests.unit.test_qr_posters import pdf_lines

REFUSED_422 = (
    "Failed to load resource: the server responded with a status of 422 (UNPROCESSABLE ENTITY)"
)


def _signed_in_app(new_page, resident):
    """The app on a phone, signed in (the privacy notice accepted if it asks first)."""
    page = new_page(viewport=PHONE)
    page.goto("/app/")
    page.fill("#f-login", resident.user.phone)
    page.fill("#f-password", PASSWORD)
    page.click("[data-test=auth-submit]")
    page.wait_for_selector("[data-test=balance], [data-test=accept-new-notice]")
    if page.locator("[data-test=accept-new-notice]").count():
        page.click("[data-test=accept-new-notice]")
    page.wait_for_selector("[data-test=balance]")
    return page


def _qr_text(png: bytes) -> list[str]:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return [barcode.text for barcode in found]


def test_a_resident_shows_prints_and_renews_their_card_and_sets_a_pin(app, new_page, make_resident):
    resident = make_resident(display_name="นายปั้ม ที่ดี")
    page = _signed_in_app(new_page, resident)
    page.click("[data-test=member-card]")
    code = page.locator("[data-test=card-code]")
    expect(code).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    expect(page.locator("h1")).to_have_text("บัตรสมาชิก")
    qr = page.locator("[data-test=card-qr]")
    expect(qr).to_have_attribute("src", re.compile("^blob:"))
    expect(qr).to_have_js_property("complete", True)
    assert _qr_text(qr.screenshot()) == [code.inner_text()]
    expect(page.locator("[data-test=pin-state]")).to_have_text("ยังไม่ได้ตั้งรหัส PIN")
    screenshot(page, "app-member-card")
    assert too_small(page, "main button, main input") == []

    with page.expect_download() as download:
        page.click("[data-test=print-card]")
    pdf = download.value.path().read_bytes()
    assert "นายปั้ม ที่ดี" in pdf_lines(pdf) and code.inner_text() in pdf_lines(pdf)
    expect(page.locator("[data-test=message]")).to_have_text("ดาวน์โหลดบัตรแล้ว เปิดไฟล์ PDF เพื่อพิมพ์")

    # A PIN of the wrong shape, then the wrong password, then both right.
    page.fill("#f-pin", "12")
    page.fill("#f-password", PASSWORD)
    page.click("[data-test=save-pin]")
    expect(page.locator("#f-pin-error")).to_have_text("กรอกตัวเลข 4 หลัก")
    page.fill("#f-pin", "2468")
    page.fill("#f-password", "not-my-password")
    page.click("[data-test=save-pin]")
    expect(page.locator("#f-password-error")).to_have_text("รหัสผ่านไม่ถูกต้อง")
    page.fill("#f-password", PASSWORD)
    page.click("[data-test=save-pin]")
    expect(page.locator("[data-test=pin-state]")).to_have_text("ตั้งรหัส PIN แล้ว")
    screenshot(page, "app-member-card-pin")
    with app.app_context():
        assert cards.check_pin(db.session.get(User, resident.user.id), "2468") is True
        db.session.commit()

    # A new card, after saying yes: the code changes and the old one finds nobody.
    old = code.inner_text()
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("[data-test=rotate-card]")
    expect(code).to_have_text(old)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-test=rotate-card]")
    expect(code).not_to_have_text(old)
    with app.app_context():
        assert cards.card_holder(old) is None
        assert cards.card_holder(code.inner_text()).id == resident.user.id
    # The only console lines are Chromium noting the two refusals' HTTP status.
    assert page.console_errors == [REFUSED_422] * 2


def test_an_admin_registers_a_resident_without_a_phone_and_prints_the_card(
    app, new_page, make_admin
):
    admin = make_admin()
    page = new_page()
    sign_in(page, admin.user.email)
    page.goto("/admin/residents/")
    page.click("[data-test=register-resident]")
    expect(page.locator("h1")).to_have_text("ลงทะเบียนผู้อยู่อาศัย")
    page.fill("#display_name", "ยายแก้ว ใจดี")
    page.select_option("#home_tambon_code", "510101")
    page.fill("#pin", "2580")
    page.fill("#pin_again", "4321")
    page.click("[data-test=register]")
    expect(page.locator("#pin_again-error")).to_have_text("รหัส PIN ทั้งสองช่องไม่ตรงกัน")
    screenshot(page, "admin-register-resident-error")
    expect(page.locator("#display_name")).to_have_value("ยายแก้ว ใจดี")
    page.fill("#pin", "2580")
    page.fill("#pin_again", "2580")
    screenshot(page, "admin-register-resident")
    page.click("[data-test=register]")

    expect(page.locator("[data-test=card-name]")).to_have_text("ยายแก้ว ใจดี")
    expect(page.locator(".flash")).to_contain_text("ลงทะเบียน ยายแก้ว ใจดี แล้ว")
    code = page.inner_text("[data-test=card-code]")
    expect(page.locator("img.qr")).to_have_js_property("complete", True)
    assert _qr_text(page.locator("img.qr").screenshot()) == [code]
    expect(page.locator("[data-test=pin-state]")).to_have_text("ตั้งรหัส PIN แล้ว")
    screenshot(page, "admin-member-card")
    printed = page.locator("[data-test=print-card]")
    expect(printed).to_have_text("พิมพ์บัตร")
    assert printed.get_attribute("target") == "_blank"
    pdf = page.context.request.get(printed.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert "ยายแก้ว ใจดี" in pdf_lines(pdf.body()) and code in pdf_lines(pdf.body())

    with app.app_context():
        holder = cards.card_holder(code)
        assert (holder.display_name, holder.phone, holder.email) == ("ยายแก้ว ใจดี", None, None)
        assert cards.check_pin(holder, "2580") is True
        db.session.commit()
    page.click("text=หน้าข้อมูลผู้อยู่อาศัย")
    expect(page.locator("[data-test=card-state]")).to_contain_text("มีบัตรสมาชิก")
    # The form with the PINs that differ came back as a 422 page: Chromium notes its status.
    assert page.console_errors == [REFUSED_422]
