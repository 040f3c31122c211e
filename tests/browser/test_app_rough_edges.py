"""Rough edges of the resident app a new user met, on a phone in Thai: the way from the home
page to the app, a suspended account, rewards' names and stock, named buttons, tap targets."""

from ecolife.services import residents
from tests.browser.conftest import screenshot
from tests.browser.test_resident_app import PHONE, app_sign_in
from tests.factories import bearer

# WCAG 2.5.5 and the platforms' guidelines: a fingertip needs about 44 CSS pixels.
TAP = 44


def signed_in_page(new_page, resident, *, lang="th-TH"):
    page = new_page(viewport=PHONE, lang=lang)
    page.goto("/app/")
    app_sign_in(page, resident.user.phone)
    page.wait_for_selector("[data-test=balance]")
    return page


def too_small(page, selector: str) -> list[tuple[str, float]]:
    """Return the visible elements matching selector that are less than TAP px tall."""
    small = []
    for element in page.locator(selector).all():
        box = element.bounding_box()
        if box is not None and box["height"] < TAP:
            small.append((element.inner_text(), box["height"]))
    return small


def test_the_home_page_leads_residents_to_the_app_and_says_how_to_install_it(new_page):
    page = new_page(viewport=PHONE)
    page.goto("/")
    link = page.get_by_role("link", name="เปิดแอป EcoLife")
    assert link.bounding_box()["height"] >= TAP
    hint = page.inner_text("[data-test=install-hint]")
    assert "เพิ่มไปยังหน้าจอหลัก" in hint
    screenshot(page, "home-phone")
    link.click()
    page.wait_for_selector("[data-test=auth-submit]")
    # Every file the app asked for has arrived before the page closes (a request cut short
    # leaves the test server's file open).
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/app/")
    assert page.foreign_requests == []
    assert page.console_errors == []


def test_the_home_page_in_english_links_to_the_app(new_page):
    page = new_page(viewport=PHONE, lang="en-GB")
    page.goto("/")
    assert page.get_by_role("link", name="Open the EcoLife app").is_visible()
    assert "Add to Home screen" in page.inner_text("[data-test=install-hint]")


def test_a_suspended_resident_sees_why_and_whom_to_ask_on_the_home_screen(
    app, new_page, make_resident, make_admin
):
    resident = make_resident()
    with app.app_context():
        residents.suspend_resident(
            resident.user.id, reason="สแกนซ้ำหลายครั้งผิดปกติ", actor_id=make_admin().user.id
        )
    page = signed_in_page(new_page, resident)
    notice = page.locator("[data-test=suspended]")
    assert page.get_by_role("alert").filter(has_text="ถูกระงับ").is_visible()
    assert "บัญชีของคุณถูกระงับการใช้งานชั่วคราว" in notice.inner_text()
    assert "เหตุผล: สแกนซ้ำหลายครั้งผิดปกติ" in notice.inner_text()
    assert "เทศบาลหรือ อบต." in page.inner_text("[data-test=suspended-contact]")
    # It comes before the balance, at the top of the screen.
    assert notice.bounding_box()["y"] < page.locator("[data-test=balance]").bounding_box()["y"]
    screenshot(page, "app-suspended")
    assert page.console_errors == []


def test_a_resident_in_good_standing_sees_no_suspension_notice(new_page, make_resident):
    page = signed_in_page(new_page, make_resident())
    assert page.locator("[data-test=suspended]").count() == 0


def test_a_rewards_name_and_its_stock_are_on_lines_of_their_own(
    new_page, make_shop, make_reward, make_resident
):
    shop_id, _ = make_shop()
    make_reward(shop_id, name_th="ถุงผ้าอีโคไลฟ์ลำพูน", stock=30)
    page = signed_in_page(new_page, make_resident())
    page.goto(f"/app/#/shops/{shop_id}")
    reward = page.locator("[data-test=reward]")
    assert "ถุงผ้าอีโคไลฟ์ลำพูนเหลือ" not in reward.inner_text()
    name = page.get_by_role("heading", name="ถุงผ้าอีโคไลฟ์ลำพูน").bounding_box()
    stock = page.locator("[data-test=reward-stock]")
    assert stock.inner_text() == "เหลือ 30 ชิ้น"
    assert stock.bounding_box()["y"] >= name["y"] + name["height"]
    screenshot(page, "app-shop-rewards")
    assert too_small(page, "main a") == []


