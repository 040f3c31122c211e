"""The resident web app on a phone in Chromium: sign-up, camera scans of a real poster,
/q/ links through sign-in, rewards confirmed by the shop, and a flaky network."""

import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from ecolife.extensions import db
from ecolife.models import LedgerEntry, Shop
from ecolife.services import accounts, shop_qr
from ecolife.services.demo import seed_demo_data
from tests.browser.conftest import screenshot
from tests.browser.y4m import write_y4m
from tests.factories import PASSWORD, bearer

PHONE = (390, 844)


def app_sign_in(page, login: str) -> None:
    page.fill("#f-login", login)
    page.fill("#f-password", PASSWORD)
    page.click("[data-test=auth-submit]")


def balance(page) -> str:
    return page.inner_text("[data-test=balance]")


@pytest.fixture
def poster_camera(app, launch_with_camera, tmp_path):
    """A Chromium whose camera sees the backend's own poster of the first demo shop."""
    with app.test_request_context():
        seed_demo_data()
        shop = db.session.query(Shop).order_by(Shop.id).first()
        poster = shop_qr.shop_poster(shop.id, "png")
        db.session.remove()
    video = write_y4m(Image.open(io.BytesIO(poster)), tmp_path / "poster.y4m", size=(960, 1280))
    return launch_with_camera(video)


def test_a_new_resident_scans_a_poster_and_meets_the_cooldown(new_page, poster_camera, live_server):
    page = new_page(chromium=poster_camera, viewport=PHONE)
    page.context.grant_permissions(["camera"], origin=live_server)
    page.goto("/app/")
    page.click("[data-test=switch-auth]")
    page.fill("#f-display_name", "ลุงสมาน")
    page.fill("#f-login", "089 999 0001")
    page.fill("#f-password", PASSWORD)
    page.check("[data-test=accept-notice]")  # the privacy notice, shown before signing up
    screenshot(page, "app-sign-up")
    page.click("[data-test=auth-submit]")
    assert balance(page) == "0"

    page.click("[data-test=scan]")
    page.wait_for_selector("[data-test=collect]")
    assert "ร้านกาแฟริมกวง" in page.inner_text("main")
    page.click(".choice[data-action=bag]")
    screenshot(page, "app-claim")
    page.click("[data-test=collect]")
    page.wait_for_selector("[data-test=won]")
    assert "+5" in page.inner_text("[data-test=won]")
    screenshot(page, "app-won")
    page.click("[data-test=home]")
    assert balance(page) == "5"
    assert page.inner_text("[data-test=items]") == "1"
    screenshot(page, "app-home")

    page.click("[data-test=scan]")
    page.click("[data-test=collect]")
    refusal = page.inner_text("[data-test=message]")
    assert "ลองใหม่อีก 30 นาที" in refusal
    screenshot(page, "app-cooldown")
    page.goto("/app/#/")
    assert balance(page) == "5"
    assert page.foreign_requests == []
    # The only console line is Chromium noting the refusal's HTTP status.
    assert page.console_errors == [
        "Failed to load resource: the server responded with a status of 429 (TOO MANY REQUESTS)"
    ]


def test_a_q_link_opened_while_signed_out_credits_after_sign_in(
    new_page, make_shop, make_code, make_resident
):
    _shop_id, staff = make_shop()
    _code_id, token = make_code(staff, "straw", 2)
    resident = make_resident()
    page = new_page(viewport=PHONE, lang="en-GB")
    page.goto(f"/q/{token}")
    page.wait_for_url(re.compile(r"/app/#/login$"))
    page.wait_for_selector("[data-test=auth-submit]")
    app_sign_in(page, resident.user.phone)
    page.wait_for_selector("[data-test=collect]")
    assert "× 2" in page.inner_text("main")
    page.click("[data-test=collect]")
    page.wait_for_selector("[data-test=won]")
    assert "+4" in page.inner_text("[data-test=won]")
    assert page.console_errors == []


def test_a_reward_is_confirmed_by_the_shop_and_another_is_cancelled(
    app, new_page, make_shop, make_reward, make_resident, give_points
):
    shop_id, staff = make_shop()
    make_reward(shop_id, points=20)
    resident = make_resident()
    give_points(resident.user.id, 50)
    page = new_page(viewport=PHONE)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/app/")
    app_sign_in(page, resident.user.phone)
    page.wait_for_selector("[data-test=balance]")
    page.goto(f"/app/#/shops/{shop_id}")
    page.click("[data-test=request]")
    page.wait_for_selector("[data-test=redemption-code]")
    # (wait_for_function would need eval, which the app's CSP rightly refuses)
    qr = page.wait_for_selector("[data-test=redemption-qr][src^='blob:']")
    qr.wait_for_element_state("stable")
    assert (
        page.locator("[data-test=redemption-qr]").evaluate(
            "img => img.decode().then(() => img.naturalWidth)"
        )
        > 0
    )
    code = page.inner_text("[data-test=redemption-code]")
    assert re.fullmatch(r"[0-9A-Z]{6}", code)
    assert "ใช้ได้อีก 1" in page.inner_text("[data-test=countdown]")  # 15 minutes to go
    screenshot(page, "app-redemption")

    api = app.test_client()
    found = api.post("/api/v1/shop/redemptions/lookup", json={"code": code}, headers=bearer(staff))
    redemption_id = found.get_json()["id"]
    confirmed = api.post(f"/api/v1/shop/redemptions/{redemption_id}/confirm", headers=bearer(staff))
    assert confirmed.status_code == 200
    page.wait_for_selector("[data-test=redemption-confirmed]", timeout=10_000)
    screenshot(page, "app-redemption-confirmed")

    page.goto(f"/app/#/shops/{shop_id}")
    page.click("[data-test=request]")
    page.wait_for_selector("[data-test=cancel]")
    page.click("[data-test=cancel]")
    page.wait_for_selector("[data-test=redemption-cancelled]")
    page.goto("/app/#/")
    assert balance(page) == "30"  # 50 - 20 for the confirmed one; the cancelled one refunded
    assert page.console_errors == []


