"""The shop console's rough edges: lists of waiting rewards and scans, cancelling and refused
counter codes, errors in the page's language."""

import io
import re
from datetime import UTC, datetime

import pytest
import zxingcpp
from PIL import Image

from ecolife.services import settings
from tests.factories import bearer, redeem, scan
from tests.web.console import post_form, sign_in, text
from tests.web.test_console_forms import field_error


@pytest.fixture
def staff_client(client, make_shop):
    """A shop's staff member signed in to the console; returns (shop_id, staff, client)."""

    def signed_in(lang: str = "th"):
        shop_id, staff = make_shop()
        sign_in(client, staff.user.email, lang=lang)
        return shop_id, staff, client

    return signed_in


def issue_code(client, **form) -> str:
    response = post_form(client, "/shop/counter", {"action": "bag", "quantity": "1", **form})
    assert response.status_code == 302, text(response)
    return response.headers["Location"]


@pytest.mark.parametrize(
    ("lang", "message"),
    [("th", "กรอกจำนวนเต็มตั้งแต่ 1 ถึง 5"), ("en", "Enter a whole number from 1 to 5.")],
)
def test_a_quantity_over_the_limit_is_refused_in_the_pages_language(staff_client, lang, message):
    _, _, client = staff_client(lang)
    response = post_form(client, "/shop/counter", {"action": "bag", "quantity": "99"})
    assert response.status_code == 422
    assert field_error(text(response), "quantity") == message
    assert "Give a whole number" not in text(response)


def test_a_number_beyond_what_the_database_holds_is_refused_in_thai(staff_client):
    _, _, client = staff_client("th")
    response = post_form(
        client, "/shop/rewards/new", {"name_th": "ถุงผ้า", "points": "1", "stock": "99999999999"}
    )
    assert response.status_code == 422
    assert field_error(text(response), "stock") == "กรอกจำนวนเต็มตั้งแต่ -2147483648 ถึง 2147483647"


def test_the_overview_lists_waiting_rewards_and_recent_scans_with_more(
    staff_client, app, make_resident, make_reward, give_points, shop_token
):
    shop_id, _, client = staff_client("th")
    reward_id = make_reward(shop_id, points=5)
    api = app.test_client()
    residents = [make_resident(display_name=f"คนที่ {n}") for n in range(6)]
    for resident in residents:
        give_points(resident.user.id, 5)
        assert redeem(api, resident, reward_id).status_code == 201
        assert scan(api, resident, shop_token(shop_id)).status_code == 201
    overview = text(client.get("/shop/"))
    pending = overview.split('data-test="pending-redemptions"')[1].split("</table>")[0]
    assert pending.count("<tr>") == 1 + 5  # the header and the newest five
    assert "คนที่ 5" in pending and "คนที่ 0" not in pending
    assert "ถุงผ้า" in pending
    scans = overview.split('data-test="recent-scans"')[1].split("</table>")[0]
    assert scans.count("<tr>") == 1 + 5
    assert "ถุงพลาสติก" in scans
    assert "/shop/pending" in overview and "/shop/scans" in overview

    first = text(client.get("/shop/scans"))
    assert first.count("<tr>") == 1 + 6 and 'data-test="more"' not in first
    all_pending = text(client.get("/shop/pending"))
    assert all_pending.count("<tr>") == 1 + 6


def test_the_lists_page_through_and_show_only_this_shop(
    staff_client, app, make_shop, make_resident, shop_token
):
    shop_id, _, client = staff_client("en")
    other_shop, _ = make_shop()
    api = app.test_client()
    with app.app_context():
        settings.update_limits(
            {"scan_cooldown_seconds": 0, "daily_scans": 100, "daily_scans_per_shop": 100}
        )
    resident = make_resident()
    for _ in range(21):
        assert scan(api, resident, shop_token(shop_id)).status_code == 201
    scan(api, resident, shop_token(other_shop))
    first = text(client.get("/shop/scans"))
    assert first.count("<tr>") == 1 + 20
    more = re.search(r'href="\?after=([^"]+)" data-test="more"', first).group(1)
    second = text(client.get(f"/shop/scans?after={more}"))
    assert second.count("<tr>") == 1 + 1 and 'data-test="more"' not in second
    assert "No rewards are waiting to be handed over." in text(client.get("/shop/pending"))


