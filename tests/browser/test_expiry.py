"""A resident sees, under the balance, when their points expire (the soonest date, the others
on tap) and reads an expiry in the history; an admin sees it in the resident's ledger."""

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from ecolife import clock
from ecolife.extensions import db
from ecolife.rules import BANGKOK
from ecolife.services import expiry, ledger, settings
from tests.browser.conftest import screenshot
from tests.browser.test_console_flow import sign_in
from tests.browser.test_resident_app import PHONE, app_sign_in

TH_MONTHS = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.")
TH_MONTHS += ("ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")


def thai_day(expires_at: datetime) -> str:
    """The last day points expiring at `expires_at` count, as Thai people write it."""
    day = (expires_at - timedelta(microseconds=1)).astimezone(BANGKOK)
    return f"{day.day} {TH_MONTHS[day.month - 1]} {day.year + 543}"


def month_start(months_from_now: int) -> datetime:
    local = datetime.now(BANGKOK)
    year, month = divmod(local.month - 1 + months_from_now, 12)
    return datetime(local.year + year, month + 1, 1, tzinfo=BANGKOK)


@pytest.fixture
def expiring_resident(app, make_resident, monkeypatch):
    """A resident with 7 points expired last month, then 10 points expiring at the end of
    next month and 4 at the end of the month after it."""
    resident, real_now = make_resident(), clock.now
    user_id = resident.user.id
    long_ago = month_start(-2) + timedelta(days=3)
    with app.app_context():
        for points, months, at in ((7, 1, long_ago), (10, 1, None), (4, 2, None)):
            settings.update_limits({"points_expire_after_months": months})
            monkeypatch.setattr(clock, "now", (lambda at=at: at) if at else real_now)
            ledger.adjust_balance(user_id, points, reason="ทดสอบ", actor_id=None)
        monkeypatch.setattr(clock, "now", real_now)
        assert expiry.expire_points() == 1
        db.session.remove()
    return resident


def test_the_app_shows_the_soonest_expiry_and_the_others_on_tap(new_page, expiring_resident):
    page = new_page(viewport=PHONE)
    page.goto("/app/")
    app_sign_in(page, expiring_resident.user.phone)
    soonest = page.locator("[data-test=expiring-soonest]")
    expect(soonest).to_have_text(f"10 แต้มจะหมดอายุวันที่ {thai_day(month_start(2))}")
    others = page.locator("[data-test=expiring-date]")
    expect(others).to_be_hidden()
    page.click("[data-test=expiring-more] summary")
    expect(others).to_have_text([f"4 แต้มจะหมดอายุวันที่ {thai_day(month_start(3))}"])
    assert page.inner_text("[data-test=balance]") == "14"
    screenshot(page, "app-expiring-th")
    entry = page.locator("[data-test=history] li").first
    expired_day = thai_day(month_start(0))
    expect(entry).to_contain_text("แต้มหมดอายุ")
    expect(entry).to_contain_text(f"แต้มที่ไม่ได้ใช้ภายในวันที่ {expired_day}")
    expect(entry).to_contain_text("-7")
    page.click("[data-test=lang]")
    expect(soonest).to_contain_text("10 points expire on ")
    assert page.console_errors == []


def test_a_resident_without_expiring_points_sees_no_notice(new_page, make_resident, give_points):
    resident = make_resident()
    give_points(resident.user.id, 5)
    page = new_page(viewport=PHONE)
    page.goto("/app/")
    app_sign_in(page, resident.user.phone)
    expect(page.locator("[data-test=balance]")).to_have_text("5")
    assert page.locator("[data-test=expiring]").count() == 0


def test_the_admin_reads_the_expiry_in_the_residents_ledger(
    new_page, expiring_resident, make_admin
):
    page = new_page()
    sign_in(page, make_admin().user.email)
    page.goto(f"/admin/residents/{expiring_resident.user.id}")
    first = page.locator("[data-test=ledger] tbody tr").first
    expect(first).to_contain_text("หมดอายุ")
    expect(first).to_contain_text(f"แต้มที่ไม่ได้ใช้ภายในวันที่ {thai_day(month_start(0))}")
    expect(first).to_contain_text("-7")
    screenshot(page, "admin-resident-expired-th")


def test_the_rules_page_explains_the_expiry_setting(new_page, make_admin):
    page = new_page()
    sign_in(page, make_admin().user.email)
    page.goto("/admin/rules/")
    field = page.locator("#points_expire_after_months")
    expect(field).to_have_value("")
    field.fill("12")
    page.click("[data-test=limits] button[type=submit]")
    expect(page.locator("#points_expire_after_months")).to_have_value("12")
    page.locator("#points_expire_after_months").scroll_into_view_if_needed()
    screenshot(page, "admin-rules-expiry-th")
