"""A member card holder redeems at the counter with their PIN: POST /api/v1/shop/card-redemptions
and the look-up GET /api/v1/shop/cards/{card}."""

import logging
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ecolife.errors import UnknownCard
from ecolife.extensions import db
from ecolife.models import LedgerEntry, Redemption, User
from ecolife.services import cards, redemptions
from ecolife.services.redemptions import Counter
from tests.factories import PASSWORD, bearer, redeem

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok


@pytest.fixture
def counter(make_shop, make_reward, make_card_holder):
    shop_id, staff = make_shop()
    holder, card = make_card_holder(points=50)
    reward_id = make_reward(shop_id, points=20, stock=3)
    return staff, holder, card, reward_id


def card_redeem(client, staff, card, reward_id, pin, *, key=None):
    headers = {**bearer(staff), "Idempotency-Key": key or uuid.uuid4().hex}
    body = {"card": card, "reward_id": reward_id, "pin": pin}
    return client.post("/api/v1/shop/card-redemptions", json=body, headers=headers)


def balance(client, resident) -> int:
    return client.get("/api/v1/me", headers=bearer(resident)).get_json()["balance"]


def test_staff_look_a_card_up_with_the_rewards_the_holder_can_afford(
    client, counter, make_reward, make_shop
):
    staff, _, card, reward_id = counter
    shop_id = staff.user.shop_id
    make_reward(shop_id, points=80)  # too dear for 50 points
    make_reward(make_shop()[0], points=5)  # another shop's
    typed = " ".join(card[i : i + 4] for i in range(0, 12, 4)).lower()
    response = client.get(f"/api/v1/shop/cards/{typed}", headers=bearer(staff))
    assert response.status_code == 200
    body = response.get_json()
    assert body["display_name"] == "ยายแก้ว ใจดี"
    assert body["balance"] == 50
    assert body["pin_set"] is True
    assert [reward["id"] for reward in body["rewards"]] == [reward_id]


def test_an_unknown_card_is_a_404_unknown_card(client, counter):
    staff, *_ = counter
    response = client.get("/api/v1/shop/cards/AAAA-AAAA-AAAA", headers=bearer(staff))
    assert response.status_code == 404
    assert response.get_json()["code"] == "unknown_card"
    assert card_redeem(client, staff, "nonsense", 1, "2580").get_json()["code"] == "unknown_card"


def test_the_holder_redeems_with_the_pin_made_and_confirmed_at_once(client, app, counter):
    staff, holder, card, reward_id = counter
    response = card_redeem(client, staff, card, reward_id, "2580")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["balance"] == 30
    assert body["redemption"]["status"] == "confirmed"
    assert body["redemption"]["resident"] == "ยายแก้ว ใจดี"
    assert balance(client, holder) == 30
    with app.app_context():
        redemption = db.session.get(Redemption, body["redemption"]["id"])
        assert redemption.confirmed_by_id == staff.user.id
        [entry] = db.session.query(LedgerEntry).filter_by(redemption_id=redemption.id).all()
        assert (entry.delta, entry.actor_id, entry.shop_id) == (
            -20,
            staff.user.id,
            redemption.shop_id,
        )
    stock = client.get(f"/api/v1/rewards/{reward_id}").get_json()["stock_left"]
    assert stock == 2


def test_a_retry_with_the_same_key_replays_and_moves_the_points_once(client, counter):
    staff, holder, card, reward_id = counter
    first = card_redeem(client, staff, card, reward_id, "2580", key="k-1")
    again = card_redeem(client, staff, card, reward_id, "2580", key="k-1")
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert balance(client, holder) == 30


def test_a_wrong_pin_says_the_tries_left_and_the_fifth_locks(client, counter):
    staff, holder, card, reward_id = counter
    for tries_left in (4, 3, 2, 1):
        response = card_redeem(client, staff, card, reward_id, "9999")
        assert response.status_code == 403
        assert response.get_json()["code"] == "wrong_pin"
        assert response.get_json()["tries_left"] == tries_left
    locked = card_redeem(client, staff, card, reward_id, "9999")
    assert (locked.status_code, locked.get_json()["code"]) == (423, "card_pin_locked")
    # Even the right PIN now: the holder must set a new one.
    right = card_redeem(client, staff, card, reward_id, "2580")
    assert right.get_json()["code"] == "card_pin_locked"
    assert balance(client, holder) == 50


def test_a_right_pin_resets_the_wrong_tries(client, counter):
    staff, _, card, reward_id = counter
    card_redeem(client, staff, card, reward_id, "0000")
    card_redeem(client, staff, card, reward_id, "0000")
    assert card_redeem(client, staff, card, reward_id, "2580").status_code == 201
    wrong = card_redeem(client, staff, card, reward_id, "0000")
    assert wrong.get_json()["tries_left"] == 4


def test_a_holder_without_a_pin_cannot_redeem_at_the_counter(
    client, make_shop, make_reward, make_card_holder
):
    shop_id, staff = make_shop()
    _, card = make_card_holder(points=50, pin=None)
    response = card_redeem(client, staff, card, make_reward(shop_id), "2580")
    assert (response.status_code, response.get_json()["code"]) == (409, "card_pin_not_set")


