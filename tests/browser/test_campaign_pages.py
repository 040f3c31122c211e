"""Campaigns in Chromium: an admin creates one in the console and sees its budget; a resident
of its district sees it on the app's home screen and its bonus on the scan's result."""

from datetime import timedelta

from playwright.sync_api import expect

from ecolife import clock, rules
from tests.browser.conftest import screenshot
from tests.browser.test_app_rough_edges import signed_in_page
from tests.browser.test_console_flow import sign_in
from tests.factories import add_campaign, bearer


def test_an_admin_creates_a_campaign_and_sees_its_budget(new_page, make_admin, make_shop):
    make_shop(district="5104")
    admin = make_admin()
    page = new_page()
    sign_in(page, admin.user.email)
    page.click("text=แคมเปญ")
    expect(page.locator("h1")).to_have_text("แคมเปญ")
    today = clock.now().astimezone(rules.BANGKOK).date()
    page.fill("#name_th", "ลี้ปลอดถุง แต้ม x2")
    page.fill("#name_en", "Bag-free Li: double points")
    page.fill("#first_day", today.isoformat())
    page.fill("#last_day", (today + timedelta(days=30)).isoformat())
    page.fill("#multiplier", "2")
    page.fill("#budget_points", "2000")
    page.select_option("#area_codes", ["5104"])
    page.check("input[name=action_codes][value=bag]")
    page.click("[data-test=create]")
    row = page.locator("[data-test^=campaign-]").first
    expect(row.locator("[data-test=status]")).to_have_text("กำลังดำเนินการ")
    expect(row.locator("[data-test=budget]")).to_contain_text("0 / 2,000")
    expect(row.locator("[data-test=where]")).to_contain_text("ลี้")
    expect(row.locator("[data-test=gives]")).to_contain_text("แต้ม ×2")
    screenshot(page, "console-campaigns")
    row.locator("[data-test=end]").click()
    expect(page.locator("[data-test=confirm]")).to_contain_text("จบแคมเปญ ลี้ปลอดถุง แต้ม x2")
    page.click("[data-test=confirm-button]")
    expect(row.locator("[data-test=status]")).to_have_text("จบแล้ว")
    assert page.console_errors == []


def test_a_resident_sees_the_campaign_near_them_and_its_bonus(
    app, new_page, make_admin, make_resident, make_shop, shop_token
):
    shop_id, _ = make_shop(district="5104")
    add_campaign(
        app,
        make_admin().user.id,
        name_th="ลี้ปลอดถุง แต้ม x2",
        bonus_points=None,
        multiplier=2,
        area_codes=["5104"],
    )
    resident = make_resident()
    home = {"home_tambon_code": "510401"}
    app.test_client().patch("/api/v1/me", json=home, headers=bearer(resident))
    page = signed_in_page(new_page, resident)
    strip = page.locator("[data-test=campaigns]")
    expect(strip).to_be_visible()
    expect(strip).to_contain_text("ลี้ปลอดถุง แต้ม x2")
    expect(strip).to_contain_text("แต้ม ×2 ทุกร้านในอำเภอลี้ ถึง")
    screenshot(page, "app-campaigns")
    page.goto(f"/app/#/claim/{shop_token(shop_id)}")
    page.click("[data-test=collect]")
    expect(page.locator("[data-test=won]")).to_contain_text("+10 แต้ม!")
    expect(page.locator("[data-test=campaign-bonus]")).to_have_text(
        "รวมโบนัสแคมเปญ ลี้ปลอดถุง แต้ม x2 +5 แต้ม"
    )
    screenshot(page, "app-campaign-bonus")
    assert page.console_errors == []
