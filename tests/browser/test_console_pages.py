"""Every console page opens in Chromium without errors or foreign requests; screenshots of each."""

from datetime import timedelta

import pytest

from ecolife import clock
from ecolife.extensions import db
from ecolife.models import Shop
from ecolife.services.demo import DEMO_PASSWORDS, seed_demo_data
from tests.browser.conftest import screenshot
from tests.browser.test_console_flow import sign_in
from tests.factories import scan

ADMIN_PAGES = {
    "admin-impact": "/admin/impact",
    "admin-shops": "/admin/shops/",
    "admin-shop-edit": "/admin/shops/1",
    "admin-shop-import": "/admin/shops/import",
    "admin-residents": "/admin/residents/",
    "admin-rules": "/admin/rules/",
    "admin-statements": "/admin/statements",
    "admin-admins": "/admin/admins/",
    "admin-password": "/account/password",
}
SHOP_PAGES = {
    "shop-dashboard": "/shop/",
    "shop-counter": "/shop/counter",
    "shop-redeem": "/shop/redeem",
    "shop-rewards": "/shop/rewards/",
    "shop-qr": "/shop/qr",
    "shop-password": "/account/password",
}


@pytest.fixture
def demo_town(app, make_resident, set_now):
    """The demo shops, and two weeks of residents refusing plastic at them."""
    with app.app_context():
        seed_demo_data()
        shops = [(s.id, s.qr_token) for s in db.session.query(Shop).order_by(Shop.id)]
        db.session.remove()
    residents = [make_resident(display_name=f"ผู้ใช้ {n}") for n in range(6)]
    client, start = app.test_client(), clock.now()
    actions = ("bag", "straw", "foam_box", "own_cup")
    for day in range(14, -1, -1):
        for n, resident in enumerate(residents[: 2 + day % 5]):
            set_now(start - timedelta(days=day, hours=n))
            shop_id, token = shops[(day + n) % len(shops)]
            scan(client, resident, token, action=actions[(day + n) % 4], quantity=1 + n % 3)
    set_now(start)
    return residents


def visit(page, name: str, path: str) -> None:
    response = page.goto(path)
    assert response.status == 200, path
    page.wait_for_load_state("networkidle")
    screenshot(page, name)
    assert page.console_errors == [], path


def test_every_admin_page_opens(new_page, demo_town):
    page = new_page()
    sign_in(page, "admin@ecolife.local", DEMO_PASSWORDS["admin"])
    for name, path in ADMIN_PAGES.items():
        visit(page, name, path)
    page.goto("/admin/residents/")
    page.click("table a")
    visit(page, "admin-resident", page.url)
    assert page.foreign_requests == []


def test_every_shop_page_opens_on_a_tablet_and_a_phone(new_page, demo_town):
    for label, viewport in (("", (1024, 768)), ("-phone", (390, 844))):
        page = new_page(viewport=viewport)
        sign_in(page, "shop1@ecolife.local", DEMO_PASSWORDS["shop"])
        for name, path in SHOP_PAGES.items():
            visit(page, name + label, path)
        # No sideways scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport[0]
        assert page.foreign_requests == []


def test_the_language_switch_turns_a_console_page_english(new_page, demo_town):
    page = new_page()
    sign_in(page, "shop1@ecolife.local", DEMO_PASSWORDS["shop"])
    page.goto("/shop/")
    assert "วันนี้" in page.inner_text("main")
    page.click("text=English")
    page.wait_for_load_state()
    assert "Today" in page.inner_text("main")
    screenshot(page, "shop-dashboard-en")


def test_an_error_code_page_explains_the_code_on_a_phone(new_page):
    page = new_page(viewport=(390, 844))
    visit(page, "problem-idempotency", "/problems/idempotency_key_required")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    visit(page, "problem-cooldown", "/problems/cooldown_active")
    text = page.inner_text("main")
    assert "cooldown_active" in text and "429" in text
    assert "%(" not in text  # the detail reads as a sentence, "…" where the minutes go
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.foreign_requests == []