def test_the_quantity_buttons_have_names_and_every_tap_target_is_big_enough(
    new_page, make_shop, shop_token, make_resident
):
    shop_id, _ = make_shop()
    page = signed_in_page(new_page, make_resident())
    assert too_small(page, "main a, main button, header a, header button") == []
    page.goto(f"/app/#/claim/{shop_token(shop_id)}")
    page.wait_for_selector("[data-test=collect]")
    more = page.get_by_role("button", name="เพิ่มจำนวน")
    fewer = page.get_by_role("button", name="ลดจำนวน")
    more.click()
    more.click()
    assert page.inner_text("[data-test=quantity]") == "3"
    fewer.click()
    assert page.inner_text("[data-test=quantity]") == "2"
    assert too_small(page, "main a, main button") == []
    screenshot(page, "app-claim-phone")

    page.goto("/app/#/login")
    page.wait_for_selector("[data-test=auth-submit]")
    assert too_small(page, "main a, main button") == []


def test_the_quantity_buttons_are_named_in_english(new_page, make_shop, shop_token, make_resident):
    shop_id, _ = make_shop()
    page = signed_in_page(new_page, make_resident(), lang="en-GB")
    page.click("[data-test=lang]")
    page.goto(f"/app/#/claim/{shop_token(shop_id)}")
    page.wait_for_selector("[data-test=collect]")
    assert page.get_by_role("button", name="One more").is_visible()
    assert page.get_by_role("button", name="One fewer").is_visible()


def place_shop(app, admin, shop_id: int, **fields) -> None:
    """Give a shop its details as an admin does, through the API (which normalises them)."""
    response = app.test_client().patch(
        f"/api/v1/admin/shops/{shop_id}", json=fields, headers=bearer(admin)
    )
    assert response.status_code == 200


def test_shops_can_be_searched_and_sorted_by_distance_from_the_phone(
    app, new_page, make_shop, make_resident, make_admin
):
    admin = make_admin()
    far, _ = make_shop("ร้านกาแฟริมกวง")
    near, _ = make_shop("ร้านข้าวซอยลี้", district="li")
    unplaced, _ = make_shop("ร้านกาแฟไม่มีพิกัด")
    place_shop(app, admin, far, lat=18.5745, lon=99.0087)  # Lamphun town
    place_shop(app, admin, near, lat=17.8000, lon=98.9500)  # Li, about 86 km south
    page = signed_in_page(new_page, make_resident())
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 17.8040, "longitude": 98.9510})
    page.goto("/app/#/shops")

    page.get_by_label("ค้นหาร้านตามชื่อร้านหรืออำเภอ").fill("กาแฟ")
    page.get_by_role("button", name="ค้นหา", exact=True).click()
    page.wait_for_selector("[data-test=shop] >> text=ร้านกาแฟไม่มีพิกัด")
    names = page.locator("[data-test=shop] strong").all_inner_texts()
    assert [name.rsplit(" ", 1)[0] for name in names] == ["ร้านกาแฟริมกวง", "ร้านกาแฟไม่มีพิกัด"]
    page.get_by_label("ค้นหาร้านตามชื่อร้านหรืออำเภอ").fill("ไม่มีร้านนี้")
    page.get_by_role("button", name="ค้นหา", exact=True).click()
    assert "ไม่พบร้านที่ตรงกับ “ไม่มีร้านนี้”" in page.inner_text("[data-test=no-shops]")

    page.get_by_label("ค้นหาร้านตามชื่อร้านหรืออำเภอ").fill("")
    page.get_by_role("button", name="ค้นหา", exact=True).click()
    page.wait_for_selector("[data-test=shop] >> nth=2")
    page.get_by_role("button", name="เรียงร้านที่อยู่ใกล้ฉันก่อน").click()
    page.wait_for_selector("[data-test=distance]")
    names = page.locator("[data-test=shop] strong").all_inner_texts()
    assert [name.rsplit(" ", 1)[0] for name in names] == [
        "ร้านข้าวซอยลี้",
        "ร้านกาแฟริมกวง",
        "ร้านกาแฟไม่มีพิกัด",
    ]
    distances = page.locator("[data-test=distance]").all_inner_texts()
    assert distances[0] == "ห่างจากคุณ 460 ม."
    assert distances[1].startswith("ห่างจากคุณ 8") and distances[1].endswith(" กม.")
    assert "เรียงตามระยะทาง" in page.inner_text("[data-test=near-status]")
    screenshot(page, "app-shops-nearest")
    assert too_small(page, "main a, main button, main input") == []
    assert page.foreign_requests == []
    assert page.console_errors == []


