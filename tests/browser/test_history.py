"""A resident pages through the whole ledger in the app, in Thai, and reads why each entry
exists; an admin sees where a resident's points came from and filters the ledger by shop."""

import pytest
from playwright.sync_api import expect

from ecolife.extensions import db
from ecolife.services import ledger
from tests.browser.conftest import screenshot
from tests.browser.test_console_flow import sign_in
from tests.browser.test_resident_app import PHONE, app_sign_in
from tests.factories import scan

ADJUSTMENTS = 30


@pytest.fixture
def long_history(app, client, make_resident, make_shop, shop_token):
    """A resident with a scan at each of two shops, then 30 adjustments (32 entries)."""
    resident = make_resident()
    first, _ = make_shop("ร้านป้าแดง")
    second, _ = make_shop("ร้านลุงชัย")
    assert scan(client, resident, shop_token(first), action="bag", quantity=3).status_code == 201
    assert scan(client, resident, shop_token(second), action="straw").status_code == 201
    with app.app_context():
        for n in range(ADJUSTMENTS):
            ledger.adjust_balance(resident.user.id, 1, reason=f"คืนแต้มที่สแกนไม่ติด {n}", actor_id=None)
        db.session.remove()
    return resident, first, second


def test_the_app_pages_through_the_whole_history_in_thai(new_page, long_history):
    resident, *_ = long_history
    page = new_page(viewport=PHONE)
    page.goto("/app/")
    app_sign_in(page, resident.user.phone)
    rows = page.locator("[data-test=history] li")
    rows.first.wait_for()
    assert rows.count() == 10
    assert "เหตุผลจากเจ้าหน้าที่: คืนแต้มที่สแกนไม่ติด 29" in rows.first.inner_text()
    more = page.locator("[data-test=more-history]")
    assert more.inner_text() == "ดูรายการก่อนหน้า"
    more.click()
    expect(rows).to_have_count(30)
    more.click()
    expect(rows).to_have_count(32)
    assert more.is_hidden()
    last, before = rows.nth(31).inner_text(), rows.nth(30).inner_text()
    assert "ร้านป้าแดง" in last and "ไม่รับถุงพลาสติก จำนวน 3" in last and "+15" in last
    assert "ร้านลุงชัย" in before and "ไม่รับหลอดพลาสติก จำนวน 1" in before
    assert page.console_errors == []
    rows.nth(31).scroll_into_view_if_needed()
    screenshot(page, "app-history-th")


def test_the_admin_sees_the_shop_of_each_entry_and_filters_by_shop(
    new_page, long_history, make_admin
):
    resident, first, second = long_history
    admin = make_admin()
    page = new_page()
    sign_in(page, admin.user.email)
    page.goto(f"/admin/residents/{resident.user.id}")
    ledger_rows = page.locator("[data-test=ledger] tbody tr")
    assert ledger_rows.count() == 32
    scans = [ledger_rows.nth(n).inner_text() for n in (30, 31)]
    assert "ร้านลุงชัย" in scans[0] and "ไม่รับหลอดพลาสติก จำนวน 1" in scans[0]
    assert "ร้านป้าแดง" in scans[1] and "ไม่รับถุงพลาสติก จำนวน 3" in scans[1]
    assert "เหตุผลจากเจ้าหน้าที่: คืนแต้มที่สแกนไม่ติด 29" in ledger_rows.first.inner_text()
    page.select_option("#ledger-shop", str(first))
    page.click("[data-test=ledger-filter] button")
    page.wait_for_url(f"**/admin/residents/{resident.user.id}?shop={first}")
    assert ledger_rows.count() == 1
    assert "ร้านป้าแดง" in page.locator("[data-test=ledger] [data-test=shop]").inner_text()
    assert page.locator("#ledger-shop").input_value() == str(first)
    screenshot(page, "admin-resident-ledger-by-shop-th")
    page.select_option("#ledger-shop", "")
    page.click("[data-test=ledger-filter] button")
    page.wait_for_url(f"**/admin/residents/{resident.user.id}?shop=")
    assert ledger_rows.count() == 32
