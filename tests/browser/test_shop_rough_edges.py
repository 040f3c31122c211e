"""The shop console in Chromium: a refused scan shows on the counter screen, a code can be
cancelled, and the overview lists waiting rewards and recent scans."""

import io
import re

import zxingcpp
from PIL import Image

from ecolife.services import settings
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, redeem, scan


def sign_in(page, login: str) -> None:
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/shop/")


def issue_code(page) -> str:
    """Show a one-time code for one refused bag; return the URL its QR holds."""
    page.goto("/shop/counter")
    page.click("[data-test=issue-code]")
    page.wait_for_url(re.compile(r"/shop/codes/\d+$"))
    png = page.request.get(page.locator("img.big-qr").get_attribute("src")).body()
    return zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))[0].text


def test_a_refused_scan_shows_on_the_counter_screen_and_the_code_can_be_cancelled(
    app, new_page, make_shop, make_resident, shop_token
):
    with app.app_context():
        settings.update_limits({"daily_scans": 1})
    _, staff = make_shop()
    api = app.test_client()
    capped = make_resident()
    assert scan(api, capped, shop_token(make_shop()[0])).status_code == 201

    page = new_page(viewport=(820, 1180))
    sign_in(page, staff.user.email)
    url = issue_code(page)
    refusal = page.locator("[data-test=refusal]")
    assert not refusal.is_visible()
    assert scan(api, capped, url).get_json()["code"] == "daily_cap_reached"
    refusal.wait_for(state="visible")
    assert "ครบแต้มสูงสุดของวันนี้แล้ว" in refusal.inner_text()
    assert page.locator("#code-screen").get_attribute("data-status") == "active"
    screenshot(page, "shop-code-refused")

    page.click("[data-test=cancel-code]")
    page.wait_for_url("**/shop/counter")
    assert "ยกเลิกรหัสแล้ว" in page.inner_text("body")
    refused = scan(api, make_resident(), url)
    assert refused.status_code == 410 and refused.get_json()["code"] == "code_cancelled"
    assert page.console_errors == [] and page.foreign_requests == []


def test_a_code_cancelled_in_english_says_so_and_the_screen_stops_waiting(
    app, new_page, make_shop, make_resident
):
    _, staff = make_shop()
    page = new_page(lang="en-US", viewport=(390, 844))
    sign_in(page, staff.user.email)
    issue_code(page)
    code_page = page.url
    page.click("[data-test=cancel-code]")
    page.wait_for_url("**/shop/counter")
    assert "The code is cancelled" in page.inner_text("body")
    page.goto(code_page)
    assert page.locator("#code-screen").get_attribute("data-status") == "cancelled"
    assert page.locator(".code-state[data-state=cancelled]").is_visible()
    assert not page.locator("[data-test=cancel-code]").is_visible()
    screenshot(page, "shop-code-cancelled-en")


def test_the_overview_lists_waiting_rewards_and_recent_scans(
    app, new_page, make_shop, make_resident, make_reward, give_points, shop_token
):
    shop_id, staff = make_shop()
    reward_id = make_reward(shop_id, points=5)
    api = app.test_client()
    for name in ("ป้าบุญมี", "ลุงสมชาย"):
        resident = make_resident(display_name=name)
        give_points(resident.user.id, 5)
        assert redeem(api, resident, reward_id).status_code == 201
        assert scan(api, resident, shop_token(shop_id)).status_code == 201

    for lang, viewport in (("th-TH", (390, 844)), ("en-US", (1280, 860))):
        page = new_page(lang=lang, viewport=viewport)
        sign_in(page, staff.user.email)
        pending = page.locator("[data-test=pending-redemptions]")
        assert "ป้าบุญมี" in pending.inner_text() and "ลุงสมชาย" in pending.inner_text()
        assert page.locator("[data-test=recent-scans] tbody tr").count() == 2
        screenshot(page, f"shop-overview-{lang}")
        page.locator("[data-test=pending-redemptions] a").first.click()
        page.wait_for_url(re.compile(r"/shop/redemptions/\d+$"))
        assert page.locator("[data-test=confirm]").is_visible()
        assert page.console_errors == []