def test_a_shops_page_shows_where_it_is_how_to_call_when_it_opens_and_its_rewards(
    app, new_page, make_shop, make_reward, make_resident, make_admin
):
    shop_id, _ = make_shop("ร้านกาแฟริมกวง")
    place_shop(
        app,
        make_admin(),
        shop_id,
        address="12 ถนนอินทยงยศ",
        subdistrict="ในเมือง",
        phone="053 511 111",
        opening_hours="ทุกวัน 7:00–17:00",
        lat=18.5745,
        lon=99.0087,
    )
    make_reward(shop_id, name_th="แก้วน้ำเก็บความเย็น", points=40)
    page = signed_in_page(new_page, make_resident())
    page.goto(f"/app/#/shops/{shop_id}")
    page.wait_for_selector("[data-test=shop-facts]")
    assert page.inner_text("[data-test=shop-address]") == "12 ถนนอินทยงยศ ต.ในเมือง อ.เมืองลำพูน"
    phone = page.get_by_role("link", name="053 511 111")
    assert phone.get_attribute("href") == "tel:+6653511111"
    assert page.inner_text("[data-test=shop-hours]") == "ทุกวัน 7:00–17:00"
    map_link = page.get_by_role("link", name="ดูแผนที่ (OpenStreetMap)")
    assert map_link.get_attribute("href") == (
        "https://www.openstreetmap.org/?mlat=18.5745&mlon=99.0087#map=17/18.5745/99.0087"
    )
    assert page.get_by_role("heading", name="แก้วน้ำเก็บความเย็น").is_visible()
    screenshot(page, "app-shop-page")
    assert too_small(page, "main a, main button") == []
    # The map is only a link: opening the shop's page asks nothing of another site.
    assert page.foreign_requests == []
    assert page.console_errors == []


def test_a_shop_without_a_position_or_hours_shows_what_it_has(new_page, make_shop, make_resident):
    shop_id, _ = make_shop("ร้านทดสอบ")
    page = signed_in_page(new_page, make_resident())
    page.goto(f"/app/#/shops/{shop_id}")
    page.wait_for_selector("[data-test=shop-facts]")
    assert page.inner_text("[data-test=shop-address]") == "ต.ในเมือง อ.เมืองลำพูน"
    for missing in ("map-link", "shop-hours", "shop-phone"):
        assert page.locator(f"[data-test={missing}]").count() == 0
    assert "ร้านนี้ยังไม่มีของรางวัล" in page.inner_text("main")


def test_a_shops_page_in_english(app, new_page, make_shop, make_resident, make_admin):
    shop_id, _ = make_shop()
    place_shop(
        app,
        make_admin(),
        shop_id,
        address="12 Inthayongyot Rd",
        subdistrict="Nai Mueang",
        opening_hours="Daily 7:00–17:00",
        lat=18.5745,
        lon=99.0087,
    )
    page = signed_in_page(new_page, make_resident(), lang="en-GB")
    page.click("[data-test=lang]")
    page.goto(f"/app/#/shops/{shop_id}")
    page.wait_for_selector("[data-test=shop-facts]")
    facts = page.inner_text("[data-test=shop-facts]")
    assert "12 Inthayongyot Rd, Nai Mueang, Mueang Lamphun" in facts
    assert "Opening hours" in facts and "Daily 7:00–17:00" in facts
    assert page.get_by_role("link", name="See on a map (OpenStreetMap)").is_visible()
    screenshot(page, "app-shop-page-en")
