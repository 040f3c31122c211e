"""The participation page in Chromium, in Thai: households, the progress bar, a declaration."""

from playwright.sync_api import expect

from ecolife import clock
from ecolife.extensions import db
from ecolife.rules import BANGKOK
from ecolife.services import residents
from tests.browser.conftest import screenshot
from tests.browser.test_console_flow import sign_in
from tests.factories import scan

LI_TAMBON = "510401"


def residents_of_li_who_scanned(app, client, make_resident, make_shop, shop_token, count=2):
    """Residents who live in ตำบลลี้ and earned points today."""
    shop_id, _ = make_shop()
    for _ in range(count):
        resident = make_resident()
        with app.test_request_context():
            residents.set_home(resident.user.id, {"home_tambon_code": LI_TAMBON})
            db.session.remove()
        assert scan(client, resident, shop_token(shop_id), action="bag").status_code == 201


def set_households(page, households: str, target: str) -> None:
    form = page.locator("[data-test=set-target] form")
    form.locator("#tambon_code").select_option(LI_TAMBON)
    form.locator("#households").fill(households)
    form.locator("#target_percent").fill(target)
    form.locator("button[type=submit]").click()


def test_an_admin_sets_households_sees_the_bar_and_declares(
    app, client, new_page, make_admin, make_resident, make_shop, shop_token
):
    residents_of_li_who_scanned(app, client, make_resident, make_shop, shop_token)
    admin = make_admin()
    page = new_page(lang="th-TH")
    sign_in(page, admin.user.email)
    page.goto("/admin/participation/")
    expect(page.locator("h1")).to_have_text("การมีส่วนร่วม")
    expect(page.locator("[data-test=no-targets]")).to_be_visible()

    set_households(page, "10", "50")
    row = page.locator("[data-test=target-510401]")
    expect(page.locator(".flash").first).to_contain_text("บันทึกจำนวนครัวเรือนและเป้าหมายของ ลี้")
    expect(row.locator("[data-test=active]")).to_have_text("2")
    expect(row.locator("[data-test=percent]")).to_have_text("20.0%")
    expect(row.locator("[data-test=bar]")).to_have_attribute("value", "20.0")
    expect(row.locator("[data-test=bar]")).to_have_attribute("max", "50")
    expect(row.locator("[data-test=reached]")).to_have_count(0)
    expect(page.locator("[data-test=declare-510401]")).to_have_count(0)

    set_households(page, "4", "50")  # 2 of 4 households: the target is reached
    expect(row.locator("[data-test=percent]")).to_have_text("50.0%")
    expect(row.locator("[data-test=reached]")).to_have_text("ถึงเป้าหมายแล้ว")
    screenshot(page, "admin-participation-reached")

    declare = page.locator("[data-test=declare-510401]")
    declare.locator("summary").click()
    expect(declare.locator("[name=title]")).to_have_value("ตำบลลดพลาสติก")
    declare.locator("[name=note]").fill("ครัวเรือนครึ่งหนึ่งร่วมลดพลาสติก")
    declare.locator("button[type=submit]").click()
    expect(page.locator(".flash").first).to_contain_text("บันทึกการประกาศแล้ว: ตำบลลดพลาสติก")
    listed = page.locator("[data-test=declaration]")
    expect(listed).to_have_count(1)
    buddhist_year = str(clock.now().astimezone(BANGKOK).year + 543)
    expect(listed).to_contain_text(buddhist_year)
    expect(listed).to_contain_text("ตำบลลดพลาสติก")
    expect(listed).to_contain_text("ครัวเรือนครึ่งหนึ่งร่วมลดพลาสติก")
    screenshot(page, "admin-participation-declared")

    listed.locator("[data-test=delete-declaration]").click()  # recorded by mistake: remove it
    expect(page.locator("[data-test=confirm] h1")).to_have_text("ลบประกาศ ตำบลลดพลาสติก หรือไม่?")
    expect(page.locator("[data-test=confirm]")).to_contain_text("ตำบลลี้")
    screenshot(page, "admin-participation-remove-declaration")
    page.locator("[data-test=confirm-button]").click()
    expect(page.locator(".flash").first).to_contain_text("ลบประกาศ ตำบลลดพลาสติก แล้ว")
    expect(page.locator("[data-test=declaration]")).to_have_count(0)
    assert page.console_errors == [] and page.foreign_requests == []


def test_removing_a_target_asks_first_in_the_browser(app, new_page, make_admin):
    admin = make_admin()
    page = new_page(lang="th-TH")
    sign_in(page, admin.user.email)
    page.goto("/admin/participation/")
    set_households(page, "120", "80")
    page.locator("[data-test=target-510401] [data-test=delete]").click()
    expect(page.locator("[data-test=confirm] h1")).to_contain_text("ลบเป้าหมายของ ลี้ หรือไม่?")
    screenshot(page, "admin-participation-remove")
    page.locator("[data-test=confirm-button]").click()
    expect(page.locator("[data-test=no-targets]")).to_be_visible()


def test_the_page_in_english_at_phone_width(app, new_page, make_admin):
    admin = make_admin()
    page = new_page(lang="en-US", viewport=(390, 844))
    sign_in(page, admin.user.email)
    page.goto("/lang/en")
    page.goto("/admin/participation/")
    expect(page.locator("h1")).to_have_text("Participation")
    set_households(page, "120", "80")
    row = page.locator("[data-test=target-510401]")
    expect(row).to_contain_text("Li")
    expect(page.locator("[data-test=district-5104] h2")).to_have_text("District Li")
    # The page itself does not scroll sideways; the table scrolls inside its card.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    screenshot(page, "admin-participation-phone-en")
