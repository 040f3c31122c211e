"""/impact: the public page of published figures (Thai first, no sign-in, nothing foreign)."""

import re

import pytest

from tests.web.console import sign_in


def test_the_page_shows_the_figures_without_sign_in_in_thai(client, programme):
    response = client.get("/impact?from=2026-09&to=2026-10")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "พลาสติกที่ลดได้: ลำพูน" in page
    assert 'data-test="items">33<' in page  # 5 + 5 + 5 + 18 bags
    assert "ก.ย. 69" in page and "ต.ค. 69" in page  # months in the Buddhist era
    ranking = page[page.index('data-test="ranking"') :]
    assert ranking.index("ลี้") < ranking.index("เมืองลำพูน")
    assert "ไม่รับถุงพลาสติก" in page  # the method: grams per item, by name


def test_the_page_switches_to_english(client, programme):
    client.set_cookie("lang", "en")
    page = client.get("/impact?area=5101&from=2026-09&to=2026-10").get_data(as_text=True)
    assert "Plastic avoided: Mueang Lamphun" in page
    assert "Sep 26" in page and "Mueang Nga" in page


def test_the_page_loads_nothing_from_other_sites(client):
    response = client.get("/impact")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data: blob:" in csp and "script-src 'self'" in csp
    page = response.get_data(as_text=True)
    assert not re.search(r'(src|href)="(https?:)?//', page.replace('href="https://opendata', ""))
    assert "data-tiles" not in page


def test_a_tile_server_is_a_setting_allowed_in_img_src(database_url, publish):
    from config import TestConfig
    from ecolife import create_app

    class Tiles(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        SECRET_KEY = "test-secret-key-that-is-long-enough-for-hs256"
        MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"

    app = create_app(Tiles)
    publish()  # the map comes with published figures
    try:
        response = app.test_client().get("/impact")
        assert (
            "img-src 'self' https://tiles.example.org "
            in response.headers["Content-Security-Policy"]
        )
        assert 'data-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in response.get_data(
            as_text=True
        )
    finally:
        with app.app_context():
            from ecolife.extensions import db

            db.engine.dispose()


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("area=5199", 404),
        ("area=51%00", 404),
        ("from=2026-13&to=2026-13", 422),
        ("from=2026-10&to=2026-01", 422),
        ("from=2026-1%00&to=2026-10", 422),
    ],
)
def test_bad_input_is_answered_clearly(client, query, status):
    assert client.get(f"/impact?{query}").status_code == status


def test_the_home_page_and_the_consoles_link_to_the_impact_page(client, make_admin, make_shop):
    assert 'href="/impact"' in client.get("/").get_data(as_text=True)
    admin = make_admin()
    assert sign_in(client, admin.user.email).status_code == 302
    assert 'data-test="public-impact"' in client.get("/admin/shops/").get_data(as_text=True)
    _, staff = make_shop()
    staff_client = client.application.test_client()
    assert sign_in(staff_client, staff.user.email).status_code == 302
    assert 'href="/impact"' in staff_client.get("/shop/").get_data(as_text=True)


def test_before_the_first_publication_the_page_says_so_in_thai_and_english(client):
    page = client.get("/impact").get_data(as_text=True)
    notice = page[page.index('data-test="notice"') :]
    assert notice.index("ยังไม่มีการเผยแพร่ตัวเลข") < notice.index("00:07")
    assert "ecolife refresh-public-figures" in notice
    assert "ผู้เข้าร่วมที่ใช้งานในเดือน" not in page
    assert 'data-test="months"' not in page

    client.set_cookie("lang", "en")
    page = client.get("/impact").get_data(as_text=True)
    assert "Figures not published yet: the first publication is tonight at 00:07" in page
    assert "0 active residents" not in page and "active residents in" not in page


def test_months_not_published_yet_are_refused_or_left_out(client, programme):
    """Published on 15 November 2026: figures go up to October."""
    response = client.get("/impact?from=2026-11&to=2026-12")
    assert response.status_code == 422
    assert "เดือนล่าสุดที่สิ้นสุดแล้ว" in response.get_data(as_text=True)

    client.set_cookie("lang", "en")
    page = client.get("/impact?from=2026-09&to=2026-12").get_data(as_text=True)
    assert "Figures are published up to October 2026 (the last whole month)" in page
    assert "active residents in October 2026" in page
    assert "Nov 26" not in page
