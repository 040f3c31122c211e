"""Admins give a shop its opening hours in the console; residents read them in the app."""

from ecolife.extensions import db
from ecolife.models import Shop
from tests.web.console import post_form, sign_in, text


def test_an_admin_sets_a_shops_opening_hours_in_the_console(client, app, make_admin, make_shop):
    shop_id, _staff = make_shop()
    sign_in(client, make_admin().user.email)
    page = f"/admin/shops/{shop_id}"
    assert "เวลาเปิด-ปิด" in text(client.get(page))
    form = {"name": "ร้านกาแฟ", "tambon_code": "510401", "opening_hours": "เปิดทุกวัน 8:00–17:00 น."}
    assert post_form(client, page, form).status_code == 302
    with app.app_context():
        assert db.session.get(Shop, shop_id).opening_hours == "เปิดทุกวัน 8:00–17:00 น."
    assert 'value="เปิดทุกวัน 8:00–17:00 น."' in text(client.get(page))


def test_opening_hours_can_be_cleared(client, app, make_admin, make_shop):
    shop_id, _staff = make_shop()
    sign_in(client, make_admin().user.email)
    page = f"/admin/shops/{shop_id}"
    form = {"name": "ร้าน", "tambon_code": "510401", "opening_hours": "8:00–17:00"}
    post_form(client, page, form)
    assert (
        post_form(client, page, {**form, "opening_hours": ""}).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(Shop, shop_id).opening_hours is None
