"""The app's notification settings in Chromium: turning phone notifications on (the browser's
push service stood in by a subscription the page's PushManager hands out), and linking LINE
with a code that the LINE webhook receives while the screen waits."""

import base64
import hashlib
import hmac
import json
import re

from playwright.sync_api import expect
from sqlalchemy import select

from ecolife.extensions import db
from ecolife.models import PushSubscription
from ecolife.services import web_push
from tests.browser.conftest import screenshot
from tests.browser.test_app_rough_edges import signed_in_page, too_small
from tests.factories import bearer

ENDPOINT = "https://fcm.googleapis.com/fcm/send/browser-test"
P256DH = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
# Headless Chromium reaches no real push service: its PushManager hands out a subscription as
# a browser's would be, and records the key it was asked to subscribe with.
FAKE_PUSH_SERVICE = """
(() => {
  let current = null;
  PushManager.prototype.getSubscription = () => Promise.resolve(current);
  PushManager.prototype.subscribe = function (options) {
    window.subscribedWith = Array.from(new Uint8Array(options.applicationServerKey));
    current = {
      endpoint: "ENDPOINT",
      toJSON() {
        return {endpoint: this.endpoint, expirationTime: null,
                keys: {p256dh: "P256DH", auth: "tBHItJI5svbpez7KI4CCXg"}};
      },
      unsubscribe() { current = null; return Promise.resolve(true); },
    };
    return Promise.resolve(current);
  };
})();
""".replace("ENDPOINT", ENDPOINT).replace("P256DH", P256DH)


def subscribed(app) -> list[str]:
    with app.app_context():
        endpoints = db.session.scalars(select(PushSubscription.endpoint)).all()
        db.session.remove()
    return endpoints


def test_a_resident_turns_phone_notifications_on_and_off(app, client, new_page, make_resident):
    resident = make_resident()
    page = signed_in_page(new_page, resident)
    page.context.grant_permissions(["notifications"])
    page.add_init_script(FAKE_PUSH_SERVICE)
    page.reload()
    page.click("[data-test=notify-settings-link]")
    expect(page.locator("h1")).to_have_text("ตั้งค่าการแจ้งเตือน")
    expect(page.locator("[data-test=phone-state]")).to_have_text("ปิดอยู่")
    screenshot(page, "app-notify-settings")
    assert too_small(page, "main button") == []

    page.click("[data-test=phone-on]")
    expect(page.locator("[data-test=phone-state]")).to_have_text("เปิดอยู่")
    assert subscribed(app) == [ENDPOINT]
    key = client.get("/api/v1/push/vapid-public-key").get_json()["public_key"]
    raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert page.evaluate("window.subscribedWith") == list(raw)
    screenshot(page, "app-notify-settings-phone-on")

    page.click("[data-test=phone-off]")
    expect(page.locator("[data-test=phone-state]")).to_have_text("ปิดอยู่")
    assert subscribed(app) == []
    assert page.console_errors == []


def test_a_resident_links_line_with_the_code_the_screen_shows(app, client, new_page, make_resident):
    resident = make_resident()
    page = signed_in_page(new_page, resident)
    page.goto("/app/#/notify-settings")
    expect(page.locator("[data-test=line-state]")).to_have_text("ยังไม่ได้เชื่อมบัญชี LINE")
    page.click("[data-test=line-connect]")
    code = page.locator("[data-test=line-code-text]").inner_text()
    assert len(code) == 8
    expect(page.locator("[data-test=line-add-friend]")).to_have_attribute(
        "href", "https://lin.ee/ecolife-test"
    )
    expect(page.locator("[data-test=line-waiting]")).to_have_text("กำลังรอรหัสจาก LINE…")
    screenshot(page, "app-notify-settings-line-code")

    # The resident sends the code in the LINE chat: LINE posts it to the webhook, signed.
    event = {
        "type": "message",
        "mode": "active",
        "timestamp": 1764480000000,
        "source": {"type": "user", "userId": "U" + "5" * 32},
        "webhookEventId": "01JDQ7ZPX2M1V0HNE2YG0R6J5K",
        "deliveryContext": {"isRedelivery": False},
        "replyToken": "reply-token",
        "message": {"id": "1", "type": "text", "quoteToken": "q", "text": code},
    }
    body = json.dumps({"destination": "U0", "events": [event]}).encode()
    secret = app.config["LINE_CHANNEL_SECRET"].encode()
    signature = base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode()
    response = client.post(
        "/line/webhook",
        data=body,
        headers={"X-Line-Signature": signature, "Content-Type": "application/json"},
    )
    assert response.status_code == 200

    expect(page.locator("[data-test=line-state]")).to_have_text("เชื่อมบัญชี LINE แล้ว")
    expect(page.locator("[data-test=notify-status]")).to_contain_text("การแจ้งเตือนจะส่งไปที่ LINE")
    expect(page.locator("[data-test=line-enabled]")).to_be_checked()
    screenshot(page, "app-notify-settings-line-linked")
    page.click("[data-test=line-unlink]")
    expect(page.locator("[data-test=line-state]")).to_have_text("ยังไม่ได้เชื่อมบัญชี LINE")
    assert page.console_errors == []


def test_another_browser_of_the_account_does_not_make_this_phone_look_on(
    app, client, new_page, make_resident
):
    resident = make_resident()
    tablet = "https://fcm.googleapis.com/fcm/send/the-tablet"
    with app.test_request_context():
        web_push.subscribe(resident.user.id, tablet, P256DH, "tBHItJI5svbpez7KI4CCXg")
    page = signed_in_page(new_page, resident)
    page.context.grant_permissions(["notifications"])
    page.add_init_script(FAKE_PUSH_SERVICE)
    page.reload()
    page.goto("/app/#/notify-settings")
    expect(page.locator("[data-test=phone-state]")).to_have_text("ปิดอยู่")
    page.click("[data-test=phone-on]")
    expect(page.locator("[data-test=phone-state]")).to_have_text("เปิดอยู่")
    page.click("[data-test=phone-off]")
    expect(page.locator("[data-test=phone-state]")).to_have_text("ปิดอยู่")
    assert subscribed(app) == [tablet]  # only this browser was forgotten
    settings = client.get("/api/v1/me/notification-settings", headers=bearer(resident))
    assert settings.get_json()["web_push"] is True  # the tablet still gets them
    assert page.console_errors == []


def test_signing_out_unsubscribes_this_phone(app, new_page, make_resident):
    resident = make_resident()
    page = signed_in_page(new_page, resident)
    page.context.grant_permissions(["notifications"])
    page.add_init_script(FAKE_PUSH_SERVICE)
    page.reload()
    page.goto("/app/#/notify-settings")
    page.click("[data-test=phone-on]")
    expect(page.locator("[data-test=phone-state]")).to_have_text("เปิดอยู่")
    assert subscribed(app) == [ENDPOINT]
    page.goto("/app/#/")
    page.get_by_role("button", name="ออกจากระบบ").click()
    # The app leaves for the sign-in screen once the server has forgotten this browser.
    expect(page).to_have_url(re.compile(r"#/login$"))
    assert subscribed(app) == []
    here = "navigator.serviceWorker.ready.then(r => r.pushManager.getSubscription())"
    assert page.evaluate(here) is None
    assert page.console_errors == []
