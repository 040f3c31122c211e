"""The shop console's member-card page through Flask's client: who may open it, the
look-up, a credit, its refusals, a redemption with the PIN and a replayed form."""

import re

import pytest

from tests.web.console import csrf_token, sign_in, text

KEY = re.compile(r'name="key" value="([^"]+)"')


@pytest.fixture
def staff_client(app, make_shop):
    shop_id, staff = make_shop()
    client = app.test_client()
    sign_in(client, staff.user.email, lang="en")
    return shop_id, client


def holder_page(client, card: str):
    """Look a card up as the page's form does (a POST: the card stays out of URLs), and
    follow to the holder's page."""
    looked_up = client.post(
        "/shop/card/", data={"csrf_token": csrf_token(client, "/shop/card/"), "card": card}
    )
    if looked_up.status_code != 302:
        return looked_up
    assert looked_up.headers["Location"] == "/shop/card/"
    return client.get("/shop/card/")


def form_of(client, card: str) -> dict:
    page = text(holder_page(client, card))
    return {
        "csrf_token": csrf_token(client, "/shop/card/"),
        "card": card,
        "key": KEY.search(page).group(1),
    }


@pytest.mark.parametrize(
    "who, status",
    # Residents cannot sign in to the consoles: they are sent to the sign-in page too.
    [("anonymous", 302), ("resident", 302), ("admin", 403), ("staff", 200)],
)
def test_only_shop_staff_open_the_card_page(app, make_shop, make_resident, make_admin, who, status):
    client = app.test_client()
    if who == "staff":
        sign_in(client, make_shop()[1].user.email)
    elif who == "admin":
        sign_in(client, make_admin().user.email)
    elif who == "resident":
        sign_in(client, make_resident(email="r@ecolife.test").user.email)
    assert client.get("/shop/card/").status_code == status, who
    for path in ("/shop/card/credit", "/shop/card/redeem"):
        assert client.post(path, data={}).status_code in {status, 400}, (who, path)


def test_the_nav_links_the_card_page(staff_client):
    _, client = staff_client
    assert 'href="/shop/card/"' in text(client.get("/shop/"))


def test_an_unknown_card_says_so(staff_client):
    _, client = staff_client
    response = holder_page(client, "ACDE-FGHJ-KMNP")
    assert response.status_code == 404
    assert "No member card with this code" in text(response)


def test_staff_credit_a_card_once_per_form(staff_client, make_card_holder):
    _, client = staff_client
    _, card = make_card_holder()
    page = text(holder_page(client, card.lower()))
    assert "ยายแก้ว ใจดี" in page
    assert 'data-test="holder-balance">0<' in page
    form = {**form_of(client, card), "action": "bag", "quantity": "2"}
    done = client.post("/shop/card/credit", data=form)
    assert done.status_code == 302
    page = text(client.get(done.headers["Location"]))
    assert "10 points given. The card holder now has 10 points." in page
    # The same form sent twice (a double tap, a retry) credits once.
    assert client.post("/shop/card/credit", data=form).status_code == 302
    assert 'data-test="holder-balance">10<' in text(holder_page(client, card))
    again = client.post("/shop/card/credit", data={**form_of(client, card), "action": "bag"})
    assert again.status_code == 429
    assert "they can earn here again in 30 minutes" in text(again)


def test_a_bad_quantity_is_a_field_error(staff_client, make_card_holder):
    _, client = staff_client
    _, card = make_card_holder()
    response = client.post(
        "/shop/card/credit", data={**form_of(client, card), "action": "bag", "quantity": "6"}
    )
    assert response.status_code == 422
    assert "Enter a whole number from 1 to 5." in text(response)