def test_the_redemption_rules_apply_at_the_counter(client, counter, make_reward):
    staff, holder, card, _ = counter
    shop_id = staff.user.shop_id
    dear = make_reward(shop_id, points=80)
    assert (
        card_redeem(client, staff, card, dear, "2580").get_json()["code"] == "insufficient_points"
    )
    once = make_reward(shop_id, points=5, per_resident_limit=1)
    assert card_redeem(client, staff, card, once, "2580").status_code == 201
    again = card_redeem(client, staff, card, once, "2580")
    assert again.get_json()["code"] == "reward_unavailable"
    none_left = make_reward(shop_id, points=5, stock=0)
    assert card_redeem(client, staff, card, none_left, "2580").get_json()["code"] == "out_of_stock"
    assert balance(client, holder) == 45


def test_staff_hand_over_their_own_shops_rewards_only(client, counter, make_shop, make_reward):
    staff, holder, card, _ = counter
    elsewhere = make_reward(make_shop()[0], points=5)
    response = card_redeem(client, staff, card, elsewhere, "2580")
    assert (response.status_code, response.get_json()["code"]) == (404, "not_found")
    assert balance(client, holder) == 50


def test_the_app_flow_still_works_for_a_card_holder_with_a_phone(client, counter):
    staff, holder, _, reward_id = counter
    code = redeem(client, holder, reward_id).get_json()["redemption"]
    found = client.post(
        "/api/v1/shop/redemptions/lookup", json={"code": code["code"]}, headers=bearer(staff)
    )
    confirm = client.post(
        f"/api/v1/shop/redemptions/{found.get_json()['id']}/confirm", headers=bearer(staff)
    )
    assert confirm.status_code == 200
    assert balance(client, holder) == 30


