"""POST /api/v1/admin/residents: an admin registers a resident without a phone or e-mail at
the municipal office; the card works at once and the PIN, when given, is set."""

from datetime import UTC, datetime, timedelta

from ecolife.extensions import db
from ecolife.models import PersonalDataAccess, User
from ecolife.services import cards, privacy, residents
from ecolife.services.scope import AdminScope
from tests.factories import bearer

URL = "/api/v1/admin/residents"
LI, LI_TAMBON, MUEANG_TAMBON = "5104", "510401", "510101"


def test_an_admin_registers_a_card_holder_without_phone_or_email(app, client, make_admin):
    admin = bearer(make_admin())
    body = {"display_name": "ยายแก้ว ใจดี", "pin": "2580", "home_tambon_code": LI_TAMBON}
    response = client.post(URL, json=body, headers=admin)
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    user = made["user"]
    assert (user["display_name"], user["role"], user["phone"], user["email"]) == (
        "ยายแก้ว ใจดี",
        "resident",
        None,
        None,
    )
    code = made["card_code"]
    assert len(code) == 12 and made["card_code_display"] == cards.format_card_code(code)
    with app.app_context():
        holder = cards.card_holder(made["card_code_display"])
        assert holder.id == user["id"] and holder.home_tambon_code == LI_TAMBON
        assert holder.password_hash is None  # no login: the card is the way in
        assert cards.check_pin(holder, "2580") is True
    # With neither a name's worth of text nor anything else, it is refused.
    assert client.post(URL, json={}, headers=admin).status_code == 422
    blank = client.post(URL, json={"display_name": "   "}, headers=admin)
    assert blank.status_code == 422 and "display_name" in blank.get_json()["errors"]


def test_phone_and_email_are_checked_as_at_sign_up(client, make_admin, make_resident):
    admin = bearer(make_admin())
    make_resident(phone="+66812345678")
    bad = client.post(URL, json={"display_name": "ก", "phone": "12345"}, headers=admin)
    assert bad.status_code == 422 and "phone" in bad.get_json()["errors"]
    bad = client.post(URL, json={"display_name": "ก", "email": "no-at-sign"}, headers=admin)
    assert bad.status_code == 422 and "email" in bad.get_json()["errors"]
    taken = client.post(URL, json={"display_name": "ก", "phone": "081 234 5678"}, headers=admin)
    assert taken.status_code == 409 and taken.get_json()["code"] == "account_exists"
    fine = client.post(
        URL, json={"display_name": "ข", "phone": "089-111-2222", "email": "B@Ex.org"}, headers=admin
    )
    assert fine.status_code == 201
    assert (fine.get_json()["user"]["phone"], fine.get_json()["user"]["email"]) == (
        "+66891112222",
        "b@ex.org",
    )


def test_the_pin_and_the_sub_district_are_validated(client, make_admin):
    admin = bearer(make_admin())
    for pin in ("123", "abcd", "12345"):
        bad = client.post(URL, json={"display_name": "ก", "pin": pin}, headers=admin)
        assert bad.status_code == 422 and "pin" in bad.get_json()["errors"], pin
    for code in ("5104", "999999"):
        bad = client.post(URL, json={"display_name": "ก", "home_tambon_code": code}, headers=admin)
        assert bad.status_code == 422 and "home_tambon_code" in bad.get_json()["errors"]
    without_pin = client.post(URL, json={"display_name": "ค"}, headers=admin)
    assert without_pin.status_code == 201


def test_a_scoped_admin_registers_residents_of_their_area_and_sees_them(app, client, make_admin):
    li_admin = bearer(make_admin(area=LI))
    outside = client.post(
        URL, json={"display_name": "ก", "home_tambon_code": MUEANG_TAMBON}, headers=li_admin
    )
    assert outside.status_code == 422 and "home_tambon_code" in outside.get_json()["errors"]
    nowhere = client.post(URL, json={"display_name": "ก"}, headers=li_admin)
    assert nowhere.status_code == 422
    made = client.post(
        URL, json={"display_name": "ตาลี้", "home_tambon_code": LI_TAMBON}, headers=li_admin
    )
    assert made.status_code == 201
    with app.app_context():
        assert db.session.scalar(db.select(User.id).where(User.display_name == "ตาลี้"))
        # A resident the scoped admin registered is theirs, scans or not.
        user_id = made.get_json()["user"]["id"]
        assert residents.get_resident(user_id, scope=AdminScope(LI)).user.id == user_id
        found = residents.search_residents("ตาลี้", limit=5, cursor=None, scope=AdminScope(LI))
        assert [u.id for u in found.items] == [user_id]
        other = residents.search_residents("ตาลี้", limit=5, cursor=None, scope=AdminScope("5101"))
        assert found.items and not other.items


def test_only_admins_register_residents(client, make_resident, make_shop):
    body = {"display_name": "ก"}
    assert client.post(URL, json=body).status_code == 401
    assert client.post(URL, json=body, headers=bearer(make_resident())).status_code == 403
    _, staff = make_shop()
    assert client.post(URL, json=body, headers=bearer(staff)).status_code == 403


def test_the_registration_keeps_where_and_by_whom_and_is_logged_once(app, client, make_admin):
    admin = make_admin(area=LI)
    body = {"display_name": "ยายจันทร์", "home_tambon_code": LI_TAMBON}
    made = client.post(URL, json=body, headers=bearer(admin))
    assert made.status_code == 201
    user_id = made.get_json()["user"]["id"]
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.registered_area_code, user.registered_by_id) == (LI_TAMBON, admin.user.id)
        seen = db.session.scalars(
            db.select(PersonalDataAccess.what).where(PersonalDataAccess.resident_id == user_id)
        ).all()
        assert seen == [privacy.ADMIN_API]


def test_the_same_registration_sent_twice_makes_one_resident(app, client, make_admin, set_now):
    admin, other_admin = bearer(make_admin()), bearer(make_admin())
    now = set_now(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    body = {"display_name": "ตาบุญ", "home_tambon_code": MUEANG_TAMBON}
    assert client.post(URL, json=body, headers=admin).status_code == 201
    twice = client.post(URL, json=body, headers=admin)
    assert twice.status_code == 422 and "display_name" in twice.get_json()["errors"]
    # Another sub-district, another admin, or a minute later: another person.
    elsewhere = {**body, "home_tambon_code": LI_TAMBON}
    assert client.post(URL, json=elsewhere, headers=admin).status_code == 201
    assert client.post(URL, json=body, headers=other_admin).status_code == 201
    set_now(now + timedelta(seconds=61))
    assert client.post(URL, json=body, headers=admin).status_code == 201
    with app.app_context():
        names = db.session.scalars(db.select(User.id).where(User.display_name == "ตาบุญ"))
        assert len(names.all()) == 4
