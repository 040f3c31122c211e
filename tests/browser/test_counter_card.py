"""The counter in Chromium, in Thai: a resident types the counter's short code in the app;
staff find a member card by typing it or with the tablet's camera, credit its holder, and the
holder redeems with the PIN; and the issue's story of a resident without a phone, registered
at the municipal office, who earns at a counter and redeems with the PIN."""

import io
import re
import shutil
from pathlib import Path

from PIL import Image

from ecolife.extensions import db
from ecolife.models import User
from ecolife.services import cards
from tests.browser.conftest import screenshot
from tests.browser.test_console_flow import sign_in
from tests.browser.y4m import write_y4m
from tests.factories import PASSWORD

PHONE = (390, 844)
TABLET = (1024, 900)
SHOTS = Path("/tmp/shots_fixcnt")


def shot(page, name: str) -> None:
    """A screenshot for the README's folder, and a copy to look at during review."""
    path = screenshot(page, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def console_sign_in(page, login: str) -> None:
    sign_in(page, login)
    page.wait_for_url("**/shop/")


def test_a_resident_types_the_counter_short_code_in_the_app(new_page, make_shop, make_resident):
    _, staff = make_shop()
    resident = make_resident(display_name="ลุงสมาน")
    counter = new_page(viewport=TABLET)
    console_sign_in(counter, staff.user.email)
    counter.goto("/shop/counter")
    counter.click("[data-test=issue-code]")
    short_code = counter.inner_text("[data-test=short-code]")
    assert re.fullmatch(
        r"[34679ACDEFGHJKMNPQRTUVWXY]{4} [34679ACDEFGHJKMNPQRTUVWXY]{4}", short_code
    )
    assert "ให้ลูกค้าสแกนรหัสนี้" in counter.inner_text("#code-screen")
    shot(counter, "counter-short-code")

    phone = new_page(viewport=PHONE)
    phone.goto("/app/")
    phone.fill("#f-login", resident.user.phone)
    phone.fill("#f-password", PASSWORD)
    phone.click("[data-test=auth-submit]")
    # A resident who has not accepted the privacy notice in force reads and accepts it first.
    phone.wait_for_selector("[data-test=balance], [data-test=accept-new-notice]")
    if phone.locator("[data-test=accept-new-notice]").count():
        phone.click("[data-test=accept-new-notice]")
    phone.wait_for_selector("[data-test=balance]")
    phone.click("[data-test=scan]")
    # No camera here: the resident types the code as the staff read it out, in lower case.
    phone.fill("#manual-code", short_code.lower())
    shot(phone, "app-type-short-code")
    phone.press("#manual-code", "Enter")
    phone.wait_for_selector("[data-test=collect]")
    assert "ไม่รับถุงพลาสติก" in phone.inner_text("main")
    phone.click("[data-test=collect]")
    phone.wait_for_selector("[data-test=won]")
    assert "+5" in phone.inner_text("[data-test=won]")
    shot(phone, "app-short-code-won")
    counter.wait_for_selector("#code-screen[data-status=used]")
    assert phone.foreign_requests == counter.foreign_requests == []


def credit_and_redeem(page, card: str, *, name: str) -> None:
    """As staff on the member-card page: type the card, give a bag's points (a second
    credit meets the cooldown), then the holder redeems with a wrong PIN, then the right one."""
    page.click("nav a[href='/shop/card/']")
    page.wait_for_selector("[data-test=card-input]")
    shot(page, "shop-card-look-up")
    spaced = f"{card[:4]} {card[4:8]} {card[8:]}".lower()
    page.fill("[data-test=card-input]", spaced)
    page.click("[data-test=look-up-card]")
    assert page.inner_text("[data-test=holder-name]") == name
    assert page.url.endswith("/shop/card/")  # the card is posted, never in the URL
    assert page.inner_text("[data-test=holder-balance]") == "0"
    assert page.locator("[data-test=no-rewards]").count() == 1
    page.check("input[name=action][value=bag]")
    page.click("[data-test=give-points]")
    assert page.inner_text("[data-test=holder-balance]") == "5"
    assert "5" in page.inner_text(".flash")
    shot(page, "shop-card-credited")

    page.click("[data-test=give-points]")  # the same customer again, at once: refused
    problem = page.inner_text("[data-test=card-problem]")
    assert "30" in problem
    assert page.inner_text("[data-test=holder-balance]") == "5"
    shot(page, "shop-card-cooldown")

    for digit in "9999":
        page.click(f"#pin-pad [data-digit='{digit}']")
    page.click("[data-test=redeem]")
    assert "4" in page.inner_text("[data-test=card-problem]")
    shot(page, "shop-card-wrong-pin")
    for digit in "2580":
        page.click(f"#pin-pad [data-digit='{digit}']")
    shot(page, "shop-card-pin")
    page.click("[data-test=redeem]")
    page.wait_for_selector("[data-test=card-redeemed]")
    assert "ยืนยันแล้ว" in page.inner_text("[data-test=card-redeemed]")
    assert page.inner_text("[data-test=balance-after]") == "0"
    shot(page, "shop-card-redeemed")


def test_staff_credit_a_card_and_the_holder_redeems_with_the_pin(
    new_page, make_shop, make_reward, make_card_holder
):
    shop_id, staff = make_shop()
    make_reward(shop_id, points=5, name_th="ถุงผ้าลายช้าง")
    _, card = make_card_holder(display_name="ยายแก้ว ใจดี")
    page = new_page(viewport=TABLET)
    console_sign_in(page, staff.user.email)
    credit_and_redeem(page, card, name="ยายแก้ว ใจดี")
    assert page.foreign_requests == []
    # Chromium notes the refusals' HTTP statuses (the cooldown, the wrong PIN); nothing else.
    refusals = ("Failed to load resource: the server responded with a status of 4",)
    assert [e for e in page.console_errors if not e.startswith(refusals)] == []


def test_a_resident_without_a_phone_is_registered_earns_and_redeems(
    app, new_page, make_admin, make_shop, make_reward
):
    admin = make_admin()
    shop_id, staff = make_shop()
    make_reward(shop_id, points=5, name_th="ถุงผ้าลายช้าง")
    office = new_page(viewport=TABLET)
    sign_in(office, admin.user.email)
    office.goto("/admin/residents/new")
    office.fill("#display_name", "ตาอินทร์ มั่นคง")
    office.fill("#pin", "2580")
    office.fill("#pin_again", "2580")
    office.click("[data-test=register]")
    office.wait_for_selector("[data-test=member-card]")
    assert office.inner_text("[data-test=card-name]") == "ตาอินทร์ มั่นคง"
    shot(office, "office-registered-card")
    with app.app_context():
        holder = db.session.query(User).filter_by(display_name="ตาอินทร์ มั่นคง").one()
        assert (holder.phone, holder.email) == (None, None)
        card = holder.card_code
        assert cards.format_card_code(card) in office.inner_text("[data-test=card-code]")
        db.session.remove()

    counter = new_page(viewport=TABLET)
    console_sign_in(counter, staff.user.email)
    credit_and_redeem(counter, card, name="ตาอินทร์ มั่นคง")


def test_the_tablets_camera_reads_the_member_card(
    app, new_page, launch_with_camera, make_shop, make_card_holder, tmp_path, live_server
):
    _, staff = make_shop()
    holder, _ = make_card_holder(display_name="ยายแก้ว ใจดี", points=12)
    with app.app_context():
        qr = cards.render_card_qr(db.session.get(User, holder.user.id))
        db.session.remove()
    camera = launch_with_camera(write_y4m(Image.open(io.BytesIO(qr)), tmp_path / "card.y4m"))
    page = new_page(chromium=camera, viewport=TABLET)
    page.context.grant_permissions(["camera"], origin=live_server)
    console_sign_in(page, staff.user.email)
    page.goto("/shop/card/")
    page.click("[data-test=start-camera]")
    page.wait_for_selector("[data-test=holder-name]", timeout=30_000)
    assert page.inner_text("[data-test=holder-name]") == "ยายแก้ว ใจดี"
    assert page.inner_text("[data-test=holder-balance]") == "12"
    assert page.url.endswith("/shop/card/")  # what the camera read was posted
    shot(page, "shop-card-camera-holder")
    page.click("[data-test=another-card]")
    page.wait_for_selector("[data-test=card-input]")
    assert page.locator("[data-test=card-holder]").count() == 0
