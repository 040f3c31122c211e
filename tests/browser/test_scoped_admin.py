"""A district admin in the console, in Thai: sees their district's shops only, and another
district's shop answers the 404 page."""

from playwright.sync_api import expect

from ecolife.extensions import db
from ecolife.models import Shop
from ecolife.services.demo import DEMO_PASSWORDS, seed_demo_data
from tests.browser.conftest import screenshot
from tests.browser.test_console_flow import sign_in


def test_a_district_admin_sees_only_their_districts_shops(app, new_page):
    with app.app_context():
        seed_demo_data()
        li_shop = db.session.query(Shop).filter_by(name="ร้านอาหารตามสั่งลี้").one().id
        town_shop = db.session.query(Shop).filter_by(name="ร้านกาแฟริมกวง").one().id
        db.session.remove()
    page = new_page()
    sign_in(page, "admin-li@ecolife.local", DEMO_PASSWORDS["admin"])
    expect(page.locator("[data-test=admin-area]")).to_have_text("ดูแล: อำเภอลี้")

    page.goto("/admin/shops/")
    rows = page.locator("table.table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("ร้านอาหารตามสั่งลี้")
    expect(page.locator("nav.console-nav")).not_to_contain_text("กติกา")  # no programme rules
    screenshot(page, "admin-scoped-shops")

    page.goto(f"/admin/shops/{li_shop}")
    expect(page.locator("#name")).to_have_value("ร้านอาหารตามสั่งลี้")

    answer = page.goto(f"/admin/shops/{town_shop}")
    assert answer.status == 404
    expect(page.locator("section.error h1")).to_have_text("404")
    expect(page.locator("body")).not_to_contain_text("ร้านกาแฟริมกวง")
    screenshot(page, "admin-scoped-other-shop-404")
    assert page.foreign_requests == []
