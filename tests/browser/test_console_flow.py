"""The consoles end to end in Chromium: a new shop, its reward, a counter code, a redemption
confirmed through the camera, and the numbers on the admin's impact page."""

import io
import re

from PIL import Image

from tests.browser.conftest import screenshot
from tests.browser.y4m import write_y4m
from tests.factories import PASSWORD, bearer, redeem, scan

STAFF_EMAIL = "somsri@example.com"


def sign_in(page, login: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("button[type=submit]")


def add_shop(page) -> str:
    """As the admin: add a shop with its owner; return the owner's invite path."""
    page.goto("/admin/shops/")
    page.click("[data-test=new-shop]")
    page.fill("#name", "ร้านปั้มน้ำมันบ้านที่")
    page.fill("#name_en", "Ban Thi Pump Shop")
    page.select_option("#tambon_code", "510701")
    page.fill("#owner-display_name", "สมศรี")
    page.fill("#owner-email", STAFF_EMAIL)
    screenshot(page, "admin-shop-new")
    page.click("[data-test=save-shop]")
    invite_url = page.input_value("[data-test=invite-url]")
    screenshot(page, "admin-shop-created")
    with page.expect_download() as download:
        page.click("[data-test=poster-link]")
    poster = download.value.path().read_bytes()
    assert poster.startswith(b"%PDF") and len(poster) > 10_000
    return re.sub(r"^https?://[^/]+", "", invite_url)


def set_up_staff(page, invite_path: str) -> None:
    """As the new owner: set a password (which signs them in), add a reward worth 10 points."""
    page.goto(invite_path)
    page.fill("#password", PASSWORD)
    page.fill("#password_again", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/shop/")
    page.goto("/shop/rewards/")
    page.click("[data-test=new-reward]")
    page.fill("#name_th", "ถุงผ้าลายช้าง")
    page.fill("#name_en", "Elephant tote bag")
    page.fill("#points", "10")
    page.fill("#stock", "5")
    screenshot(page, "shop-reward-form")
    page.click("[data-test=save-reward]")
    assert "ถุงผ้าลายช้าง" in page.inner_text("table")


def issue_counter_code(page) -> str:
    """At the counter: two bags refused; return the one-time code's URL from its QR."""
    page.goto("/shop/counter")
    page.check("input[name=action][value=bag]", force=True)
    page.fill("#quantity", "2")
    screenshot(page, "shop-counter")
    page.click("[data-test=issue-code]")
    page.wait_for_url(re.compile(r"/shop/codes/\d+$"))
    assert page.locator("#code-screen").get_attribute("data-status") == "active"
    screenshot(page, "shop-code")
    png = page.request.get(page.locator("img.big-qr").get_attribute("src")).body()
    import zxingcpp

    return zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))[0].text


def test_admin_and_staff_run_a_shop_through_the_consoles(
    app, new_page, launch_with_camera, make_admin, make_resident, tmp_path, live_server
):
    admin = make_admin()
    admin_page = new_page()
    sign_in(admin_page, admin.user.email)
    admin_page.wait_for_url("**/admin/impact")
    invite_path = add_shop(admin_page)

    staff_page = new_page()
    set_up_staff(staff_page, invite_path)
    code_url = issue_counter_code(staff_page)

    # A resident (through the phone API) scans the counter code: the screen turns to "scanned".
    api = app.test_client()
    resident = make_resident(display_name="ป้าบุญมี")
    assert scan(api, resident, code_url).get_json()["balance"] == 10
    staff_page.wait_for_selector("#code-screen[data-status=used]")
    assert staff_page.locator(".code-state.ok").is_visible()
    screenshot(staff_page, "shop-code-scanned")

    # The resident asks for the reward and shows its QR; staff scan it with the camera.
    reward_id = api.get("/api/v1/rewards").get_json()["items"][0]["id"]
    redemption = redeem(api, resident, reward_id).get_json()["redemption"]
    qr_png = api.get(redemption["qr_png_url"], headers=bearer(resident)).data
    camera = launch_with_camera(write_y4m(Image.open(io.BytesIO(qr_png)), tmp_path / "qr.y4m"))
    counter = new_page(chromium=camera, viewport=(900, 1000))
    counter.context.grant_permissions(["camera"], origin=live_server)
    sign_in(counter, STAFF_EMAIL)
    counter.goto("/shop/redeem")
    counter.click("[data-test=start-camera]")
    counter.wait_for_url(re.compile(r"/shop/redemptions/\d+$"))
    assert "ป้าบุญมี" in counter.inner_text("[data-test=redemption]")
    screenshot(counter, "shop-redemption")
    counter.click("[data-test=confirm]")
    counter.wait_for_selector("[data-test=confirmed]")
    screenshot(counter, "shop-redemption-confirmed")
    status = api.get(f"/api/v1/redemptions/{redemption['id']}", headers=bearer(resident))
    assert status.get_json()["status"] == "confirmed"

    # The admin's impact page counts the two bags at the new shop.
    admin_page.goto("/admin/impact")
    assert admin_page.inner_text("[data-test=total-items]") == "2"
    assert admin_page.inner_text("[data-test=total-grams]") == "11.0"
    shop_row = admin_page.locator("[data-test=impact-shops] tr", has_text="ร้านปั้มน้ำมันบ้านที่")
    assert shop_row.locator("td").nth(2).inner_text() == "2"
    screenshot(admin_page, "admin-impact")
    admin_page.goto("/admin/statements")
    assert "ร้านปั้มน้ำมันบ้านที่" in admin_page.inner_text("[data-test=statements]")

    for page in (admin_page, staff_page, counter):
        assert page.foreign_requests == []
        assert page.console_errors == []
