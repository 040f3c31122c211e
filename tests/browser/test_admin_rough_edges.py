"""The admin console's rough edges, in Chromium and Thai: confirmations before destructive
changes, CSV import problems by column, the rules page at desktop width, invite links."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_console_flow import sign_in
from tests.factories import PASSWORD


def admin_page(new_page, make_admin, **kwargs):
    page = new_page(**kwargs)
    sign_in(page, make_admin().user.email)
    page.wait_for_url("**/admin/impact")
    return page


def test_replacing_a_qr_and_suspending_a_shop_ask_first(new_page, make_admin, make_shop):
    shop_id, _staff = make_shop("ร้านกาแฟดอยคำ")
    page = admin_page(new_page, make_admin)
    page.goto(f"/admin/shops/{shop_id}")
    old_qr = page.request.get(f"/admin/shops/{shop_id}/qr.png").body()

    page.click("[data-test=rotate-qr]")
    expect(page.locator("h1")).to_have_text(re.compile(r"^เปลี่ยน QR ของ ร้านกาแฟดอยคำ.* หรือไม่$"))
    assert "โปสเตอร์ทุกแผ่นที่พิมพ์ไว้จะใช้ไม่ได้" in page.inner_text("[data-test=confirm]")
    screenshot(page, "admin-shop-rotate-qr-confirm")
    page.click("[data-test=cancel]")  # changing one's mind changes nothing
    page.wait_for_url(f"**/admin/shops/{shop_id}")
    assert page.request.get(f"/admin/shops/{shop_id}/qr.png").body() == old_qr
    page.click("[data-test=rotate-qr]")
    page.click("[data-test=confirm-button]")
    page.wait_for_url(f"**/admin/shops/{shop_id}")
    assert "QR ใหม่" in page.inner_text(".flash")
    assert page.request.get(f"/admin/shops/{shop_id}/qr.png").body() != old_qr

    page.click("[data-test=suspend-shop]")
    assert "ประชาชนจะสะสมแต้มที่ร้านนี้ไม่ได้" in page.inner_text("[data-test=confirm]")
    screenshot(page, "admin-shop-suspend-confirm")
    page.click("[data-test=confirm-button]")
    page.wait_for_url(f"**/admin/shops/{shop_id}")
    expect(page.locator("[data-test=reinstate-shop]")).to_be_visible()
    assert page.console_errors == [] and page.foreign_requests == []


def test_suspending_a_resident_asks_for_the_reason_on_a_confirmation_page(
    new_page, make_admin, make_resident
):
    resident = make_resident(display_name="นายทดสอบ ใจดี")
    page = admin_page(new_page, make_admin)
    page.goto(f"/admin/residents/{resident.user.id}")
    page.click("[data-test=suspension]")
    expect(page.locator("h1")).to_have_text("ระงับ นายทดสอบ ใจดี หรือไม่")
    assert "สะสมแต้มหรือแลกของรางวัลไม่ได้" in page.inner_text("[data-test=confirm]")
    page.click("[data-test=confirm-button]")  # no reason yet: asked again, nothing done
    expect(page.locator("#reason-error")).to_have_text("กรุณากรอกช่องนี้")
    page.fill("#reason", "สแกนโปสเตอร์จากรูปถ่าย")
    screenshot(page, "admin-resident-suspend-confirm")
    page.click("[data-test=confirm-button]")
    page.wait_for_url(f"**/admin/residents/{resident.user.id}")
    expect(page.locator("[data-test=suspended]")).to_be_visible()
    assert "สแกนโปสเตอร์จากรูปถ่าย" in page.inner_text("main")
    # Only the refused form's 422 (which the page explained) shows in the console.
    assert all("422" in e for e in page.console_errors)


def test_a_csv_import_lists_every_problem_by_column_in_thai(
    new_page, make_admin, run_jobs, tmp_path
):
    csv_file = tmp_path / "shops.csv"
    csv_file.write_text(
        "name,tambon_code,district,owner_name,owner_email\n"
        "ร้านดี,510401,li,ก,good@example.com\n"
        ",510401,atlantis,,not-an-email\n",
        encoding="utf-8",
    )
    page = admin_page(new_page, make_admin)
    page.goto("/admin/shops/import")
    page.set_input_files("#file", str(csv_file))
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/admin/jobs/*")
    run_jobs()
    page.reload()
    problems = page.locator("[data-test=import-problem]")
    expect(problems).to_have_count(1)
    text = problems.inner_text()
    assert text.startswith("บรรทัด 3")
    for line in (
        "name: กรุณากรอกช่องนี้",
        "district: ไม่พบอำเภอนี้ ให้ระบุรหัสอำเภอ",
        "owner_name: กรุณากรอกช่องนี้",
        "owner_email: กรอกอีเมล เช่น name@example.com",
    ):
        assert line in text, line
    screenshot(page, "admin-import-problems")
    assert page.console_errors == []


def test_the_rules_page_fits_1440_pixels_with_each_in_use_label_on_one_line(new_page, make_admin):
    page = admin_page(new_page, make_admin, viewport=(1440, 900))
    page.goto("/admin/rules/")
    screenshot(page, "admin-rules-1440")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440
    labels = page.locator(".action-row .field.check label")
    assert labels.count() >= 4
    for n in range(labels.count()):
        label = labels.nth(n)
        assert label.inner_text().strip() == "ใช้งาน"
        # The text's own box (the label is a 48 px tap target) is one line high.
        height, line = label.evaluate(
            "l => { const r = document.createRange(); r.selectNodeContents(l.lastChild);"
            " const line = parseFloat(getComputedStyle(l).lineHeight);"
            " return [r.getBoundingClientRect().height, line] }"
        )
        assert height < 1.5 * line, f"the label wraps: {height} px for a {line} px line"
        box = label.locator("input").bounding_box()
        button = label.locator("xpath=../button").bounding_box()
        assert box["x"] + box["width"] <= 1440 and button["x"] + button["width"] <= 1440
    assert page.console_errors == []


def test_a_used_invite_link_says_what_to_do_and_a_new_one_signs_the_owner_in(
    app, new_page, make_admin
):
    from ecolife.services import shops

    with app.test_request_context():
        invite = shops.create_shop(
            {"name": "ร้านป้าน้อย", "tambon_code": "510401"},
            {"display_name": "ป้าน้อย", "email": "noi@example.com"},
        ).invite_url
    path = "/invite/" + invite.rsplit("/", 1)[1]
    page = new_page()
    page.goto(path)
    assert "ร้านป้าน้อย" in page.inner_text("main")
    page.fill("#password", PASSWORD)
    page.fill("#password_again", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/shop/")
    assert "ร้านป้าน้อย" in page.inner_text("body")

    other = new_page()
    response = other.goto(path)
    assert response.status == 404
    assert other.locator("#password").count() == 0
    assert "ลิงก์เชิญนี้ใช้ไม่ได้" in other.inner_text("h1")
    assert "ขอลิงก์เชิญใหม่" in other.inner_text("main")
    screenshot(other, "invite-used")
    assert other.console_errors == [] or all("404" in e for e in other.console_errors)
