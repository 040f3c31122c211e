"""The admin console's member-card pages: register a resident at the office, print their
card, set a new PIN at the desk, make a new card; the resident's page says if they have one."""

import re

from ecolife.extensions import db
from ecolife.models import AccountEvent, PersonalDataAccess, User
from ecolife.services import cards
from tests.factories import bearer, scan
from tests.unit.test_qr_posters import pdf_lines
from tests.web.console import post_form, sign_in, text

NEW = "/admin/residents/new"


def _registered(client, **fields):
    form = {
        "display_name": "ยายแก้ว ใจดี",
        "home_tambon_code": "510101",
        "pin": "2580",
        "pin_again": "2580",
        **fields,
    }
    return post_form(client, NEW, form)


def test_an_admin_registers_a_resident_and_prints_the_card(app, client, make_admin):
    admin = make_admin()
    assert sign_in(client, admin.user.email).status_code == 302
    listing = text(client.get("/admin/residents/"))
    assert 'href="/admin/residents/new"' in listing and "ลงทะเบียนผู้อยู่อาศัย" in listing
    form = text(client.get(NEW))
    assert 'name="pin_again"' in form and "510101" in form
    done = _registered(client)
    assert done.status_code == 302, text(done)[:800]
    card_url = done.headers["Location"]
    user_id = int(re.search(r"/admin/residents/(\d+)/card$", card_url).group(1))
    page = text(client.get(card_url))
    with app.app_context():
        user = db.session.get(User, user_id)
        code = cards.format_card_code(user.card_code)
        assert user.phone is None and user.email is None and user.card_pin_hash
        assert cards.check_pin(user, "2580") is True
    assert "ยายแก้ว ใจดี" in page and code in page and "พิมพ์บัตร" in page
    pdf = client.get(f"/admin/residents/{user_id}/card.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "ยายแก้ว ใจดี" in pdf_lines(pdf.data) and code in pdf_lines(pdf.data)
    a6 = client.get(f"/admin/residents/{user_id}/card.pdf?size=a6")
    assert a6.status_code == 200 and "ยายแก้ว ใจดี" in pdf_lines(a6.data)
    png = client.get(f"/admin/residents/{user_id}/card/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    # The resident's page says there is a card (the code itself is on the card page only).
    profile = text(client.get(f"/admin/residents/{user_id}"))
    assert 'data-test="card-state"' in profile and "มีบัตรสมาชิก" in profile
    assert code not in profile
    assert "บัตรสมาชิกเท่านั้น" in text(client.get("/admin/residents/?q=ยายแก้ว"))


def test_the_form_says_what_is_wrong_in_thai(client, make_admin, make_resident):
    admin = make_admin()
    sign_in(client, admin.user.email)
    make_resident(phone="+66812345678")
    differ = _registered(client, pin_again="4321")
    assert differ.status_code == 422 and "รหัส PIN ทั้งสองช่องไม่ตรงกัน" in text(differ)
    short = _registered(client, pin="12", pin_again="12")
    assert short.status_code == 422 and "ตัวเลข 4 หลัก" in text(short)
    taken = _registered(client, phone="0812345678")
    assert taken.status_code == 422 and "มีบัญชีที่ใช้เบอร์โทรหรืออีเมลนี้อยู่แล้ว" in text(taken)
    bad_phone = _registered(client, phone="123")
    assert bad_phone.status_code == 422 and "081 234 5678" in text(bad_phone)
    nameless = _registered(client, display_name="")
    assert nameless.status_code == 422
    # What was typed stays (but never the PIN).
    assert 'value="0812345678"' in text(taken) and 'value="2580"' not in text(taken)


def test_a_new_pin_at_the_desk_unlocks_a_card_and_a_new_card_replaces_the_old(
    app, client, make_admin
):
    admin = make_admin()
    sign_in(client, admin.user.email)
    user_id = int(_registered(client).headers["Location"].split("/")[-2])
    with app.app_context():
        user = db.session.get(User, user_id)
        old_code = user.card_code
        for _ in range(4):
            assert cards.check_pin(user, "0000") is False
        try:
            cards.check_pin(user, "0000")
        except Exception as exc:  # the fifth wrong try locks the card
            assert exc.code == "card_pin_locked"
        db.session.remove()
    locked = text(client.get(f"/admin/residents/{user_id}/card"))
    assert "ล็อก" in locked
    url = f"/admin/residents/{user_id}/card/pin"
    bad = post_form(client, url, {"pin": "5831", "pin_again": "5832"}, page=url[:-4])
    assert bad.status_code == 422
    ok = post_form(client, url, {"pin": "5831", "pin_again": "5831"}, page=url[:-4])
    assert ok.status_code == 302
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.card_pin_failures == 0 and cards.check_pin(user, "5831") is True
        db.session.commit()
    ask = client.get(f"/admin/residents/{user_id}/card/rotate")
    assert ask.status_code == 200 and "บัตรเดิมจะใช้ไม่ได้" in text(ask)
    rotated = post_form(client, f"/admin/residents/{user_id}/card/rotate", {}, page=url[:-4])
    assert rotated.status_code == 302
    with app.app_context():
        assert cards.card_holder(old_code) is None
        assert cards.card_holder(db.session.get(User, user_id).card_code).id == user_id


def test_a_scoped_admin_prints_only_the_cards_of_residents_in_their_area(
    app, client, make_admin, make_resident, make_shop, shop_token
):
    li_admin = make_admin(area="5104")
    town = make_resident(display_name="คนเมือง")
    shop, _ = make_shop(district="5101")
    assert scan(client, town, shop_token(shop), action="bag").status_code == 201
    sign_in(client, li_admin.user.email)
    assert client.get(f"/admin/residents/{town.user.id}/card").status_code == 404
    assert client.get(f"/admin/residents/{town.user.id}/card.pdf").status_code == 404
    outside = _registered(client, home_tambon_code="510101")
    assert outside.status_code == 422 and "ตำบล" in text(outside)
    inside = _registered(client, display_name="ตาลี้", home_tambon_code="510401")
    assert inside.status_code == 302
    assert client.get(inside.headers["Location"]).status_code == 200


def test_a_declared_home_gives_a_scoped_admin_no_access(app, client, make_admin, make_resident):
    li_admin = make_admin(area="5104")
    claims = make_resident(display_name="คนอ้างบ้าน")
    home = client.patch("/api/v1/me", json={"home_tambon_code": "510401"}, headers=bearer(claims))
    assert home.status_code == 200
    sign_in(client, li_admin.user.email)
    for url in (f"/admin/residents/{claims.user.id}", f"/admin/residents/{claims.user.id}/card"):
        assert client.get(url).status_code == 404, url
    found = text(client.get("/admin/residents/?q=คนอ้างบ้าน"))
    assert f'href="/admin/residents/{claims.user.id}"' not in found
    made = _registered(client, display_name="ตาลี้", home_tambon_code="510401")
    user_id = int(made.headers["Location"].split("/")[-2])
    assert client.get(f"/admin/residents/{user_id}").status_code == 200
    assert client.get(f"/admin/residents/{user_id}/card").status_code == 200
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.registered_area_code, user.registered_by_id) == ("510401", li_admin.user.id)


def test_desk_changes_are_audited_and_refused_for_app_users(app, client, make_admin, make_resident):
    admin = make_admin()
    sign_in(client, admin.user.email)
    user_id = int(_registered(client).headers["Location"].split("/")[-2])
    card_page = f"/admin/residents/{user_id}/card"
    pin = {"pin": "5831", "pin_again": "5831"}
    assert post_form(client, f"{card_page}/pin", pin, page=card_page).status_code == 302
    assert post_form(client, f"{card_page}/rotate", {}, page=card_page).status_code == 302
    with app.app_context():
        events = db.session.execute(
            db.select(AccountEvent.kind, AccountEvent.actor_id)
            .where(AccountEvent.user_id == user_id)
            .order_by(AccountEvent.id)
        ).all()
        assert events == [("card_pin", admin.user.id), ("card_rotate", admin.user.id)]
    history = text(client.get(f"/admin/residents/{user_id}"))
    assert "ตั้ง PIN ใหม่ที่โต๊ะบริการ" in history and "ทำบัตรใหม่ที่โต๊ะบริการ" in history
    # A resident who signs in to the app changes their own PIN and card there.
    app_user = make_resident(phone="+66812223333")
    app_page = f"/admin/residents/{app_user.user.id}/card"
    page = text(client.get(app_page))
    assert 'data-test="app-user"' in page and 'data-test="set-pin"' not in page
    assert post_form(client, f"{app_page}/pin", pin, page=app_page).status_code == 409
    assert client.get(f"{app_page}/rotate").status_code == 409
    assert post_form(client, f"{app_page}/rotate", {}, page=app_page).status_code == 409
    with app.app_context():
        user = db.session.get(User, app_user.user.id)
        assert user.card_pin_hash is None
        assert not db.session.scalars(
            db.select(AccountEvent).where(AccountEvent.user_id == user.id)
        ).all()


def test_a_form_sent_twice_registers_one_resident(app, client, make_admin):
    admin = make_admin()
    sign_in(client, admin.user.email)
    first = _registered(client, display_name="ยายทองดี")
    assert first.status_code == 302
    twice = _registered(client, display_name="ยายทองดี")
    assert twice.status_code == 422 and "น้อยกว่าหนึ่งนาที" in text(twice)
    with app.app_context():
        ids = db.session.scalars(db.select(User.id).where(User.display_name == "ยายทองดี")).all()
        assert len(ids) == 1
        # The registration and its PDPA access record were committed together.
        seen = db.session.scalars(
            db.select(PersonalDataAccess.what).where(PersonalDataAccess.resident_id == ids[0])
        ).all()
        assert seen == ["member_card"]
