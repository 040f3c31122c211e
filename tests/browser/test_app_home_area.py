"""The resident app's "where I live": district → sub-district and village number, in Thai,
with the reason said plainly; optional, and kept across a reload."""

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_app_rough_edges import signed_in_page, too_small
from tests.factories import bearer


def test_a_resident_says_where_they_live_and_it_stays_after_a_reload(app, new_page, make_resident):
    resident = make_resident()
    page = signed_in_page(new_page, resident)
    page.click("[data-test=my-area]")
    expect(page.locator("[data-test=area-why]")).to_contain_text(
        "ใช้นับตัวเลขของแต่ละพื้นที่ในโครงการเท่านั้น"
    )
    # One province installed: it is chosen already and its question is not asked.
    expect(page.locator("#f-province")).to_be_hidden()
    expect(page.locator("#f-district option")).to_have_count(9)  # "ไม่ระบุ" and 8 districts
    expect(page.locator("#f-home_tambon_code")).to_be_disabled()
    page.select_option("#f-district", label="ลี้")
    expect(page.locator("#f-home_tambon_code option")).to_have_count(9)
    page.select_option("#f-home_tambon_code", label="แม่ตืน")
    page.fill("#f-home_village_no", "7")
    screenshot(page, "app-where-i-live")
    page.click("[data-test=save-area]")
    expect(page.locator("[data-test=message]")).to_have_text("บันทึกแล้ว")
    assert too_small(page, "main button, main select, main input") == []

    page.reload()
    expect(page.locator("#f-home_tambon_code")).to_have_value("510402")
    expect(page.locator("#f-district")).to_have_value("5104")
    expect(page.locator("#f-home_village_no")).to_have_value("7")
    me = app.test_client().get("/api/v1/me", headers=bearer(resident)).get_json()
    assert (me["home_tambon_code"], me["home_village_no"]) == ("510402", 7)

    # Not saying is fine too: choosing no district clears both.
    page.select_option("#f-district", "")
    expect(page.locator("#f-home_tambon_code")).to_be_disabled()
    page.click("[data-test=save-area]")
    expect(page.locator("[data-test=message]")).to_have_text("บันทึกแล้ว")
    expect(page.locator("#f-home_village_no")).to_have_value("")
    me = app.test_client().get("/api/v1/me", headers=bearer(resident)).get_json()
    assert (me["home_tambon_code"], me["home_village_no"]) == (None, None)
    assert page.console_errors == []


def test_a_village_number_out_of_range_is_explained_beside_the_field(new_page, make_resident):
    page = signed_in_page(new_page, make_resident())
    page.goto("/app/#/profile")
    page.select_option("#f-district", "5101")
    page.select_option("#f-home_tambon_code", "510101")
    page.fill("#f-home_village_no", "120")
    page.click("[data-test=save-area]")
    expect(page.locator("#f-home_village_no-error")).to_have_text("กรอกเลข 1 ถึง 99")
    screenshot(page, "app-where-i-live-error")