def test_the_holder_redeems_with_the_pin_and_a_wrong_pin_says_the_tries_left(
    staff_client, make_card_holder, make_reward
):
    shop_id, client = staff_client
    reward_id = make_reward(shop_id, points=20, name_th="ถุงผ้าลายช้าง")
    _, card = make_card_holder(points=30)
    assert f'name="reward_id" value="{reward_id}"' in text(holder_page(client, card))
    wrong = {**form_of(client, card), "reward_id": str(reward_id), "pin": "0000"}
    response = client.post("/shop/card/redeem", data=wrong)
    assert response.status_code == 403
    assert "Wrong PIN. 4 tries left before the PIN is locked." in text(response)
    right = {**form_of(client, card), "reward_id": str(reward_id), "pin": "2580"}
    done = client.post("/shop/card/redeem", data=right)
    assert done.status_code == 200
    page = text(done)
    assert 'data-test="card-redeemed"' in page
    assert 'data-test="balance-after">10<' in page
    assert client.post("/shop/card/redeem", data=right).status_code == 200  # replayed
    assert 'data-test="holder-balance">10<' in text(holder_page(client, card))


def test_a_holder_without_a_pin_is_told_to_set_one(staff_client, make_card_holder, make_reward):
    shop_id, client = staff_client
    make_reward(shop_id, points=5)
    _, card = make_card_holder(points=30, pin=None)
    page = text(holder_page(client, card))
    assert 'data-test="no-pin"' in page
    assert 'data-test="redeem-form"' not in page


def test_a_form_without_its_key_is_refused(staff_client, make_card_holder):
    _, client = staff_client
    _, card = make_card_holder()
    form = form_of(client, card)
    del form["key"]
    assert client.post("/shop/card/credit", data={**form, "action": "bag"}).status_code == 400


def test_the_card_stays_out_of_urls_and_another_card_forgets_it(staff_client, make_card_holder):
    _, client = staff_client
    _, card = make_card_holder()
    # A look-up by URL shows no holder: the card is posted.
    assert 'data-test="card-holder"' not in text(client.get("/shop/card/?card=" + card))
    page = text(holder_page(client, card))
    assert "ยายแก้ว ใจดี" in page
    assert card not in re.sub(r'name="card" value="[^"]*"', "", page)  # only the hidden fields
    form = {**form_of(client, card), "action": "bag"}
    done = client.post("/shop/card/credit", data=form)
    assert done.headers["Location"] == "/shop/card/"
    assert 'data-test="holder-balance">5<' in text(client.get("/shop/card/"))
    another = client.post(
        "/shop/card/another", data={"csrf_token": csrf_token(client, "/shop/card/")}
    )
    assert another.headers["Location"] == "/shop/card/"
    assert 'data-test="card-holder"' not in text(client.get("/shop/card/"))


def test_a_look_up_needs_the_forms_csrf_token(staff_client, make_card_holder):
    _, client = staff_client
    _, card = make_card_holder()
    assert client.post("/shop/card/", data={"card": card}).status_code == 400


def test_a_suspended_shops_staff_cannot_look_cards_up(app, staff_client, make_card_holder):
    from ecolife.extensions import db
    from ecolife.services import shops

    shop_id, client = staff_client
    _, card = make_card_holder()
    with app.test_request_context():
        shops.update_shop(shop_id, {"active": False})
        db.session.remove()
    response = holder_page(client, card)
    assert response.status_code == 409
    assert "This shop is suspended" in text(response)
    assert 'data-test="card-holder"' not in text(response)


def test_a_wrong_pin_past_the_counters_tries_says_to_wait(
    app, staff_client, make_card_holder, make_reward, monkeypatch
):
    monkeypatch.setitem(app.config, "CARD_PIN_WRONG_TRIES_PER_STAFF", "1 per day")
    shop_id, client = staff_client
    reward_id = make_reward(shop_id, points=20)
    _, card = make_card_holder(points=30)
    wrong = {**form_of(client, card), "reward_id": str(reward_id), "pin": "0000"}
    assert client.post("/shop/card/redeem", data=wrong).status_code == 403
    right = {**form_of(client, card), "reward_id": str(reward_id), "pin": "2580"}
    response = client.post("/shop/card/redeem", data=right)
    assert response.status_code == 429
    assert "Too many wrong PINs were typed at your counter today" in text(response)
    malformed = {**form_of(client, card), "reward_id": str(reward_id), "pin": "12"}
    assert client.post("/shop/card/redeem", data=malformed).status_code in (422, 429)
