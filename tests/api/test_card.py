"""The member card: GET /api/v1/me/card, its QR and PDF, rotation, and the card's PIN."""

import io

import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from ecolife.extensions import db
from ecolife.models import User
from ecolife.security import CODE_ALPHABET
from ecolife.services import cards
from ecolife.services.demo import CARD_ONLY_RESIDENT, demo_cards, seed_demo_data
from tests.factories import PASSWORD, bearer

CARD = "/api/v1/me/card"


def decode_qr(image: Image.Image) -> list[str]:
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [barcode.text for barcode in found]


def pdf_text_and_size(data: bytes) -> tuple[str, tuple[float, float], Image.Image]:
    document = pypdfium2.PdfDocument(data)
    try:
        page = document[0]
        text = page.get_textpage().get_text_range()
        width, height = page.get_size()
        image = page.render(scale=300 / 72).to_pil()
        return text, (width * 25.4 / 72, height * 25.4 / 72), image
    finally:
        document.close()


def test_a_resident_gets_their_card_at_sign_up(client, make_resident):
    resident = make_resident(display_name="นายปั้ม ที่ดี")
    first = client.get(CARD, headers=bearer(resident))
    assert first.status_code == 200, first.get_json()
    card = first.get_json()
    code = card["card_code"]
    assert len(code) == 12 and set(code) <= set(CODE_ALPHABET)
    assert card["card_code_display"] == f"{code[:4]}-{code[4:8]}-{code[8:]}"
    assert card["qr_png_url"] == "/api/v1/me/card/qr.png"
    assert card["pdf_url"] == "/api/v1/me/card.pdf"
    assert card["has_pin"] is False
    assert client.get(CARD, headers=bearer(resident)).get_json()["card_code"] == code
    other = client.get(CARD, headers=bearer(make_resident())).get_json()["card_code"]
    assert other != code


def test_the_qr_carries_the_typed_form_which_finds_the_holder(app, client, make_resident):
    resident = make_resident()
    card = client.get(CARD, headers=bearer(resident)).get_json()
    png = client.get(card["qr_png_url"], headers=bearer(resident))
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.headers["Cache-Control"] == "private, no-store"
    [text] = decode_qr(Image.open(io.BytesIO(png.data)))
    assert text == card["card_code_display"]
    with app.app_context():
        for typed in (text, text.lower().replace("-", " "), f"  {card['card_code']} "):
            assert cards.card_holder(typed).id == resident.user.id
        assert cards.card_holder(card["card_code"][:-1]) is None
        assert cards.card_holder("https://example.org/q/x") is None


def test_the_pdf_is_a_credit_card_or_an_a6_page_with_the_thai_name(client, make_resident):
    resident = make_resident(display_name="นายปั้ม ที่ดี")
    card = client.get(CARD, headers=bearer(resident)).get_json()
    response = client.get(card["pdf_url"], headers=bearer(resident))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    text, size, image = pdf_text_and_size(response.data)
    assert size == pytest.approx((85.6, 54), abs=0.1)
    assert "นายปั้ม ที่ดี" in text and card["card_code_display"] in text
    assert "ECO LIFE" in text and "บัตรสมาชิก" in text
    assert decode_qr(image) == [card["card_code_display"]]
    a6 = client.get(card["pdf_url"] + "?size=a6", headers=bearer(resident))
    text, size, image = pdf_text_and_size(a6.data)
    assert size == pytest.approx((105, 148), abs=0.1)
    assert "นายปั้ม ที่ดี" in text and decode_qr(image) == [card["card_code_display"]]
    wrong = client.get(card["pdf_url"] + "?size=a4", headers=bearer(resident))
    assert wrong.status_code == 422 and wrong.get_json()["code"] == "validation_error"


def test_rotating_replaces_the_card_at_once(app, client, make_resident):
    resident = make_resident()
    old = client.get(CARD, headers=bearer(resident)).get_json()["card_code"]
    rotated = client.post(CARD + "/rotate", headers=bearer(resident))
    assert rotated.status_code == 200
    new = rotated.get_json()["card_code"]
    assert new != old and client.get(CARD, headers=bearer(resident)).get_json()["card_code"] == new
    with app.app_context():
        assert cards.card_holder(old) is None
        assert cards.card_holder(new).id == resident.user.id


def test_only_residents_have_cards_and_each_sees_only_their_own(
    client, make_resident, make_admin, make_shop
):
    assert client.get(CARD).status_code == 401
    assert client.get(CARD + "/qr.png").status_code == 401
    assert client.post(CARD + "/rotate").status_code == 401
    admin = bearer(make_admin())
    for method, path in (
        ("get", CARD),
        ("get", CARD + "/qr.png"),
        ("get", "/api/v1/me/card.pdf"),
        ("post", CARD + "/rotate"),
    ):
        assert getattr(client, method)(path, headers=admin).status_code == 403
    # The card's routes take no id: a resident can only ever reach their own.
    one, two = make_resident(display_name="หนึ่ง"), make_resident(display_name="สอง")
    text, _, _ = pdf_text_and_size(client.get("/api/v1/me/card.pdf", headers=bearer(two)).data)
    assert "สอง" in text and "หนึ่ง" not in text
    assert (
        client.get(CARD, headers=bearer(one)).get_json()["card_code"]
        != client.get(CARD, headers=bearer(two)).get_json()["card_code"]
    )