def test_a_lost_answer_is_retried_with_the_same_key_and_credits_once(
    app, new_page, make_shop, make_resident, shop_token
):
    shop_id, _staff = make_shop()
    resident = make_resident()
    page = new_page(viewport=PHONE)
    page.goto("/app/")
    app_sign_in(page, resident.user.phone)
    page.wait_for_selector("[data-test=balance]")

    # The server credits the scan, but its answer never reaches the phone.
    seen_keys = []

    def lose_the_answer(route):
        seen_keys.append(route.request.headers["idempotency-key"])
        route.fetch()
        route.abort("connectionreset")

    page.route("**/api/v1/scans", lose_the_answer)
    page.goto(f"/app/#/claim/{shop_token(shop_id)}")
    page.click(".choice[data-action=foam_box]")
    page.click("[data-test=collect]")
    page.wait_for_selector("[data-test=retry]")
    assert "ไม่มีการเชื่อมต่อ" in page.inner_text("[data-test=message]")
    screenshot(page, "app-network-error")
    page.click("[data-test=retry]")  # still offline: the same key again
    page.wait_for_selector("[data-test=retry]")
    page.unroute("**/api/v1/scans")
    page.on(
        "request",
        lambda r: (
            seen_keys.append(r.headers.get("idempotency-key"))
            if r.url.endswith("/api/v1/scans")
            else None
        ),
    )
    page.click("[data-test=retry]")
    page.wait_for_selector("[data-test=won]")
    assert "+5" in page.inner_text("[data-test=won]")
    assert len(seen_keys) == 3 and len(set(seen_keys)) == 1
    with app.app_context():
        entries = db.session.query(LedgerEntry).filter_by(user_id=resident.user.id).all()
        assert [e.delta for e in entries] == [5]


def test_a_page_that_cannot_load_offers_a_retry(new_page, make_resident):
    resident = make_resident()
    page = new_page(viewport=PHONE)
    page.goto("/app/")
    app_sign_in(page, resident.user.phone)
    page.wait_for_selector("[data-test=balance]")
    page.route("**/api/v1/me", lambda route: route.abort("internetdisconnected"))
    page.goto("/app/#/shops")
    page.goto("/app/#/")
    page.wait_for_selector("[data-test=retry]")
    page.unroute("**/api/v1/me")
    page.click("[data-test=retry]")
    assert balance(page) == "0"


def test_an_expired_access_token_is_refreshed_once_for_parallel_calls(
    app, new_page, make_resident, set_now
):
    resident = make_resident()
    now = datetime.now(UTC)
    set_now(now - timedelta(hours=1))  # the access token is issued long expired
    with app.test_request_context():
        stale = accounts.log_in(resident.user.phone, PASSWORD)
        db.session.remove()
    set_now(now)
    page = new_page(viewport=PHONE)
    saved = json.dumps({"access": stale.access_token, "refresh": stale.refresh_token})
    page.add_init_script(f"window.localStorage.setItem('ecolife.tokens', {json.dumps(saved)})")
    refreshes = []
    page.on("request", lambda r: refreshes.append(r) if r.url.endswith("/auth/refresh") else None)
    page.goto("/app/")
    assert balance(page) == "0"  # home's three calls all failed with 401, then all succeeded
    assert len(refreshes) == 1


def test_the_installed_shell_starts_offline(new_page, make_resident):
    resident = make_resident()
    page = new_page(viewport=PHONE)
    page.goto("/app/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # installed, shell cached
    page.reload()  # now under the service worker's control, which caches the shell
    app_sign_in(page, resident.user.phone)
    page.wait_for_selector("[data-test=balance]")
    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector("#offline:not([hidden])")
    page.wait_for_selector("[data-test=retry]")  # the shell runs; the API call says it is offline
    assert "ไม่มีการเชื่อมต่อ" in page.inner_text("[data-test=message]")
    page.context.set_offline(False)
    page.click("[data-test=retry]")
    assert balance(page) == "0"
    assert page.foreign_requests == []
