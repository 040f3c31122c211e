"""A forgotten password in Chromium, in Thai: a resident in the app and a shop owner on the
console's sign-in page each read the code from the outbox folder and set a new password."""

import json
import re
from pathlib import Path

import pytest

from tests.browser.conftest import screenshot
from tests.factories import PASSWORD

PHONE = (390, 844)
NEW_PASSWORD = "รหัสใหม่-2569"
SHOTS = Path("/tmp/shots_recovery")


@pytest.fixture
def outbox_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_DIR", tmp_path / "outbox")
    return tmp_path / "outbox"


def delivered_code(outbox_dir: Path, run_jobs, to: str) -> str:
    """Let the worker deliver the outbox, and read the code from the file written for `to`."""
    run_jobs(queues=("outbox",))
    (written,) = [
        p
        for p in outbox_dir.glob("*.json")
        if json.loads(p.read_text(encoding="utf-8"))["to"] == to
    ]
    body = json.loads(written.read_text(encoding="utf-8"))["body"]
    assert "รหัสสำหรับตั้งรหัสผ่านใหม่ของ EcoLife คือ" in body
    return re.search(r"\d{6}", body).group()


def shot(page, name: str) -> None:
    screenshot(page, name)
    if SHOTS.is_dir():
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_resident_recovers_a_forgotten_password_in_the_app(
    new_page, make_resident, outbox_dir, run_jobs
):
    make_resident(phone="+66891234567", display_name="ป้าบุญมี")
    page = new_page(viewport=PHONE)
    page.goto("/app/")
    page.click("[data-test=forgot-password]")
    assert "ลืมรหัสผ่าน" in page.inner_text("main")
    page.fill("#f-login", "089 123 4567")
    shot(page, "app-forgot-password")
    page.click("[data-test=send-code]")
    page.wait_for_selector("#f-code")
    assert "รหัสใช้ได้ 15 นาที" in page.inner_text("main")

    code = delivered_code(outbox_dir, run_jobs, "+66891234567")
    wrong = "000000" if code != "000000" else "111111"
    page.fill("#f-code", wrong)
    page.fill("#f-new_password", NEW_PASSWORD)
    page.click("[data-test=set-password]")
    # One refusal for any wrong, lapsed or unknown code, said in Thai.
    page.wait_for_selector("[data-test=message]:has-text('ใช้ไม่ได้แล้ว')")
    page.fill("#f-code", code)
    shot(page, "app-reset-code")
    page.click("[data-test=set-password]")
    page.wait_for_selector("[data-test=go-home]")
    assert "ตั้งรหัสผ่านใหม่แล้ว" in page.inner_text("main")
    shot(page, "app-password-reset-done")
    page.click("[data-test=go-home]")
    page.wait_for_selector("[data-test=balance]")

    # The new password signs in; the old one no longer does.
    other = new_page(viewport=PHONE)
    other.goto("/app/#/login")
    other.fill("#f-login", "0891234567")
    other.fill("#f-password", PASSWORD)
    other.click("[data-test=auth-submit]")
    other.wait_for_selector("[data-test=message]")
    other.fill("#f-password", NEW_PASSWORD)
    other.click("[data-test=auth-submit]")
    other.wait_for_selector("[data-test=balance]")
    # Only the refusals the test provoked: the wrong code (422) and the old password (401).
    assert [e for e in page.console_errors if "status of 422" not in e] == []
    assert [e for e in other.console_errors if "status of 401" not in e] == []
    assert page.foreign_requests == [] and other.foreign_requests == []


def test_a_shop_owner_recovers_a_forgotten_password_on_the_sign_in_page(
    new_page, make_shop, outbox_dir, run_jobs
):
    _shop_id, owner = make_shop("ร้านป้าแดง")
    page = new_page()
    page.goto("/login")
    page.click("[data-test=forgot-password]")
    page.fill("#login", owner.user.email)
    shot(page, "console-forgot-password")
    page.click("[data-test=send-code]")
    page.wait_for_selector("[data-test=code-sent]")
    assert page.input_value("#login") == owner.user.email

    page.fill("#code", delivered_code(outbox_dir, run_jobs, owner.user.email))
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#new_password_again", NEW_PASSWORD)
    shot(page, "console-reset-code")
    page.click("[data-test=set-password]")
    page.wait_for_url("**/shop/")
    assert "ร้านป้าแดง" in page.inner_text("body")
    shot(page, "console-password-reset-done")
    assert page.console_errors == []


def test_an_admin_resets_a_shop_owners_password_after_confirming(
    app, new_page, make_shop, make_admin, outbox_dir, run_jobs
):
    shop_id, owner = make_shop("ร้านลุงชม")
    admin = make_admin()
    page = new_page()
    page.goto("/login")
    page.fill("#login", admin.user.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"/admin/shops/{shop_id}")
    assert "เจ้าของร้านและพนักงาน" in page.inner_text("[data-test=shop-staff]")
    shot(page, "admin-shop-staff")
    page.click("[data-test=reset-password]")
    assert "รหัสผ่านเดิมจะใช้ไม่ได้ทันที" in page.inner_text("[data-test=confirm]")
    shot(page, "admin-reset-password-confirm")
    page.click("[data-test=confirm-button]")
    link = page.input_value("[data-test=invite-url]")
    shot(page, "admin-reset-password-done")
    run_jobs(queues=("outbox",))
    (written,) = outbox_dir.glob("*.json")
    sent = json.loads(written.read_text(encoding="utf-8"))
    assert sent["to"] == owner.user.email and link in sent["body"]
    assert sent["subject"].startswith("ตั้งรหัสผ่าน EcoLife ของร้าน ร้านลุงชม")
    assert page.console_errors == []