def test_a_waiting_reward_leaves_the_list_once_confirmed(
    staff_client, app, make_resident, make_reward, give_points
):
    shop_id, _, client = staff_client("en")
    resident = make_resident()
    give_points(resident.user.id, 20)
    redemption = redeem(app.test_client(), resident, make_reward(shop_id)).get_json()["redemption"]
    assert redemption["code"] in text(client.get("/shop/pending"))
    page = f"/shop/redemptions/{redemption['id']}"
    post_form(client, page + "/confirm", {}, page=page)
    assert redemption["code"] not in text(client.get("/shop/pending"))


def test_a_cancelled_code_is_refused_by_a_scan(staff_client, app, make_resident):
    _, _, client = staff_client("th")
    code_page = issue_code(client)
    url = _code_url(client, code_page)
    response = post_form(client, code_page + "/cancel", {}, page=code_page)
    assert response.status_code == 302 and response.headers["Location"].endswith("/shop/counter")
    assert "ยกเลิกรหัสแล้ว" in text(client.get("/shop/counter"))
    assert client.get(code_page + "/status").get_json()["status"] == "cancelled"
    resident, api = make_resident(), app.test_client()
    refused = scan(api, resident, url)
    assert refused.status_code == 410
    assert refused.get_json()["code"] == "code_cancelled"
    preview = api.get(f"/api/v1/codes/{url.rsplit('/', 1)[1]}", headers=bearer(resident))
    assert (preview.status_code, preview.get_json()["code"]) == (410, "code_cancelled")
    explained = client.get("/problems/code_cancelled")
    assert explained.status_code == 200 and "410" in text(explained)
    again = post_form(client, code_page + "/cancel", {}, page=code_page, follow_redirects=True)
    assert "ยกเลิกรหัสนี้ไม่ได้" in text(again)


def test_a_scanned_code_cannot_be_cancelled(staff_client, app, make_resident):
    _, _, client = staff_client("en")
    code_page = issue_code(client)
    assert scan(app.test_client(), make_resident(), _code_url(client, code_page)).status_code == 201
    response = post_form(client, code_page + "/cancel", {}, page=code_page, follow_redirects=True)
    assert "could not be cancelled" in text(response)
    assert client.get(code_page + "/status").get_json()["status"] == "used"


def test_another_shops_code_cannot_be_cancelled(staff_client, make_shop, make_code):
    _, _, client = staff_client("en")
    _, other_staff = make_shop()
    code_id, _ = make_code(other_staff)
    response = post_form(client, f"/shop/codes/{code_id}/cancel", {}, page="/shop/counter")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("lang", "words"),
    [("th", "ครบแต้มสูงสุดของวันนี้แล้ว"), ("en", "and got no points")],
)
def test_a_refused_scan_shows_on_the_code_in_the_staffs_language(
    staff_client, app, make_shop, make_resident, shop_token, lang, words
):
    _, _, client = staff_client(lang)
    with app.app_context():
        settings.update_limits({"daily_scans": 1})
    capped = make_resident()
    api = app.test_client()
    assert scan(api, capped, shop_token(make_shop()[0])).status_code == 201
    code_page = issue_code(client)
    assert client.get(code_page + "/status").get_json()["refusal"] is None
    url = _code_url(client, code_page)
    assert scan(api, capped, url).get_json()["code"] == "daily_cap_reached"
    status = client.get(code_page + "/status").get_json()
    assert status["status"] == "active" and words in status["refusal"]
    assert words in text(client.get(code_page))
    assert scan(api, make_resident(), url).status_code == 201  # another customer still can
    assert client.get(code_page + "/status").get_json()["refusal"] is None


def _code_url(client, code_page: str) -> str:
    """Read the URL a counter code's QR holds, as a resident's camera would."""
    png = client.get(code_page + "/qr.png")
    return zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))[0].text


@pytest.mark.parametrize(
    ("lang", "when"), [("th", "23 พ.ย. 2569 10:00"), ("en", "23 Nov 2026, 10:00")]
)
def test_the_lists_write_dates_in_the_pages_language_thai_in_the_buddhist_era(
    staff_client, app, make_resident, shop_token, set_now, lang, when
):
    shop_id, _, client = staff_client(lang)
    resident = make_resident()
    set_now(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))
    assert scan(app.test_client(), resident, shop_token(shop_id)).status_code == 201
    scans = text(client.get("/shop/scans")).split('data-test="recent-scans"')[1]
    assert when in scans