def test_a_resident_sets_a_pin_with_their_password(app, client, make_resident):
    resident = make_resident()
    pin = CARD + "/pin"
    wrong = client.post(pin, json={"pin": "2580", "password": "not-it"}, headers=bearer(resident))
    assert wrong.status_code == 422 and "password" in wrong.get_json()["errors"]
    for bad in ("123", "12345", "12a4", ""):
        refused = client.post(
            pin, json={"pin": bad, "password": PASSWORD}, headers=bearer(resident)
        )
        assert refused.status_code == 422 and "pin" in refused.get_json()["errors"], bad
    missing = client.post(pin, json={"pin": "2580"}, headers=bearer(resident))
    assert missing.status_code == 422
    done = client.post(pin, json={"pin": "๒๕๘๐", "password": PASSWORD}, headers=bearer(resident))
    assert done.status_code == 204
    assert client.get(CARD, headers=bearer(resident)).get_json()["has_pin"] is True
    with app.app_context():
        user = db.session.get(User, resident.user.id)
        assert user.card_pin_hash and "2580" not in user.card_pin_hash
        assert cards.check_pin(user, "2580") is True


def test_five_wrong_pins_lock_the_card_until_a_new_pin_is_set(app, client, make_resident):
    resident = make_resident()
    with app.app_context():
        user = db.session.get(User, resident.user.id)
        with pytest.raises(Exception) as not_set:
            cards.check_pin(user, "2580")
        assert not_set.value.code == "card_pin_not_set"
        cards.set_pin(user, "2468")
        db.session.commit()
        assert [cards.check_pin(user, "1111") for _ in range(2)] == [False, False]
        assert cards.check_pin(user, "2468") is True  # a right PIN resets the count
        db.session.commit()
        assert db.session.get(User, user.id).card_pin_failures == 0
        assert [cards.check_pin(user, "0000") for _ in range(4)] == [False] * 4
        # The count was committed by each wrong try: a rollback does not undo it.
        db.session.rollback()
        assert db.session.get(User, user.id).card_pin_failures == 4
        for _ in range(2):
            with pytest.raises(Exception) as locked:
                cards.check_pin(user, "0000")
            assert locked.value.code == "card_pin_locked"
        with pytest.raises(Exception) as still:
            cards.check_pin(db.session.get(User, user.id), "2468")  # even the right one
        assert still.value.code == "card_pin_locked"
    body = {"pin": "1357", "password": PASSWORD}
    assert client.post(CARD + "/pin", json=body, headers=bearer(resident)).status_code == 204
    with app.app_context():
        user = db.session.get(User, resident.user.id)
        assert user.card_pin_failures == 0 and cards.check_pin(user, "1357") is True


def test_a_locked_pin_is_a_stable_problem(app, client):
    with app.test_request_context("/api/v1/x"):
        from ecolife.api.problems import problem

        body = problem("card_pin_locked").get_json()
        assert body["status"] == 423 and body["code"] == "card_pin_locked"


def test_an_erased_or_non_resident_account_holds_no_card(app, make_resident, make_admin):
    resident = make_resident()
    admin = make_admin()
    with app.app_context():
        user = db.session.get(User, resident.user.id)
        code = cards.ensure_card(user)
        assert cards.ensure_card(user) == code
        db.session.commit()
        assert cards.card_holder(code).id == user.id
        user.suspended_at = user.created_at
        db.session.commit()
        assert cards.card_holder(code).id == user.id  # suspended: the rules refuse later
        user.erased_at = user.created_at
        db.session.commit()
        assert cards.card_holder(code) is None
        staff = db.session.get(User, admin.user.id)
        staff.card_code = "ACDEFGHJKMNP"
        db.session.commit()
        assert cards.card_holder("ACDE-FGHJ-KMNP") is None


def test_the_demo_has_two_card_holders_with_the_pin_2580(app):
    with app.app_context():
        seed_demo_data()
        first = demo_cards()
        seed_demo_data()  # idempotent: the same cards, no second card-only resident
        assert demo_cards() == first
        assert [name for name, _ in first] == ["สมใจ ใจดี", CARD_ONLY_RESIDENT]
        for _, code in first:
            holder = cards.card_holder(code)
            assert holder is not None and cards.check_pin(holder, "2580") is True
        card_only = cards.card_holder(first[1][1])
        assert (card_only.phone, card_only.email, card_only.password_hash) == (None, None, None)
        db.session.remove()


def test_reading_a_card_never_makes_one(app, client, make_resident):
    resident = make_resident()
    headers = bearer(resident)
    with app.app_context():
        assert db.session.get(User, resident.user.id).card_code  # made at sign-up
        db.session.execute(
            db.update(User).where(User.id == resident.user.id).values(card_code=None)
        )
        db.session.commit()
    for url in (CARD, f"{CARD}/qr.png", "/api/v1/me/card.pdf"):
        response = client.get(url, headers=headers)
        assert (response.status_code, response.get_json()["code"]) == (404, "no_card"), url
    with app.app_context():
        assert db.session.get(User, resident.user.id).card_code is None  # nothing written
    made = client.post(f"{CARD}/rotate", headers=headers)
    assert made.status_code == 200 and len(made.get_json()["card_code"]) == 12
    assert client.get(CARD, headers=headers).get_json()["card_code"] == made.get_json()["card_code"]
