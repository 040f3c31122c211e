"""The resident app's inbox with the bell's unread badge, and the console's liability and
settlement page, in Chromium (screenshots of each)."""

from datetime import UTC, datetime

from playwright.sync_api import expect

from ecolife.extensions import db
from ecolife.models import EntryKind, ReasonCode
from ecolife.services import notifications
from ecolife.services.ledger import post_entry
from tests.browser.conftest import screenshot
from tests.browser.test_app_rough_edges import signed_in_page, too_small
from tests.browser.test_console_flow import sign_in

DEC_1 = datetime(2026, 11, 30, 17, tzinfo=UTC)


def tell(app, user_id: int) -> None:
    with app.app_context():
        notifications.notify(
            user_id,
            "redemption_confirmed",
            {"reward": "ถุงผ้ารักษ์โลก", "shop": "ร้านป้าแดง", "points": 20},
            dedupe_key="1",
        )
        notifications.notify(
            user_id,
            "points_expiring",
            {"points": 35, "expires_at": "2027-01-31T17:00:00+00:00"},
            dedupe_key="2027-01-31",
        )
        notifications.notify(user_id, "account_suspended", {"reason": "สแกนซ้ำผิดปกติ"})
        db.session.commit()
        db.session.remove()


def test_a_resident_reads_their_inbox_and_the_badge_follows(app, new_page, make_resident):
    resident = make_resident()
    tell(app, resident.user.id)
    page = signed_in_page(new_page, resident)
    badge = page.locator("[data-test=unread-badge]")
    expect(badge).to_have_text("3")
    screenshot(page, "app-inbox-bell")
    page.click("[data-test=bell]")
    rows = page.locator("[data-test=notification]")
    expect(rows).to_have_count(3)
    expect(page.locator(".note.unread")).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("บัญชีถูกระงับ")
    expect(rows.nth(1)).to_contain_text("35 แต้มจะหมดอายุวันที่ 31 ม.ค. 2570")
    expect(rows.nth(2)).to_contain_text("ถุงผ้ารักษ์โลก ที่ ร้านป้าแดง · ใช้ 20 แต้ม")
    assert (
        rows.nth(0).evaluate("el => getComputedStyle(el.querySelector('.note-title')).fontWeight")
        == "700"
    )
    screenshot(page, "app-inbox")
    assert too_small(page, "main button") == []

    rows.nth(2).click()
    expect(badge).to_have_text("2")
    expect(page.locator(".note.unread")).to_have_count(2)
    page.click("[data-test=mark-all-read]")
    expect(badge).to_be_hidden()
    expect(page.locator(".note.unread")).to_have_count(0)
    screenshot(page, "app-inbox-read")

    page.reload()  # what was read stays read
    expect(page.locator("[data-test=notification]")).to_have_count(3)
    expect(page.locator(".note.unread")).to_have_count(0)
    assert page.console_errors == []


def test_an_empty_inbox_says_what_will_come_there(new_page, make_resident):
    page = signed_in_page(new_page, make_resident())
    expect(page.locator("[data-test=bell]")).to_be_visible()
    expect(page.locator("[data-test=unread-badge]")).to_be_hidden()
    page.click("[data-test=bell]")
    expect(page.locator("[data-test=inbox-empty]")).to_contain_text("ยังไม่มีการแจ้งเตือน")
    screenshot(page, "app-inbox-empty")
    assert page.console_errors == []


def test_the_bell_is_not_shown_before_signing_in(new_page):
    page = new_page(viewport=(390, 844))
    page.goto("/app/")
    page.wait_for_selector("[data-test=auth-submit]")
    expect(page.locator("[data-test=bell]")).to_be_hidden()


def test_the_console_liability_page_and_its_csv(
    app, new_page, make_admin, make_shop, make_resident
):
    shop_a, _ = make_shop("ร้านป้าแดง", district="5101")
    shop_b, _ = make_shop("ร้านลุงมา", district="5104")
    resident = make_resident()
    now = datetime.now(UTC)
    with app.app_context():
        for points, shop_id, expires_at in ((120, shop_a, DEC_1), (80, shop_b, None)):
            post_entry(
                resident.user.id,
                points,
                kind=EntryKind.EARN,
                now=now,
                reason_code=ReasonCode.ADJUSTMENT,
                shop_id=shop_id,
                expires_at=expires_at,
            )
        db.session.commit()
        db.session.remove()
    admin = make_admin()
    page = new_page()
    sign_in(page, admin.user.email)
    page.click("nav.console-nav >> text=หนี้แต้ม")
    expect(page.locator("h1")).to_have_text("หนี้แต้มและการชำระ")
    expect(page.locator("[data-test=outstanding]")).to_have_text("200")
    expect(page.locator("[data-test=issued]")).to_have_text("200")
    expect(page.locator("[data-test=liability] tbody tr")).to_have_count(2)
    screenshot(page, "admin-liability")
    with page.expect_download() as download:
        page.click("[data-test=liability-csv]")
    assert download.value.suggested_filename.startswith("ecolife-liability-")
    data = download.value.path().read_bytes()
    assert data.startswith("\ufeff".encode()) and "ร้านป้าแดง".encode() in data
    assert page.console_errors == [] and page.foreign_requests == []


def test_mark_all_read_leaves_unread_what_came_after_the_screen_was_drawn(
    app, new_page, make_resident
):
    resident = make_resident()
    tell(app, resident.user.id)
    page = signed_in_page(new_page, resident)
    page.click("[data-test=bell]")
    expect(page.locator("[data-test=notification]")).to_have_count(3)
    expect(page.locator("[data-test=mark-all-read]")).to_have_text("อ่านทั้งหมด")
    with app.app_context():  # arrives while the resident looks at the list
        notifications.notify(resident.user.id, "account_suspended", {"reason": "ทดสอบ"})
        db.session.commit()
        db.session.remove()
    page.click("[data-test=mark-all-read]")
    expect(page.locator(".note.unread")).to_have_count(0)
    expect(page.locator("[data-test=unread-badge]")).to_have_text("1")
    page.reload()
    expect(page.locator("[data-test=notification]")).to_have_count(4)
    expect(page.locator(".note.unread")).to_have_count(1)
    assert page.console_errors == []
