"""/impact on a phone in Chromium, Thai then English: figures, the ranked table and the map's
markers, with every request staying on 127.0.0.1 (no tiles, no CDN)."""

import pytest
from playwright.sync_api import expect

from ecolife.extensions import db
from ecolife.models import Shop
from tests.browser.conftest import screenshot

PHONE = (390, 844)


@pytest.fixture
def placed_shops(app, programme):
    """Give the programme's shops their map positions (Nai Mueang, Mueang Nga, Li)."""
    positions = {"a": (18.575, 99.006), "b": (18.611, 99.035), "c": (17.805, 98.93)}
    with app.app_context():
        for key, (lat, lon) in positions.items():
            shop = db.session.get(Shop, programme[key])
            shop.lat, shop.lon = lat, lon
        db.session.commit()
        db.session.remove()
    return programme


def test_the_impact_page_on_a_phone_in_thai_and_english(new_page, placed_shops):
    page = new_page(viewport=PHONE)
    page.goto("/impact")
    expect(page.locator("h1")).to_have_text("พลาสติกที่ลดได้: ลำพูน")
    expect(page.locator("[data-test=items]")).to_have_text("33")
    expect(page.locator("[data-test=shops]")).to_have_text("3")
    # Eight districts as circles at their centres, three shops as dots, no tiles.
    expect(page.locator("path.map-area")).to_have_count(8)
    expect(page.locator("path.map-shop")).to_have_count(3)
    expect(page.locator("[data-test=map]")).to_have_attribute("data-ready", "11")
    assert page.locator(".leaflet-tile").count() == 0
    first_row = page.locator("[data-test=ranking] tbody tr").first
    expect(first_row).to_contain_text("ลี้")
    expect(page.locator("[data-test=method]")).to_contain_text("ไม่รับถุงพลาสติก")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE[0], "the page must not scroll sideways on a phone"
    screenshot(page, "impact-phone-th")

    page.click("nav.lang >> text=English")
    expect(page.locator("h1")).to_have_text("Plastic avoided: Lamphun")
    expect(page.locator("[data-test=ranking] tbody tr").first).to_contain_text("Li")
    page.click("[data-test=ranking] >> text=Mueang Lamphun")
    expect(page.locator("h1")).to_have_text("Plastic avoided: Mueang Lamphun")
    expect(page.locator("path.map-shop")).to_have_count(2)
    expect(page.locator("path.map-area")).to_have_count(15)  # its sub-districts
    screenshot(page, "impact-phone-en")

    assert page.foreign_requests == []
    assert page.console_errors == []