def test_card_redemption_keys_never_meet_the_holders_own_keys(client, counter):
    staff, holder, card, reward_id = counter
    assert redeem(client, holder, reward_id, key="same-key").status_code == 201
    response = card_redeem(client, staff, card, reward_id, "2580", key="same-key")
    assert response.status_code == 201
    assert balance(client, holder) == 10


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"card": "X"},
        {"card": "X", "reward_id": "1", "pin": "2580"},
        {"card": "", "reward_id": 1, "pin": "1"},
    ],
)
def test_bad_bodies_are_validation_errors(client, counter, body):
    staff, *_ = counter
    headers = {**bearer(staff), "Idempotency-Key": "k"}
    response = client.post("/api/v1/shop/card-redemptions", json=body, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_error"


def test_a_card_redemption_needs_an_idempotency_key(client, counter):
    staff, _, card, reward_id = counter
    response = client.post(
        "/api/v1/shop/card-redemptions",
        json={"card": card, "reward_id": reward_id, "pin": "2580"},
        headers=bearer(staff),
    )
    assert response.get_json()["code"] == "idempotency_key_required"


def pin_failures(app, holder) -> int:
    with app.app_context():
        failures = db.session.get(User, holder.user.id).card_pin_failures
        db.session.remove()
    return failures


def test_a_malformed_pin_is_a_422_that_counts_no_try(client, app, counter):
    staff, holder, card, reward_id = counter
    for malformed in ("123", "12345", "12a4", "", "๑๒๓"):
        response = card_redeem(client, staff, card, reward_id, malformed)
        assert (response.status_code, response.get_json()["code"]) == (422, "validation_error")
        assert "pin" in response.get_json()["errors"], malformed
    assert pin_failures(app, holder) == 0
    # Thai digits are the same digits.
    assert card_redeem(client, staff, card, reward_id, "๒๕๘๐").status_code == 201


def test_a_locked_pin_says_until_when_and_opens_again_a_day_later(client, app, counter, set_now):
    staff, holder, card, reward_id = counter
    set_now(T0)
    for _ in range(4):
        assert card_redeem(client, staff, card, reward_id, "9999").status_code == 403
    locked = card_redeem(client, staff, card, reward_id, "9999")
    assert (locked.status_code, locked.get_json()["code"]) == (423, "card_pin_locked")
    assert locked.get_json()["locked_until"] == (T0 + timedelta(days=1)).isoformat()
    assert "24/11/2026 10:00" in locked.get_json()["detail"]  # Bangkok time
    set_now(T0 + timedelta(hours=23, minutes=59))
    still = card_redeem(client, staff, card, reward_id, "2580")
    assert still.get_json()["locked_until"] == (T0 + timedelta(days=1)).isoformat()
    set_now(T0 + timedelta(days=1))
    # The lock ran its time: the count starts again.
    wrong = card_redeem(client, staff, card, reward_id, "9999")
    assert (wrong.get_json()["code"], wrong.get_json()["tries_left"]) == ("wrong_pin", 4)
    assert card_redeem(client, staff, card, reward_id, "2580").status_code == 201
    with app.app_context():
        user = db.session.get(User, holder.user.id)
        assert (user.card_pin_failures, user.card_pin_locked_at) == (0, None)


def test_a_new_pin_opens_a_locked_card_at_once(client, app, counter, set_now):
    staff, holder, card, reward_id = counter
    set_now(T0)
    for _ in range(5):
        card_redeem(client, staff, card, reward_id, "9999")
    assert card_redeem(client, staff, card, reward_id, "2580").status_code == 423
    with app.app_context():
        cards.set_pin(db.session.get(User, holder.user.id), "8024")
        db.session.commit()
    assert card_redeem(client, staff, card, reward_id, "8024").status_code == 201


def test_a_staff_member_may_type_10_wrong_pins_a_day_and_each_is_logged(
    client, app, make_shop, make_reward, make_card_holder, caplog
):
    shop_id, staff = make_shop()
    reward_id = make_reward(shop_id, points=20)
    holders = [make_card_holder(points=50) for _ in range(5)]
    caplog.set_level(logging.WARNING, logger="ecolife.event")
    # Two cards locked (5 wrong tries each): the staff member's 10 wrong tries of the day.
    for _holder, card in holders[:2]:
        for _ in range(5):
            assert card_redeem(client, staff, card, reward_id, "9999").status_code in (403, 423)
    refused = card_redeem(client, staff, holders[2][1], reward_id, "2580")
    assert (refused.status_code, refused.get_json()["code"]) == (429, "pin_tries_exceeded")
    assert 0 < refused.get_json()["retry_after"] <= 24 * 3600
    assert pin_failures(app, holders[2][0]) == 0  # refused before the card was tried
    wrong = [r for r in caplog.records if r.getMessage() == "card_pin_wrong"]
    assert len(wrong) == 10
    assert {(r.staff_id, r.shop_id) for r in wrong} == {(staff.user.id, shop_id)}
    assert {r.holder_id for r in wrong} == {h.user.id for h, _ in holders[:2]}
    # Other counters are not held up.
    other_shop, other_staff = make_shop()
    other_reward = make_reward(other_shop, points=20)
    assert card_redeem(client, other_staff, holders[4][1], other_reward, "2580").status_code == 201


def test_a_shop_may_type_its_wrong_pins_of_the_day_whoever_types_them(
    client, app, make_shop, make_reward, make_card_holder, monkeypatch
):
    monkeypatch.setitem(app.config, "CARD_PIN_WRONG_TRIES_PER_STAFF", "100 per day")
    monkeypatch.setitem(app.config, "CARD_PIN_WRONG_TRIES_PER_SHOP", "3 per day")
    shop_id, staff = make_shop()
    reward_id = make_reward(shop_id, points=20)
    (_, card), (_, other_card) = make_card_holder(points=50), make_card_holder(points=50)
    for _ in range(3):
        assert card_redeem(client, staff, card, reward_id, "9999").status_code == 403
    refused = card_redeem(client, staff, other_card, reward_id, "2580")
    assert (refused.status_code, refused.get_json()["code"]) == (429, "pin_tries_exceeded")
    assert refused.headers["Retry-After"] == str(refused.get_json()["retry_after"])


def test_a_suspended_shops_staff_cannot_look_cards_up(client, counter, make_admin):
    staff, _, card, reward_id = counter
    admin = make_admin()
    shop_id = staff.user.shop_id
    client.patch(f"/api/v1/admin/shops/{shop_id}", json={"active": False}, headers=bearer(admin))
    response = client.get(f"/api/v1/shop/cards/{card}", headers=bearer(staff))
    assert (response.status_code, response.get_json()["code"]) == (409, "shop_inactive")
    redeemed = card_redeem(client, staff, card, reward_id, "9999")
    assert redeemed.get_json()["code"] == "shop_inactive"


def test_an_erased_holder_is_an_unknown_card_at_the_counter(app, counter):
    staff, holder, _card, reward_id = counter
    with app.app_context():
        user = db.session.get(User, holder.user.id)
        user.erased_at = user.created_at
        db.session.commit()
        at_counter = Counter(shop_id=staff.user.shop_id, staff_id=staff.user.id)
        # Erased between the look-up and the redemption: the counter's own read refuses.
        with pytest.raises(UnknownCard):
            redemptions.redeem_at_counter(
                holder.user.id, at_counter, key="card:erased", reward_id=reward_id
            )
        assert db.session.query(Redemption).count() == 0


@pytest.mark.parametrize(
    "trivial", ["0000", "7777", "1234", "0123", "6789", "4321", "3210", "๑๒๓๔"]
)
def test_a_pin_easy_to_guess_cannot_be_chosen(client, make_resident, trivial):
    resident = make_resident()
    response = client.post(
        "/api/v1/me/card/pin", json={"pin": trivial, "password": PASSWORD}, headers=bearer(resident)
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["pin"] == [cards.PIN_TRIVIAL]


def test_a_pin_that_only_looks_regular_can_be_chosen(client, make_resident):
    resident = make_resident()
    for pin in ("1235", "2468", "1122", "0987"):
        response = client.post(
            "/api/v1/me/card/pin", json={"pin": pin, "password": PASSWORD}, headers=bearer(resident)
        )
        assert response.status_code == 204, pin
